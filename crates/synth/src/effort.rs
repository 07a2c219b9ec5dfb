//! A synthetic patrol-effort log for the generated events: the shifts the pairs would have
//! walked for the encounters to be recorded at all.
//!
//! An encounter is recorded only where a pair is, so every resolution-8 cell and local day with
//! at least one *encounter* gets one shift there: from the hour of the day's first encounter
//! (rounded down) to the hour after its last (rounded up), at least [`MIN_SHIFT_HOURS`] and at
//! most [`MAX_SHIFT_HOURS`] long, by the team of the cell's compass direction from the city
//! centre. Concern reports need no pair, so a place with concern reports and no encounters has
//! no effort: a blind spot. The log is synthetic and says nothing about any real patrol.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::{Offset, TimeZone};
use h3o::{CellIndex, LatLng, Resolution};
use hotspots_core::publish::OutputSet;
use parquet::arrow::ArrowWriter;

use crate::{SynthConfig, SynthError, SynthEvent, TIME_ZONE, generate};

/// The shortest shift, hours.
pub const MIN_SHIFT_HOURS: i64 = 2;
/// The longest shift, hours.
pub const MAX_SHIFT_HOURS: i64 = 10;
/// The resolution of the shifts' cells.
pub const SHIFT_RESOLUTION: Resolution = Resolution::Eight;
/// The city centre the teams' directions are taken from (Helsinki railway station).
const CENTRE: (f64, f64) = (60.1710, 24.9414);

/// One shift of the synthetic log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SynthShift {
    /// Start, µs since the epoch.
    pub start_us: i64,
    /// End, µs since the epoch.
    pub end_us: i64,
    /// The team (`north`, `east`, `south`, `west`).
    pub team: &'static str,
    /// The cell walked.
    pub cell: CellIndex,
}

const HOUR_US: i64 = 3_600_000_000;

/// The shifts behind `events`' encounters (see the module documentation), by start, then cell.
pub fn effort_log(events: &[SynthEvent]) -> Vec<SynthShift> {
    // (cell, local day) → (first local µs, last local µs, UTC offset µs)
    let mut days: std::collections::BTreeMap<(CellIndex, i64), (i64, i64, i64)> = std::collections::BTreeMap::new();
    for e in events.iter().filter(|e| !e.concern) {
        let Ok(ll) = LatLng::new(e.lat, e.lon) else { continue };
        let cell = ll.to_cell(SHIFT_RESOLUTION);
        let utc = chrono::DateTime::from_timestamp_micros(e.time_us).expect("a generated time").naive_utc();
        let offset = i64::from(TIME_ZONE.offset_from_utc_datetime(&utc).fix().local_minus_utc()) * 1_000_000;
        let local = e.time_us + offset;
        let day = local.div_euclid(24 * HOUR_US);
        let entry = days.entry((cell, day)).or_insert((local, local, offset));
        entry.0 = entry.0.min(local);
        entry.1 = entry.1.max(local);
    }
    let mut shifts: Vec<SynthShift> = days
        .into_iter()
        .map(|((cell, _), (first, last, offset))| {
            let start = first.div_euclid(HOUR_US) * HOUR_US;
            let end = (last.div_euclid(HOUR_US) + 1) * HOUR_US;
            let hours = ((end - start) / HOUR_US).clamp(MIN_SHIFT_HOURS, MAX_SHIFT_HOURS);
            SynthShift { start_us: start - offset, end_us: start - offset + hours * HOUR_US, team: team_of(cell), cell }
        })
        .collect();
    shifts.sort_by_key(|s| (s.start_us, s.cell));
    shifts
}

/// The team of a cell: its compass direction from the city centre.
fn team_of(cell: CellIndex) -> &'static str {
    let ll = LatLng::from(cell);
    let north = ll.lat() - CENTRE.0;
    let east = (ll.lng() - CENTRE.1) * CENTRE.0.to_radians().cos();
    if north.abs() >= east.abs() {
        if north >= 0.0 { "north" } else { "south" }
    } else if east >= 0.0 {
        "east"
    } else {
        "west"
    }
}

/// The Arrow schema of the effort log: `start`, `end` (timestamps, UTC), `team`, `cell` (H3,
/// hex text).
pub fn effort_schema() -> Arc<Schema> {
    let ts = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    Arc::new(Schema::new(vec![
        Field::new("start", ts.clone(), false),
        Field::new("end", ts, false),
        Field::new("team", DataType::Utf8, false),
        Field::new("cell", DataType::Utf8, false),
    ]))
}

/// Generates `config`'s events and writes the effort log behind them to `path` (Parquet, zstd,
/// through a temporary name). Returns the number of shifts.
pub fn write_effort_parquet(config: &SynthConfig, path: &Path) -> Result<usize, SynthError> {
    let events = generate(config)?;
    let shifts = effort_log(&events);
    let props = hotspots_core::publish::parquet_properties(format!("hotspots-synth {}", env!("CARGO_PKG_VERSION")));
    let mut set = OutputSet::new();
    set.write(path, |file| {
        let mut writer = ArrowWriter::try_new(std::io::BufWriter::new(file), effort_schema(), Some(props))?;
        let batch = RecordBatch::try_new(
            effort_schema(),
            vec![
                Arc::new(
                    TimestampMicrosecondArray::from_iter_values(shifts.iter().map(|s| s.start_us)).with_timezone("UTC"),
                ),
                Arc::new(
                    TimestampMicrosecondArray::from_iter_values(shifts.iter().map(|s| s.end_us)).with_timezone("UTC"),
                ),
                Arc::new(StringArray::from_iter_values(shifts.iter().map(|s| s.team))),
                Arc::new(StringArray::from_iter_values(shifts.iter().map(|s| s.cell.to_string()))),
            ],
        )?;
        writer.write(&batch)?;
        writer.close()?;
        Ok(())
    })?;
    set.commit()?;
    Ok(shifts.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every encounter lies inside a shift of its cell; no concern report made a shift.
    #[test]
    fn every_encounter_is_inside_a_shift_of_its_cell() {
        let config = SynthConfig {
            events: 3000,
            weeks: 4,
            seed: 5,
            until: SynthConfig::default_until(),
            ids: crate::IdForm::Int,
        };
        let events = generate(&config).unwrap();
        let shifts = effort_log(&events);
        assert!(!shifts.is_empty());
        for e in events.iter().filter(|e| !e.concern) {
            let cell = LatLng::new(e.lat, e.lon).unwrap().to_cell(SHIFT_RESOLUTION);
            assert!(
                shifts.iter().any(|s| s.cell == cell && s.start_us <= e.time_us && e.time_us < s.end_us)
                    || shifts.iter().any(|s| s.cell == cell && (s.end_us - s.start_us) == MAX_SHIFT_HOURS * HOUR_US),
                "an encounter outside every shift of its cell"
            );
        }
        for s in &shifts {
            let h = (s.end_us - s.start_us) / HOUR_US;
            assert!((MIN_SHIFT_HOURS..=MAX_SHIFT_HOURS).contains(&h));
        }
        let encounter_cells: std::collections::HashSet<CellIndex> = events
            .iter()
            .filter(|e| !e.concern)
            .map(|e| LatLng::new(e.lat, e.lon).unwrap().to_cell(SHIFT_RESOLUTION))
            .collect();
        assert!(shifts.iter().all(|s| encounter_cells.contains(&s.cell)));
    }
}
