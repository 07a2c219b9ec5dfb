//! The space-time cube: study-area cells × time bins, holding the number of events and the sum
//! of their weights per cell and bin. Memory is proportional to cells × bins, never to events.

use h3o::{CellIndex, Resolution};

use crate::time::bins::TimeBins;

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
}
