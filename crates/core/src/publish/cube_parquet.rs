//! `cube.parquet`: one row per cell and bin, cells in H3 order, bins oldest first, with the
//! count, the weight sum, and each row's Gi* z, its p and its significance (+1 hot, −1 cold,
//! 0 neither), and on each cell's final-bin row the forecast of the bin after the window. With an
//! effort log it adds `effort_hours` (patrol hours in the cell-bin), `encounters`,
//! `encounters_per_hour` (null without effort) and the Poisson-exposure Gi* `rate_z` and `rate_p`
//! ([`crate::stats::exposure`]). It holds exact
//! counts: it is the run's internal record, not a published layer.

use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use parquet::arrow::ArrowWriter;

use super::{BoxError, Output, Published};
use rayon::prelude::*;

use crate::cube::SpaceTimeCube;
use crate::stats::JobStats;
use crate::stats::exposure::EncounterCube;

/// The Arrow schema of `cube.parquet`; with statistics it adds `z`, `p`, `bin` and `forecast`;
/// with effort, `effort_hours`, `encounters`, `encounters_per_hour`, `rate_z` and `rate_p`.
pub fn cube_schema(with_stats: bool, with_effort: bool) -> Arc<Schema> {
    let ts = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    let mut fields = vec![
        Field::new("h3", DataType::Utf8, false),
        Field::new("bin_start", ts.clone(), false),
        Field::new("bin_end", ts, false),
        Field::new("count", DataType::Int64, false),
        Field::new("weight", DataType::Float64, false),
    ];
    if with_stats {
        fields.push(Field::new("z", DataType::Float64, false));
        fields.push(Field::new("p", DataType::Float64, false));
        fields.push(Field::new("bin", DataType::Int32, false));
        fields.push(Field::new("forecast", DataType::Float64, true));
    }
    if with_effort {
        fields.push(Field::new("effort_hours", DataType::Float64, false));
        fields.push(Field::new("encounters", DataType::Int64, false));
        fields.push(Field::new("encounters_per_hour", DataType::Float64, true));
        fields.push(Field::new("rate_z", DataType::Float64, false));
        fields.push(Field::new("rate_p", DataType::Float64, false));
    }
    Arc::new(Schema::new(fields))
}

/// The effort columns of `cube.parquet`, per (cell, bin) like the cube.
pub struct EffortColumns<'a> {
    /// Patrol hours.
    pub hours: &'a [f64],
    /// Concern reports (encounters are the count less these).
    pub concerns: &'a [u64],
    /// The Poisson-exposure Gi*.
    pub exposure: &'a crate::stats::exposure::ExposureGi,
}

/// Writes `cube` (with `stats` and `effort` when given) as Parquet to `out`, in row groups of
/// about 2²⁰ rows.
pub fn write_cube(
    cube: &SpaceTimeCube,
    stats: Option<(&JobStats, &[f64])>,
    effort: Option<EffortColumns<'_>>,
    out: &mut (dyn Write + Send),
) -> Result<(), BoxError> {
    let schema = cube_schema(stats.is_some(), effort.is_some());
    let props = super::parquet_properties(format!("hotspots {}", env!("CARGO_PKG_VERSION")));
    let mut writer = ArrowWriter::try_new(out, schema.clone(), Some(props))?;
    let t = cube.bins().len();
    let cells_per_group = (1 << 20) / t.max(1) + 1;
    for group in (0..cube.cells().len()).collect::<Vec<_>>().chunks(cells_per_group) {
        let rows = group.len() * t;
        // Each cell's name is written once into the column's buffer, not allocated per row.
        let mut h3 = StringBuilder::with_capacity(rows, rows * 15);
        let mut start = Vec::with_capacity(rows);
        let mut end = Vec::with_capacity(rows);
        let mut counts = Vec::with_capacity(rows);
        let mut weights = Vec::with_capacity(rows);
        for &c in group {
            let name = cube.cells()[c].to_string();
            for (b, bin) in cube.bins().bins().iter().enumerate() {
                h3.append_value(&name);
                start.push(bin.start_us);
                end.push(bin.end_us);
                counts.push(cube.count(c, b) as i64);
                weights.push(cube.weight(c, b));
            }
        }
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(h3.finish()),
            Arc::new(TimestampMicrosecondArray::from(start).with_timezone("UTC")),
            Arc::new(TimestampMicrosecondArray::from(end).with_timezone("UTC")),
            Arc::new(Int64Array::from(counts)),
            Arc::new(Float64Array::from(weights)),
        ];
        if let Some((stats, forecast)) = stats {
            let rows = group[0] * t..(group[group.len() - 1] + 1) * t;
            columns.push(Arc::new(Float64Array::from(stats.z[rows.clone()].to_vec())));
            columns.push(Arc::new(Float64Array::from(stats.p[rows.clone()].to_vec())));
            columns
                .push(Arc::new(Int32Array::from_iter_values(stats.significance[rows].iter().map(|&s| i32::from(s)))));
            // The forecast of the bin after the window, on each cell's final-bin row.
            columns.push(Arc::new(Float64Array::from_iter(
                group.iter().flat_map(|&c| (0..t).map(move |b| (b + 1 == t).then(|| forecast[c]))),
            )));
        }
        if let Some(e) = &effort {
            let rows = group[0] * t..(group[group.len() - 1] + 1) * t;
            let encounters = |i: usize| cube.counts()[i].saturating_sub(e.concerns[i]);
            columns.push(Arc::new(Float64Array::from(e.hours[rows.clone()].to_vec())));
            columns.push(Arc::new(Int64Array::from_iter_values(rows.clone().map(|i| encounters(i) as i64))));
            // The raw rate of the cell-bin; null where no effort was logged.
            columns.push(Arc::new(Float64Array::from_iter(
                rows.map(|i| (e.hours[i] > 0.0).then(|| encounters(i) as f64 / e.hours[i])),
            )));
            // The Poisson-exposure Gi*, computed here a cell at a time.
            let source = EncounterCube { counts: cube.counts(), concerns: e.concerns, hours: e.hours };
            let (z, p): (Vec<Vec<f64>>, Vec<Vec<f64>>) =
                group.par_iter().map(|&c| e.exposure.series(source, c, 0..t)).unzip();
            columns.push(Arc::new(Float64Array::from(z.concat())));
            columns.push(Arc::new(Float64Array::from(p.concat())));
        }
        let batch = RecordBatch::try_new(schema.clone(), columns)?;
        writer.write(&batch)?;
    }
    writer.close()?;
    Ok(())
}

/// `cube.parquet`.
pub(super) struct CubeParquet;

impl Output for CubeParquet {
    fn audience(&self) -> super::Audience {
        super::Audience::Internal
    }

    fn file_name(&self) -> &'static str {
        "cube.parquet"
    }

    fn render(&self, view: &Published<'_>, out: &mut (dyn Write + Send)) -> Result<(), BoxError> {
        let r = view.results;
        let effort = match (&r.job.effort, r.exposure) {
            (Some(hours), Some(exposure)) => Some(EffortColumns { hours, concerns: &r.job.concerns, exposure }),
            _ => None,
        };
        write_cube(&r.job.cube, Some((r.stats, &r.forecast.next)), effort, out)
    }
}
