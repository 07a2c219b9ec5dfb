//! The space-time cube: study-area cells × time bins, holding the number of events and the sum
//! of their weights per cell and bin. Memory is proportional to cells × bins, never to events.

use std::path::Path;
use std::sync::Arc;

use arrow_array::{
    ArrayRef, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use h3o::{CellIndex, Resolution};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use crate::emerging::JobStats;
use crate::error::Result;
use crate::output::OutputSet;
use crate::time_bins::TimeBins;

/// The first `end` bins of every cell of cell-major `values` with `bins` values per cell.
pub(crate) fn first_bins<T: Copy>(values: &[T], bins: usize, end: usize) -> Vec<T> {
    values.chunks_exact(bins.max(1)).flat_map(|cell| cell[..end].iter().copied()).collect()
}

/// Counts per cell and bin. Cells are sorted by their H3 index; values are stored cell-major
/// (`cell * bins + bin`).
#[derive(Clone, Debug, PartialEq)]
pub struct SpaceTimeCube {
    resolution: Resolution,
    cells: Vec<CellIndex>,
    bins: TimeBins,
    counts: Vec<u64>,
    weights: Vec<f64>,
}

impl SpaceTimeCube {
    /// An empty (all-zero) cube over `cells` (sorted and deduplicated here) and `bins`.
    pub fn zeros(resolution: Resolution, mut cells: Vec<CellIndex>, bins: TimeBins) -> Self {
        cells.sort_unstable();
        cells.dedup();
        let n = cells.len() * bins.len();
        SpaceTimeCube { resolution, cells, bins, counts: vec![0; n], weights: vec![0.0; n] }
    }

    /// The cube of the first `end` bins only.
    pub fn truncated(&self, end: usize) -> SpaceTimeCube {
        let end = end.clamp(1, self.bins.len());
        SpaceTimeCube {
            resolution: self.resolution,
            cells: self.cells.clone(),
            bins: self.bins.first(end),
            counts: first_bins(&self.counts, self.bins.len(), end),
            weights: first_bins(&self.weights, self.bins.len(), end),
        }
    }

    /// The H3 resolution of the cells.
    pub fn resolution(&self) -> Resolution {
        self.resolution
    }

    /// The study-area cells, sorted by H3 index.
    pub fn cells(&self) -> &[CellIndex] {
        &self.cells
    }

    /// The time bins, oldest first.
    pub fn bins(&self) -> &TimeBins {
        &self.bins
    }

    /// Position of `cell` in [`SpaceTimeCube::cells`].
    pub fn cell_position(&self, cell: CellIndex) -> Option<usize> {
        self.cells.binary_search(&cell).ok()
    }

    /// Adds `count` events of total weight `weight` to (cell position, bin).
    pub fn add(&mut self, cell: usize, bin: usize, count: u64, weight: f64) {
        let i = cell * self.bins.len() + bin;
        self.counts[i] += count;
        self.weights[i] += weight;
    }

    /// Event count of (cell position, bin).
    pub fn count(&self, cell: usize, bin: usize) -> u64 {
        self.counts[cell * self.bins.len() + bin]
    }

    /// Weight sum of (cell position, bin).
    pub fn weight(&self, cell: usize, bin: usize) -> f64 {
        self.weights[cell * self.bins.len() + bin]
    }

    /// All counts, cell-major.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// All weight sums, cell-major.
    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    /// The count series of one cell, oldest bin first.
    pub fn series(&self, cell: usize) -> &[u64] {
        let t = self.bins.len();
        &self.counts[cell * t..(cell + 1) * t]
    }

    /// Total events in the cube.
    pub fn total_count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// Total events per bin, oldest first.
    pub fn totals_per_bin(&self) -> Vec<u64> {
        let t = self.bins.len();
        let mut totals = vec![0u64; t];
        for row in self.counts.chunks_exact(t.max(1)) {
            for (acc, v) in totals.iter_mut().zip(row) {
                *acc += v;
            }
        }
        totals
    }

    /// The Arrow schema of `cube.parquet`; with statistics it adds `z`, `p` and `bin`.
    pub fn parquet_schema(with_stats: bool) -> Arc<Schema> {
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
        }
        Arc::new(Schema::new(fields))
    }

    /// Writes `cube.parquet`: one row per cell and bin, cells in H3 order, bins oldest first;
    /// with `stats`, each row's Gi* z, its p and its significance (+1 hot, −1 cold, 0 neither).
    /// The file is staged in `set` and appears when the set is committed.
    pub fn write_parquet(&self, set: &mut OutputSet, path: &Path, stats: Option<&JobStats>) -> Result<()> {
        let schema = Self::parquet_schema(stats.is_some());
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).expect("valid level")))
            .set_created_by(format!("hotspots {}", env!("CARGO_PKG_VERSION")))
            .build();
        set.write(path, |file| {
            let mut writer = ArrowWriter::try_new(file, schema.clone(), Some(props.clone()))?;
            let t = self.bins.len();
            let cells_per_group = (1 << 20) / t.max(1) + 1;
            for group in (0..self.cells.len()).collect::<Vec<_>>().chunks(cells_per_group) {
                let rows = group.len() * t;
                let mut h3 = Vec::with_capacity(rows);
                let mut start = Vec::with_capacity(rows);
                let mut end = Vec::with_capacity(rows);
                let mut counts = Vec::with_capacity(rows);
                let mut weights = Vec::with_capacity(rows);
                for &c in group {
                    let name = self.cells[c].to_string();
                    for (b, bin) in self.bins.bins().iter().enumerate() {
                        h3.push(name.clone());
                        start.push(bin.start_us);
                        end.push(bin.end_us);
                        counts.push(self.count(c, b) as i64);
                        weights.push(self.weight(c, b));
                    }
                }
                let mut columns: Vec<ArrayRef> = vec![
                    Arc::new(StringArray::from(h3)),
                    Arc::new(TimestampMicrosecondArray::from(start).with_timezone("UTC")),
                    Arc::new(TimestampMicrosecondArray::from(end).with_timezone("UTC")),
                    Arc::new(Int64Array::from(counts)),
                    Arc::new(Float64Array::from(weights)),
                ];
                if let Some(stats) = stats {
                    let rows = group[0] * t..(group[group.len() - 1] + 1) * t;
                    columns.push(Arc::new(Float64Array::from(stats.z[rows.clone()].to_vec())));
                    columns.push(Arc::new(Float64Array::from(stats.p[rows.clone()].to_vec())));
                    columns.push(Arc::new(Int32Array::from_iter_values(
                        stats.significance[rows].iter().map(|&s| i32::from(s)),
                    )));
                }
                let batch = RecordBatch::try_new(schema.clone(), columns)?;
                writer.write(&batch)?;
            }
            writer.close()?;
            Ok(())
        })
    }
}
