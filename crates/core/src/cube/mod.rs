//! The cube: study-area cells × time bins → counts, and how it is built from the inputs
//! (streaming ingest, indexing, the time window, the row accounting and the per-job cubes).
//! Nothing here writes files; `cube.parquet` is written by the publishing stage.

pub mod build;
mod day_row;
pub(crate) mod diagnostics;
pub mod effort;
pub mod jobs;
pub mod partial;
pub mod space_time;
pub mod store;

pub use build::{CubeConfig, CubeRun, DistrictTally, InputAccount, JobCube, Needs, build_cube};
pub use jobs::JobSpec;
pub use space_time::SpaceTimeCube;
