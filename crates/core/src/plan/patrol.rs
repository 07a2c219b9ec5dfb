//! Patrol planning: where the pairs should walk next week, when, and why.
//!
//! 1. **Areas.** Cells with a hot pattern (codes 1…8) are joined into contiguous hot spots
//!    through H3 adjacency. A hot spot larger than `max_area_km2` (default 2 km², a walkable beat)
//!    is split greedily: from its busiest cell (most recent events), a piece grows through the
//!    busiest adjacent cells until the next would pass the limit; the rest is split the same way.
//!    Each piece is a patrol area, dissolved into one polygon (holes where they belong) by h3o.
//! 2. **Score and rank.** A hot spot takes the tier of its busiest cell's pattern — the pattern
//!    where the people are, not that of a quiet rim that Gi*'s neighbourhood lights up: the
//!    emerging patterns first, newest signal first — new hot spot 6, intensifying 5, consecutive 4
//!    — then persistent 3, diminishing or oscillating 2, sporadic or historical 1. Hot spots rank
//!    by tier, then by their expected events per week; a hot spot's pieces follow one another,
//!    busiest first. `score = 1000 · tier + the hot spot's expected_per_week` (capped at 999.9):
//!    every emerging hot spot ranks ahead of every persistent one, sporadic and historical last.
//!    A piece where fewer events a week are expected than the small-count threshold is too quiet
//!    to send a pair to first: it has `score = tier` and ranks after every busier area.
//! 3. **Expected workload.** `expected_per_week` is the area's events in the last `recent_bins`
//!    bins (default 4) divided by those bins' days, times 7.
//! 4. **When.** The weekday × hour profile of the area's events over the last 84 days of the
//!    window gives `peak_weekday` and `peak_hour`; the teams work office hours (Monday–Friday,
//!    08–16), and `peak_outside_office_hours` says when the peak falls outside them.
//! 5. **Service gaps.** With a services layer, `nearest_service_m` is the geodesic distance from
//!    the nearest cell centre of the area to the nearest service (see [`hot_cell_services`]); beyond `service_gap_m`
//!    (default 1000 m) the area is a service gap.
//! 6. **Unmet concern.** With q the job's share of concern reports among all recent events, an
//!    area with n recent events of which c are concern reports has unmet concern when
//!    c/n > q and the one-sided binomial tail P(X ≥ c | n, q) < α: residents worry there more
//!    than the teams' encounters show.
//! 7. **Teams.** The top `4 · teams` areas are shared among `teams` pairs: centres start at the
//!    top area and then the area farthest from the chosen centres; ten rounds assign areas (in
//!    rank order) to the team minimising distance × (1 + team load / fair load) and move each
//!    centre to its areas' workload-weighted mean. Teams are numbered by their best-ranked area.
//!    Deterministic.

use std::collections::{BTreeSet, HashSet};

use h3o::CellIndex;

use crate::cube::SpaceTimeCube;
use crate::cube::build::JobCube;
use crate::space::services::Services;
use crate::space::study_area::cell_centre;
use crate::stats::analysis::JobStats;
use crate::stats::inference::binomial_upper_tail;
use crate::stats::patterns::Pattern;

pub use super::teams::assign_teams;

/// Parameters of the plan. Built outside the library only through [`PatrolParams::new`].
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct PatrolParams {
    /// Largest walkable area, km² (`--max-patrol-km2`).
    pub max_area_km2: f64,
    /// Bins the expected workload and unmet concern look at.
    pub recent_bins: usize,
    /// Outreach pairs (`--teams`).
    pub teams: usize,
    /// Distance beyond which an area is a service gap, metres (`--service-gap-m`).
    pub service_gap_m: f64,
}

impl PatrolParams {
    /// Default largest walkable area, km².
    pub const DEFAULT_MAX_AREA_KM2: f64 = 2.0;
    /// Bins the expected workload and unmet concern look at.
    pub const RECENT_BINS: usize = 4;
    /// Default outreach pairs.
    pub const DEFAULT_TEAMS: usize = 4;
    /// Default service-gap distance, metres.
    pub const DEFAULT_SERVICE_GAP_M: f64 = 1000.0;

    /// Checked parameters.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Parameter`] for `max_patrol_km2` not above 0 or `service_gap_m` below 0.
    pub fn new(max_area_km2: f64, teams: usize, service_gap_m: f64) -> crate::Result<Self> {
        if !(max_area_km2 > 0.0 && max_area_km2.is_finite()) {
            return Err(crate::Error::parameter("max_patrol_km2", max_area_km2, "must be above 0"));
        }
        if service_gap_m.is_nan() || service_gap_m < 0.0 {
            return Err(crate::Error::parameter("service_gap_m", service_gap_m, "must be at least 0"));
        }
        Ok(PatrolParams { max_area_km2, recent_bins: Self::RECENT_BINS, teams, service_gap_m })
    }
}

impl Default for PatrolParams {
    fn default() -> Self {
        PatrolParams {
            max_area_km2: Self::DEFAULT_MAX_AREA_KM2,
            recent_bins: Self::RECENT_BINS,
            teams: Self::DEFAULT_TEAMS,
            service_gap_m: Self::DEFAULT_SERVICE_GAP_M,
        }
    }
}

/// The weekday names, Monday first.
pub const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// One patrol area.
#[derive(Clone, Debug)]
pub struct PatrolArea {
    /// 1 = go here first.
    pub rank: usize,
    /// `1000 · tier + the hot spot's expected events per week`, or `tier` for a quiet area.
    pub score: f64,
    /// The tier of its hot spot: 6 new, 5 intensifying, 4 consecutive, 3 persistent,
    /// 2 diminishing or oscillating, 1 sporadic or historical.
    pub tier: u8,
    /// Its cells, in H3 order.
    pub cells: Vec<CellIndex>,
    /// The district holding most of its cells (ties: the first in layer order).
    pub district: Option<usize>,
    /// The distinct patterns of its cells, by ArcGIS code.
    pub categories: Vec<Pattern>,
    /// Area, km².
    pub area_km2: f64,
    /// Events in the recent bins.
    pub recent_events: u64,
    /// Concern reports in the recent bins.
    pub recent_concerns: u64,
    /// Expected events per week.
    pub expected_per_week: f64,
    /// Events per weekday (Monday first) × hour, last 84 days.
    pub profile: Vec<u64>,
    /// Busiest weekday (0 = Monday), when the profile has events.
    pub peak_weekday: Option<usize>,
    /// Busiest local hour, when the profile has events.
    pub peak_hour: Option<usize>,
    /// The nearest service's name and geodesic distance, metres.
    pub nearest_service: Option<(String, f64)>,
    /// One-sided binomial p of the unmet-concern test.
    pub unmet_concern_p: f64,
    /// Whether concern reports run well above the encounters.
    pub unmet_concern: bool,
    /// The team (1-based), for the top areas.
    pub team: Option<usize>,
    /// Centre of the area's cells (lon, lat), the mean of their centres.
    pub centre: (f64, f64),
}

impl PatrolArea {
    /// Whether the peak falls outside office hours (Monday–Friday 08–16).
    pub fn peak_outside_office_hours(&self) -> Option<bool> {
        Some(!(self.peak_weekday? < 5 && (8..16).contains(&self.peak_hour?)))
    }

    /// Whether the nearest service is farther than `gap_m`.
    pub fn service_gap(&self, gap_m: f64) -> Option<bool> {
        self.nearest_service.as_ref().map(|(_, d)| *d > gap_m)
    }
}

/// The priority of a pattern for patrols (see the module documentation).
pub fn tier(p: Pattern) -> u8 {
    use Pattern::*;
    match p {
        NewHotSpot => 6,
        IntensifyingHotSpot => 5,
        ConsecutiveHotSpot => 4,
        PersistentHotSpot => 3,
        DiminishingHotSpot | OscillatingHotSpot => 2,
        SporadicHotSpot | HistoricalHotSpot => 1,
        _ => 0,
    }
}

/// Splits one contiguous component into pieces of at most `max_km2` (a single cell may exceed
/// it), growing each piece from its busiest cell (`importance` gives (tier, recent events)).
fn split(
    component: &BTreeSet<CellIndex>,
    importance: &dyn Fn(CellIndex) -> (u8, u64),
    max_km2: f64,
) -> Vec<Vec<CellIndex>> {
    let mut left: BTreeSet<CellIndex> = component.clone();
    let mut pieces = Vec::new();
    let key = |c: CellIndex| {
        let (t, n) = importance(c);
        (std::cmp::Reverse(n), std::cmp::Reverse(t), c)
    };
    while let Some(&seed) = left.iter().min_by_key(|&&c| key(c)) {
        let mut piece = vec![seed];
        let mut area = seed.area_km2();
        left.remove(&seed);
        loop {
            let next = piece
                .iter()
                .flat_map(|c| c.grid_disk::<Vec<_>>(1))
                .filter(|c| left.contains(c))
                .min_by_key(|&c| key(c));
            match next {
                Some(c) if area + c.area_km2() <= max_km2 => {
                    area += c.area_km2();
                    piece.push(c);
                    left.remove(&c);
                }
                _ => break,
            }
        }
        piece.sort_unstable();
        pieces.push(piece);
    }
    pieces
}

/// The nearest service (name, geodesic metres from the cell centre) of every cell with a hot
/// pattern, `None` for the other cells: measured once, used by the patrol areas (which are made of
/// hot cells) and by `hotspots.geojson`.
pub fn hot_cell_services(cube: &SpaceTimeCube, stats: &JobStats, services: &Services) -> Vec<Option<(String, f64)>> {
    cube.cells()
        .iter()
        .zip(&stats.cells)
        .map(|(&cell, s)| {
            if s.pattern.code() <= 0 {
                return None;
            }
            let (lon, lat) = cell_centre(cell);
            services.nearest(lon, lat).map(|(svc, d)| (svc.name.clone(), d))
        })
        .collect()
}

/// Plans the patrol areas of one job. `cell_services` is [`hot_cell_services`] when a services
/// layer was given.
pub fn plan(
    job: &JobCube,
    stats: &JobStats,
    cell_districts: &[Option<usize>],
    cell_services: Option<&[Option<(String, f64)>]>,
    params: &PatrolParams,
    alpha: f64,
    min_count: u64,
) -> Vec<PatrolArea> {
    let cube: &SpaceTimeCube = &job.cube;
    let t = cube.bins().len();
    let recent = params.recent_bins.clamp(1, t);
    let recent_days: i32 = cube.bins().bins()[t - recent..].iter().map(|b| b.end_day - b.start_day).sum();
    let recent_of = |c: usize| -> (u64, u64) {
        let range = c * t + t - recent..c * t + t;
        (cube.counts()[range.clone()].iter().sum(), job.concerns[range].iter().sum())
    };
    let (all_events, all_concerns) = (0..cube.cells().len()).fold((0, 0), |(a, b), c| {
        let (e, k) = recent_of(c);
        (a + e, b + k)
    });
    let concern_share = if all_events > 0 { all_concerns as f64 / all_events as f64 } else { 0.0 };

    let hot: HashSet<CellIndex> =
        (0..cube.cells().len()).filter(|&c| stats.cells[c].pattern.code() > 0).map(|c| cube.cells()[c]).collect();
    let position = |cell: CellIndex| cube.cell_position(cell).expect("a cube cell");
    let importance = |cell: CellIndex| {
        let c = position(cell);
        (tier(stats.cells[c].pattern), recent_of(c).0)
    };

    // Contiguous components, in H3 order of their first cell.
    let mut seen: HashSet<CellIndex> = HashSet::new();
    let mut ordered: Vec<CellIndex> = hot.iter().copied().collect();
    ordered.sort_unstable();
    // (piece, component tier, component expected events per week)
    let mut pieces: Vec<(Vec<CellIndex>, u8, f64)> = Vec::new();
    for &start in &ordered {
        if !seen.insert(start) {
            continue;
        }
        let mut component = BTreeSet::from([start]);
        let mut stack = vec![start];
        while let Some(c) = stack.pop() {
            for n in c.grid_disk::<Vec<_>>(1) {
                if hot.contains(&n) && seen.insert(n) {
                    component.insert(n);
                    stack.push(n);
                }
            }
        }
        let busiest = *component.iter().min_by_key(|&&c| (std::cmp::Reverse(importance(c).1), c)).expect("non-empty");
        let component_tier = importance(busiest).0;
        let component_events: u64 = component.iter().map(|&c| recent_of(position(c)).0).sum();
        let component_expected = component_events as f64 / f64::from(recent_days.max(1)) * 7.0;
        pieces.extend(
            split(&component, &importance, params.max_area_km2)
                .into_iter()
                .map(|p| (p, component_tier, component_expected)),
        );
    }

    let mut areas: Vec<PatrolArea> = pieces
        .into_iter()
        .map(|(cells, tier, hot_spot_expected)| {
            let positions: Vec<usize> = cells.iter().map(|&c| position(c)).collect();
            let (recent_events, recent_concerns) =
                positions.iter().map(|&c| recent_of(c)).fold((0, 0), |(a, b), (e, k)| (a + e, b + k));
            let expected_per_week = recent_events as f64 / f64::from(recent_days.max(1)) * 7.0;
            let mut categories: Vec<Pattern> = positions.iter().map(|&c| stats.cells[c].pattern).collect();
            categories.sort_by_key(|p| Pattern::ALL.iter().position(|q| q == p));
            categories.dedup();
            let mut profile = vec![0u64; 168];
            for &c in &positions {
                for (acc, v) in profile.iter_mut().zip(&job.profile[c * 168..(c + 1) * 168]) {
                    *acc += u64::from(*v);
                }
            }
            let (peak_weekday, peak_hour) = if profile.iter().any(|&v| v > 0) {
                let by_day: Vec<u64> = (0..7).map(|d| profile[d * 24..(d + 1) * 24].iter().sum()).collect();
                let by_hour: Vec<u64> = (0..24).map(|h| (0..7).map(|d| profile[d * 24 + h]).sum()).collect();
                let argmax = |v: &[u64]| (0..v.len()).max_by_key(|&i| (v[i], std::cmp::Reverse(i))).expect("non-empty");
                (Some(argmax(&by_day)), Some(argmax(&by_hour)))
            } else {
                (None, None)
            };
            let centres: Vec<(f64, f64)> = cells.iter().map(|&c| cell_centre(c)).collect();
            let centre = (
                centres.iter().map(|c| c.0).sum::<f64>() / centres.len() as f64,
                centres.iter().map(|c| c.1).sum::<f64>() / centres.len() as f64,
            );
            let nearest_service = cell_services.and_then(|per_cell| {
                positions.iter().filter_map(|&c| per_cell[c].clone()).min_by(|a, b| a.1.total_cmp(&b.1))
            });
            let mut district_votes: Vec<(usize, usize)> = Vec::new();
            for d in positions.iter().filter_map(|&c| cell_districts.get(c).copied().flatten()) {
                match district_votes.iter_mut().find(|(k, _)| *k == d) {
                    Some(v) => v.1 += 1,
                    None => district_votes.push((d, 1)),
                }
            }
            let district = district_votes.iter().max_by_key(|&&(d, n)| (n, std::cmp::Reverse(d))).map(|&(d, _)| d);
            let unmet_concern_p = binomial_upper_tail(recent_concerns, recent_events, concern_share);
            let unmet_concern = recent_events > 0
                && recent_concerns as f64 / recent_events as f64 > concern_share
                && unmet_concern_p < alpha;
            PatrolArea {
                rank: 0,
                score: if expected_per_week >= min_count.max(1) as f64 {
                    1000.0 * f64::from(tier) + hot_spot_expected.min(999.9)
                } else {
                    f64::from(tier)
                },
                tier,
                area_km2: cells.iter().map(|c| c.area_km2()).sum(),
                cells,
                district,
                categories,
                recent_events,
                recent_concerns,
                expected_per_week,
                profile,
                peak_weekday,
                peak_hour,
                nearest_service,
                unmet_concern_p,
                unmet_concern,
                team: None,
                centre,
            }
        })
        .collect();
    areas.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.expected_per_week.total_cmp(&a.expected_per_week))
            .then(a.cells[0].cmp(&b.cells[0]))
    });
    for (i, a) in areas.iter_mut().enumerate() {
        a.rank = i + 1;
    }
    assign_teams(&mut areas, params.teams);
    areas
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_components_split_into_walkable_contiguous_pieces() {
        let centre = h3o::LatLng::new(60.2, 24.95).unwrap().to_cell(h3o::Resolution::Eight);
        let component: BTreeSet<CellIndex> = centre.grid_disk::<Vec<_>>(3).into_iter().collect();
        let pieces = split(&component, &|c| (1, if c == centre { 10 } else { 1 }), 2.0);
        let total: usize = pieces.iter().map(Vec::len).sum();
        assert_eq!(total, component.len(), "every cell in exactly one piece");
        assert!(pieces[0].contains(&centre), "the first piece grows from the busiest cell");
        for piece in &pieces {
            let area: f64 = piece.iter().map(|c| c.area_km2()).sum();
            assert!(area <= 2.0 || piece.len() == 1, "{area}");
            // Contiguous: every cell reaches the first through the piece.
            let set: HashSet<CellIndex> = piece.iter().copied().collect();
            let mut reached = HashSet::from([piece[0]]);
            let mut stack = vec![piece[0]];
            while let Some(c) = stack.pop() {
                for n in c.grid_disk::<Vec<_>>(1) {
                    if set.contains(&n) && reached.insert(n) {
                        stack.push(n);
                    }
                }
            }
            assert_eq!(reached.len(), piece.len());
        }
    }
}
