//! Backtest: would the plan have worked? For each held-out bin, the plan is made again from the
//! bins before it only (statistics, forecast chosen by validation on those bins, cells, areas),
//! and scored on that bin next to naive rankings of the same number of cells:
//!
//! - **plan**: the plan's cells (the forecast's best cells plus the watch share for new and
//!   intensifying hot spots);
//! - **last_bin**: the cells with most events in the previous bin;
//! - **last_4**: the cells with the highest mean over the previous four bins;
//! - **history**: the cells with most events in all bins before;
//! - **ewma**: the cells with the highest exponentially weighted average, with the α of
//!   [`crate::stats::forecast::EWMA_ALPHAS`] that scores best over the held-out bins (chosen in
//!   hindsight: the strongest EWMA, not one the engine could have known);
//! - **oracle**: the cells with most events in the held-out bin itself, the best any choice of
//!   that many cells could do.
//!
//! Budgets: the teams' (`teams × max_area_km2` per municipality, each method choosing its cells
//! within each municipality's budget, as each city's pairs would) and 1 %, 2 % and 5 % of the
//! study area's cells (over the whole study area). Ties go to the lower H3 index. Scores:
//!
//! - hit rate = events in the chosen cells / all events of the held-out bin;
//! - PAI (Prediction Accuracy Index, Chainey et al. 2008) = hit rate / share of the study area
//!   covered;
//! - PEI (Predictive Efficiency Index, Hunt 2016; the NIJ Real-Time Crime Forecasting
//!   Challenge's PEI*) = hit rate / the oracle's hit rate with the same number of cells;
//! - RRI (Recapture Rate Index, Levine 2008) = (events in the chosen cells in the held-out bin /
//!   in the bin before) / (all events in the held-out bin / in the bin before); undefined (null)
//!   when a denominator is 0.
//!
//! The plan minus the best baseline (the naive method with the highest mean hit rate at the team
//! budget) comes with a 95 % moving-block bootstrap interval (blocks of ⌈H^⅓⌉ held-out bins,
//! 2,000 resamples, seed 0) over the H held-out bins.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde::Serialize;

use super::patrol::{PlanInputs, budget_groups, choose_cells};
use super::{PlanContext, analyse_and_plan};
use crate::cube::build::JobCube;
use crate::error::{Error, Result};
use crate::stats::forecast::{EWMA_ALPHAS, ewma, top_in_groups};

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
    // The chosen cells' events before are part of all events before: hit_before > 0 means
    // total_before > 0 too.
    let rri = (hit_before > 0 && total_now > 0)
        .then(|| (hit_now as f64 / hit_before as f64) / (total_now as f64 / total_before as f64));
    Scores { hit_rate, pai: if area_share > 0.0 { hit_rate / area_share } else { 0.0 }, rri }
}

/// The naive methods, in the order ties between them are broken.
pub const BASELINES: [&str; 4] = ["last_bin", "last_4", "history", "ewma"];

/// One method's means over the held-out bins at one budget.
#[derive(Clone, Debug, Serialize)]
pub struct MethodScores {
    /// `plan`, a baseline, or `oracle`.
    pub method: String,
    /// Mean hit rate.
    pub hit_rate: f64,
    /// Mean PAI.
    pub pai: f64,
    /// Mean PEI (over the bins where the oracle caught any event).
    pub pei: Option<f64>,
    /// Mean RRI (over the bins where it is defined).
    pub rri: Option<f64>,
    /// Hit rate per held-out bin, oldest first.
    pub hit_rates: Vec<f64>,
}

/// Every method at one budget.
#[derive(Clone, Debug, Serialize)]
pub struct BudgetScores {
    /// `team`, `1%`, `2%` or `5%`.
    pub budget: String,
    /// Cells every method chose.
    pub cells: usize,
    /// Share of the study area's area they cover.
    pub area_share: f64,
    /// Plan, baselines, oracle.
    pub methods: Vec<MethodScores>,
}

/// The plan minus the best baseline at the team budget.
#[derive(Clone, Debug, Serialize)]
pub struct Difference {
    /// What is judged: `plan`, or with an effort log and an explore share, `serve` (the plan
    /// without its explore share, what the forecast fills).
    #[serde(skip_serializing_if = "is_plan")]
    pub method: String,
    /// The best baseline (highest mean hit rate at the team budget).
    pub baseline: String,
    /// Mean hit rate of the plan minus the baseline's.
    pub mean: f64,
    /// 95 % moving-block bootstrap interval of that mean.
    pub ci95: [f64; 2],
}

/// The whole backtest.
#[derive(Clone, Debug, Serialize)]
pub struct Backtest {
    /// The job.
    pub job: String,
    /// Start (local date) of each held-out bin, oldest first.
    pub bins: Vec<String>,
    /// Events in each held-out bin.
    pub events: Vec<u64>,
    /// The forecast model chosen for each held-out bin.
    pub models: Vec<String>,
    /// The α of the best EWMA.
    pub ewma_alpha: f64,
    /// Team budget first, then 1 %, 2 %, 5 % of the study area.
    pub budgets: Vec<BudgetScores>,
    /// The plan against the best baseline.
    pub difference: Difference,
    /// With an effort log and an explore share: the hit rate the plan gives up, at the team
    /// budget, by sending pairs to blind spots (`serve` minus `plan`). Those cells are where
    /// pairs have not walked, so the events they would find are not in the record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explore_cost: Option<f64>,
}

fn is_plan(method: &str) -> bool {
    method == "plan"
}

/// The held-out bins a backtest takes by default: 26 where the history allows, else as many as
/// leave 8 bins of history (at least 1).
pub fn default_holdout(bins: usize) -> usize {
    bins.saturating_sub(8).clamp(1, 26)
}

/// Means of per-bin values, over the defined ones.
fn mean_of(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let v: Vec<f64> = values.flatten().collect();
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// Mean of `d` with a 95 % moving-block bootstrap interval (see the module documentation).
pub fn block_bootstrap(d: &[f64], resamples: usize, seed: u64) -> (f64, [f64; 2]) {
    let n = d.len();
    if n == 0 {
        return (0.0, [0.0, 0.0]);
    }
    let mean = d.iter().sum::<f64>() / n as f64;
    let block = (n as f64).cbrt().ceil() as usize;
    let starts = n - block + 1;
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let mut means: Vec<f64> = (0..resamples)
        .map(|_| {
            let mut sum = 0.0;
            let mut taken = 0;
            while taken < n {
                let s = rng.random_range(0..starts);
                for v in &d[s..(s + block).min(s + n - taken)] {
                    sum += v;
                    taken += 1;
                }
            }
            sum / n as f64
        })
        .collect();
    means.sort_by(f64::total_cmp);
    (mean, [nearest_rank(&means, 0.025), nearest_rank(&means, 0.975)])
}

/// The `q` quantile of ascending `sorted` (not empty) by the nearest rank: the value at position
/// `round(q · (n − 1))`, so 0 is the smallest and 1 the largest.
fn nearest_rank(sorted: &[f64], q: f64) -> f64 {
    let last = sorted.len() - 1;
    sorted[((q * last as f64).round() as usize).min(last)]
}

/// The position of the highest of `values` (not empty), ties to the first.
fn best_of(values: &[f64]) -> usize {
    (0..values.len()).fold(0, |best, i| if values[i] > values[best] { i } else { best })
}

/// Runs the backtest of one job over its last `holdout` bins.
///
/// # Errors
///
/// [`Error::Parameter`] for `holdout_steps` when fewer than 4 bins would remain before the first
/// held-out bin; what planning fails with.
pub fn backtest(job: &JobCube, ctx: &PlanContext<'_>, holdout: usize) -> Result<Backtest> {
    let cube = &job.cube;
    let t = cube.bins().len();
    if holdout == 0 || holdout + 4 > t {
        return Err(Error::parameter(
            "holdout_steps",
            holdout,
            format!("the window has {t} bins; at least four must remain before the first held-out bin"),
        ));
    }
    let n = cube.cells().len();
    let areas: Vec<f64> = cube.cells().iter().map(|c| c.area_km2()).collect();
    let total_area: f64 = areas.iter().sum();
    let column = |b: usize| -> Vec<f64> { (0..n).map(|c| cube.count(c, b) as f64).collect() };
    let shares = [0.01, 0.02, 0.05];
    let names: Vec<String> =
        std::iter::once("team".to_string()).chain(shares.iter().map(|s| format!("{}%", (s * 100.0) as u32))).collect();
    // selections[budget][method][step]; methods: plan, last_bin, last_4, history, ewma α…,
    // public, oracle.
    let n_methods = 4 + EWMA_ALPHAS.len() + 2;
    let mut hits: Vec<Vec<Vec<Scores>>> = vec![vec![Vec::new(); n_methods]; names.len()];
    let mut oracle_hits: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    // With an effort log: the plan without its explore share (what the forecast fills).
    let exploring = job.effort.is_some() && ctx.patrol.explore_share > 0.0;
    let mut serve_hits: Vec<Vec<Scores>> = vec![Vec::new(); names.len()];
    let mut cells_per_budget = vec![0usize; names.len()];
    let mut area_per_budget = vec![0.0; names.len()];
    let (mut bins, mut events, mut models) = (Vec::new(), Vec::new(), Vec::new());
    for h in (1..=holdout).rev() {
        let test = t - h;
        // The job as it was before the held-out bin: nothing of it or after is seen.
        let past = job.truncated(test);
        let planned = analyse_and_plan(&past, ctx)?;
        let inputs = PlanInputs {
            job: &past,
            stats: &planned.stats,
            forecast: &planned.forecast.next,
            cell_districts: ctx.cell_districts,
            districts: ctx.districts,
            services: None,
            alpha: ctx.stats.alpha,
            min_count: ctx.min_count,
            effort: planned.effort.as_ref(),
            explore_share: ctx.patrol.explore_share,
        };
        let team_groups = budget_groups(&inputs, ctx.patrol);
        let now = column(test);
        let before = column(test - 1);
        let last4: Vec<f64> =
            (0..n).map(|c| (test.saturating_sub(4)..test).map(|b| cube.count(c, b) as f64).sum()).collect();
        let history: Vec<f64> = (0..n).map(|c| (0..test).map(|b| cube.count(c, b) as f64).sum()).collect();
        let ewmas: Vec<Vec<f64>> = EWMA_ALPHAS
            .iter()
            .map(|&a| (0..n).map(|c| ewma((0..test).map(|b| cube.count(c, b) as f64), a)).collect())
            .collect();
        // What a planner outside the office could do: the chosen forecast rule applied to the
        // counts `public/` shows (a hidden count read as 0), the cost of the publishing policy.
        let min_count = ctx.min_count;
        let public: Vec<f64> = (0..n)
            .map(|c| {
                let shown: Vec<u64> =
                    (0..test).map(|b| cube.count(c, b)).map(|v| if v >= min_count { v } else { 0 }).collect();
                crate::stats::forecast::predict_series(planned.forecast.model, &shown)
            })
            .collect();
        let now_u: Vec<u64> = now.iter().map(|&v| v as u64).collect();
        let before_u: Vec<u64> = before.iter().map(|&v| v as u64).collect();
        for (k, _) in names.iter().enumerate() {
            let groups: Vec<(Vec<usize>, usize)> = if k == 0 {
                team_groups.clone()
            } else {
                vec![((0..n).collect(), ((shares[k - 1] * n as f64).round() as usize).clamp(1, n))]
            };
            let plan_cells = if k == 0 {
                planned.plan.cells.clone()
            } else {
                choose_cells(&inputs, &groups, ctx.patrol.watch_share)
            };
            let mut selections = vec![
                plan_cells,
                top_in_groups(&before, &groups),
                top_in_groups(&last4, &groups),
                top_in_groups(&history, &groups),
            ];
            selections.extend(ewmas.iter().map(|e| top_in_groups(e, &groups)));
            selections.push(top_in_groups(&public, &groups));
            selections.push(top_in_groups(&now, &groups));
            cells_per_budget[k] = selections[0].len();
            area_per_budget[k] = selections[0].iter().map(|&c| areas[c]).sum::<f64>() / total_area;
            for (m, chosen) in selections.iter().enumerate() {
                hits[k][m].push(score(chosen, &now_u, &before_u, &areas));
            }
            oracle_hits[k].push(hits[k][n_methods - 1].last().expect("scored").hit_rate);
            if exploring {
                let serving = PlanInputs { explore_share: 0.0, ..inputs };
                let served = choose_cells(&serving, &groups, ctx.patrol.watch_share);
                serve_hits[k].push(score(&served, &now_u, &before_u, &areas));
            }
        }
        bins.push(
            crate::time::local_time::date_of_day(cube.bins().bins()[test].start_day)
                .map(|d| d.to_string())
                .unwrap_or_default(),
        );
        events.push(now_u.iter().sum());
        models.push(planned.forecast.model.name().to_string());
    }
    // The best EWMA: the α with the highest mean hit rate at the team budget.
    let mean_hit = |s: &[Scores]| s.iter().map(|x| x.hit_rate).sum::<f64>() / s.len().max(1) as f64;
    let alpha_hits: Vec<f64> = (0..EWMA_ALPHAS.len()).map(|a| mean_hit(&hits[0][4 + a])).collect();
    let best_alpha = best_of(&alpha_hits);
    let chosen_methods: Vec<(&str, usize)> = vec![
        ("plan", 0),
        ("last_bin", 1),
        ("last_4", 2),
        ("history", 3),
        ("ewma", 4 + best_alpha),
        ("public", n_methods - 2),
        ("oracle", n_methods - 1),
    ];
    let scores_of = |method: &str, s: &[Scores], k: usize| MethodScores {
        method: method.to_string(),
        hit_rate: mean_hit(s),
        pai: s.iter().map(|x| x.pai).sum::<f64>() / s.len().max(1) as f64,
        pei: mean_of(s.iter().zip(&oracle_hits[k]).map(|(x, &o)| (o > 0.0).then(|| x.hit_rate / o))),
        rri: mean_of(s.iter().map(|x| x.rri)),
        hit_rates: s.iter().map(|x| x.hit_rate).collect(),
    };
    let budgets: Vec<BudgetScores> = names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let mut methods: Vec<MethodScores> =
                chosen_methods.iter().map(|&(method, m)| scores_of(method, &hits[k][m], k)).collect();
            if exploring {
                methods.insert(1, scores_of("serve", &serve_hits[k], k));
            }
            BudgetScores { budget: name.clone(), cells: cells_per_budget[k], area_share: area_per_budget[k], methods }
        })
        .collect();
    let team = &budgets[0].methods;
    let best = BASELINES
        .iter()
        .map(|b| team.iter().find(|m| m.method == *b).expect("baseline"))
        .fold(None::<&MethodScores>, |acc, m| match acc {
            Some(a) if a.hit_rate >= m.hit_rate => Some(a),
            _ => Some(m),
        })
        .expect("baselines");
    // The forecast is judged on what it fills: with exploring, the plan without its explore
    // share; what exploring costs in recorded events is reported beside it.
    let judged = if exploring { &team[1] } else { &team[0] };
    let d: Vec<f64> = judged.hit_rates.iter().zip(&best.hit_rates).map(|(p, b)| p - b).collect();
    let (mean, ci95) = block_bootstrap(&d, 2000, 0);
    let explore_cost = exploring.then(|| team[1].hit_rate - team[0].hit_rate);
    Ok(Backtest {
        job: job.spec.name.clone(),
        bins,
        events,
        models,
        ewma_alpha: EWMA_ALPHAS[best_alpha],
        difference: Difference { method: judged.method.clone(), baseline: best.method.clone(), mean, ci95 },
        explore_cost,
        budgets,
    })
}

impl Backtest {
    /// The table printed on the terminal.
    pub fn table(&self) -> String {
        let mut out = format!(
            "backtest of job {} over {} held-out bins ({} … {}):\n",
            self.job,
            self.bins.len(),
            self.bins.first().map_or("", String::as_str),
            self.bins.last().map_or("", String::as_str)
        );
        for b in &self.budgets {
            out.push_str(&format!(
                "budget {} ({} cells, {:.1} % of the area)\n{:<10} {:>9} {:>7} {:>6} {:>6}\n",
                b.budget,
                b.cells,
                b.area_share * 100.0,
                "method",
                "hit rate",
                "PAI",
                "PEI",
                "RRI"
            ));
            for m in &b.methods {
                let opt = |v: Option<f64>| v.map_or("–".to_string(), |r| format!("{r:.2}"));
                out.push_str(&format!(
                    "{:<10} {:>8.1}% {:>7.2} {:>6} {:>6}\n",
                    m.method,
                    m.hit_rate * 100.0,
                    m.pai,
                    opt(m.pei),
                    opt(m.rri)
                ));
            }
        }
        let d = &self.difference;
        out.push_str(&format!(
            "{} − {} (team budget): {:+.1} points of hit rate, 95 % interval {:+.1} … {:+.1}\n",
            d.method,
            d.baseline,
            d.mean * 100.0,
            d.ci95[0] * 100.0,
            d.ci95[1] * 100.0
        ));
        if let Some(cost) = self.explore_cost {
            out.push_str(&format!(
                "exploring blind spots costs {:.1} points of recorded events (plan against serve): pairs go where \
                 they have hardly walked, so what they find there is not yet in the record\n",
                cost * 100.0
            ));
        }
        out
    }

    /// The scores of `method` at the team budget.
    pub fn team(&self, method: &str) -> Option<&MethodScores> {
        self.budgets.first()?.methods.iter().find(|m| m.method == method)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::PatrolParams;
    use crate::test_data::{PlanSetup, job_of as job};

    #[test]
    fn a_held_out_bin_is_planned_without_seeing_it_or_anything_after() {
        let base = crate::test_data::random_cube(60, 12, 5);
        let (t, test) = (12, 10);
        // Cell `quiet` has no event before the first held-out bin and 50 in it in versions a
        // and b; in version b it has 1,000 in every later bin: a plan that saw those would cover
        // it. In version e it has none in the held-out bin either.
        let quiet = 59; // last in H3 order: never reached by ties at 0
        let copy = |held_out: u64, spike: bool| {
            let mut cube =
                crate::cube::SpaceTimeCube::zeros(base.resolution(), base.cells().to_vec(), base.bins().clone());
            for c in 0..60 {
                for bin in 0..t {
                    let v = match (c == quiet, bin) {
                        (false, _) => base.count(c, bin),
                        (true, b) if b < test => 0,
                        (true, b) if b == test => held_out,
                        (true, _) => {
                            if spike {
                                1000
                            } else {
                                0
                            }
                        }
                    };
                    cube.add(c, bin, v, v as f64);
                }
            }
            cube
        };
        let (a, b, e) = (copy(50, false), copy(50, true), copy(0, false));
        let setup = PlanSetup::new(60, PatrolParams::default());
        let ctx = setup.ctx();
        let (ra, rb) = (backtest(&job(a), &ctx, 2).unwrap(), backtest(&job(b), &ctx, 2).unwrap());
        for (x, y) in ra.budgets.iter().zip(&rb.budgets) {
            // Not `ewma`: its α is the one that scores best over all held-out bins, chosen in
            // hindsight by design (the module documentation), so later bins may change it.
            for (m, n) in x.methods.iter().zip(&y.methods).filter(|(m, _)| m.method != "ewma") {
                assert_eq!(m.hit_rates[0], n.hit_rates[0], "{} at {}: the first held-out bin", m.method, x.budget);
            }
        }
        // The held-out bin itself is not seen: without its 50 events in `quiet` (version e) every
        // method but the oracle (and the hindsight EWMA) catches the same events there.
        let re = backtest(&job(e), &ctx, 2).unwrap();
        let caught = |r: &Backtest, m: &MethodScores| (m.hit_rates[0] * r.events[0] as f64).round() as u64;
        assert_eq!(ra.events[0], re.events[0] + 50);
        for (x, y) in ra.budgets.iter().zip(&re.budgets) {
            for (m, n) in x.methods.iter().zip(&y.methods).filter(|(m, _)| m.method != "ewma" && m.method != "oracle") {
                assert_eq!(caught(&ra, m), caught(&re, n), "{} at {}: the held-out bin was seen", m.method, x.budget);
            }
        }
        // …and the later bins do see the spike (the test can tell).
        let plan_b = rb.team("plan").unwrap();
        assert_ne!(ra.team("plan").unwrap().hit_rates[1], plan_b.hit_rates[1]);
    }

    /// The RRI is undefined (not infinite, not 0/0) when the chosen cells had nothing the bin
    /// before, when the bin before was empty, or when the held-out bin is; an empty held-out bin
    /// has a hit rate of 0; an empty choice covers no area.
    #[test]
    fn scores_with_empty_bins_and_cells() {
        let areas = [1.0, 3.0];
        let s = score(&[0], &[5, 5], &[0, 4], &areas);
        assert_eq!((s.hit_rate, s.pai, s.rri), (0.5, 2.0, None));
        let s = score(&[0], &[5, 5], &[0, 0], &areas);
        assert_eq!(s.rri, None);
        let s = score(&[0], &[0, 0], &[2, 2], &areas);
        assert_eq!((s.hit_rate, s.pai, s.rri), (0.0, 0.0, None));
        let s = score(&[], &[3, 1], &[2, 2], &areas);
        assert_eq!((s.hit_rate, s.pai, s.rri), (0.0, 0.0, None));
        // Defined: (2 / 1) / (4 / 4) = 2; the second cell is three quarters of the area.
        let s = score(&[1], &[2, 2], &[3, 1], &areas);
        assert_eq!((s.hit_rate, s.pai, s.rri), (0.5, 0.5 / 0.75, Some(2.0)));
    }

    /// The best of several values, ties to the first.
    #[test]
    fn the_best_value_is_the_first_of_the_highest() {
        assert_eq!(best_of(&[0.2, 0.5, 0.5, 0.4, 0.1]), 1);
        assert_eq!(best_of(&[0.1, 0.2, 0.3, 0.4, 0.9]), 4);
        assert_eq!(best_of(&[0.3]), 0);
    }

    /// Forty values 0…39: the 2.5 % quantile is at position round(0.025 · 39) = round(0.975) = 1,
    /// the 97.5 % one at round(38.025) = 38 (not the largest), 0 and 1 at the ends.
    #[test]
    fn nearest_rank_quantiles_are_worked_out_here() {
        let v: Vec<f64> = (0..40).map(f64::from).collect();
        assert_eq!([0.0, 0.025, 0.5, 0.975, 1.0].map(|q| nearest_rank(&v, q)), [0.0, 1.0, 20.0, 38.0, 39.0]);
        assert_eq!(nearest_rank(&[7.0], 0.975), 7.0);
    }

    #[test]
    fn the_block_bootstrap_interval_holds_the_mean_and_is_exact_for_constants() {
        let (mean, ci) = block_bootstrap(&[0.01; 8], 500, 0);
        assert!((mean - 0.01).abs() < 1e-15 && (ci[0] - 0.01).abs() < 1e-15 && (ci[1] - 0.01).abs() < 1e-15);
        // Ten values in blocks of ⌈∛10⌉ = 3: the last block of each resample is cut to one value,
        // so every resample of ten ones sums to exactly 10.
        assert_eq!(block_bootstrap(&[1.0; 10], 200, 0), (1.0, [1.0, 1.0]));
        let d = [0.02, -0.01, 0.03, 0.0, 0.01, -0.02, 0.04, 0.01];
        let (mean, ci) = block_bootstrap(&d, 2000, 0);
        assert!((mean - 0.01).abs() < 1e-12);
        assert!(ci[0] < mean && mean < ci[1] && ci[0] >= -0.02 && ci[1] <= 0.04, "{ci:?}");
        assert_eq!(block_bootstrap(&d, 2000, 0), (mean, ci), "seeded");
        assert_eq!(default_holdout(52), 26);
        assert_eq!(default_holdout(20), 12);
        assert_eq!(default_holdout(5), 1);
    }
}

/// The backtest on a cube small enough to score by hand: every method's cells, hit rate, PAI,
/// PEI and RRI worked out in the comments from the counts alone.
#[cfg(test)]
mod hand_built {
    use super::*;
    use crate::cube::SpaceTimeCube;
    use crate::plan::{PatrolParams, TeamCounts};
    use crate::test_data::{PlanSetup, job_of};

    /// Five cells (positions 0–4 = A–E) × nine weeks; weeks 7 and 8 are held out.
    const COUNTS: [[u64; 9]; 5] = [
        [6, 6, 6, 6, 6, 6, 6, 6, 6], // A: steady
        [0, 0, 0, 0, 0, 0, 9, 2, 0], // B: a spike in the week before the first held-out week
        [5, 5, 5, 5, 5, 5, 0, 0, 0], // C: busy once, gone since week 6
        [1, 1, 1, 1, 1, 1, 1, 7, 1], // D: one busy held-out week
        [0, 0, 0, 0, 0, 0, 0, 0, 3], // E: new in the last week
    ];
    const A: usize = 0;
    const B: usize = 1;
    const D: usize = 3;

    fn run() -> (Backtest, Vec<f64>) {
        let base = crate::test_data::random_cube(5, 9, 1);
        let mut cube = SpaceTimeCube::zeros(base.resolution(), base.cells().to_vec(), base.bins().clone());
        for (c, row) in COUNTS.iter().enumerate() {
            for (b, &v) in row.iter().enumerate() {
                cube.add(c, b, v, v as f64);
            }
        }
        // Each cell's area from h3o, for the PAI.
        let areas: Vec<f64> = cube.cells().iter().map(|c| c.area_km2()).collect();
        let job = job_of(cube);
        // One team walking 0.9 km²: one resolution-8 cell (≈ 0.74 km²); 1 %, 2 % and 5 % of five
        // cells round to 0 and are raised to 1. The watch share, 0.1 of one cell, rounds to 0.
        let patrol = PatrolParams::new(0.9, TeamCounts::Each(1), 1000.0, PatrolParams::DEFAULT_WATCH_SHARE).unwrap();
        (backtest(&job, &PlanSetup::new(5, patrol).ctx(), 2).unwrap(), areas)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// A hot spot that moves every other week (10 events, one cell after another, 1 elsewhere):
    /// the last week is the best guide. An EWMA with α ≥ 0.5 follows it (the new cell's
    /// 0.5·10 + 0.5·1 = 5.5 beats the old cell's 0.5·1 + 0.5·7.75 = 4.375), one with α ≤ 0.3
    /// stays on the old cell a week too long; the best, ties to the smaller, is α = 0.5. Held-out
    /// weeks must leave four weeks before them.
    #[test]
    fn the_best_ewma_follows_a_moving_hot_spot_and_holdouts_leave_four_weeks() {
        let base = crate::test_data::random_cube(5, 9, 1);
        let mut cube = SpaceTimeCube::zeros(base.resolution(), base.cells().to_vec(), base.bins().clone());
        for c in 0..5 {
            for b in 0..9 {
                let v = if c == (b / 2) % 5 { 10 } else { 1 };
                cube.add(c, b, v, v as f64);
            }
        }
        let job = job_of(cube);
        let setup = PlanSetup::new(5, PatrolParams::new(0.9, TeamCounts::Each(1), 1000.0, 0.0).unwrap());
        let ctx = setup.ctx();
        // Held-out weeks 5–8: week 5 repeats week 4's cell (2), week 6 moves on (3), week 7
        // repeats it, week 8 moves (4). The last week catches 10 of 14 in weeks 5 and 7.
        let bt = backtest(&job, &ctx, 4).unwrap();
        assert_eq!(bt.ewma_alpha, 0.5);
        let (last, ewma) = (bt.team("last_bin").unwrap(), bt.team("ewma").unwrap());
        assert_eq!(ewma.hit_rates, last.hit_rates);
        assert_eq!(last.hit_rates, vec![10.0 / 14.0, 1.0 / 14.0, 10.0 / 14.0, 1.0 / 14.0]);
        // Four weeks must remain before the first held-out one: 5 of 9 is too many, and 0 is none.
        assert!(backtest(&job, &ctx, 5).is_ok());
        assert!(backtest(&job, &ctx, 6).is_err());
        assert!(backtest(&job, &ctx, 0).is_err());
        // Two cells for the team (1.6 km² over ≈ 0.74 km² a cell): the share budgets keep their
        // one cell (1 %, 2 % and 5 % of five cells, raised to 1), each planned on its own.
        let wider = PatrolParams::new(1.6, TeamCounts::Each(1), 1000.0, 0.0).unwrap();
        let bt = backtest(&job, &PlanContext { patrol: &wider, ..ctx }, 4).unwrap();
        let cells: Vec<usize> = bt.budgets.iter().map(|b| b.cells).collect();
        assert_eq!(cells, vec![2, 1, 1, 1]);
        // A held-out week without events has no PEI (nothing to catch): the mean is over the
        // other three, (1 + 0.1 + 1) / 3 for the last week's cell, as the oracle's 10 of 14 is
        // caught in weeks 5 and 7 and 1 of 14 against 10 of 14 in week 6.
        let mut quiet_end =
            SpaceTimeCube::zeros(job.cube.resolution(), job.cube.cells().to_vec(), job.cube.bins().clone());
        for c in 0..5 {
            for b in 0..8 {
                let v = job.cube.count(c, b);
                quiet_end.add(c, b, v, v as f64);
            }
        }
        let job = job_of(quiet_end);
        let bt = backtest(&job, &ctx, 4).unwrap();
        let last = bt.team("last_bin").unwrap();
        assert_eq!(last.hit_rates, vec![10.0 / 14.0, 1.0 / 14.0, 10.0 / 14.0, 0.0]);
        assert!(close(last.pei.unwrap(), 2.1 / 3.0), "{:?}", last.pei);
    }

    #[test]
    fn every_method_scores_what_the_counts_give_by_hand() {
        let (bt, areas) = run();
        let share = |c: usize| areas[c] / areas.iter().sum::<f64>();
        assert_eq!(bt.events, vec![15, 10]);
        // The plan. The forecast is chosen on validation weeks 4–6 (then 4–7). Any rule that ranks
        // A first catches 6/12, 6/12, 6/16 (and 6/15); B's spike and D's week cannot be foreseen
        // by any rule (nothing before them), and C never tops A: no rule beats the default
        // (changepoint) by the 1-point margin, so it is kept. Changepoint before week 7: A's mean
        // 6; B's mean 9/7, its last four 9/4, |9/4 − 9/7| / √(9/7/4) = 1.70 < 2: the mean; C 30/7;
        // D 1 → A. Before week 8: A 6; B 11/8 and 11/4, departure 2.35 > 2: EWMA(0.5) = 3.25; C
        // 3.75; D 14/8 → A.
        assert_eq!(bt.models, vec!["changepoint", "changepoint"]);
        // Per held-out week, the cell each method chooses:
        // - last_bin: week 6's top is B (9), week 7's is D (7 > 6);
        // - last_4: A (6) both times (B 9/4, C 15/4, D 1; then B 11/4, C 10/4, D 10/4);
        // - history: A (42 against C's 30; then 48);
        // - ewma: A is 6 for every α; B is 9α before week 7 (above 6 for α > 2/3), D is 1 + 6α
        //   before week 8 (above 6 for α > 5/6) and B 2α + 9α(1 − α) < 6. So α 0.1–0.5 choose
        //   A, A; 0.7 B, A; 0.9 B, D. The best (highest mean hit rate, ties to the smaller α) is 0.1;
        // - public: counts under 5 read as 0. Changepoint before week 7: A 6, B 9/7, C 30/7, D 0
        //   → A; before week 8 B's series 0,…,9,0: departure 2.12 > 2, EWMA 2.25; D's 0,…,0,7:
        //   mean 7/8 → A;
        // - oracle: D (7 of 15), then A (6 of 10).
        // Week 7 has 15 events (16 the week before), week 8 has 10 (15 the week before).
        let hit7 = [6.0 / 15.0, 2.0 / 15.0, 7.0 / 15.0]; // A, B, D
        let hit8 = [6.0 / 10.0, 1.0 / 10.0]; // A, D
        // RRI = (chosen now / chosen before) / (all now / all before).
        let rri7 = [(6.0 / 6.0) / (15.0 / 16.0), (2.0 / 9.0) / (15.0 / 16.0), (7.0 / 1.0) / (15.0 / 16.0)];
        let rri8 = [(6.0 / 6.0) / (10.0 / 15.0), (1.0 / 7.0) / (10.0 / 15.0)];
        // (hit rates, PAIs, PEI, RRI) per method.
        let a_a = (
            [hit7[0], hit8[0]],
            [hit7[0] / share(A), hit8[0] / share(A)],
            (hit7[0] / hit7[2] + hit8[0] / hit8[0]) / 2.0,
            (rri7[0] + rri8[0]) / 2.0,
        );
        let expected = [
            ("plan", a_a),
            (
                "last_bin",
                (
                    [hit7[1], hit8[1]],
                    [hit7[1] / share(B), hit8[1] / share(D)],
                    (hit7[1] / hit7[2] + hit8[1] / hit8[0]) / 2.0,
                    (rri7[1] + rri8[1]) / 2.0,
                ),
            ),
            ("last_4", a_a),
            ("history", a_a),
            ("ewma", a_a),
            ("public", a_a),
            ("oracle", ([hit7[2], hit8[0]], [hit7[2] / share(D), hit8[0] / share(A)], 1.0, (rri7[2] + rri8[0]) / 2.0)),
        ];
        assert_eq!(bt.ewma_alpha, 0.1);
        assert_eq!(bt.budgets.len(), 4);
        for budget in &bt.budgets {
            assert_eq!(budget.cells, 1, "{}", budget.budget);
            assert!(close(budget.area_share, share(A)), "{}: the plan's cell A", budget.budget);
            let methods: Vec<&str> = budget.methods.iter().map(|m| m.method.as_str()).collect();
            assert_eq!(methods, expected.iter().map(|e| e.0).collect::<Vec<_>>());
            for (m, (name, (hits, pais, pei, rri))) in budget.methods.iter().zip(&expected) {
                let at = format!("{name} at budget {}", budget.budget);
                assert!(close(m.hit_rates[0], hits[0]) && close(m.hit_rates[1], hits[1]), "{at}: {:?}", m.hit_rates);
                assert!(close(m.hit_rate, (hits[0] + hits[1]) / 2.0), "{at}: {}", m.hit_rate);
                assert!(close(m.pai, (pais[0] + pais[1]) / 2.0), "{at}: PAI {}", m.pai);
                assert!(close(m.pei.unwrap(), *pei), "{at}: PEI {:?} ≠ {pei}", m.pei);
                assert!(close(m.rri.unwrap(), *rri), "{at}: RRI {:?} ≠ {rri}", m.rri);
            }
        }
        // The plan and the best baseline (last_4, the first of the baselines at 0.5) chose the
        // same cells: the difference is exactly 0.
        assert_eq!(bt.difference.baseline, "last_4");
        assert_eq!((bt.difference.mean, bt.difference.ci95), (0.0, [0.0, 0.0]));
        // The terminal table: a line per method with the same numbers, rounded.
        let table = bt.table();
        assert!(table.starts_with("backtest of job all over 2 held-out bins ("), "{table}");
        assert!(table.contains("budget team (1 cells, "), "{table}");
        let plan_line =
            format!("plan           50.0% {:>7.2}   0.93   1.28\n", (hit7[0] / share(A) + hit8[0] / share(A)) / 2.0);
        assert!(table.contains(&plan_line), "{plan_line:?} in\n{table}");
        assert!(table.contains("oracle         53.3% "), "{table}");
        assert!(
            table.ends_with("plan − last_4 (team budget): +0.0 points of hit rate, 95 % interval +0.0 … +0.0\n"),
            "{table}"
        );
        assert_eq!(bt.team("oracle").unwrap().hit_rates, vec![hit7[2], hit8[0]]);
        assert!(bt.team("nothing").is_none());
    }
}
