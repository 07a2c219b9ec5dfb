//! Backtest: would the plan have worked? For each of the last `holdout` bins, the plan is made
//! again from the bins before it only, and scored on that bin, next to two baselines, all at the
//! same covered-area budget:
//!
//! - **engine**: the patrol areas in rank order, each area's cells busiest first, until the
//!   budget is filled (if the plan has fewer cells, the busiest cells of the previous bin fill the
//!   rest, so every method covers the same area);
//! - **last bin**: the cells with most events in the previous bin;
//! - **history**: the cells with most events in all bins before.
//!
//! Ties go to the lower H3 index. The budget is what the teams can walk:
//! `teams × max_area_km2`, as a number of cells (at least one). Scores on the held-out bin:
//!
//! - hit rate = events in the chosen cells / all events;
//! - PAI (Prediction Accuracy Index, Chainey et al. 2008) = hit rate / share of the study area
//!   covered;
//! - RRI (Recapture Rate Index, Levine 2008) = (events in the chosen cells in the held-out bin /
//!   in the bin before) / (all events in the held-out bin / in the bin before); undefined (null)
//!   when a denominator is 0.

use serde::Serialize;

use crate::cube::build::JobCube;
use crate::error::{Error, Result};
use crate::plan::patrol::{PatrolParams, plan};
use crate::stats::analysis::{StatsParams, analyse};

/// Scores of one method on one held-out bin.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Scores {
    /// Share of the bin's events in the chosen cells.
    pub hit_rate: f64,
    /// Hit rate / covered share of the study area.
    pub pai: f64,
    /// Recapture Rate Index.
    pub rri: Option<f64>,
}

/// Scores a selection of cell positions on bin counts (`now`), with the counts of the bin before
/// (`before`) and each cell's area.
///
/// ```
/// use hotspots_core::plan::backtest::score;
/// // Four equal cells; the first is chosen. 6 of 10 events fall in it: hit rate 0.6, a quarter
/// // of the area: PAI 2.4. It had 3 of 8 events the bin before: RRI = (6/3) / (10/8) = 1.6.
/// let s = score(&[0], &[6, 2, 1, 1], &[3, 3, 1, 1], &[1.0; 4]);
/// assert!((s.hit_rate - 0.6).abs() < 1e-12 && (s.pai - 2.4).abs() < 1e-12);
/// assert!((s.rri.unwrap() - 1.6).abs() < 1e-12);
/// ```
pub fn score(selected: &[usize], now: &[u64], before: &[u64], areas: &[f64]) -> Scores {
    let total_now: u64 = now.iter().sum();
    let total_before: u64 = before.iter().sum();
    let hit_now: u64 = selected.iter().map(|&c| now[c]).sum();
    let hit_before: u64 = selected.iter().map(|&c| before[c]).sum();
    let area_share = selected.iter().map(|&c| areas[c]).sum::<f64>() / areas.iter().sum::<f64>();
    let hit_rate = if total_now > 0 { hit_now as f64 / total_now as f64 } else { 0.0 };
    let rri = (hit_before > 0 && total_before > 0 && total_now > 0)
        .then(|| (hit_now as f64 / hit_before as f64) / (total_now as f64 / total_before as f64));
    Scores { hit_rate, pai: if area_share > 0.0 { hit_rate / area_share } else { 0.0 }, rri }
}

/// One held-out bin.
#[derive(Clone, Debug, Serialize)]
pub struct Step {
    /// Start of the held-out bin (local date).
    pub bin_start: String,
    /// Events in the held-out bin.
    pub events: u64,
    /// The engine's plan.
    pub engine: Scores,
    /// Busiest cells of the previous bin.
    pub last_bin: Scores,
    /// Busiest cells of all history.
    pub history: Scores,
}

/// Mean scores of one method over the steps (RRI over the steps where it is defined).
#[derive(Clone, Debug, Serialize)]
pub struct MeanScores {
    /// Mean hit rate.
    pub hit_rate: f64,
    /// Mean PAI.
    pub pai: f64,
    /// Mean RRI.
    pub rri: Option<f64>,
}

/// The whole backtest.
#[derive(Clone, Debug, Serialize)]
pub struct Backtest {
    /// The job.
    pub job: String,
    /// Cells covered by every method.
    pub budget_cells: usize,
    /// Share of the study area they cover.
    pub budget_share: f64,
    /// Per held-out bin, oldest first.
    pub steps: Vec<Step>,
    /// Means: engine, last bin, history.
    pub mean: [(String, MeanScores); 3],
}

fn top_cells(values: &[u64], budget: usize, exclude: &[usize]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).filter(|c| !exclude.contains(c)).collect();
    order.sort_by_key(|&c| (std::cmp::Reverse(values[c]), c));
    order.truncate(budget);
    order
}

fn mean(steps: &[Step], pick: impl Fn(&Step) -> Scores) -> MeanScores {
    let n = steps.len().max(1) as f64;
    let rris: Vec<f64> = steps.iter().filter_map(|s| pick(s).rri).collect();
    MeanScores {
        hit_rate: steps.iter().map(|s| pick(s).hit_rate).sum::<f64>() / n,
        pai: steps.iter().map(|s| pick(s).pai).sum::<f64>() / n,
        rri: (!rris.is_empty()).then(|| rris.iter().sum::<f64>() / rris.len() as f64),
    }
}

/// Runs the backtest of one job over its last `holdout` bins.
pub fn backtest(
    job: &JobCube,
    cell_districts: &[Option<usize>],
    district_names: &[String],
    stats: &StatsParams,
    patrol: &PatrolParams,
    min_count: u64,
    holdout: usize,
) -> Result<Backtest> {
    let cube = &job.cube;
    let t = cube.bins().len();
    if holdout == 0 || holdout + 2 > t {
        return Err(Error::parameter(
            "holdout_steps",
            holdout,
            format!("the window has {t} bins; at least two must remain before the first held-out bin"),
        ));
    }
    let n_cells = cube.cells().len();
    let areas: Vec<f64> = cube.cells().iter().map(|c| c.area_km2()).collect();
    let mean_area = areas.iter().sum::<f64>() / n_cells as f64;
    let budget = (((patrol.teams.max(1) as f64) * patrol.max_area_km2 / mean_area).floor() as usize).clamp(1, n_cells);
    let column = |b: usize| -> Vec<u64> { (0..n_cells).map(|c| cube.count(c, b)).collect() };
    let mut steps = Vec::with_capacity(holdout);
    for h in (1..=holdout).rev() {
        let test = t - h;
        // The job as it was before the held-out bin.
        let past = job.truncated(test);
        let past_stats = analyse(&past.cube, cell_districts, district_names, stats, &job.spec.name)?;
        let areas_plan = plan(&past, &past_stats, cell_districts, None, patrol, stats.alpha, min_count);
        let before = column(test - 1);
        let mut engine: Vec<usize> = Vec::with_capacity(budget);
        'fill: for area in &areas_plan {
            let mut cells: Vec<usize> = area.cells.iter().filter_map(|&c| cube.cell_position(c)).collect();
            cells.sort_by_key(|&c| (std::cmp::Reverse(before[c]), c));
            for c in cells {
                if engine.len() == budget {
                    break 'fill;
                }
                engine.push(c);
            }
        }
        let fill = top_cells(&before, budget - engine.len(), &engine);
        engine.extend(fill);
        let history: Vec<u64> = (0..n_cells).map(|c| (0..test).map(|b| cube.count(c, b)).sum()).collect();
        let now = column(test);
        steps.push(Step {
            bin_start: crate::time::local_time::date_of_day(cube.bins().bins()[test].start_day)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            events: now.iter().sum(),
            engine: score(&engine, &now, &before, &areas),
            last_bin: score(&top_cells(&before, budget, &[]), &now, &before, &areas),
            history: score(&top_cells(&history, budget, &[]), &now, &before, &areas),
        });
    }
    let share = budget as f64 * mean_area / areas.iter().sum::<f64>();
    Ok(Backtest {
        job: job.spec.name.clone(),
        budget_cells: budget,
        budget_share: share,
        mean: [
            ("engine".into(), mean(&steps, |s| s.engine)),
            ("last_bin".into(), mean(&steps, |s| s.last_bin)),
            ("history".into(), mean(&steps, |s| s.history)),
        ],
        steps,
    })
}

impl Backtest {
    /// The table printed on the terminal.
    pub fn table(&self) -> String {
        let mut out = format!(
            "backtest of job {} over {} held-out bins, {} cells covered ({:.1} % of the study area):\n{:<10} {:>9} {:>7} {:>7}\n",
            self.job,
            self.steps.len(),
            self.budget_cells,
            self.budget_share * 100.0,
            "method",
            "hit rate",
            "PAI",
            "RRI"
        );
        for (name, m) in &self.mean {
            let rri = m.rri.map_or("–".to_string(), |r| format!("{r:.2}"));
            out.push_str(&format!("{name:<10} {:>8.1}% {:>7.2} {rri:>7}\n", m.hit_rate * 100.0, m.pai));
        }
        out
    }
}
