//! Time: local civil time in the run's zone (DST-aware local days and hours), and the time bins
//! (day, week or month) of the window the cube covers.

pub mod bins;
pub mod local_time;

pub use bins::{BinSpec, BinStep, TimeBins, WindowStart};
pub use local_time::parse_time_zone;
