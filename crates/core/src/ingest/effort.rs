//! The patrol-effort log (`--effort FILE`): one row per shift or visit, with its `start` and
//! `end` times, an optional `team`, and where the effort went: an H3 `cell` (any resolution), a
//! `district` name, or a `geometry` (a line walked or an area covered; GeoJSON text, or WKB in
//! Parquet). Every row is validated like an event row and ends up accepted or rejected with a
//! reason code, its column and the offending value ([`EffortReject`]); the spreading of accepted
//! shifts over cells and bins is the cube stage's ([`crate::cube::effort`]).
//!
//! Parquet (any of the time types events accept; the cell as text or a 64-bit integer; the
//! geometry as WKB or GeoJSON text) and CSV (header row, comma, semicolon or tab) are read.
//! Exactly one of the place columns present must be filled in a row.

use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, UInt64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use chrono_tz::Tz;
use h3o::CellIndex;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::ChunkReader;

use super::event::truncated;
use super::{InputSource, TimeCell, arrow_columns, check_time};
use crate::error::{Error, Result};
use crate::ingest::time_text::parse_time_text;

/// The columns of the effort log, by name in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EffortColumns {
    /// When the shift began (required).
    pub start: String,
    /// When it ended (required).
    pub end: String,
    /// The team or pair (optional; recorded, not used by the statistics).
    pub team: String,
    /// An H3 cell index (hex text or integer).
    pub cell: String,
    /// A district name of the districts layer.
    pub district: String,
    /// A line or polygon (GeoJSON text or WKB).
    pub geometry: String,
}

impl Default for EffortColumns {
    fn default() -> Self {
        EffortColumns {
            start: "start".into(),
            end: "end".into(),
            team: "team".into(),
            cell: "cell".into(),
            district: "district".into(),
            geometry: "geometry".into(),
        }
    }
}

/// The effort log of a run and how to read it.
#[derive(Clone, Debug)]
pub struct EffortOptions {
    /// The file (or the built-in sample's log).
    pub source: InputSource,
    /// Its columns.
    pub columns: EffortColumns,
    /// A `strftime` pattern for text times (as `--time-format`), when not ISO-8601.
    pub time_format: Option<String>,
}

impl EffortOptions {
    /// The built-in sample's synthetic effort log ([`crate::sample::EFFORT_PARQUET`]) with the
    /// default columns.
    pub fn sample() -> Self {
        EffortOptions {
            source: InputSource::Embedded {
                name: crate::sample::EFFORT_NAME.to_string(),
                bytes: crate::sample::EFFORT_PARQUET,
            },
            columns: EffortColumns::default(),
            time_format: None,
        }
    }
}

/// The longest shift accepted, hours: a row over a day is a typing mistake (or a whole week
/// entered as one row), and would smear effort over many bins.
pub const MAX_SHIFT_HOURS: f64 = 24.0;

/// Why an effort row was rejected. The codes ([`EffortRejectReason::code`]) are stable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EffortRejectReason {
    /// The start or end time is null or empty.
    MissingTime,
    /// The start or end time cannot be read (or is a local time a clock change skips).
    UnparsableTime,
    /// The end is not after the start.
    EndNotAfterStart,
    /// The shift is longer than [`MAX_SHIFT_HOURS`].
    ShiftTooLong,
    /// No place column is filled.
    MissingPlace,
    /// More than one place column is filled.
    SeveralPlaces,
    /// The cell is not a valid H3 cell index.
    InvalidCell,
    /// The district is not in the districts layer (or the run has none).
    UnknownDistrict,
    /// The geometry is not a readable line or polygon (points cover nothing).
    InvalidGeometry,
    /// The line or polygon covers more cells than the spreading takes
    /// ([`crate::cube::effort::MAX_PLACE_CELLS`]).
    PlaceTooLarge,
}

impl EffortRejectReason {
    /// Every reason, in code order.
    pub const ALL: [EffortRejectReason; 10] = [
        EffortRejectReason::MissingTime,
        EffortRejectReason::UnparsableTime,
        EffortRejectReason::EndNotAfterStart,
        EffortRejectReason::ShiftTooLong,
        EffortRejectReason::MissingPlace,
        EffortRejectReason::SeveralPlaces,
        EffortRejectReason::InvalidCell,
        EffortRejectReason::UnknownDistrict,
        EffortRejectReason::InvalidGeometry,
        EffortRejectReason::PlaceTooLarge,
    ];

    /// The stable snake_case code.
    pub fn code(self) -> &'static str {
        match self {
            EffortRejectReason::MissingTime => "missing_time",
            EffortRejectReason::UnparsableTime => "unparsable_time",
            EffortRejectReason::EndNotAfterStart => "end_not_after_start",
            EffortRejectReason::ShiftTooLong => "shift_too_long",
            EffortRejectReason::MissingPlace => "missing_place",
            EffortRejectReason::SeveralPlaces => "several_places",
            EffortRejectReason::InvalidCell => "invalid_cell",
            EffortRejectReason::UnknownDistrict => "unknown_district",
            EffortRejectReason::InvalidGeometry => "invalid_geometry",
            EffortRejectReason::PlaceTooLarge => "place_too_large",
        }
    }
}

/// One rejected effort row.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct EffortReject {
    /// Row number, 1-based, data rows only.
    pub row: u64,
    /// The column (as named in the file) that failed.
    pub column: String,
    /// Why (the reason's code).
    pub reason: &'static str,
    /// The offending value as text, where there is one (cut to 100 characters).
    pub value: Option<String>,
}

/// Where a shift's effort went.
#[derive(Clone, Debug, PartialEq)]
pub enum EffortPlace {
    /// An H3 cell at any resolution.
    Cell(CellIndex),
    /// A district of the layer, by its position.
    District(usize),
    /// A line walked or an area covered (WGS 84).
    Geometry(geo::Geometry<f64>),
}

/// A valid row of the effort log.
#[derive(Clone, Debug, PartialEq)]
pub struct Shift {
    /// Its row in the file.
    pub row: u64,
    /// Start, µs since the epoch.
    pub start_us: i64,
    /// End, µs since the epoch (after the start).
    pub end_us: i64,
    /// The team, when given.
    pub team: Option<String>,
    /// Where.
    pub place: EffortPlace,
}

impl Shift {
    /// Its length in hours.
    pub fn hours(&self) -> f64 {
        (self.end_us - self.start_us) as f64 / 3_600_000_000.0
    }
}

/// What reading the effort log gave.
#[derive(Clone, Debug, Default)]
pub struct EffortRows {
    /// Rows read.
    pub read: u64,
    /// The valid rows, in file order.
    pub shifts: Vec<Shift>,
    /// The rejected rows, in file order.
    pub rejects: Vec<EffortReject>,
}

/// One row's raw values, decoded from either format.
struct RawRow<'a> {
    start: TimeCell<'a>,
    end: TimeCell<'a>,
    team: Option<String>,
    cell: Option<RawCell<'a>>,
    district: Option<&'a str>,
    geometry: Option<RawGeometry<'a>>,
}

enum RawCell<'a> {
    Text(&'a str),
    Int(u64),
}

enum RawGeometry<'a> {
    Json(&'a str),
    Wkb(&'a [u8]),
}

/// Reads and validates the effort log. `districts` are the layer's names (empty without one);
/// a district name matches case-insensitively, after trimming.
///
/// # Errors
///
/// The file cannot be read or is not the format its name says, or the `start` / `end` column
/// is missing or of a type that cannot hold times, or no place column is present.
pub fn read_effort(options: &EffortOptions, tz: &Tz, districts: &[String]) -> Result<EffortRows> {
    let name = options.source.name();
    let mut out = EffortRows::default();
    let validate = |first_row: u64, rows: Vec<RawRow<'_>>, out: &mut EffortRows| {
        for (i, raw) in rows.into_iter().enumerate() {
            let row = first_row + i as u64;
            out.read += 1;
            match validate_row(raw, &options.columns, tz, options.time_format.as_deref(), districts) {
                Ok(mut shift) => {
                    shift.row = row;
                    out.shifts.push(shift);
                }
                Err((reason, column, value)) => out.rejects.push(EffortReject {
                    row,
                    column: column.to_string(),
                    reason: reason.code(),
                    value: value.map(|v| truncated(&v)),
                }),
            }
        }
    };
    match &options.source {
        InputSource::Embedded { bytes, .. } => {
            read_parquet(bytes::Bytes::from_static(bytes), &name, &options.columns, &mut |r, rows| {
                validate(r, rows, &mut out)
            })?
        }
        InputSource::File(path) => {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            if matches!(ext.as_str(), "csv" | "tsv" | "txt") {
                read_csv(path, &name, &options.columns, &mut |r, rows| validate(r, rows, &mut out))?
            } else {
                let file = std::fs::File::open(path).map_err(|source| Error::Read { path: name.clone(), source })?;
                read_parquet(file, &name, &options.columns, &mut |r, rows| validate(r, rows, &mut out))?
            }
        }
    }
    Ok(out)
}

type Rejection = (EffortRejectReason, String, Option<String>);

fn validate_row(
    raw: RawRow<'_>,
    columns: &EffortColumns,
    tz: &Tz,
    format: Option<&str>,
    districts: &[String],
) -> std::result::Result<Shift, Rejection> {
    use EffortRejectReason as R;
    let time = |cell: &TimeCell<'_>, column: &str| -> std::result::Result<i64, Rejection> {
        let value = match cell {
            TimeCell::Text(t) => Some(t.to_string()),
            _ => None,
        };
        let parsed = match cell {
            TimeCell::Text(t) if t.trim().is_empty() => Err(super::event::RejectReason::MissingTime),
            TimeCell::Text(t) => parse_time_text(t, tz, format),
            other => check_time(*other, tz, format),
        };
        parsed.map_err(|r| {
            let reason = if r == super::event::RejectReason::MissingTime { R::MissingTime } else { R::UnparsableTime };
            (reason, column.to_string(), value.clone())
        })
    };
    let start = time(&raw.start, &columns.start)?;
    let end = time(&raw.end, &columns.end)?;
    let micros = |t: i64| chrono::DateTime::from_timestamp_micros(t).map(|d| d.to_rfc3339());
    if end <= start {
        return Err((R::EndNotAfterStart, columns.end.clone(), micros(end)));
    }
    // Far-apart timestamps do not fit the subtraction: too long either way.
    if end.checked_sub(start).is_none_or(|d| d as f64 > MAX_SHIFT_HOURS * 3_600_000_000.0) {
        return Err((R::ShiftTooLong, columns.end.clone(), micros(end)));
    }
    let filled = [raw.cell.is_some(), raw.district.is_some(), raw.geometry.is_some()];
    match filled.iter().filter(|&&f| f).count() {
        0 => {
            let present = [&columns.cell, &columns.district, &columns.geometry];
            let names: Vec<&str> = present.iter().map(|s| s.as_str()).collect();
            return Err((R::MissingPlace, names.join("|"), None));
        }
        1 => {}
        _ => return Err((R::SeveralPlaces, columns.cell.clone(), None)),
    }
    let place = if let Some(cell) = raw.cell {
        let (parsed, text) = match cell {
            RawCell::Text(t) => (parse_cell(t), t.to_string()),
            RawCell::Int(v) => (CellIndex::try_from(v).ok(), v.to_string()),
        };
        EffortPlace::Cell(parsed.ok_or((R::InvalidCell, columns.cell.clone(), Some(text)))?)
    } else if let Some(d) = raw.district {
        // Case-insensitive in any script (Östersundom, östersundom); with two districts of one
        // name, the first in layer order.
        let wanted = d.trim().to_lowercase();
        let at = districts.iter().position(|n| n.trim().to_lowercase() == wanted);
        EffortPlace::District(at.ok_or((R::UnknownDistrict, columns.district.clone(), Some(d.to_string())))?)
    } else {
        let geometry = raw.geometry.expect("one place is filled");
        let (parsed, text) = match geometry {
            RawGeometry::Json(t) => (parse_geojson_geometry(t), Some(t.to_string())),
            RawGeometry::Wkb(b) => (super::wkb::read_geometry(b).ok(), None),
        };
        let parsed = parsed.filter(covers_something);
        EffortPlace::Geometry(parsed.ok_or((R::InvalidGeometry, columns.geometry.clone(), text))?)
    };
    Ok(Shift { row: 0, start_us: start, end_us: end, team: raw.team, place })
}

/// An H3 cell from hex text (`882a100d2dfffff`, with or without `0x`) or a decimal integer.
fn parse_cell(text: &str) -> Option<CellIndex> {
    let t = text.trim();
    let hex = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")).unwrap_or(t);
    if let Ok(cell) = hex.parse::<CellIndex>() {
        return Some(cell);
    }
    t.parse::<u64>().ok().and_then(|v| CellIndex::try_from(v).ok())
}

fn parse_geojson_geometry(text: &str) -> Option<geo::Geometry<f64>> {
    let geometry: geojson::Geometry = text.trim().parse().ok()?;
    geo::Geometry::<f64>::try_from(geometry).ok()
}

/// Lines and polygons with finite coordinates in range cover something; points do not.
fn covers_something(g: &geo::Geometry<f64>) -> bool {
    use geo::{CoordsIter, Geometry as G};
    let kind_ok = matches!(g, G::LineString(_) | G::MultiLineString(_) | G::Polygon(_) | G::MultiPolygon(_));
    kind_ok
        && g.coords_count() >= 2
        && g.coords_iter().all(|c| c.x.is_finite() && c.y.is_finite() && c.x.abs() <= 180.0 && c.y.abs() <= 90.0)
}

fn read_parquet<R: ChunkReader + 'static>(
    reader: R,
    name: &str,
    columns: &EffortColumns,
    sink: &mut dyn FnMut(u64, Vec<RawRow<'_>>),
) -> Result<()> {
    let parquet_err = |source| Error::Parquet { path: name.to_string(), source };
    let builder = ParquetRecordBatchReaderBuilder::try_new(reader).map_err(parquet_err)?;
    let schema = builder.schema().clone();
    let present: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    check_columns(&present, columns, name)?;
    for (col, ok, expected) in [
        (&columns.start, arrow_columns::is_time as fn(&DataType) -> bool, "a timestamp, date or text"),
        (&columns.end, arrow_columns::is_time, "a timestamp, date or text"),
        (&columns.district, arrow_columns::is_text, "text"),
        (&columns.team, |t: &DataType| arrow_columns::is_text(t) || arrow_columns::is_numeric(t), "text"),
        (
            &columns.cell,
            |t: &DataType| arrow_columns::is_text(t) || matches!(t, DataType::Int64 | DataType::UInt64),
            "text or a 64-bit integer",
        ),
        (
            &columns.geometry,
            |t: &DataType| arrow_columns::is_text(t) || arrow_columns::is_binary(t),
            "WKB or GeoJSON text",
        ),
    ] {
        if let Ok(field) = schema.field_with_name(col)
            && !ok(field.data_type())
        {
            return Err(Error::ColumnType {
                path: name.to_string(),
                column: col.clone(),
                found: format!("{}", field.data_type()),
                expected: expected.to_string(),
            });
        }
    }
    let reader = builder.with_batch_size(65_536).build().map_err(parquet_err)?;
    let mut next_row = 1u64;
    for batch in reader {
        let batch: RecordBatch = batch.map_err(|e| Error::Parquet { path: name.to_string(), source: e.into() })?;
        let column = |n: &str| batch.column_by_name(n).map(|a| a.as_ref());
        let n = batch.num_rows();
        let start = arrow_columns::time(column(&columns.start).expect("checked"));
        let end = arrow_columns::time(column(&columns.end).expect("checked"));
        let team: Vec<Option<String>> = match column(&columns.team) {
            Some(a) if arrow_columns::is_text(a.data_type()) => {
                arrow_columns::text(a).into_iter().map(|t| non_empty(t).map(str::to_string)).collect()
            }
            Some(a) => arrow_columns::numeric(a)
                .into_iter()
                .map(|v| match v {
                    super::Num::Val(v) => Some(v.to_string()),
                    _ => None,
                })
                .collect(),
            None => vec![None; n],
        };
        let cells: Vec<Option<RawCell<'_>>> = match column(&columns.cell) {
            Some(a) if arrow_columns::is_text(a.data_type()) => {
                arrow_columns::text(a).into_iter().map(|t| non_empty(t).map(RawCell::Text)).collect()
            }
            Some(a) if a.data_type() == &DataType::UInt64 => {
                let p = a.as_primitive::<UInt64Type>();
                (0..n).map(|i| (!p.is_null(i)).then(|| RawCell::Int(p.value(i)))).collect()
            }
            Some(a) => {
                let p = a.as_primitive::<Int64Type>();
                (0..n).map(|i| (!p.is_null(i)).then(|| RawCell::Int(p.value(i) as u64))).collect()
            }
            None => (0..n).map(|_| None).collect(),
        };
        let districts: Vec<Option<&str>> = match column(&columns.district) {
            Some(a) => arrow_columns::text(a).into_iter().map(non_empty).collect(),
            None => vec![None; n],
        };
        let geometries: Vec<Option<RawGeometry<'_>>> = match column(&columns.geometry) {
            Some(a) if arrow_columns::is_text(a.data_type()) => {
                arrow_columns::text(a).into_iter().map(|t| non_empty(t).map(RawGeometry::Json)).collect()
            }
            Some(a) => binary(a).into_iter().map(|b| b.filter(|b| !b.is_empty()).map(RawGeometry::Wkb)).collect(),
            None => (0..n).map(|_| None).collect(),
        };
        let rows: Vec<RawRow<'_>> = start
            .into_iter()
            .zip(end)
            .zip(team)
            .zip(cells)
            .zip(districts)
            .zip(geometries)
            .map(|(((((start, end), team), cell), district), geometry)| RawRow {
                start,
                end,
                team,
                cell,
                district,
                geometry,
            })
            .collect();
        sink(next_row, rows);
        next_row += n as u64;
    }
    Ok(())
}

fn binary(a: &dyn Array) -> Vec<Option<&[u8]>> {
    match a.data_type() {
        DataType::Binary => a.as_binary::<i32>().iter().collect(),
        DataType::LargeBinary => a.as_binary::<i64>().iter().collect(),
        DataType::BinaryView => a.as_binary_view().iter().collect(),
        _ => vec![None; a.len()],
    }
}

fn non_empty(t: Option<&str>) -> Option<&str> {
    t.filter(|t| !t.trim().is_empty())
}

/// The start and end columns must be there, and at least one place column.
fn check_columns(present: &[&str], columns: &EffortColumns, name: &str) -> Result<()> {
    for required in [&columns.start, &columns.end] {
        if !present.contains(&required.as_str()) {
            return Err(Error::MissingColumn {
                path: name.to_string(),
                column: required.clone(),
                present: present.join(", "),
            });
        }
    }
    if ![&columns.cell, &columns.district, &columns.geometry].iter().any(|c| present.contains(&c.as_str())) {
        return Err(Error::MissingColumn {
            path: name.to_string(),
            column: format!("{} / {} / {}", columns.cell, columns.district, columns.geometry),
            present: present.join(", "),
        });
    }
    Ok(())
}

fn read_csv(
    path: &Path,
    name: &str,
    columns: &EffortColumns,
    sink: &mut dyn FnMut(u64, Vec<RawRow<'_>>),
) -> Result<()> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: name.to_string(), source })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let first = text.lines().next().unwrap_or("");
    let count = |c: char| first.matches(c).count();
    let delimiter = if count(';') > count(',') && count(';') >= count('\t') {
        b';'
    } else if count('\t') > count(',') {
        b'\t'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).from_reader(text.as_bytes());
    let csv_err = |e: csv::Error| Error::Format { path: name.to_string(), message: format!("CSV: {e}") };
    let headers = reader.headers().map_err(csv_err)?.clone();
    let present: Vec<&str> = headers.iter().map(str::trim).collect();
    check_columns(&present, columns, name)?;
    let find = |c: &str| present.iter().position(|h| *h == c);
    let (start, end, team, cell, district, geometry) = (
        find(&columns.start),
        find(&columns.end),
        find(&columns.team),
        find(&columns.cell),
        find(&columns.district),
        find(&columns.geometry),
    );
    let records: Vec<csv::StringRecord> = reader.records().collect::<std::result::Result<_, _>>().map_err(csv_err)?;
    fn field(r: &csv::StringRecord, i: Option<usize>) -> Option<&str> {
        i.and_then(|i| r.get(i)).filter(|t| !t.trim().is_empty())
    }
    let rows: Vec<RawRow<'_>> = records
        .iter()
        .map(|r| RawRow {
            start: field(r, start).map_or(TimeCell::Null, TimeCell::Text),
            end: field(r, end).map_or(TimeCell::Null, TimeCell::Text),
            team: field(r, team).map(|t| t.trim().to_string()),
            cell: field(r, cell).map(RawCell::Text),
            district: field(r, district),
            geometry: field(r, geometry).map(RawGeometry::Json),
        })
        .collect();
    sink(1, rows);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> EffortOptions {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        EffortOptions { source: InputSource::File(path), columns: EffortColumns::default(), time_format: None }
    }

    /// Every row of a hand-made log is accepted or rejected with the reason worked out here.
    #[test]
    fn each_row_is_accepted_or_rejected_with_its_reason_column_and_value() {
        let dir = tempfile::tempdir().unwrap();
        let cell = h3o::LatLng::new(60.17, 24.94).unwrap().to_cell(h3o::Resolution::Seven);
        let text = format!(
            "start,end,team,cell,district,geometry\n\
             2026-10-05T09:00:00,2026-10-05T12:30:00,north,{cell},,\n\
             2026-10-05T09:00:00,2026-10-05T11:00:00,,,Keskinen,\n\
             2026-10-05T09:00:00,2026-10-05T10:00:00,,,,\"{{\"\"type\"\":\"\"LineString\"\",\"\"coordinates\"\":[[24.93,60.17],[24.95,60.18]]}}\"\n\
             ,2026-10-05T10:00:00,,{cell},,\n\
             yesterday,2026-10-05T10:00:00,,{cell},,\n\
             2026-10-05T10:00:00,2026-10-05T09:00:00,,{cell},,\n\
             2026-10-05T10:00:00,2026-10-07T09:00:00,,{cell},,\n\
             2026-10-05T09:00:00,2026-10-05T10:00:00,,,,\n\
             2026-10-05T09:00:00,2026-10-05T10:00:00,,{cell},Keskinen,\n\
             2026-10-05T09:00:00,2026-10-05T10:00:00,,8a2a1072b59ffff0,,\n\
             2026-10-05T09:00:00,2026-10-05T10:00:00,,,Atlantis,\n\
             2026-10-05T09:00:00,2026-10-05T10:00:00,,,,\"{{\"\"type\"\":\"\"Point\"\",\"\"coordinates\"\":[24.93,60.17]}}\"\n\
             2026-03-29T03:30:00,2026-03-29T05:00:00,,{cell},,\n"
        );
        let options = write(dir.path(), "effort.csv", &text);
        let rows = read_effort(&options, &chrono_tz::Europe::Helsinki, &["Keskinen".to_string()]).unwrap();
        assert_eq!(rows.read, 13);
        assert_eq!(rows.shifts.len() + rows.rejects.len(), 13, "every row accounted for");
        assert_eq!(rows.shifts.iter().map(|s| s.row).collect::<Vec<_>>(), [1, 2, 3]);
        assert_eq!(rows.shifts[0].place, EffortPlace::Cell(cell));
        assert!((rows.shifts[0].hours() - 3.5).abs() < 1e-12);
        assert_eq!(rows.shifts[0].team.as_deref(), Some("north"));
        assert_eq!(rows.shifts[1].place, EffortPlace::District(0));
        assert!(matches!(rows.shifts[2].place, EffortPlace::Geometry(geo::Geometry::LineString(_))));
        let got: Vec<(u64, &str, &str)> = rows.rejects.iter().map(|r| (r.row, r.reason, r.column.as_str())).collect();
        assert_eq!(
            got,
            [
                (4, "missing_time", "start"),
                (5, "unparsable_time", "start"),
                (6, "end_not_after_start", "end"),
                (7, "shift_too_long", "end"),
                (8, "missing_place", "cell|district|geometry"),
                (9, "several_places", "cell"),
                (10, "invalid_cell", "cell"),
                (11, "unknown_district", "district"),
                (12, "invalid_geometry", "geometry"),
                // 03:30 on the last Sunday of March does not exist in Helsinki.
                (13, "unparsable_time", "start"),
            ]
        );
        assert_eq!(rows.rejects[1].value.as_deref(), Some("yesterday"));
        assert_eq!(rows.rejects[7].value.as_deref(), Some("Atlantis"));
    }

    #[test]
    fn a_log_without_a_place_column_or_an_end_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let options = write(dir.path(), "e.csv", "start,end,team\n2026-10-05T09:00:00,2026-10-05T10:00:00,a\n");
        let e = read_effort(&options, &chrono_tz::Europe::Helsinki, &[]).unwrap_err().to_string();
        assert!(e.contains("e.csv") && e.contains("cell / district / geometry"), "{e}");
        let options = write(dir.path(), "f.csv", "start,cell\n2026-10-05T09:00:00,x\n");
        let e = read_effort(&options, &chrono_tz::Europe::Helsinki, &[]).unwrap_err().to_string();
        assert!(e.contains("f.csv") && e.contains("`end`"), "{e}");
    }
}
