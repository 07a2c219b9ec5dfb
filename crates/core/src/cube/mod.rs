//! The cube: study-area cells × time bins → counts, and how it is built from the inputs
//! (streaming ingest, indexing, the time window, the row accounting and the per-job cubes).
//! Outputs are written by the publishing stage (`cube.parquet` too); the one file format this
//! stage owns is the partial cube ([`partial`]), the seam where the work up to the cube is split
//! and stored ([`store`]).

pub mod build;
mod day_row;
pub(crate) mod diagnostics;
pub mod effort;
pub mod jobs;
pub mod partial;
pub mod sources;
pub mod space_time;
pub mod store;

pub use build::{CubeConfig, CubeRun, DistrictTally, InputAccount, JobCube, Needs, StoreSync};
pub use jobs::JobSpec;
pub use sources::build_cube;
pub use space_time::SpaceTimeCube;
