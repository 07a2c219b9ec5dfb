//! `summary.json`: the run's parameters, the time window, the row accounting of every input,
//! the cube's size and per-district totals, and the wall time of each stage. Everything in it
//! except `timings_ms` is the same for the same inputs and parameters.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::DateTime;
use serde::Serialize;

use crate::error::Result;
use crate::local_time::date_of_day;
use crate::output::write_bytes_atomically;
use crate::pipeline::{CubeRun, DistrictTally, InputAccount};

/// The parameters a run was made with, as the user gave them.
#[derive(Clone, Debug, Serialize)]
pub struct RunParameters {
    /// H3 resolution.
    pub resolution: u8,
    /// `day`, `week` or `month`.
    pub bin: String,
    /// `--steps`, when given.
    pub steps: Option<u32>,
    /// `--since`, when given (a date).
    pub since: Option<String>,
    /// `--until`, when given (a date).
    pub until: Option<String>,
    /// `--tz`.
    pub tz: String,
    /// The districts layer, when one was given.
    pub districts: Option<String>,
    /// Column names read.
    pub columns: BTreeMap<String, String>,
}

/// The time window the cube covers.
#[derive(Clone, Debug, Serialize)]
pub struct WindowSummary {
    /// First local date of the window.
    pub start: String,
    /// The local date the window ends at (exclusive).
    pub end: String,
    /// The same as UTC instants (RFC 3339).
    pub start_utc: String,
    /// End instant (exclusive), UTC.
    pub end_utc: String,
    /// Number of bins.
    pub bins: usize,
    /// Start of every bin, local dates, oldest first.
    pub bin_starts: Vec<String>,
}

/// Row totals over all inputs.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    /// Rows read.
    pub read: u64,
    /// Analysed events.
    pub accepted: u64,
    /// Rejected rows.
    pub rejected: u64,
    /// Valid events outside the study area.
    pub outside_study_area: u64,
    /// Valid events outside the window.
    pub outside_window: u64,
}

/// Size and contents of the cube.
#[derive(Clone, Debug, Serialize)]
pub struct CubeSummary {
    /// H3 resolution.
    pub resolution: u8,
    /// Study-area cells.
    pub cells: usize,
    /// Bins.
    pub bins: usize,
    /// Cells with at least one event.
    pub cells_with_events: usize,
    /// Events in the cube.
    pub events: u64,
    /// Events per bin, oldest first.
    pub events_per_bin: Vec<u64>,
}

/// The whole `summary.json`.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Engine version.
    pub version: String,
    /// Parameters.
    pub parameters: RunParameters,
    /// Time window.
    pub window: WindowSummary,
    /// Row accounting per input.
    pub inputs: Vec<InputAccount>,
    /// Row accounting over all inputs.
    pub totals: Totals,
    /// The cube.
    pub cube: CubeSummary,
    /// Accepted events per district (empty without a districts layer).
    pub districts: Vec<DistrictTally>,
    /// Category labels seen in valid rows, in order of first appearance.
    pub categories: Vec<String>,
    /// Wall time per stage, milliseconds.
    pub timings_ms: BTreeMap<String, u64>,
}

fn iso_utc(us: i64) -> String {
    DateTime::from_timestamp_micros(us).map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default()
}

fn local_date(day: i32) -> String {
    date_of_day(day).map(|d| d.to_string()).unwrap_or_default()
}

impl Summary {
    /// Collects the summary of a cube run.
    pub fn of(run: &CubeRun, parameters: RunParameters) -> Summary {
        let bins = run.cube.bins();
        let mut totals = Totals::default();
        for a in &run.inputs {
            totals.read += a.read;
            totals.accepted += a.accepted;
            totals.rejected += a.rejected;
            totals.outside_study_area += a.outside_study_area;
            totals.outside_window += a.outside_window;
        }
        let t = bins.len();
        Summary {
            version: env!("CARGO_PKG_VERSION").to_string(),
            parameters,
            window: WindowSummary {
                start: local_date(bins.first_day()),
                end: local_date(bins.end_day()),
                start_utc: iso_utc(bins.bins()[0].start_us),
                end_utc: iso_utc(bins.bins()[t - 1].end_us),
                bins: t,
                bin_starts: bins.bins().iter().map(|b| local_date(b.start_day)).collect(),
            },
            inputs: run.inputs.clone(),
            totals,
            cube: CubeSummary {
                resolution: u8::from(run.cube.resolution()),
                cells: run.cube.cells().len(),
                bins: t,
                cells_with_events: (0..run.cube.cells().len())
                    .filter(|&c| run.cube.series(c).iter().any(|&v| v > 0))
                    .count(),
                events: run.cube.total_count(),
                events_per_bin: run.cube.totals_per_bin(),
            },
            districts: run.districts.clone(),
            categories: run.categories.names().to_vec(),
            timings_ms: run.timings_ms.iter().cloned().collect(),
        }
    }

    /// Writes the summary as pretty JSON, atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut text = serde_json::to_string_pretty(self).expect("summary serialises");
        text.push('\n');
        write_bytes_atomically(path, text.as_bytes())
    }
}
