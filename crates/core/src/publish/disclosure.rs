//! The publishing policy: what every number that reaches `public/` may say. Each output is
//! rendered for one [`Audience`]; an output for [`Audience::Internal`] carries exact figures, one
//! for [`Audience::Public`] goes through the rules below, and no output builds its own. The rules,
//! per kind of number (README, "Privacy"):
//!
//! - **Counts** (a cell's count in a bin, an hour-of-week slot, a district's bin): shown when at
//!   least the threshold `m` (`--min-count`), else `null` — zero included, so "few" and "none"
//!   look the same ([`Disclosure::count`]).
//! - **Sums of counts** (a cell's total, an area's or a district's figure, the city's total):
//!   the shown parts `V` plus a *protected remainder* of the hidden parts ([`protected_sum`]). The
//!   remainder is the hidden total `H` rounded down to a multiple of `m`, and never more than
//!   `m·⌊(k − 1)(m − 1)/m⌋` for `k` hidden parts. Rounding down to a multiple of `m` keeps the
//!   uncertainty aligned with the hidden range `0 … m − 1`: one hidden part is never narrowed at
//!   all, and the cap means that no single sum, with every other hidden part at its largest
//!   possible value, forces a hidden part above 0. A published sum is low by less than `2m`.
//! - **Test statistics and p-values** (Gi* z and p, Mann-Kendall τ and p, the unmet-concern
//!   binomial p): classes only — the Gi* confidence bin of ArcGIS (−3 … 3), the trend's
//!   direction, the pattern and the unmet-concern flag. Exact values stay internal.
//! - **Estimates** (forecasts, expected events per week, team loads): computed again from
//!   published numbers only (the protected sums), so they are post-processing of what is already
//!   public and cannot say more than it.
//! - **Moments and row accounting** (the cube's mean and standard deviation, rows read and
//!   rejected): internal only.

use super::small_counts::SmallCounts;

/// Who a file is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Audience {
    /// May leave the office: aggregates under the policy (`public/`).
    Public,
    /// The teams' own use: exact counts and statistics, rejects with ids (`internal/`).
    Internal,
}

impl Audience {
    /// The folder under the output folder.
    pub fn folder(self) -> &'static str {
        match self {
            Audience::Public => "public",
            Audience::Internal => "internal",
        }
    }
}

/// The policy for one audience: exact for [`Audience::Internal`], the rules of this module for
/// [`Audience::Public`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Disclosure {
    audience: Audience,
    small: SmallCounts,
}

impl Disclosure {
    /// The policy of `audience` under the small-count rule `small`.
    pub fn new(audience: Audience, small: SmallCounts) -> Self {
        Disclosure { audience, small }
    }

    /// Whether figures are exact (internal).
    pub fn exact(self) -> bool {
        self.audience == Audience::Internal
    }

    /// The audience.
    pub fn audience(self) -> Audience {
        self.audience
    }

    /// The small-count threshold.
    pub fn min_count(self) -> u64 {
        self.small.min_count()
    }

    /// A count: exact internally; in public, `None` under the threshold.
    pub fn count(self, count: u64) -> Option<u64> {
        if self.exact() { Some(count) } else { self.small.publish(count) }
    }

    /// A sum of the counts `parts`: exact internally; in public, [`protected_sum`].
    pub fn sum(self, parts: impl IntoIterator<Item = u64>) -> Option<u64> {
        if self.exact() { Some(parts.into_iter().sum()) } else { protected_sum(self.small, parts) }
    }

    /// Per bin, the sum over `series` (each `bins` long) — exact or protected.
    pub fn sums_per_bin<'a>(self, series: impl Iterator<Item = &'a [u64]> + Clone, bins: usize) -> Vec<Option<u64>> {
        (0..bins).map(|b| self.sum(series.clone().map(|s| s[b]))).collect()
    }

    /// An estimate, in public only when at least the threshold (an estimate under it would tell
    /// of counts under it); exact estimates are shown as they are.
    pub fn estimate(self, value: f64) -> Option<f64> {
        if self.exact() || value >= self.small.min_count() as f64 { Some(value) } else { None }
    }

    /// The blind spots this audience may see listed, best first: every one internally; in
    /// public those whose recent concern reports reach the threshold (being listed with fewer
    /// would tell that a hidden count is not zero). `blind_spots.geojson`, the report and the
    /// public summary all list these.
    pub fn blind_spots(self, effort: &crate::plan::effort::EffortView) -> Vec<usize> {
        effort.blind_spots.iter().copied().filter(|&c| self.count(effort.cells[c].concerns).is_some()).collect()
    }

    /// Whether `area`'s blind-spot flag is shown: its blind cells' recent concern reports reach
    /// the threshold (exact internally). The area's `purpose` is the plan's choice and is shown
    /// either way.
    pub fn shows_blind_spot(self, area: &crate::plan::patrol::PatrolArea) -> bool {
        area.blind_spot && self.count(area.blind_spot_concerns).is_some()
    }
}

/// One cell's numbers for an audience.
#[derive(Clone, Debug, PartialEq)]
pub struct CellFigures {
    /// The sum over the window (the counts per bin are [`Disclosure::count`] of the cube's).
    pub total: Option<u64>,
    /// The next bin's expected events: the forecast (internal), or the forecast rule applied to
    /// the published series (public).
    pub forecast: Option<f64>,
}

/// One patrol area's numbers for an audience.
#[derive(Clone, Debug, PartialEq)]
pub struct AreaFigures {
    /// Expected events in the next 7 days.
    pub expected_per_week: Option<f64>,
    /// Events in the final bin.
    pub last_bin: Option<u64>,
    /// Events per weekday × hour slot (Monday first, 168 values).
    pub profile: Vec<Option<u64>>,
    /// Whether the peak weekday and hour may be shown (its profile's sum is published).
    pub peak_shown: bool,
    /// The mix of needs over the profile's days: (category label, `None` for none; its events,
    /// `None` under the small-count threshold), published counts first from the largest, then
    /// the hidden ones by label (so their order says nothing of their counts).
    pub needs: Vec<(Option<String>, Option<u64>)>,
}

/// One district's numbers for an audience (layer order, then `(none)`).
#[derive(Clone, Debug, PartialEq)]
pub struct DistrictFigures {
    /// Events in the window.
    pub events: Option<u64>,
    /// Events in the final bin.
    pub events_last_bin: Option<u64>,
    /// Events per bin, oldest first.
    pub series: Vec<Option<u64>>,
}

/// Every count, sum and estimate of one job as one audience may see it. Every output draws its
/// numbers from here, so the layers, the summaries and the report agree, and the public ones
/// cannot say more than the policy allows.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    /// The policy they were made under.
    pub disclosure: Disclosure,
    /// Per cube cell.
    pub cells: Vec<CellFigures>,
    /// Per patrol area, in rank order.
    pub areas: Vec<AreaFigures>,
    /// Per district tally.
    pub districts: Vec<DistrictFigures>,
    /// Per team of the plan, in order: expected events a week over its areas (the sum of its
    /// areas' published expectations, rounded).
    pub team_loads: Vec<Option<u64>>,
    /// Per municipality, the largest team load over the smallest (two decimals; `None` with one
    /// team or an unpublished load).
    pub team_balance: Vec<(String, Option<f64>)>,
    /// The job's events in the window.
    pub events: Option<u64>,
    /// The job's events per bin.
    pub events_per_bin: Vec<Option<u64>>,
    /// Per cluster of the space-time scan (when run), its observed events: a sum over its cells
    /// and bins.
    pub clusters: Vec<Option<u64>>,
}

/// The mix of needs over the cube cells `positions` under `disclosure`: (label, events), the
/// published counts first from the largest (then by label), then the hidden ones by label alone,
/// so their order says nothing of their counts.
fn public_mix(
    needs: &crate::cube::Needs,
    positions: &[usize],
    disclosure: Disclosure,
) -> Vec<(Option<String>, Option<u64>)> {
    let mut mix: Vec<(Option<String>, Option<u64>)> = needs
        .of_cells(positions.iter().copied())
        .into_iter()
        .map(|(id, n)| (needs.name(id).map(str::to_string), disclosure.count(n)))
        .collect();
    mix.sort_by(|x, y| match (x.1, y.1) {
        (Some(a), Some(b)) => b.cmp(&a).then_with(|| x.0.cmp(&y.0)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => x.0.cmp(&y.0),
    });
    mix
}

impl Figures {
    /// The figures of `results` under `disclosure`.
    pub fn of(results: &super::JobResults<'_>, disclosure: Disclosure) -> Figures {
        let job = results.job;
        let cube = &job.cube;
        let t = cube.bins().len();
        let model = results.forecast.model;
        let per_week = cube.bins().bins().last().map_or(1.0, |b| 7.0 / f64::from((b.end_day - b.start_day).max(1)));
        let n = cube.cells().len();
        let cells: Vec<CellFigures> = (0..n)
            .map(|c| {
                let forecast = if disclosure.exact() {
                    results.forecast.next.get(c).copied()
                } else {
                    let shown: Vec<u64> = cube.series(c).iter().map(|&v| disclosure.count(v).unwrap_or(0)).collect();
                    disclosure.estimate(crate::stats::forecast::predict_series(model, &shown))
                };
                CellFigures { total: disclosure.sum(cube.series(c).iter().copied()), forecast }
            })
            .collect();
        let areas: Vec<AreaFigures> = results
            .plan
            .areas
            .iter()
            .map(|a| {
                let positions: Vec<usize> = a.cells.iter().filter_map(|&cell| cube.cell_position(cell)).collect();
                let per_bin = disclosure.sums_per_bin(positions.iter().map(|&c| cube.series(c)), t);
                let expected_per_week = if disclosure.exact() {
                    Some(a.expected_per_week)
                } else {
                    let shown: Vec<u64> = per_bin.iter().map(|v| v.unwrap_or(0)).collect();
                    disclosure.estimate(crate::stats::forecast::predict_series(model, &shown) * per_week)
                };
                AreaFigures {
                    expected_per_week,
                    last_bin: per_bin.last().copied().flatten(),
                    profile: a.profile.iter().map(|&v| disclosure.count(v)).collect(),
                    peak_shown: disclosure.sum(a.profile.iter().copied()).is_some_and(|v| v > 0),
                    needs: public_mix(&job.needs, &positions, disclosure),
                }
            })
            .collect();
        let districts = job
            .districts
            .iter()
            .map(|d| DistrictFigures {
                events: disclosure.sum(d.series.iter().copied()),
                events_last_bin: d.series.last().and_then(|&v| disclosure.count(v)),
                series: d.series.iter().map(|&v| disclosure.count(v)).collect(),
            })
            .collect();
        let teams = &results.plan.teams;
        let loads: Vec<f64> = teams
            .iter()
            .map(|team| {
                results
                    .plan
                    .areas
                    .iter()
                    .zip(&areas)
                    .filter(|(a, _)| a.team == Some(team.number))
                    .filter_map(|(_, f)| f.expected_per_week)
                    .sum()
            })
            .collect();
        let team_loads = loads.iter().map(|&l| disclosure.estimate(l.round()).map(|v| v as u64)).collect();
        let shown_teams: Vec<crate::plan::Team> = teams
            .iter()
            .zip(&loads)
            .map(|(t, &l)| crate::plan::Team {
                expected_per_week: disclosure.estimate(l.round()).unwrap_or(0.0),
                ..t.clone()
            })
            .collect();
        let team_balance = crate::plan::teams::balance(&shown_teams)
            .into_iter()
            .map(|(m, r)| (m, r.map(|r| (r * 100.0).round() / 100.0)))
            .collect();
        Figures {
            disclosure,
            cells,
            areas,
            districts,
            team_loads,
            team_balance,
            events: disclosure.sum(cube.counts().iter().copied()),
            events_per_bin: disclosure.sums_per_bin((0..n).map(|c| cube.series(c)), t),
            clusters: results.scan.map_or_else(Vec::new, |scan| {
                scan.clusters
                    .iter()
                    .map(|c| {
                        disclosure.sum(c.cells.iter().flat_map(|&z| cube.series(z)[c.first_bin..].iter().copied()))
                    })
                    .collect()
            }),
        }
    }
}

/// A sum published under the policy: `V + R`, where `V` is the sum of the parts of at least the
/// threshold `m`, and `R` the protected remainder of the `k` hidden parts (total `H`):
/// `R = min(m·⌊H/m⌋, m·⌊(k − 1)(m − 1)/m⌋)`. `None` when `V + R` is under the threshold.
///
/// ```
/// use hotspots_core::publish::disclosure::protected_sum;
/// use hotspots_core::publish::SmallCounts;
/// let m = SmallCounts::new(5);
/// // One hidden part (3) says nothing: 12 + 0.
/// assert_eq!(protected_sum(m, [12, 3]), Some(12));
/// // Two hidden parts (4 + 4): the cap m·⌊1·4/5⌋ = 0 keeps both unknown.
/// assert_eq!(protected_sum(m, [10, 4, 4]), Some(10));
/// // Three hidden parts (4 + 4 + 3 = 11): ⌊11/5⌋·5 = 10, capped at 5·⌊2·4/5⌋ = 5.
/// assert_eq!(protected_sum(m, [10, 4, 4, 3]), Some(15));
/// // Nothing shown and nothing to add: hidden.
/// assert_eq!(protected_sum(m, [1, 2]), None);
/// ```
pub fn protected_sum(small: SmallCounts, parts: impl IntoIterator<Item = u64>) -> Option<u64> {
    let m = small.min_count();
    let (mut shown, mut hidden, mut k) = (0u64, 0u64, 0u64);
    for part in parts {
        if small.publish(part).is_some() {
            shown += part;
        } else {
            hidden += part;
            k += 1;
        }
    }
    if m <= 1 {
        return small.publish(shown + hidden);
    }
    let cap = k.saturating_sub(1) * (m - 1) / m * m;
    let remainder = (hidden / m * m).min(cap);
    small.publish(shown + remainder)
}

/// The Gi* confidence bin of ArcGIS's `Gi_Bin`: ±3 at 99 %, ±2 at 95 %, ±1 at 90 % confidence,
/// 0 otherwise (two-sided p of `z`).
///
/// ```
/// use hotspots_core::publish::disclosure::gi_bin;
/// assert_eq!(gi_bin(2.7), 3);
/// assert_eq!(gi_bin(-2.0), -2);
/// assert_eq!(gi_bin(1.7), 1);
/// assert_eq!(gi_bin(1.0), 0);
/// ```
pub fn gi_bin(z: f64) -> i8 {
    let a = z.abs();
    let level = if a >= 2.5758293035489004 {
        3
    } else if a >= 1.959963984540054 {
        2
    } else if a >= 1.6448536269514722 {
        1
    } else {
        0
    };
    if z < 0.0 { -level } else { level }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_of_needs_hides_small_counts_and_orders_them_by_label_only() {
        let needs = crate::cube::Needs {
            names: vec!["substance".into(), "safety".into(), "other".into()],
            // Two cells: substance 6 + 3, safety 2 + 1, other 4 + 4, no category 1.
            cells: vec![vec![(0, 6), (1, 2), (2, 4)], vec![(0, 3), (1, 1), (2, 4), (crate::cube::Needs::NONE, 1)]],
        };
        let public = Disclosure::new(Audience::Public, SmallCounts::new(5));
        let got = public_mix(&needs, &[0, 1], public);
        let label = |s: &str| Some(s.to_string());
        assert_eq!(
            got,
            [(label("substance"), Some(9)), (label("other"), Some(8)), (None, None), (label("safety"), None)]
        );
        let exact = public_mix(&needs, &[1], Disclosure::new(Audience::Internal, SmallCounts::new(5)));
        // Equal counts by label, no category first.
        assert_eq!(
            exact,
            [(label("other"), Some(4)), (label("substance"), Some(3)), (None, Some(1)), (label("safety"), Some(1))]
        );
    }

    /// Brute force: with every other hidden part at its largest (m − 1) and the sum's published
    /// interval [R, R + m − 1], no hidden part is forced above 0 and none is forced below m − 1.
    #[test]
    fn no_single_sum_narrows_a_hidden_part() {
        for m in [2u64, 3, 5, 10] {
            let small = SmallCounts::new(m);
            for k in 1..=6u64 {
                for hidden in 0..=k * (m - 1) {
                    // Parts: hidden total spread as evenly as allowed, plus one shown part of m.
                    let mut parts = vec![m];
                    let mut left = hidden;
                    for _ in 0..k {
                        let p = left.min(m - 1);
                        parts.push(p);
                        left -= p;
                    }
                    let published = protected_sum(small, parts.iter().copied()).unwrap_or(0);
                    let r = published.saturating_sub(m);
                    assert_eq!(r % m, 0, "m {m} k {k} H {hidden}");
                    assert!(r <= hidden, "the remainder never exceeds the hidden total");
                    assert!(hidden - r < 2 * m, "low by less than 2m: m {m} k {k} H {hidden} R {r}");
                    let lowest = r.saturating_sub((k - 1) * (m - 1));
                    assert_eq!(lowest, 0, "m {m} k {k} H {hidden}: a part forced to at least {lowest}");
                }
            }
        }
    }

    #[test]
    fn internal_is_exact() {
        let d = Disclosure::new(Audience::Internal, SmallCounts::new(5));
        assert_eq!(d.count(2), Some(2));
        assert_eq!(d.sum([1, 2, 3]), Some(6));
        let p = Disclosure::new(Audience::Public, SmallCounts::new(5));
        assert_eq!(p.count(2), None);
        // Three hidden parts (6): ⌊6/5⌋·5 = 5, within the cap 5·⌊2·4/5⌋ = 5.
        assert_eq!(p.sum([1, 2, 3]), Some(5));
        assert_eq!(p.sum([1, 2]), None);
        assert_eq!(p.estimate(4.9), None);
        assert_eq!(p.estimate(5.0), Some(5.0));
    }

    /// The confidence bins at their thresholds (z of 90 %, 95 % and 99 % two-sided confidence:
    /// a z exactly at a threshold is in the higher bin), on both sides.
    #[test]
    fn gi_bins_at_the_thresholds() {
        for (z, bin) in [(1.6448536269514722, 1), (1.959963984540054, 2), (2.5758293035489004, 3)] {
            assert_eq!((gi_bin(z), gi_bin(-z)), (bin, -bin), "z {z}");
            let below = z - 1e-12;
            assert_eq!((gi_bin(below), gi_bin(-below)), (bin - 1, -(bin - 1)), "just under {z}");
        }
        assert_eq!(gi_bin(0.0), 0);
    }

    #[test]
    fn sums_per_bin_and_the_policy_accessors() {
        let p = Disclosure::new(Audience::Public, SmallCounts::new(5));
        let i = Disclosure::new(Audience::Internal, SmallCounts::new(5));
        let series: [&[u64]; 3] = [&[6, 1, 0], &[2, 2, 9], &[3, 4, 1]];
        // Bin 0: 6 shown, 2 + 3 hidden (k = 2: capped at 5·⌊4/5⌋ = 0) → 6. Bin 1: nothing shown,
        // 7 hidden in three parts: ⌊7/5⌋·5 = 5 within the cap 5 → 5. Bin 2: 9 shown → 9.
        assert_eq!(p.sums_per_bin(series.iter().copied(), 3), vec![Some(6), Some(5), Some(9)]);
        assert_eq!(i.sums_per_bin(series.iter().copied(), 3), vec![Some(11), Some(7), Some(10)]);
        assert_eq!((p.min_count(), p.audience(), i.audience()), (5, Audience::Public, Audience::Internal));
        assert!(i.exact() && !p.exact());
        assert_eq!((Audience::Public.folder(), Audience::Internal.folder()), ("public", "internal"));
        assert_eq!(i.estimate(0.5), Some(0.5));
        assert_eq!(p.estimate(4.999), None);
    }
}
