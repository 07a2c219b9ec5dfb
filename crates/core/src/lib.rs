//! `hotspots-core`: the library of the hotspots engine for street outreach work.
//!
//! It reads geotagged outreach encounters and residents' concern reports from Parquet, CSV or
//! GeoJSON exports ([`ingest`]), validates and accounts for every row, indexes events with H3
//! cells and districts ([`districts`], [`study_area`], [`event_index`]), and aggregates them
//! into a space-time cube of cells × local time bins ([`time_bins`], [`cube`]), streaming
//! batch by batch so memory grows with cells × bins, not with events. [`pipeline`] runs the
//! whole path; [`summary`] and [`output`] write `summary.json`, `cube.parquet` and the rejects
//! file atomically.
//!
//! ```no_run
//! use hotspots_core::{emerging, jobs, pipeline, sample, time_bins, ingest, output, progress};
//! let tz: chrono_tz::Tz = "Europe/Helsinki".parse()?;
//! let config = pipeline::CubeConfig {
//!     inputs: vec![sample::events()],
//!     ingest: ingest::IngestOptions::new(tz),
//!     districts: Some(sample::districts()),
//!     districts_name: sample::DISTRICTS_NAME.into(),
//!     resolution: h3o::Resolution::Eight,
//!     bins: time_bins::BinSpec { step: time_bins::BinStep::Week, start: time_bins::WindowStart::Auto, until: None, tz },
//!     jobs: vec![jobs::JobSpec::all()],
//! };
//! let run = pipeline::build_cube(&config, &progress::NoProgress, &mut output::DiscardRejects)?;
//! let job = &run.jobs[0];
//! let stats = emerging::analyse(&job.cube, &run.cell_districts, &[], &emerging::StatsParams::default(), "all")?;
//! println!("{} cells × {} bins: {:?}", job.cube.cells().len(), job.cube.bins().len(), stats.pattern_counts());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

pub mod backtest;
pub mod cell_locator;
pub mod cube;
pub mod diagnostics;
pub mod districts;
pub mod emerging;
pub mod error;
pub mod event;
pub mod event_index;
pub mod gi_star;
pub mod inference;
pub mod ingest;
pub mod jobs;
pub mod layers;
pub mod local_time;
pub mod mann_kendall;
pub mod normal;
pub mod output;
pub mod patrol;
pub mod patterns;
pub mod pipeline;
pub mod privacy;
pub mod progress;
#[cfg(test)]
mod properties;
pub mod qgis_style;
pub mod report;
pub mod robustness;
pub mod sample;
pub mod services;
pub mod study_area;
pub mod summary;
pub mod time_bins;

pub use error::{Error, Result};
