//! The forecast of next bin's events per cell, chosen by rolling-origin validation on the job's
//! own history.
//!
//! Candidates, each a rule that sees only the bins before the one it forecasts:
//!
//! - `changepoint` (the default): a cell's long-term mean, unless its last four bins depart from
//!   that mean by more than `z` Poisson standard errors (`|m₄ − m| / √(max(m, ¼) / 4) > z`, with
//!   m the mean of every previous bin and m₄ that of the last four); then the EWMA with `alpha`,
//!   which follows the new level. A stable place is forecast by its long-run level (the least
//!   noisy estimate), a place whose level has moved — a new, intensifying or fading hot spot — by
//!   its recent excitation. Tried with z = 2 (the default), 3 and 1.5, α = 0.5;
//! - `last_bin`: the count of the previous bin;
//! - `last_4`: the mean of the previous four bins;
//! - `history`: the mean of every previous bin;
//! - `ewma`: an exponentially weighted average `s = α·x + (1 − α)·s` started at the first bin,
//!   with α from [`EWMA_ALPHAS`] chosen on the validation bins;
//! - `spatial_ewma`: the EWMA blended with the mean EWMA of the cell's ring (k = 1 neighbours
//!   within the study area), `(1 − w)·own + w·ring`, w from [`RING_WEIGHTS`];
//! - `poisson_lag`: a Poisson regression (log link) of a bin's count on
//!   `ln(1 + ·)` of the cell's previous bin, its mean of the previous four, its long-term mean
//!   and its ring's mean of the previous four, fitted by iteratively reweighted least squares on
//!   the [`TRAINING_ORIGINS`] bins before the forecast origin. It carries both the long-term
//!   level of a place and the short-term excitation of recent events, in the spirit of the
//!   self-exciting models of Mohler et al. (2011).
//!
//! **Choice.** For each of the last `validation_bins` bins of the history (at least 4 bins stay
//! before the first), every candidate forecasts that bin from the bins before it; its *capture*
//! is the share of the bin's events in the `budget` cells it ranks highest (ties to the lower
//! cell position), the quantity the patrol plan lives by. The default candidate is kept unless
//! another's mean capture is higher by more than [`SWITCH_MARGIN`] (one point): over eight
//! validation bins the candidates' captures differ by about that much by chance alone, and
//! choosing by such noise lost to the naive rankings in the backtests on the sample and twelve
//! synthetic cities, where the default did not (README, "Forecast"). Among the others, a tie
//! goes to the earlier candidate in the list above. The chosen rule's forecast of the bin after
//! the history is the result. Validation uses only the history it is
//! given: the backtest gives it the bins before each held-out bin, never the held-out bin.
//!
//! With daily bins the forecast of the next day is multiplied by the history's weekday factor
//! (that weekday's mean count over the mean of all days), which moves the level but not the
//! ranking.

use serde::Serialize;

use super::gi_star::Neighbourhoods;

/// The smoothing factors the EWMA is tried with.
pub const EWMA_ALPHAS: [f64; 6] = [0.1, 0.2, 0.3, 0.5, 0.7, 0.9];
/// The ring weights the spatial EWMA is tried with.
pub const RING_WEIGHTS: [f64; 2] = [0.25, 0.5];
/// Bins before a forecast origin the Poisson regression is fitted on.
pub const TRAINING_ORIGINS: usize = 8;
/// How much higher another candidate's mean validation capture must be to replace the default.
pub const SWITCH_MARGIN: f64 = 0.01;
/// The default number of validation bins.
pub const DEFAULT_VALIDATION_BINS: usize = 8;

/// A forecasting rule and its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum Model {
    /// The long-term mean, or the EWMA where the last four bins depart from it.
    Changepoint {
        /// The departure, in Poisson standard errors, beyond which the EWMA is used.
        z: f64,
        /// The EWMA's smoothing factor.
        alpha: f64,
    },
    /// The previous bin's count.
    LastBin,
    /// The mean of the previous four bins.
    #[serde(rename = "last_4")]
    Last4,
    /// The mean of every previous bin.
    History,
    /// Exponentially weighted average.
    Ewma {
        /// Smoothing factor.
        alpha: f64,
    },
    /// EWMA blended with the ring's mean EWMA.
    SpatialEwma {
        /// Smoothing factor.
        alpha: f64,
        /// Weight of the ring.
        ring_weight: f64,
    },
    /// Poisson regression on lagged counts (fitted at each origin).
    PoissonLag,
}

impl Model {
    /// The model's name.
    pub fn name(&self) -> &'static str {
        match self {
            Model::Changepoint { .. } => "changepoint",
            Model::LastBin => "last_bin",
            Model::Last4 => "last_4",
            Model::History => "history",
            Model::Ewma { .. } => "ewma",
            Model::SpatialEwma { .. } => "spatial_ewma",
            Model::PoissonLag => "poisson_lag",
        }
    }

    /// Every candidate, in the order ties are broken.
    pub fn candidates() -> Vec<Model> {
        let mut all = vec![
            Model::Changepoint { z: 2.0, alpha: 0.5 },
            Model::Changepoint { z: 3.0, alpha: 0.5 },
            Model::Changepoint { z: 1.5, alpha: 0.5 },
            Model::LastBin,
            Model::Last4,
            Model::History,
        ];
        all.extend(EWMA_ALPHAS.iter().map(|&alpha| Model::Ewma { alpha }));
        for &alpha in &EWMA_ALPHAS {
            all.extend(RING_WEIGHTS.iter().map(|&ring_weight| Model::SpatialEwma { alpha, ring_weight }));
        }
        all.push(Model::PoissonLag);
        all
    }
}

/// A candidate's validation score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ValidationScore {
    /// The candidate.
    #[serde(flatten)]
    pub model: Model,
    /// Mean share of the validation bins' events in its top `budget` cells.
    pub capture: f64,
}

/// The chosen forecast of the next bin.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Forecast {
    /// The model chosen.
    pub model: Model,
    /// Its fitted coefficients (Poisson regression only: intercept, last bin, last 4, history,
    /// ring), fitted on the whole history.
    pub coefficients: Option<[f64; 5]>,
    /// The cells its validation ranked (the plan's budget).
    pub budget: usize,
    /// The validation bins (positions in the history) it was chosen on.
    pub validation_bins: Vec<usize>,
    /// Every candidate's score, in candidate order.
    pub validation: Vec<ValidationScore>,
    /// Why the model was chosen, in a sentence.
    pub note: String,
    /// Expected events per cell in the next bin.
    #[serde(skip)]
    pub next: Vec<f64>,
}

/// The counts a forecast may look at: `bins` values per cell, cell-major, the bins before the
/// origin only; with running sums and running EWMAs, so the validation's many origins do not
/// each sum every series from its start.
struct History<'a> {
    counts: &'a [u64],
    bins: usize,
    /// Per cell, `bins + 1` running sums: entry `b` is the sum of bins `0..b`.
    prefix: Vec<u64>,
    /// Per α (its bits): the origin the running EWMAs have reached and each cell's EWMA of the
    /// bins before it.
    ewmas: std::cell::RefCell<Vec<(u64, usize, Vec<f64>)>>,
}

impl<'a> History<'a> {
    fn new(counts: &'a [u64], bins: usize) -> Self {
        let mut prefix = Vec::with_capacity(counts.len() + counts.len() / bins.max(1));
        for series in counts.chunks_exact(bins.max(1)) {
            let mut total = 0u64;
            prefix.push(0);
            for &v in series {
                total = total.saturating_add(v);
                prefix.push(total);
            }
        }
        History { counts, bins, prefix, ewmas: Default::default() }
    }

    /// Cell `c`'s EWMA of bins `0..origin`, exactly [`ewma`] of them: the running values are
    /// carried forward from the last origin asked for with this α (the same operations in the
    /// same order), and started over when an earlier origin is asked for.
    fn ewma(&self, c: usize, origin: usize, alpha: f64) -> f64 {
        if origin == 0 {
            return 0.0;
        }
        let mut memo = self.ewmas.borrow_mut();
        let key = alpha.to_bits();
        let at = match memo.iter().position(|e| e.0 == key) {
            Some(i) => i,
            None => {
                memo.push((key, 0, vec![0.0; self.cells()]));
                memo.len() - 1
            }
        };
        let (_, reached, values) = &mut memo[at];
        if *reached > origin {
            *reached = 0;
        }
        if *reached < origin {
            for (cell, s) in values.iter_mut().enumerate() {
                for b in *reached..origin {
                    let x = self.x(cell, b);
                    *s = if b == 0 { x } else { alpha * x + (1.0 - alpha) * *s };
                }
            }
            *reached = origin;
        }
        values[c]
    }

    fn cells(&self) -> usize {
        self.counts.len() / self.bins.max(1)
    }

    fn x(&self, c: usize, b: usize) -> f64 {
        self.counts[c * self.bins + b] as f64
    }

    /// Mean of cell `c` over bins `from..to`. The sum is taken from the running sums in
    /// integers: the same number as adding the bins as floats, whose partial sums of counts are
    /// exact below 2⁵³.
    fn mean(&self, c: usize, from: usize, to: usize) -> f64 {
        if to <= from {
            return 0.0;
        }
        let row = &self.prefix[c * (self.bins + 1)..];
        (row[to] - row[from]) as f64 / (to - from) as f64
    }
}

/// The EWMA of `series` (`s = α·x + (1 − α)·s`, started at the first value); 0 when empty.
///
/// ```
/// use hotspots_core::stats::forecast::ewma;
/// // s = 1; 0.5·2 + 0.5·1 = 1.5; 0.5·3 + 0.5·1.5 = 2.25.
/// assert_eq!(ewma([1.0, 2.0, 3.0].into_iter(), 0.5), 2.25);
/// ```
pub fn ewma(mut series: impl Iterator<Item = f64>, alpha: f64) -> f64 {
    let Some(first) = series.next() else { return 0.0 };
    series.fold(first, |s, x| alpha * x + (1.0 - alpha) * s)
}

/// The regressors of cell `c` for the bin at `origin` (from bins before it).
fn features(h: &History<'_>, ring: &Neighbourhoods, c: usize, origin: usize) -> [f64; 5] {
    let from4 = origin.saturating_sub(4);
    let ring_mean = {
        let members: Vec<usize> = ring.of(c).iter().map(|&n| n as usize).filter(|&n| n != c).collect();
        if members.is_empty() {
            0.0
        } else {
            members.iter().map(|&n| h.mean(n, from4, origin)).sum::<f64>() / members.len() as f64
        }
    };
    [
        1.0,
        (1.0 + h.x(c, origin - 1)).ln(),
        (1.0 + h.mean(c, from4, origin)).ln(),
        (1.0 + h.mean(c, 0, origin)).ln(),
        (1.0 + ring_mean).ln(),
    ]
}

/// Solves the 5 × 5 system `a·x = b` by Gaussian elimination with partial pivoting; `None` when
/// singular.
fn solve5(mut a: [[f64; 5]; 5], mut b: [f64; 5]) -> Option<[f64; 5]> {
    for col in 0..5 {
        let pivot = (col..5).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        let pivot_row = a[col];
        for row in col + 1..5 {
            let f = a[row][col] / pivot_row[col];
            for (x, p) in a[row][col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[row] -= f * b[col];
        }
    }
    let mut x = [0.0; 5];
    for row in (0..5).rev() {
        let s: f64 = (row + 1..5).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    Some(x)
}

/// Fits a Poisson regression with log link, `y ~ Poisson(exp(β·x))`, by iteratively reweighted
/// least squares (Newton's method on the log-likelihood) with a ridge of 1e-8 on the slopes,
/// from β = (ln ȳ, 0, …). Rows are (x, y). Returns β, or the intercept-only fit when the system is singular.
///
/// ```
/// use hotspots_core::stats::forecast::fit_poisson;
/// // An intercept alone fits the log of the mean: ln(2).
/// let rows: Vec<([f64; 5], f64)> = [1.0, 2.0, 3.0].iter().map(|&y| ([1.0, 0.0, 0.0, 0.0, 0.0], y)).collect();
/// let beta = fit_poisson(&rows);
/// assert!((beta[0] - 2f64.ln()).abs() < 1e-9);
/// ```
pub fn fit_poisson(rows: &[([f64; 5], f64)]) -> [f64; 5] {
    let mean_y = rows.iter().map(|r| r.1).sum::<f64>() / rows.len().max(1) as f64;
    let mut beta = [mean_y.max(1e-6).ln(), 0.0, 0.0, 0.0, 0.0];
    for _ in 0..25 {
        let mut hessian = [[0.0; 5]; 5];
        let mut gradient = [0.0; 5];
        for (x, y) in rows {
            let eta: f64 = (0..5).map(|k| beta[k] * x[k]).sum::<f64>().clamp(-30.0, 30.0);
            let mu = eta.exp();
            for i in 0..5 {
                gradient[i] += (y - mu) * x[i];
                for j in 0..5 {
                    hessian[i][j] += mu * x[i] * x[j];
                }
            }
        }
        // A small ridge on the slopes (not the intercept) keeps the system solvable when a
        // regressor is constant.
        for (i, row) in hessian.iter_mut().enumerate().skip(1) {
            row[i] += 1e-8;
            gradient[i] -= 1e-8 * beta[i];
        }
        let Some(step) = solve5(hessian, gradient) else { break };
        let mut largest: f64 = 0.0;
        for k in 0..5 {
            beta[k] += step[k];
            largest = largest.max(step[k].abs());
        }
        if largest < 1e-10 {
            break;
        }
    }
    beta
}

/// The Poisson log-likelihood of counts `y` under means `mu` (with the `ln y!` term).
///
/// ```
/// use hotspots_core::stats::forecast::poisson_log_likelihood;
/// // y = 2 under μ = 1: 2·ln 1 − 1 − ln 2! = −1 − ln 2.
/// assert!((poisson_log_likelihood(&[2.0], &[1.0]) - (-1.0 - 2f64.ln())).abs() < 1e-12);
/// ```
pub fn poisson_log_likelihood(y: &[f64], mu: &[f64]) -> f64 {
    y.iter().zip(mu).map(|(&y, &m)| y * m.max(1e-300).ln() - m - libm::lgamma(y + 1.0)).sum()
}

/// The regression's training rows for forecasting `origin`: the [`TRAINING_ORIGINS`] bins before
/// it (each with at least one bin before it), every cell.
fn training_rows(h: &History<'_>, ring: &Neighbourhoods, origin: usize) -> Vec<([f64; 5], f64)> {
    let first = origin.saturating_sub(TRAINING_ORIGINS).max(1);
    let mut rows = Vec::with_capacity(h.cells() * (origin - first));
    for o in first..origin {
        for c in 0..h.cells() {
            rows.push((features(h, ring, c, o), h.x(c, o)));
        }
    }
    rows
}

/// Every cell's forecast of bin `origin` by `model`, from bins `0..origin` of `h`; with the
/// Poisson coefficients when the model is the regression.
/// The forecast of cell `c` at `origin` by a model that looks at the cell's own series only;
/// `None` for the models that need neighbours or a fitted regression.
fn predict_cell(h: &History<'_>, model: Model, c: usize, origin: usize) -> Option<f64> {
    match model {
        Model::Changepoint { z, alpha } => {
            let from4 = origin.saturating_sub(4);
            let (m, m4) = (h.mean(c, 0, origin), h.mean(c, from4, origin));
            let se = (m.max(0.25) / (origin - from4).max(1) as f64).sqrt();
            Some(if ((m4 - m) / se).abs() > z { h.ewma(c, origin, alpha) } else { m })
        }
        Model::LastBin => Some(if origin == 0 { 0.0 } else { h.x(c, origin - 1) }),
        Model::Last4 => Some(h.mean(c, origin.saturating_sub(4), origin)),
        Model::History => Some(h.mean(c, 0, origin)),
        Model::Ewma { alpha } => Some(h.ewma(c, origin, alpha)),
        Model::SpatialEwma { .. } | Model::PoissonLag => None,
    }
}

/// The next value of one series by `model`, or by the default rule (changepoint, z = 2,
/// α = 0.5) when `model` needs neighbours or a regression: what the published estimates are
/// computed with from published numbers (`publish::disclosure`).
///
/// ```
/// use hotspots_core::stats::forecast::{Model, predict_series};
/// assert_eq!(predict_series(Model::Last4, &[0, 4, 8, 8, 4]), 6.0);
/// assert_eq!(predict_series(Model::PoissonLag, &[5, 5, 5, 5, 5]), 5.0);
/// ```
pub fn predict_series(model: Model, series: &[u64]) -> f64 {
    let h = History::new(series, series.len());
    predict_cell(&h, model, 0, series.len())
        .or_else(|| predict_cell(&h, Model::Changepoint { z: 2.0, alpha: 0.5 }, 0, series.len()))
        .unwrap_or(0.0)
}

fn predict(h: &History<'_>, ring: &Neighbourhoods, model: Model, origin: usize) -> (Vec<f64>, Option<[f64; 5]>) {
    let n = h.cells();
    let ewmas = |alpha: f64| -> Vec<f64> { (0..n).map(|c| h.ewma(c, origin, alpha)).collect() };
    match model {
        Model::Changepoint { .. } | Model::LastBin | Model::Last4 | Model::History | Model::Ewma { .. } => {
            ((0..n).map(|c| predict_cell(h, model, c, origin).unwrap_or(0.0)).collect(), None)
        }
        Model::SpatialEwma { alpha, ring_weight } => {
            let own = ewmas(alpha);
            let blended = (0..n)
                .map(|c| {
                    let members: Vec<usize> = ring.of(c).iter().map(|&m| m as usize).filter(|&m| m != c).collect();
                    let ring_mean = if members.is_empty() {
                        own[c]
                    } else {
                        members.iter().map(|&m| own[m]).sum::<f64>() / members.len() as f64
                    };
                    (1.0 - ring_weight) * own[c] + ring_weight * ring_mean
                })
                .collect();
            (blended, None)
        }
        Model::PoissonLag => {
            let beta = fit_poisson(&training_rows(h, ring, origin));
            let mu = (0..n)
                .map(|c| {
                    let x = features(h, ring, c, origin);
                    (0..5).map(|k| beta[k] * x[k]).sum::<f64>().clamp(-30.0, 30.0).exp()
                })
                .collect();
            (mu, Some(beta))
        }
    }
}

/// Share of `actual`'s total in `chosen` (0 when the total is 0).
fn capture(chosen: &[usize], actual: &[f64]) -> f64 {
    let total: f64 = actual.iter().sum();
    if total > 0.0 { chosen.iter().map(|&c| actual[c]).sum::<f64>() / total } else { 0.0 }
}

/// The `budget` highest of `values` within each group of cell positions (ties to the lower
/// position), groups in order.
pub fn top_in_groups(values: &[f64], groups: &[(Vec<usize>, usize)]) -> Vec<usize> {
    let mut out = Vec::new();
    for (members, budget) in groups {
        let mut order = members.clone();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
        out.extend(order.into_iter().take(*budget));
    }
    out
}

/// Chooses the forecast by rolling-origin validation on `counts` (`bins` per cell, cell-major:
/// the whole history the forecast may see) and forecasts the bin after it. `ring` gives each
/// cell's k = 1 neighbourhood; `groups` are the plan's budgets: cell positions and how many of
/// them the plan can cover (one group per municipality). With `daily`, bins are days: each
/// history bin's weekday (0 = Monday) and the next bin's.
pub fn forecast(
    counts: &[u64],
    bins: usize,
    ring: &Neighbourhoods,
    groups: &[(Vec<usize>, usize)],
    validation_bins: usize,
    daily: Option<(&[usize], usize)>,
) -> Forecast {
    let h = History::new(counts, bins);
    let n = h.cells();
    let budget: usize = groups.iter().map(|g| g.1).sum();
    // Validation origins: the last `validation_bins` bins, each with at least 4 bins before it.
    let first = bins.saturating_sub(validation_bins).max(4.min(bins.saturating_sub(1)));
    let origins: Vec<usize> = (first.max(1)..bins).collect();
    let candidates = Model::candidates();
    let validation: Vec<ValidationScore> = candidates
        .iter()
        .map(|&model| {
            let scores: Vec<f64> = origins
                .iter()
                .map(|&o| {
                    let (pred, _) = predict(&h, ring, model, o);
                    let actual: Vec<f64> = (0..n).map(|c| h.x(c, o)).collect();
                    capture(&top_in_groups(&pred, groups), &actual)
                })
                .collect();
            let mean = if scores.is_empty() { 0.0 } else { scores.iter().sum::<f64>() / scores.len() as f64 };
            ValidationScore { model, capture: mean }
        })
        .collect();
    let (best, note) = match validation.split_first() {
        Some((default, others)) => {
            let rival = others
                .iter()
                .enumerate()
                .max_by(|(i, a), (j, b)| a.capture.total_cmp(&b.capture).then(j.cmp(i)))
                .map(|(_, v)| v);
            let pct = |v: &ValidationScore| format!("{} {:.1} %", v.model.name(), v.capture * 100.0);
            match rival {
                Some(r) if r.capture > default.capture + SWITCH_MARGIN => (
                    r.model,
                    format!(
                        "{} caught more of the validation bins' events than the default ({}), by more than the margin: it is used",
                        pct(r),
                        pct(default)
                    ),
                ),
                Some(r) if r.capture > default.capture => (
                    default.model,
                    format!(
                        "the default {} is kept: the best other rule, {}, was ahead by less than the {:.0}-point margin",
                        pct(default),
                        pct(r),
                        SWITCH_MARGIN * 100.0
                    ),
                ),
                _ => (default.model, format!("the default {} caught the most on validation", pct(default))),
            }
        }
        None => (Model::LastBin, String::from("no candidate")),
    };
    let (mut next, coefficients) = if bins == 0 { (vec![0.0; n], None) } else { predict(&h, ring, best, bins) };
    if let Some((weekdays, next_weekday)) = daily {
        let overall = h.counts.iter().sum::<u64>() as f64 / bins.max(1) as f64;
        let days: Vec<usize> = (0..bins).filter(|&b| weekdays.get(b) == Some(&next_weekday)).collect();
        if overall > 0.0 && !days.is_empty() {
            let on_day: f64 =
                days.iter().map(|&b| (0..n).map(|c| h.x(c, b)).sum::<f64>()).sum::<f64>() / days.len() as f64;
            let factor = on_day / overall;
            next.iter_mut().for_each(|v| *v *= factor);
        }
    }
    Forecast { model: best, coefficients, budget, validation_bins: origins, validation, note, next }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize) -> Neighbourhoods {
        // Cells on a line, each with its two neighbours.
        Neighbourhoods::from_lists(
            (0..n as u32).map(|i| (i.saturating_sub(1)..=(i + 1).min(n as u32 - 1)).collect()).collect(),
        )
    }

    #[test]
    fn naive_models_match_hand_worked_values() {
        // One cell: 0, 0, 0, 82 (a new hot spot) and one quiet cell.
        let counts = [0, 0, 0, 82, 1, 1, 1, 1];
        let h = History::new(&counts, 4);
        let ring = line(2);
        assert_eq!(predict(&h, &ring, Model::LastBin, 4).0, vec![82.0, 1.0]);
        assert_eq!(predict(&h, &ring, Model::Last4, 4).0, vec![20.5, 1.0]);
        assert_eq!(predict(&h, &ring, Model::History, 4).0, vec![20.5, 1.0]);
        // α = 0.5: 0, 0, 0, then 41.
        assert_eq!(predict(&h, &ring, Model::Ewma { alpha: 0.5 }, 4).0, vec![41.0, 1.0]);
        // 20 quiet bins, then 82: mean 82/24 ≈ 3.4, last four 20.5: z ≈ 18 > 2, so the EWMA
        // (α = 0.5 gives 41) and not the long-term mean; a steady cell keeps its mean.
        let mut long = vec![0u64; 24];
        long[23] = 82;
        long.extend([3u64, 4, 2, 3].repeat(6));
        let hl = History::new(&long, 24);
        let cp = predict(&hl, &ring, Model::Changepoint { z: 2.0, alpha: 0.5 }, 24).0;
        assert_eq!(cp, vec![41.0, 3.0]);
        // Blended half with the other cell's EWMA: 0.5·41 + 0.5·1 = 21.
        let spatial = predict(&h, &ring, Model::SpatialEwma { alpha: 0.5, ring_weight: 0.5 }, 4).0;
        assert_eq!(spatial, vec![21.0, 21.0]);
    }

    #[test]
    fn the_poisson_fit_maximises_the_likelihood() {
        // y depends on x1: rows (x1 = 0, y = 1), (x1 = 0, y = 1), (x1 = 1, y = e²), … The exact
        // fit is β0 = 0, β1 = 2.
        let e2 = 2f64.exp();
        let rows: Vec<([f64; 5], f64)> = vec![
            ([1.0, 0.0, 0.0, 0.0, 0.0], 1.0),
            ([1.0, 0.0, 0.0, 0.0, 0.0], 1.0),
            ([1.0, 1.0, 0.0, 0.0, 0.0], e2),
            ([1.0, 1.0, 0.0, 0.0, 0.0], e2),
        ];
        let beta = fit_poisson(&rows);
        assert!((beta[0]).abs() < 1e-6 && (beta[1] - 2.0).abs() < 1e-6, "{beta:?}");
        // Any other β has a lower likelihood.
        let ll = |b: [f64; 5]| {
            let y: Vec<f64> = rows.iter().map(|r| r.1).collect();
            let mu: Vec<f64> = rows.iter().map(|r| (b[0] * r.0[0] + b[1] * r.0[1]).exp()).collect();
            poisson_log_likelihood(&y, &mu)
        };
        for d in [-0.1, 0.1] {
            assert!(ll(beta) > ll([beta[0] + d, beta[1], 0.0, 0.0, 0.0]));
            assert!(ll(beta) > ll([beta[0], beta[1] + d, 0.0, 0.0, 0.0]));
        }
        // No rows: the system is singular from the start, and the fit stays at its start, the
        // log of the floor 1e-6 of a mean of nothing, with no slope.
        assert_eq!(fit_poisson(&[]), [1e-6f64.ln(), 0.0, 0.0, 0.0, 0.0]);
        assert_eq!(solve5([[0.0; 5]; 5], [1.0; 5]), None);
    }

    #[test]
    fn validation_picks_the_rule_that_captures_most_and_never_sees_later_bins() {
        // Three cells over 12 bins: cell 0 is busy in even bins, cell 1 in odd bins, so the last
        // bin is the worst guide and the long-term mean (or a slow EWMA) the best.
        let mut counts = vec![0u64; 3 * 12];
        for b in 0..12 {
            counts[b] = if b % 2 == 0 { 10 } else { 0 };
            counts[12 + b] = if b % 2 == 1 { 9 } else { 0 };
            counts[24 + b] = 1;
        }
        let f = forecast(&counts, 12, &line(3), &[(vec![0, 1, 2], 1)], 8, None);
        let last_bin = f.validation.iter().find(|v| v.model == Model::LastBin).unwrap().capture;
        let chosen = f.validation.iter().find(|v| v.model == f.model).unwrap().capture;
        assert!(chosen > last_bin, "{:?} {chosen} vs last bin {last_bin}", f.model);
        assert_eq!(f.validation_bins, (4..12).collect::<Vec<_>>());
    }

    fn model_of(v: &serde_json::Value) -> Model {
        let f = |k: &str| v[k].as_f64().unwrap();
        match v["model"].as_str().unwrap() {
            "changepoint" => Model::Changepoint { z: f("z"), alpha: f("alpha") },
            "last_bin" => Model::LastBin,
            "last_4" => Model::Last4,
            "history" => Model::History,
            "ewma" => Model::Ewma { alpha: f("alpha") },
            "spatial_ewma" => Model::SpatialEwma { alpha: f("alpha"), ring_weight: f("ring_weight") },
            "poisson_lag" => Model::PoissonLag,
            other => panic!("{other}"),
        }
    }

    /// Every candidate's forecast, the Poisson regression's coefficients, the validation
    /// captures, the choice with its margin and the weekday factor, against
    /// `testdata/forecast-statsmodels.json`: numpy and statsmodels' GLM
    /// (`testdata/make_forecast_fixture.py`, versions in the file) on 6 cells × 14 bins.
    #[test]
    fn every_candidate_and_the_choice_match_an_independent_statsmodels_computation() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../testdata/forecast-statsmodels.json")).unwrap();
        let rows = fixture["counts"].as_array().unwrap();
        let bins = rows[0].as_array().unwrap().len();
        let counts: Vec<u64> =
            rows.iter().flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_u64().unwrap())).collect();
        let cells = rows.len();
        let ring = line(cells);
        let h = History::new(&counts, bins);
        let close = |a: f64, b: f64, tol: f64| (a - b).abs() <= tol * b.abs().max(1.0);
        let predictions = fixture["predictions_at_last_bin"].as_array().unwrap();
        assert_eq!(predictions.len(), Model::candidates().len());
        for (p, candidate) in predictions.iter().zip(Model::candidates()) {
            let model = model_of(p);
            assert_eq!(model, candidate, "the candidates, in order");
            let (got, beta) = predict(&h, &ring, model, bins);
            // The regression: IRLS to 1e-10 here, statsmodels' to 1e-12, and a 1e-8 ridge.
            let tol = if model == Model::PoissonLag { 1e-6 } else { 1e-12 };
            for (c, want) in p["next"].as_array().unwrap().iter().enumerate() {
                let want = want.as_f64().unwrap();
                assert!(close(got[c], want, tol), "{model:?}, cell {c}: {} against {want}", got[c]);
            }
            match (beta, p["coefficients"].as_array()) {
                (Some(beta), Some(want)) => {
                    for (k, w) in want.iter().enumerate() {
                        assert!(close(beta[k], w.as_f64().unwrap(), 1e-6), "β{k}: {} against {w}", beta[k]);
                    }
                }
                (None, None) => {}
                other => panic!("{model:?}: coefficients {other:?}"),
            }
        }
        let budget = fixture["budget"].as_u64().unwrap() as usize;
        let groups = [((0..cells).collect::<Vec<_>>(), budget)];
        let f = forecast(&counts, bins, &ring, &groups, DEFAULT_VALIDATION_BINS, None);
        let origins: Vec<usize> =
            fixture["validation_bins"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        assert_eq!(f.validation_bins, origins);
        for (got, want) in f.validation.iter().zip(fixture["validation"].as_array().unwrap()) {
            assert_eq!(got.model, model_of(want));
            let w = want["capture"].as_f64().unwrap();
            assert!(close(got.capture, w, 1e-12), "{:?}: capture {} against {w}", got.model, got.capture);
        }
        assert_eq!(f.model, model_of(&fixture["chosen"]), "{}", f.note);
        let next: Vec<f64> = fixture["next"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        for (c, (&got, &want)) in f.next.iter().zip(&next).enumerate() {
            assert!(close(got, want, 1e-12), "next, cell {c}: {got} against {want}");
        }
        // Daily bins: bin b is weekday b mod 7, the next bin's weekday is bins mod 7.
        let weekdays: Vec<usize> = (0..bins).map(|b| b % 7).collect();
        let daily = forecast(&counts, bins, &ring, &groups, DEFAULT_VALIDATION_BINS, Some((&weekdays, bins % 7)));
        let factor = fixture["daily_factor"].as_f64().unwrap();
        assert!((factor - 1.0).abs() > 0.01, "the factor must move the level");
        for (c, (&got, &want)) in daily.next.iter().zip(&next).enumerate() {
            assert!(close(got, want * factor, 1e-12), "daily, cell {c}: {got} against {}", want * factor);
        }
    }

    /// The changepoint rule switches to the EWMA only when the last four bins depart from the
    /// long-term mean by *more* than z standard errors. Bins 0, 0, 0, 0, 2, 2, 2, 2: m = 1, m₄ = 2,
    /// se = √(1/4) = 0.5, a departure of exactly 2: at z = 2 the mean stays, at z = 1.5 the EWMA
    /// (α = 0.5: 0 until bin 4, then 1, 1.5, 1.75, 1.875) takes over.
    #[test]
    fn the_changepoint_switches_only_beyond_z() {
        let series = [0u64, 0, 0, 0, 2, 2, 2, 2];
        assert_eq!(predict_series(Model::Changepoint { z: 2.0, alpha: 0.5 }, &series), 1.0);
        assert_eq!(predict_series(Model::Changepoint { z: 1.5, alpha: 0.5 }, &series), 1.875);
        // The other rules of one series, and the default rule for those that need neighbours.
        assert_eq!(predict_series(Model::LastBin, &series), 2.0);
        assert_eq!(predict_series(Model::Last4, &[9, 1, 2, 3, 6]), 3.0);
        assert_eq!(predict_series(Model::History, &[9, 1, 2, 3, 5]), 4.0);
        assert_eq!(predict_series(Model::Ewma { alpha: 0.5 }, &[4, 0, 2]), 2.0);
        assert_eq!(predict_series(Model::SpatialEwma { alpha: 0.1, ring_weight: 0.5 }, &series), 1.0);
        assert_eq!(predict_series(Model::LastBin, &[]), 0.0);
    }

    /// ln P(y | μ) = y ln μ − μ − ln y!: y = 3 under μ = 2 is 3 ln 2 − 2 − ln 6; y = 0 under μ = 0.5
    /// is −0.5.
    #[test]
    fn the_poisson_log_likelihood_has_every_term() {
        let got = poisson_log_likelihood(&[3.0, 0.0], &[2.0, 0.5]);
        let want = 3.0 * 2f64.ln() - 2.0 - 6f64.ln() - 0.5;
        assert!((got - want).abs() < 1e-12, "{got} against {want}");
    }

    /// The switching margin at its boundary. One validation bin (bin 4 of 5) with 100 events in
    /// three cells: A 25, B 26, C 49. A had 10 a bin before, B 0, 0, 0, 12, C nothing. The default
    /// (changepoint: A 10, B's mean 3 with no departure) takes A and catches 0.25; the last bin
    /// takes B (12 > 10) and catches 0.26, exactly the margin more: the default is kept. Nothing
    /// could foresee C.
    #[test]
    fn a_rival_exactly_one_margin_ahead_does_not_replace_the_default() {
        let counts = [10u64, 10, 10, 10, 25, 0, 0, 0, 12, 26, 0, 0, 0, 0, 49];
        let f = forecast(&counts, 5, &line(3), &[(vec![0, 1, 2], 1)], 8, None);
        assert_eq!(f.validation_bins, vec![4]);
        let capture = |m: Model| f.validation.iter().find(|v| v.model == m).unwrap().capture;
        assert_eq!(capture(Model::Changepoint { z: 2.0, alpha: 0.5 }), 0.25);
        assert_eq!(capture(Model::LastBin), 0.26);
        assert_eq!(0.25 + SWITCH_MARGIN, 0.26, "the margin is met exactly in floating point");
        assert_eq!(f.model, Model::Changepoint { z: 2.0, alpha: 0.5 });
        assert!(
            f.note.starts_with("the default changepoint 25.0 % is kept: the best other rule, last_bin 26.0 %"),
            "{}",
            f.note
        );
        // One more event for B in the validation bin (27 of 101): more than the margin, B's rule wins.
        let mut more = counts;
        more[9] = 27;
        let f = forecast(&more, 5, &line(3), &[(vec![0, 1, 2], 1)], 8, None);
        assert_eq!(f.model, Model::LastBin);
        assert!(
            f.note.starts_with(
                "last_bin 26.7 % caught more of the validation bins' events than the default (changepoint 24.8 %)"
            ),
            "{}",
            f.note
        );
        // A alone busy in the validation bin: every rule takes A, the default caught the most.
        let mut a_only = counts;
        (a_only[9], a_only[14]) = (0, 0);
        let f = forecast(&a_only, 5, &line(3), &[(vec![0, 1, 2], 1)], 8, None);
        assert_eq!(f.model, Model::Changepoint { z: 2.0, alpha: 0.5 });
        assert_eq!(f.note, "the default changepoint 100.0 % caught the most on validation");
    }

    /// Nothing at all: captures of 0 (not 0/0), forecasts of 0, and no weekday factor (0/0).
    #[test]
    fn an_empty_history_forecasts_zero_without_nan() {
        let counts = [0u64; 3 * 6];
        let weekdays = [0usize, 1, 2, 3, 4, 5];
        let f = forecast(&counts, 6, &line(3), &[(vec![0, 1, 2], 1)], 8, Some((&weekdays, 6)));
        assert!(f.validation.iter().all(|v| v.capture == 0.0), "{:?}", f.validation);
        assert_eq!(f.next, vec![0.0; 3]);
        // …and with the next bin's weekday among the history's (a Monday): still 0, not 0/0.
        let f = forecast(&counts, 6, &line(3), &[(vec![0, 1, 2], 1)], 8, Some((&weekdays, 0)));
        assert_eq!(f.next, vec![0.0; 3]);
        // A history with events but none on the next bin's weekday (a Sunday): the factor is 0.
        let mut busy = counts;
        busy[0] = 6;
        let f = forecast(&busy, 6, &line(3), &[(vec![0, 1, 2], 1)], 8, Some((&weekdays, 6)));
        assert!(f.next.iter().all(|v| v.is_finite()), "{:?}", f.next);
    }
}
