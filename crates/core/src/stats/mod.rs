//! The statistics on a job's cube: space-time Gi* ([`gi_star`]), Mann-Kendall
//! ([`mann_kendall`](mod@mann_kendall)), inference (Benjamini–Hochberg, conditional permutations, the binomial
//! tail), the 17 emerging-hotspot patterns ([`patterns`]), the per-job analysis that ties
//! them together ([`analysis`]), and the prospective space-time permutation scan ([`scan`]).

pub mod analysis;
pub mod exposure;
pub mod forecast;
pub mod gi_star;
pub mod inference;
pub mod mann_kendall;
pub(crate) mod normal;
pub mod patterns;
pub mod scan;

pub use analysis::{CellStats, JobStats, Scope, ScopeUnit, StatsParams, analyse};
pub use mann_kendall::{MannKendall, mann_kendall};
pub use normal::two_sided_p;
pub use patterns::Pattern;
