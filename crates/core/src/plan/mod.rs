//! The plan: ranked, walkable patrol areas with when to go and which team ([`patrol`]), and its
//! backtest against naive forecasts ([`backtest`](mod@backtest)).

pub mod backtest;
pub mod patrol;
mod teams;

pub use backtest::{Backtest, backtest};
pub use patrol::{PatrolArea, PatrolParams, plan};
