//! `hotspots-core`: the library of the hotspots engine for street outreach work. It runs the
//! whole product; the `hotspots` binary only parses the command line into a [`RunConfig`],
//! calls [`run`] and prints the [`RunReport`].
//!
//! The stages, each a folder named by what it holds, in the order the data flows:
//!
//! 1. [`ingest`] reads Parquet, CSV or GeoJSON exports batch by batch, maps columns, validates
//!    every row and hands on events ([`ingest::event`]) and rejects with file, row and reason.
//! 2. [`time`] turns instants into local days and hours and lays out the time bins;
//!    [`space`] puts each event in its H3 cell (an exact fast locator), its district (R-tree and
//!    point-in-polygon) and the study area, and knows the service points.
//! 3. [`cube`] builds the space-time cube of cells × bins per job, streaming, with the row
//!    accounting (`read = accepted + rejected + outside study area + outside window`).
//! 4. [`stats`] runs space-time Gi*, Mann-Kendall, FDR or permutations and the 17 emerging-hotspot
//!    patterns on each job's cube.
//! 5. [`plan`] ranks walkable patrol areas, says when to go and which team, and backtests the plan.
//! 6. [`publish`] writes every output through one trait, as one atomic set, with the small-count
//!    rule applied on the way in.
//!
//! ```no_run
//! use hotspots_core::{RunConfig, Task, run};
//! use hotspots_core::cube::{CubeConfig, JobSpec};
//! use hotspots_core::ingest::{IngestOptions, InputSource};
//! use hotspots_core::plan::PatrolParams;
//! use hotspots_core::progress::NoProgress;
//! use hotspots_core::publish::SmallCounts;
//! use hotspots_core::space::Districts;
//! use hotspots_core::stats::StatsParams;
//! use hotspots_core::time::{BinSpec, WindowStart};
//!
//! let tz: chrono_tz::Tz = "Europe/Helsinki".parse()?;
//! let config = RunConfig {
//!     cube: CubeConfig {
//!         inputs: vec![InputSource::sample()],
//!         ingest: IngestOptions::new(tz),
//!         districts: Some(Districts::builtin()),
//!         districts_name: hotspots_core::sample::DISTRICTS_NAME.into(),
//!         resolution: h3o::Resolution::Eight,
//!         bins: BinSpec::new(BinSpec::DEFAULT_STEP, WindowStart::Auto, None, tz)?,
//!         jobs: vec![JobSpec::all()],
//!         partials: Vec::new(),
//!         store: None,
//!     },
//!     stats: StatsParams::default(),
//!     patrol: PatrolParams::default(),
//!     small_counts: SmallCounts::new(SmallCounts::DEFAULT_MIN_COUNT),
//!     services: None,
//!     task: Task::Analyze { backtest_steps: 0 },
//!     max_reject_share: RunConfig::DEFAULT_MAX_REJECT_SHARE,
//!     out_dir: "out".into(),
//!     accept_change: false,
//!     scan: None,
//!     lang: Default::default(),
//!     landmarks: None,
//!     previous: None,
//!     effort: None,
//! };
//! let report = run(&config, &NoProgress)?;
//! let job = &report.jobs[0];
//! println!("{} cells, patterns {:?}; wrote {:?}", job.summary.cube.cells, job.summary.patterns, job.written);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]

pub mod config;
pub mod cube;
pub mod digest;
pub mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod ingest;
pub mod panic_guard;
pub mod plan;
pub mod progress;
pub mod publish;
mod run;
pub mod sample;
pub mod space;
pub mod stats;
#[cfg(any(test, feature = "test-data"))]
pub mod test_data;
pub mod time;

pub use config::{RunConfig, ServicesLayer, Task};
pub use error::{Error, ParameterError, Result};
pub use run::{JobReport, RunReport, run};
