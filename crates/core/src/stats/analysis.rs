//! The emerging-hotspot analysis of one job's cube: space-time Gi* per cell and bin, its
//! significance (normal p against α, optionally conditional permutations and/or
//! Benjamini–Hochberg), the Mann-Kendall trend of each cell's z series, and the cell's pattern.
//!
//! With [`Scope::District`] every district is its own study area: its cells (those whose centre
//! lies in it), neighbourhoods clipped to it, its own mean and deviation, its own FDR threshold;
//! the districts run as parallel rayon jobs and their results fill the same arrays.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::cube::SpaceTimeCube;
use crate::error::{Error, Result};
use crate::stats::gi_star::{GlobalWindow, Neighbourhoods, gi_star_keeping};
use crate::stats::inference::{bh_threshold, permutation_p};
use crate::stats::mann_kendall::{MannKendall, mann_kendall};
use crate::stats::patterns::{Pattern, classify};

/// What one study area is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// One cube over the whole study area.
    City,
    /// Each district on its own.
    District,
}

impl Scope {
    /// `city` or `district`.
    ///
    /// # Errors
    ///
    /// [`Error::Parameter`] for any other text.
    pub fn parse(text: &str) -> Result<Scope> {
        match text {
            "city" => Ok(Scope::City),
            "district" => Ok(Scope::District),
            other => Err(Error::parameter("scope", other, "expected city or district")),
        }
    }

    /// `city` or `district`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::City => "city",
            Scope::District => "district",
        }
    }
}

/// Parameters of the statistics (DESIGN.md's defaults: k = 1, w = 1, α = 0.05). Built outside
/// the library only through [`StatsParams::new`], which checks them.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct StatsParams {
    /// Neighbourhood rings (`--k`).
    pub k: u32,
    /// Backward time window in bins (`--time-window`).
    pub time_window: u32,
    /// Significance level (`--alpha`).
    pub alpha: f64,
    /// Benjamini–Hochberg over all bins of each study area (`--fdr`).
    pub fdr: bool,
    /// Conditional permutations (`--permutations`, 0 = normal p).
    pub permutations: u32,
    /// Seed of the permutations (`--seed`).
    pub seed: u64,
    /// City or district scope (`--scope`).
    pub scope: Scope,
    /// The bins each bin's z is measured against (`--global-window`).
    pub global_window: GlobalWindow,
    /// Neighbourhood by distance instead of rings: the cells whose centres lie within this many
    /// metres of the cell's centre (`--neighborhood-m`).
    #[serde(rename = "neighborhood_m")]
    pub neighbourhood_m: Option<f64>,
}

impl StatsParams {
    /// Default neighbourhood rings.
    pub const DEFAULT_K: u32 = 1;
    /// The most rings accepted.
    pub const MAX_K: u32 = 50;
    /// Default backward time window, bins.
    pub const DEFAULT_TIME_WINDOW: u32 = 1;
    /// Default significance level.
    pub const DEFAULT_ALPHA: f64 = 0.05;
    /// Default permutations (0: the normal p).
    pub const DEFAULT_PERMUTATIONS: u32 = 0;
    /// Default seed of the permutations.
    pub const DEFAULT_SEED: u64 = 0;
    /// Default scope.
    pub const DEFAULT_SCOPE: Scope = Scope::City;
    /// The largest neighbourhood distance accepted, metres.
    pub const MAX_NEIGHBOURHOOD_M: f64 = 50_000.0;

    /// Checked parameters.
    ///
    /// # Errors
    ///
    /// [`Error::Parameter`] for `alpha` outside (0, 1) or `k` above [`StatsParams::MAX_K`].
    pub fn new(
        k: u32,
        time_window: u32,
        alpha: f64,
        fdr: bool,
        permutations: u32,
        seed: u64,
        scope: Scope,
    ) -> Result<Self> {
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(Error::parameter("alpha", alpha, "must be between 0 and 1"));
        }
        if k > Self::MAX_K {
            return Err(Error::parameter("k", k, format!("is too large (at most {} rings)", Self::MAX_K)));
        }
        Ok(StatsParams {
            k,
            time_window,
            alpha,
            fdr,
            permutations,
            seed,
            scope,
            global_window: GlobalWindow::Cube,
            neighbourhood_m: None,
        })
    }

    /// The same parameters measured against another global window.
    ///
    /// # Errors
    ///
    /// [`Error::Parameter`] for a window other than the whole cube with permutations: the
    /// conditional permutation draws from the whole cube.
    pub fn with_global_window(mut self, window: GlobalWindow) -> Result<Self> {
        if window != GlobalWindow::Cube && self.permutations > 0 {
            return Err(Error::parameter(
                "global_window",
                window.as_str(),
                "permutation p-values (--permutations) draw from the whole cube: use the normal p with this window",
            ));
        }
        self.global_window = window;
        Ok(self)
    }

    /// The same parameters with the neighbourhood by distance (`None`: by rings).
    ///
    /// # Errors
    ///
    /// [`Error::Parameter`] for a distance that is not a finite number of at least 0 metres, or
    /// one beyond [`StatsParams::MAX_NEIGHBOURHOOD_M`].
    pub fn with_neighbourhood_m(mut self, metres: Option<f64>) -> Result<Self> {
        if let Some(m) = metres
            && !(m.is_finite() && (0.0..=Self::MAX_NEIGHBOURHOOD_M).contains(&m))
        {
            return Err(Error::parameter(
                "neighborhood_m",
                m,
                format!("must be 0 to {} metres", Self::MAX_NEIGHBOURHOOD_M),
            ));
        }
        self.neighbourhood_m = metres;
        Ok(self)
    }

    /// The spatial neighbourhoods of `cells` (sorted) under these parameters.
    pub fn neighbourhoods(&self, cells: &[h3o::CellIndex]) -> Neighbourhoods {
        match self.neighbourhood_m {
            Some(m) => Neighbourhoods::within_m(cells, m),
            None => Neighbourhoods::k_ring(cells, self.k),
        }
    }
}

impl Default for StatsParams {
    fn default() -> Self {
        StatsParams {
            k: Self::DEFAULT_K,
            time_window: Self::DEFAULT_TIME_WINDOW,
            alpha: Self::DEFAULT_ALPHA,
            fdr: false,
            permutations: Self::DEFAULT_PERMUTATIONS,
            seed: Self::DEFAULT_SEED,
            scope: Self::DEFAULT_SCOPE,
            global_window: GlobalWindow::Cube,
            neighbourhood_m: None,
        }
    }
}

/// The result for one cell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CellStats {
    /// Its pattern.
    pub pattern: Pattern,
    /// Mann-Kendall on its Gi* z series.
    pub trend: MannKendall,
    /// Bins that are significant hot spots.
    pub hot_bins: u32,
    /// Bins that are significant cold spots.
    pub cold_bins: u32,
}

/// One study area's global figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScopeUnit {
    /// The district (position in the layer) for district scope; `None` for the city.
    pub district: Option<usize>,
    /// Cells in it.
    pub cells: usize,
    /// Mean of its cube values.
    pub mean: f64,
    /// Population standard deviation of its cube values.
    pub std: f64,
    /// The p-value threshold used: α, or the Benjamini–Hochberg threshold (0 when no bin passes).
    pub p_threshold: f64,
    /// Whether every value was the same (every z is then 0).
    pub no_variation: bool,
}

/// The analysis of one job.
#[derive(Clone, Debug, PartialEq)]
pub struct JobStats {
    /// z per (cell, bin), cell-major.
    pub z: Vec<f64>,
    /// p per (cell, bin): the normal p, or the permutation pseudo p.
    pub p: Vec<f64>,
    /// +1 significant hot, −1 significant cold, 0 neither, per (cell, bin).
    pub significance: Vec<i8>,
    /// Per cell.
    pub cells: Vec<CellStats>,
    /// The study areas.
    pub units: Vec<ScopeUnit>,
    /// The study area of each cell (position in `units`).
    pub cell_unit: Vec<usize>,
    /// Mann-Kendall on the cube's total counts per bin.
    pub overall_trend: MannKendall,
    /// Things the user should know (e.g. a study area without variation).
    pub warnings: Vec<String>,
}

impl JobStats {
    /// Cells per pattern, every pattern listed (zeros included).
    pub fn pattern_counts(&self) -> BTreeMap<&'static str, u64> {
        let mut counts: BTreeMap<&'static str, u64> = Pattern::ALL.iter().map(|p| (p.name(), 0)).collect();
        for c in &self.cells {
            *counts.get_mut(c.pattern.name()).expect("listed") += 1;
        }
        counts
    }
}

/// The rule a bin's p-value is judged by.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Significance {
    /// Without FDR: significant when `p < α` (DESIGN.md; a p equal to α is not).
    Alpha(f64),
    /// With FDR: significant when `p ≤` the Benjamini–Hochberg threshold (a p equal to it is,
    /// Benjamini & Hochberg 1995); `None` when no p qualifies, so no bin is significant.
    Fdr(Option<f64>),
}

impl Significance {
    /// Whether `p` is significant under the rule.
    ///
    /// ```
    /// use hotspots_core::stats::analysis::Significance;
    /// assert!(!Significance::Alpha(0.05).admits(0.05) && Significance::Alpha(0.05).admits(0.049));
    /// assert!(Significance::Fdr(Some(0.01)).admits(0.01) && !Significance::Fdr(Some(0.01)).admits(0.0101));
    /// assert!(Significance::Fdr(Some(0.0)).admits(0.0)); // a p that underflowed to 0
    /// assert!(!Significance::Fdr(None).admits(0.0));
    /// ```
    pub fn admits(self, p: f64) -> bool {
        match self {
            Significance::Alpha(alpha) => p < alpha,
            Significance::Fdr(threshold) => threshold.is_some_and(|t| p <= t),
        }
    }

    /// The threshold reported in `summary.json`: α, or the FDR threshold (0 when there is none).
    pub fn threshold(self) -> f64 {
        match self {
            Significance::Alpha(alpha) => alpha,
            Significance::Fdr(threshold) => threshold.unwrap_or(0.0),
        }
    }
}

/// The permutation seed of a study area: the run's seed for the city, and for district `d` the
/// seed mixed with an odd multiple of `d + 1`, so each district draws its own streams, none of
/// them the city's.
fn unit_seed(seed: u64, district: Option<usize>) -> u64 {
    match district {
        None => seed,
        Some(d) => seed ^ (d as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F),
    }
}

struct UnitResult {
    z: Vec<f64>,
    p: Vec<f64>,
    sig: Vec<i8>,
    cells: Vec<CellStats>,
    unit: ScopeUnit,
}

fn analyse_unit(
    values: &[f64],
    cells: &[h3o::CellIndex],
    bins: usize,
    params: &StatsParams,
    district: Option<usize>,
    seed: u64,
) -> UnitResult {
    let neighbours = params.neighbourhoods(cells);
    let permuted = params.permutations > 0;
    let mut gi = gi_star_keeping(values, bins, &neighbours, params.time_window, params.global_window, permuted);
    let p = if permuted { permutation_p(values, &gi, params.permutations, seed) } else { std::mem::take(&mut gi.p) };
    // The neighbourhood sums and sizes served the permutations; free them before what follows.
    (gi.sum, gi.size) = (Vec::new(), Vec::new());
    let rule =
        if params.fdr { Significance::Fdr(bh_threshold(&p, params.alpha)) } else { Significance::Alpha(params.alpha) };
    let threshold = rule.threshold();
    let sig: Vec<i8> =
        gi.z.iter()
            .zip(&p)
            .map(|(&z, &p)| {
                // z = 0 has p = 1 (and every permutation is as extreme), so it is never
                // significant: `z > 0` and `z >= 0` give the same answer here.
                match (rule.admits(p), z > 0.0, z < 0.0) {
                    (true, true, _) => 1,
                    (true, _, true) => -1,
                    _ => 0,
                }
            })
            .collect();
    let cell_stats: Vec<CellStats> = (0..cells.len())
        .into_par_iter()
        .map(|c| {
            let range = c * bins..(c + 1) * bins;
            let trend = mann_kendall(&gi.z[range.clone()]);
            let s = &sig[range];
            CellStats {
                pattern: classify(s, trend.direction(params.alpha)),
                trend,
                hot_bins: s.iter().filter(|&&v| v == 1).count() as u32,
                cold_bins: s.iter().filter(|&&v| v == -1).count() as u32,
            }
        })
        .collect();
    let unit = ScopeUnit {
        district,
        cells: cells.len(),
        mean: gi.moments.mean,
        std: gi.moments.std,
        p_threshold: threshold,
        no_variation: gi.moments.is_degenerate(),
    };
    UnitResult { z: gi.z, p, sig, cells: cell_stats, unit }
}

/// Analyses one job's cube. `cell_districts` gives each cube cell's district (needed for
/// district scope); `job` names the job in warnings.
pub fn analyse(
    cube: &SpaceTimeCube,
    cell_districts: &[Option<usize>],
    district_names: &[String],
    params: &StatsParams,
    job: &str,
) -> Result<JobStats> {
    let bins = cube.bins().len();
    let n_cells = cube.cells().len();
    let values: Vec<f64> = cube.counts().iter().map(|&c| c as f64).collect();
    // Study areas: the whole cube, or the cells of each district (in layer order).
    let groups: Vec<(Option<usize>, Vec<usize>)> = match params.scope {
        Scope::City => vec![(None, (0..n_cells).collect())],
        Scope::District => {
            let mut by_district: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            for (c, d) in cell_districts.iter().enumerate() {
                match d {
                    Some(d) => by_district.entry(*d).or_default().push(c),
                    None => {
                        return Err(Error::parameter(
                            "scope",
                            "district",
                            "needs a districts layer that holds every study-area cell (--districts)",
                        ));
                    }
                }
            }
            by_district.into_iter().map(|(d, cells)| (Some(d), cells)).collect()
        }
    };
    // One unit holding every cell (members are ascending cube positions, so it is the cube in
    // its own order): analysed on the cube's values without a copy, its results moved in.
    let whole = groups.len() == 1 && groups[0].1.len() == n_cells;
    let results: Vec<UnitResult> = groups
        .par_iter()
        .map(|(district, members)| {
            let cells: Vec<h3o::CellIndex> = members.iter().map(|&c| cube.cells()[c]).collect();
            let seed = unit_seed(params.seed, *district);
            if whole {
                return analyse_unit(&values, &cells, bins, params, *district, seed);
            }
            let mut sub = Vec::with_capacity(members.len() * bins);
            for &c in members {
                sub.extend_from_slice(&values[c * bins..(c + 1) * bins]);
            }
            analyse_unit(&sub, &cells, bins, params, *district, seed)
        })
        .collect();

    drop(values);
    // With one unit over the whole cube its vectors are moved in below; allocate none for it.
    let n = if whole { 0 } else { n_cells * bins };
    let mut stats = JobStats {
        z: vec![0.0; n],
        p: vec![1.0; n],
        significance: vec![0; n],
        cells: vec![
            CellStats {
                pattern: Pattern::NoPatternDetected,
                trend: mann_kendall(&[]),
                hot_bins: 0,
                cold_bins: 0
            };
            n_cells
        ],
        units: Vec::with_capacity(results.len()),
        cell_unit: vec![0; n_cells],
        overall_trend: mann_kendall(&cube.totals_per_bin().iter().map(|&v| v as f64).collect::<Vec<_>>()),
        warnings: Vec::new(),
    };
    for (u, ((_, members), mut result)) in groups.iter().zip(results).enumerate() {
        if result.unit.no_variation {
            let area = match result.unit.district {
                Some(d) => format!("district {}", district_names.get(d).map(String::as_str).unwrap_or("?")),
                None => "the study area".to_string(),
            };
            stats.warnings.push(format!(
                "job {job}: {area} has no variation in its counts (S = 0): every z is 0 and every p is 1"
            ));
        }
        if whole {
            // The one unit of the whole cube: its vectors are the job's, in the same order.
            stats.z = std::mem::take(&mut result.z);
            stats.p = std::mem::take(&mut result.p);
            stats.significance = std::mem::take(&mut result.sig);
            stats.cells = std::mem::take(&mut result.cells);
            stats.cell_unit = vec![u; n_cells];
            stats.units.push(result.unit);
            continue;
        }
        for (k, &c) in members.iter().enumerate() {
            let (from, to) = (c * bins, (c + 1) * bins);
            stats.z[from..to].copy_from_slice(&result.z[k * bins..(k + 1) * bins]);
            stats.p[from..to].copy_from_slice(&result.p[k * bins..(k + 1) * bins]);
            stats.significance[from..to].copy_from_slice(&result.sig[k * bins..(k + 1) * bins]);
            stats.cells[c] = result.cells[k];
            stats.cell_unit[c] = u;
        }
        stats.units.push(result.unit);
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::bins::{BinSpec, BinStep, TimeBins, WindowStart};
    use h3o::{LatLng, Resolution};

    /// The global window and the distance neighbourhood as parameters: set, checked, and the
    /// neighbourhoods they give.
    #[test]
    fn the_global_window_and_the_distance_are_checked_and_used() {
        let p = StatsParams::default().with_global_window(GlobalWindow::Individual).unwrap();
        assert_eq!(p.global_window, GlobalWindow::Individual);
        let permuted = StatsParams::new(1, 1, 0.05, false, 99, 0, Scope::City).unwrap();
        assert!(permuted.clone().with_global_window(GlobalWindow::Neighbourhood).is_err());
        assert_eq!(permuted.clone().with_global_window(GlobalWindow::Cube).unwrap(), permuted);
        for bad in [-1.0, f64::NAN, f64::INFINITY, StatsParams::MAX_NEIGHBOURHOOD_M + 1.0] {
            assert!(StatsParams::default().with_neighbourhood_m(Some(bad)).is_err(), "{bad}");
        }
        let centre = LatLng::new(60.2, 24.95).unwrap().to_cell(Resolution::Eight);
        let mut cells: Vec<h3o::CellIndex> = centre.grid_disk(2);
        cells.sort_unstable();
        let by_rings = StatsParams::default();
        assert_eq!(by_rings.neighbourhoods(&cells), Neighbourhoods::k_ring(&cells, 1));
        let by_distance = StatsParams::default().with_neighbourhood_m(Some(1500.0)).unwrap();
        assert_eq!(by_distance.neighbourhood_m, Some(1500.0));
        assert_eq!(by_distance.neighbourhoods(&cells), Neighbourhoods::within_m(&cells, 1500.0));
        assert_ne!(by_distance.neighbourhoods(&cells), by_rings.neighbourhoods(&cells));
        assert_eq!(by_distance.with_neighbourhood_m(None).unwrap().neighbourhood_m, None);
    }

    fn bins(n: u32) -> TimeBins {
        let spec = BinSpec {
            step: BinStep::Week,
            start: WindowStart::Steps(n),
            until: chrono::NaiveDate::from_ymd_opt(2026, 11, 2),
            tz: chrono_tz::Europe::Helsinki,
        };
        TimeBins::build(&spec, None).unwrap()
    }

    /// A disk of cells with a low background and one cell that surges in the final bin.
    fn surge_cube() -> (SpaceTimeCube, h3o::CellIndex) {
        let centre = LatLng::new(60.2, 24.95).unwrap().to_cell(Resolution::Eight);
        let cells: Vec<h3o::CellIndex> = centre.grid_disk(4);
        let mut cube = SpaceTimeCube::zeros(Resolution::Eight, cells, bins(20));
        let n = cube.cells().len();
        for c in 0..n {
            for b in 0..20 {
                cube.add(c, b, ((c * 7 + b * 3) % 3) as u64, 0.0);
            }
        }
        let hot = cube.cell_position(centre).unwrap();
        cube.add(hot, 19, 40, 40.0);
        (cube, centre)
    }

    #[test]
    fn a_final_bin_surge_is_a_new_hot_spot_and_results_do_not_depend_on_threads() {
        let (cube, centre) = surge_cube();
        let params = StatsParams::default();
        let stats = analyse(&cube, &vec![None; cube.cells().len()], &[], &params, "t").unwrap();
        let c = cube.cell_position(centre).unwrap();
        assert_eq!(stats.cells[c].pattern, Pattern::NewHotSpot);
        assert_eq!(stats.significance[c * 20 + 19], 1);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let one = pool.install(|| analyse(&cube, &vec![None; cube.cells().len()], &[], &params, "t").unwrap());
        assert_eq!(one, stats);
        let counts = stats.pattern_counts();
        assert_eq!(counts.values().sum::<u64>(), cube.cells().len() as u64);
        assert_eq!(counts.len(), 17);
    }

    #[test]
    fn fdr_and_permutations_are_at_least_as_strict_here_and_deterministic() {
        let (cube, centre) = surge_cube();
        let c = cube.cell_position(centre).unwrap();
        let nd = vec![None; cube.cells().len()];
        let plain = analyse(&cube, &nd, &[], &StatsParams::default(), "t").unwrap();
        let fdr = analyse(&cube, &nd, &[], &StatsParams { fdr: true, ..Default::default() }, "t").unwrap();
        assert!(
            fdr.significance.iter().filter(|&&s| s != 0).count()
                <= plain.significance.iter().filter(|&&s| s != 0).count()
        );
        assert_eq!(fdr.cells[c].pattern, Pattern::NewHotSpot);
        assert!(fdr.units[0].p_threshold > 0.0 && fdr.units[0].p_threshold < 0.05);
        let perm = StatsParams { permutations: 99, seed: 5, ..Default::default() };
        let a = analyse(&cube, &nd, &[], &perm, "t").unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let b = pool.install(|| analyse(&cube, &nd, &[], &perm, "t").unwrap());
        assert_eq!(a, b);
        assert_eq!(a.z, plain.z, "permutations change p, not z");
        // The cell's own value stays in every permutation, so a lone surging cell with ordinary
        // neighbours is not extreme under conditional permutation (as in PySAL)...
        assert!(a.p[c * 20 + 19] > 0.05);
        // ...while a cluster, whose neighbours surge too, is as extreme as 99 permutations show.
        let mut cluster = cube.clone();
        for cell in centre.grid_disk::<Vec<_>>(1) {
            cluster.add(cluster.cell_position(cell).unwrap(), 19, 40, 40.0);
        }
        let a = analyse(&cluster, &nd, &[], &perm, "t").unwrap();
        assert_eq!(a.p[c * 20 + 19], 0.01);
        assert_eq!(a.cells[c].pattern, Pattern::NewHotSpot);
    }

    #[test]
    fn no_variation_warns_and_gives_no_pattern() {
        let centre = LatLng::new(60.2, 24.95).unwrap().to_cell(Resolution::Eight);
        let mut cube = SpaceTimeCube::zeros(Resolution::Eight, centre.grid_disk(1), bins(5));
        for c in 0..cube.cells().len() {
            for b in 0..5 {
                cube.add(c, b, 2, 2.0);
            }
        }
        let stats = analyse(&cube, &[None; 7], &[], &StatsParams::default(), "t").unwrap();
        assert!(stats.z.iter().all(|&z| z == 0.0) && stats.p.iter().all(|&p| p == 1.0));
        assert!(stats.cells.iter().all(|c| c.pattern == Pattern::NoPatternDetected));
        assert_eq!(stats.warnings.len(), 1);
        assert!(stats.units[0].no_variation);
    }

    #[test]
    fn district_scope_needs_every_cell_in_a_district() {
        let (cube, _) = surge_cube();
        let params = StatsParams { scope: Scope::District, ..Default::default() };
        assert!(analyse(&cube, &vec![None; cube.cells().len()], &[], &params, "t").is_err());
        let halves: Vec<Option<usize>> = (0..cube.cells().len()).map(|c| Some(c % 2)).collect();
        let stats = analyse(&cube, &halves, &["a".into(), "b".into()], &params, "t").unwrap();
        assert_eq!(stats.units.len(), 2);
        assert_eq!(stats.units[0].cells + stats.units[1].cells, cube.cells().len());
    }

    /// Planted cold and oscillating spots over five seeds of background. A disk of 721 cells ×
    /// 20 weeks with about 10 events per cell-week (a sum of 20 coin flips). Three clusters of 19
    /// cells (a cell and its two rings, 8 rings from the centre in three directions):
    ///
    /// - empty in every week: a persistent cold spot (cold in every bin, no trend);
    /// - empty in weeks 0–5 (cold), then 60 a week in weeks 9, 14 and 19 alone: the final bin is
    ///   hot, so are 9–10 and 14–15 (the window reaches one bin back), 5 hot bins of 20 after
    ///   cold ones, the last run one bin long: an oscillating hot spot;
    /// - its mirror, 60 a week in weeks 0–5 and empty in weeks 9, 14 and 19: an oscillating cold
    ///   spot.
    #[test]
    fn planted_cold_and_oscillating_spots_come_out_as_planted_for_every_seed() {
        let centre = LatLng::new(60.2, 24.95).unwrap().to_cell(Resolution::Eight);
        let ring: Vec<h3o::CellIndex> = centre.grid_ring_fast(8).map(Option::unwrap).collect();
        assert_eq!(ring.len(), 48);
        let (cold, osc_hot, osc_cold) = (ring[0], ring[16], ring[32]);
        let quiet_or_busy = |planted: h3o::CellIndex, bin: usize| -> Option<u64> {
            match () {
                _ if planted == cold => Some(0),
                _ if planted == osc_hot => match bin {
                    0..=5 => Some(0),
                    9 | 14 | 19 => Some(60),
                    _ => None,
                },
                _ => match bin {
                    0..=5 => Some(60),
                    9 | 14 | 19 => Some(0),
                    _ => None,
                },
            }
        };
        for seed in 1..=5 {
            let mut cube = SpaceTimeCube::zeros(Resolution::Eight, centre.grid_disk(15), bins(20));
            assert_eq!(cube.cells().len(), 721);
            let mut rng = crate::test_data::SeededRng::new(seed);
            let members: Vec<(h3o::CellIndex, h3o::CellIndex)> = [cold, osc_hot, osc_cold]
                .iter()
                .flat_map(|&p| p.grid_disk::<Vec<_>>(2).into_iter().map(move |c| (c, p)))
                .collect();
            for c in 0..cube.cells().len() {
                let planted = members.iter().find(|(m, _)| *m == cube.cells()[c]).map(|&(_, p)| p);
                for b in 0..20 {
                    let background = (0..20).filter(|_| rng.next_u64() & 1 == 1).count() as u64;
                    let v = planted.and_then(|p| quiet_or_busy(p, b)).unwrap_or(background);
                    cube.add(c, b, v, v as f64);
                }
            }
            let stats = analyse(&cube, &vec![None; 721], &[], &StatsParams::default(), "t").unwrap();
            let at = |cell: h3o::CellIndex| {
                let c = cube.cell_position(cell).unwrap();
                let sig = &stats.significance[c * 20..(c + 1) * 20];
                let count = |v: i8| sig.iter().filter(|&&s| s == v).count() as u32;
                assert_eq!((stats.cells[c].hot_bins, stats.cells[c].cold_bins), (count(1), count(-1)));
                (stats.cells[c].pattern, sig)
            };
            let (pattern, sig) = at(cold);
            assert_eq!(pattern, Pattern::PersistentColdSpot, "seed {seed}: {sig:?}");
            assert!(sig.iter().all(|&s| s == -1), "seed {seed}: {sig:?}");
            let (pattern, sig) = at(osc_hot);
            assert_eq!(pattern, Pattern::OscillatingHotSpot, "seed {seed}: {sig:?}");
            assert_eq!(sig.iter().filter(|&&s| s == 1).count(), 5, "seed {seed}: {sig:?}");
            let (pattern, sig) = at(osc_cold);
            assert_eq!(pattern, Pattern::OscillatingColdSpot, "seed {seed}: {sig:?}");
            assert!(sig[..6].iter().all(|&s| s == 1) && sig[19] == -1, "seed {seed}: {sig:?}");
        }
    }

    /// District scope on two toy districts, West and East, split by the meridian just east of
    /// a centre cell (so the centre cell is West's and three of its six neighbours are East's).
    /// The border cell's Gi* is worked out here from the textbook formula over West's cells only
    /// (its mean and standard deviation, its neighbourhood cut at the border), and differs from
    /// the city-scope value, which sees all 19 cells.
    #[test]
    #[allow(clippy::needless_range_loop)] // cell and bin index several tables at once
    fn district_scope_cuts_a_border_cells_neighbourhood_at_the_border() {
        let centre = LatLng::new(60.2, 24.95).unwrap().to_cell(Resolution::Eight);
        let disk: Vec<h3o::CellIndex> = centre.grid_disk(2);
        let (lon0, _) = crate::space::study_area::cell_centre(centre);
        let split = lon0 + 1e-6;
        let rect = |name: &str, w: f64, e: f64| {
            format!(
                r#"{{"type":"Feature","properties":{{"name":"{name}"}},"geometry":{{"type":"Polygon","coordinates":[[[{w},60.0],[{e},60.0],[{e},60.4],[{w},60.4],[{w},60.0]]]}}}}"#
            )
        };
        let layer = format!(
            r#"{{"type":"FeatureCollection","features":[{},{}]}}"#,
            rect("West", 24.5, split),
            rect("East", split, 25.5)
        );
        let districts = crate::space::districts::Districts::from_geojson(&layer, "toy").unwrap();
        let bins_n = 6;
        let mut cube = SpaceTimeCube::zeros(Resolution::Eight, disk, bins(bins_n as u32));
        let n = cube.cells().len();
        assert_eq!(n, 19);
        let cell_districts: Vec<Option<usize>> = cube
            .cells()
            .iter()
            .map(|&c| {
                let (lon, lat) = crate::space::study_area::cell_centre(c);
                districts.locate(lon, lat)
            })
            .collect();
        let cells = cube.cells().to_vec();
        let west = |c: usize| crate::space::study_area::cell_centre(cells[c]).0 < split;
        let value = |c: usize, b: usize| ((c * 5 + b * 3) % 7 + if west(c) { 0 } else { 10 }) as u64;
        for c in 0..n {
            for b in 0..bins_n {
                cube.add(c, b, value(c, b), 0.0);
            }
        }
        let border = cube.cell_position(centre).unwrap();
        // Which district each cell is in, by hand: West's cells have their centre west of the line.
        for c in 0..n {
            assert_eq!(cell_districts[c], Some(if west(c) { 0 } else { 1 }), "cell {c}");
        }
        let ring: Vec<usize> = centre.grid_disk::<Vec<_>>(1).iter().map(|&c| cube.cell_position(c).unwrap()).collect();
        let cut: Vec<usize> = ring.iter().copied().filter(|&c| west(c)).collect();
        assert_eq!((ring.len(), cut.len()), (7, 4), "the centre and three of its neighbours are West's");
        // Gi* (Getis & Ord 1992; Ord & Getis 1995) with binary weights over West's cells and bins:
        // z = (Σ_nbhd x − x̄·W) / (S·√((n·W − W²)/(n − 1))), S the population standard deviation.
        let members: Vec<usize> = (0..n).filter(|&c| west(c)).collect();
        let gi = |members: &[usize], nbhd: &[usize]| -> Vec<f64> {
            let xs: Vec<f64> = members.iter().flat_map(|&c| (0..bins_n).map(move |b| value(c, b) as f64)).collect();
            let nn = xs.len() as f64;
            let mean = xs.iter().sum::<f64>() / nn;
            let s = (xs.iter().map(|x| x * x).sum::<f64>() / nn - mean * mean).sqrt();
            (0..bins_n)
                .map(|b| {
                    let window = b.saturating_sub(1)..=b;
                    let sum: f64 = nbhd.iter().flat_map(|&c| window.clone().map(move |t| value(c, t) as f64)).sum();
                    let w = (nbhd.len() * window.count()) as f64;
                    (sum - mean * w) / (s * ((nn * w - w * w) / (nn - 1.0)).sqrt())
                })
                .collect()
        };
        let hand = gi(&members, &cut);
        let hand_city = gi(&(0..n).collect::<Vec<_>>(), &ring);
        let names = vec!["West".to_string(), "East".to_string()];
        let district =
            analyse(&cube, &cell_districts, &names, &StatsParams { scope: Scope::District, ..Default::default() }, "t")
                .unwrap();
        let city = analyse(&cube, &cell_districts, &names, &StatsParams::default(), "t").unwrap();
        assert_eq!(district.units.len(), 2);
        assert_eq!(district.units[0].cells, members.len());
        let west_mean = members.iter().flat_map(|&c| (0..bins_n).map(move |b| value(c, b) as f64)).sum::<f64>()
            / (members.len() * bins_n) as f64;
        assert!((district.units[0].mean - west_mean).abs() < 1e-12);
        for b in 0..bins_n {
            let got = district.z[border * bins_n + b];
            assert!((got - hand[b]).abs() < 1e-9, "bin {b}: {got} against {} by hand", hand[b]);
        }
        // City scope: all 19 cells and the whole ring, a different answer in every bin.
        for b in 0..bins_n {
            let got = city.z[border * bins_n + b];
            assert!((got - hand_city[b]).abs() < 1e-9, "city, bin {b}: {got} against {} by hand", hand_city[b]);
            assert!((got - hand[b]).abs() > 0.02, "bin {b}");
        }
    }

    #[test]
    fn scopes_are_named_as_the_flag_and_the_outputs_spell_them() {
        for (text, scope) in [("city", Scope::City), ("district", Scope::District)] {
            assert_eq!(scope.as_str(), text);
            assert_eq!(Scope::parse(text).unwrap(), scope);
        }
        assert!(Scope::parse("town").is_err());
    }

    /// Every district's seed differs from every other's and from the city's, for any run seed.
    #[test]
    fn each_district_has_its_own_seed() {
        for seed in [0, 1, 42, u64::MAX] {
            let mut seen: Vec<u64> = (0..50).map(|d| unit_seed(seed, Some(d))).collect();
            seen.push(unit_seed(seed, None));
            assert_eq!(unit_seed(seed, None), seed);
            seen.sort_unstable();
            seen.dedup();
            assert_eq!(seen.len(), 51, "seed {seed}");
        }
    }

    /// Two districts of the same counts (in a different geometry) under district scope with
    /// permutations: their permutation p-values differ somewhere.
    #[test]
    fn each_district_draws_its_own_permutations() {
        let (cube, _) = surge_cube();
        let n = cube.cells().len();
        let mut twin = SpaceTimeCube::zeros(Resolution::Eight, cube.cells().to_vec(), bins(20));
        // Cells 0..n/2 are district 0, the rest district 1, each cell of 1 a copy of one of 0.
        let half = n / 2;
        for c in 0..2 * half {
            for b in 0..20 {
                let v = cube.count(c % half, b);
                twin.add(c, b, v, v as f64);
            }
        }
        let districts: Vec<Option<usize>> = (0..n).map(|c| Some(usize::from(c >= half))).collect();
        let params = StatsParams { scope: Scope::District, permutations: 99, ..Default::default() };
        let stats = analyse(&twin, &districts, &["a".into(), "b".into()], &params, "t").unwrap();
        let (a, b) = (&stats.p[..half * 20], &stats.p[half * 20..2 * half * 20]);
        assert_ne!(a, b, "the two districts drew the same permutations");
    }

    /// The `p == α` boundaries: without FDR a p equal to α is not significant (`p < α`), with FDR
    /// a p equal to the Benjamini–Hochberg threshold is (`p ≤ t`); no threshold admits nothing.
    #[test]
    fn significance_at_the_boundaries() {
        assert!(!Significance::Alpha(0.05).admits(0.05));
        assert!(Significance::Alpha(0.05).admits(0.05 - 1e-17_f64.max(f64::EPSILON * 0.05)));
        assert!(Significance::Fdr(Some(0.012)).admits(0.012));
        assert!(!Significance::Fdr(Some(0.012)).admits(0.012 + 1e-15));
        assert!(Significance::Fdr(Some(0.0)).admits(0.0));
        assert!(!Significance::Fdr(None).admits(0.0));
        assert_eq!((Significance::Alpha(0.05).threshold(), Significance::Fdr(None).threshold()), (0.05, 0.0));
        assert_eq!(Significance::Fdr(Some(0.012)).threshold(), 0.012);
    }
}
