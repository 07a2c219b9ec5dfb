//! `backtest.json`: the backtest of the plan, when the run makes one.

use std::io::Write;

use super::{BoxError, JobResults, Output, Published};

/// `backtest.json`.
pub(super) struct BacktestJson;

impl Output for BacktestJson {
    fn audience(&self) -> super::Audience {
        super::Audience::Internal
    }

    fn file_name(&self) -> &'static str {
        "backtest.json"
    }

    fn applies(&self, results: &JobResults<'_>) -> bool {
        results.backtest.is_some()
    }

    fn render(&self, view: &Published<'_>, out: &mut (dyn Write + Send)) -> Result<(), BoxError> {
        super::write_json(out, &view.results.backtest, true)
    }
}
