//! The prospective space-time permutation scan statistic (Kulldorff, Heffernan, Hartman, Assunção
//! & Mostashari 2005, *PLoS Medicine* 2(3): e59; SaTScan's space-time permutation model): the
//! clusters alive in the final bin, of any size, with how unusual each is.
//!
//! **Cylinders.** A cylinder is a circle of cells around a centre cell, grown one cell at a time
//! in order of distance between centres (geodesic, ties to the lower cube position), times the
//! last `d` bins of the cube (`d` = 1 … `max_bins`): every cylinder ends in the final bin, which
//! is what makes the scan prospective. A circle stops growing before its radius would pass
//! `max_km` or its cells' events over the whole window would pass `max_share` of all events
//! (SaTScan's default: 50 %).
//!
//! **Statistic.** With c_zt the events of cell z in bin t, C_z and C_t the margins and C the
//! total, the expected count of a cylinder A is μ_A = Σ_{z∈A} Σ_{t∈A} C_z·C_t / C = C_Z·C_T / C,
//! the product of its cells' events over the window and its bins' events over the study area,
//! over the total. With c_A observed, the log-likelihood ratio is
//!
//! ```text
//! LLR = c_A·ln(c_A / μ_A) + (C − c_A)·ln((C − c_A) / (C − μ_A))   when c_A > μ_A, else 0
//! ```
//!
//! (the term with C − c_A = 0 is 0). Its relative risk is (c_A / μ_A) / ((C − c_A) / (C − μ_A)).
//!
//! **Inference.** Each replicate keeps every event's cell and gives the events' bins a random
//! permutation (the margins C_z and C_t stay, so every μ does), and records its largest LLR
//! over all cylinders. A cluster's p is (1 + #{replicates whose largest LLR ≥ its LLR}) /
//! (replicates + 1); its recurrence interval, 1/p, is in bins: with the scan run once a bin, a
//! cluster this strong appears by chance once in that many runs. Each replicate draws from its
//! own seeded stream, so the result is the same on any number of threads.
//!
//! **Clusters.** The most likely cluster is the cylinder with the largest LLR. Each centre's
//! best cylinder is a candidate; secondary clusters are the next candidates in LLR order that
//! share no cell with a cluster already reported (SaTScan's "no geographical overlap"), up to
//! `max_clusters`. Ties are broken by centre, then radius, then duration, so the result is
//! deterministic.

use geo::{Distance, Geodesic, Point};
use h3o::CellIndex;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::space::study_area::cell_centre;
use crate::stats::gi_star::Neighbourhoods;
use crate::stats::inference::stream_seed;

/// The scan's parameters.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ScanParams {
    /// The largest circle radius between cell centres, km (`--scan-max-km`).
    pub max_km: f64,
    /// The largest share of all events a circle may hold over the window (SaTScan: 0.5).
    pub max_share: f64,
    /// The longest cylinder, in bins (`--scan-max-bins`).
    pub max_bins: usize,
    /// Monte Carlo replicates (`--scan-replicates`).
    pub replicates: u32,
    /// Seed of the replicates.
    pub seed: u64,
    /// The most clusters reported (the most likely one and the secondary ones).
    pub max_clusters: usize,
}

impl ScanParams {
    /// Default largest radius, km.
    pub const DEFAULT_MAX_KM: f64 = 2.0;
    /// Default largest share of the events in a circle (SaTScan's default).
    pub const DEFAULT_MAX_SHARE: f64 = 0.5;
    /// Default longest cylinder, bins.
    pub const DEFAULT_MAX_BINS: usize = 4;
    /// Default replicates (SaTScan's default).
    pub const DEFAULT_REPLICATES: u32 = 999;
    /// Default number of clusters reported.
    pub const DEFAULT_MAX_CLUSTERS: usize = 10;

    /// Checked parameters, with the default share and number of clusters.
    ///
    /// # Errors
    ///
    /// [`Error::Parameter`] for a radius that is not above 0 (or beyond 50 km), no bins, or no
    /// replicates.
    pub fn new(max_km: f64, max_bins: usize, replicates: u32, seed: u64) -> Result<Self> {
        if !(max_km > 0.0 && max_km <= 50.0) {
            return Err(Error::parameter("scan_max_km", max_km, "must be above 0 and at most 50 km"));
        }
        if max_bins == 0 {
            return Err(Error::parameter("scan_max_bins", max_bins, "must be at least 1"));
        }
        if replicates == 0 {
            return Err(Error::parameter("scan_replicates", replicates, "must be at least 1"));
        }
        Ok(ScanParams {
            max_km,
            max_share: Self::DEFAULT_MAX_SHARE,
            max_bins,
            replicates,
            seed,
            max_clusters: Self::DEFAULT_MAX_CLUSTERS,
        })
    }
}

impl Default for ScanParams {
    fn default() -> Self {
        ScanParams {
            max_km: Self::DEFAULT_MAX_KM,
            max_share: Self::DEFAULT_MAX_SHARE,
            max_bins: Self::DEFAULT_MAX_BINS,
            replicates: Self::DEFAULT_REPLICATES,
            seed: 0,
            max_clusters: Self::DEFAULT_MAX_CLUSTERS,
        }
    }
}

/// One cluster: a cylinder ending in the final bin.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Cluster {
    /// The centre cell (cube position).
    pub centre: usize,
    /// Its cells (cube positions, ascending).
    pub cells: Vec<usize>,
    /// The distance from the centre's centre to the farthest cell centre in it, km.
    pub radius_km: f64,
    /// Its first bin (its last is the cube's final bin).
    pub first_bin: usize,
    /// Events observed in it.
    pub observed: u64,
    /// Events expected in it under the null (μ).
    pub expected: f64,
    /// (observed / expected) / ((C − observed) / (C − expected)).
    pub relative_risk: f64,
    /// The log-likelihood ratio.
    pub llr: f64,
    /// The Monte Carlo p-value.
    pub p: f64,
    /// 1 / p: in how many runs, one a bin, a cluster this strong appears once by chance.
    pub recurrence_bins: f64,
}

/// The scan of one cube.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ScanResult {
    /// The most likely cluster first, then the secondary ones, each with c > μ.
    pub clusters: Vec<Cluster>,
    /// Every replicate's largest LLR, in replicate order.
    pub replicate_llrs: Vec<f64>,
    /// Events in the cube.
    pub total: u64,
}

/// The log-likelihood ratio of a cylinder with `c` of `total` events observed and `mu` expected.
///
/// ```
/// use hotspots_core::stats::scan::llr;
/// // 10 of 20 events where 5 were expected: 10·ln 2 + 10·ln(10/15).
/// assert!((llr(10, 5.0, 20) - (10.0 * 2f64.ln() + 10.0 * (10.0f64 / 15.0).ln())).abs() < 1e-12);
/// assert_eq!(llr(4, 5.0, 20), 0.0);
/// ```
pub fn llr(c: u64, mu: f64, total: u64) -> f64 {
    let (c, total) = (c as f64, total as f64);
    if c <= mu || mu <= 0.0 {
        return 0.0;
    }
    let rest = total - c;
    let inside = c * (c / mu).ln();
    if rest <= 0.0 { inside } else { inside + rest * (rest / (total - mu)).ln() }
}

/// Every centre's circles: the cells in order of distance (the centre first) and each one's
/// distance from the centre, km, cut where the radius or the share would be passed.
fn circles(cells: &[CellIndex], cell_totals: &[u64], total: u64, params: &ScanParams) -> Vec<Vec<(usize, f64)>> {
    let within = Neighbourhoods::within_m(cells, params.max_km * 1000.0);
    let limit = params.max_share * total as f64;
    (0..cells.len())
        .into_par_iter()
        .map(|i| {
            let (lon, lat) = cell_centre(cells[i]);
            let here = Point::new(lon, lat);
            let mut near: Vec<(usize, f64)> = within
                .of(i)
                .iter()
                .map(|&j| {
                    let j = j as usize;
                    let (lon, lat) = cell_centre(cells[j]);
                    (j, if j == i { 0.0 } else { Geodesic.distance(here, Point::new(lon, lat)) / 1000.0 })
                })
                .collect();
            near.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            let mut held = 0u64;
            let mut keep = 0;
            for &(j, _) in &near {
                held += cell_totals[j];
                if held as f64 > limit {
                    break;
                }
                keep += 1;
            }
            near.truncate(keep);
            near
        })
        .collect()
}

/// The best cylinder of one centre: (LLR, cells in it, duration).
fn best_of_centre(
    circle: &[(usize, f64)],
    recent: &[u64],
    cell_totals: &[u64],
    bin_tails: &[u64],
    total: u64,
    d_max: usize,
) -> (f64, usize, usize) {
    // recent[z · d_max + (d − 1)]: cell z's events in the last d bins.
    let mut best = (0.0, 0, 0);
    let mut held_total = 0u64;
    let mut held_recent = vec![0u64; d_max];
    for (size, &(z, _)) in circle.iter().enumerate() {
        held_total += cell_totals[z];
        for (d, acc) in held_recent.iter_mut().enumerate() {
            *acc += recent[z * d_max + d];
        }
        for d in 0..d_max {
            let mu = held_total as f64 * bin_tails[d] as f64 / total as f64;
            let l = llr(held_recent[d], mu, total);
            if l > best.0 {
                best = (l, size + 1, d + 1);
            }
        }
    }
    best
}

/// Scans `counts` (cell-major, `bins` per cell, cells sorted by H3 index) for clusters alive in
/// the final bin (see the module documentation).
pub fn scan(cells: &[CellIndex], counts: &[u64], bins: usize, params: &ScanParams) -> ScanResult {
    assert_eq!(counts.len(), cells.len() * bins, "counts must be cells × bins");
    let n = cells.len();
    let total: u64 = counts.iter().sum();
    if total == 0 || bins == 0 || n == 0 {
        return ScanResult { clusters: Vec::new(), replicate_llrs: vec![0.0; params.replicates as usize], total };
    }
    let d_max = params.max_bins.min(bins);
    let cell_totals: Vec<u64> = (0..n).map(|z| counts[z * bins..(z + 1) * bins].iter().sum()).collect();
    let bin_totals: Vec<u64> = (0..bins).map(|t| (0..n).map(|z| counts[z * bins + t]).sum()).collect();
    // Events in the last d bins, over the study area and per cell.
    let tail = |row: &dyn Fn(usize) -> u64| -> Vec<u64> {
        let mut acc = 0;
        (1..=d_max)
            .map(|d| {
                acc += row(bins - d);
                acc
            })
            .collect()
    };
    let bin_tails = tail(&|t| bin_totals[t]);
    let recent_of = |counts: &[u64]| -> Vec<u64> { (0..n).flat_map(|z| tail(&|t| counts[z * bins + t])).collect() };
    let circles = circles(cells, &cell_totals, total, params);
    let best_per_centre = |recent: &[u64]| -> Vec<(f64, usize, usize)> {
        circles.par_iter().map(|c| best_of_centre(c, recent, &cell_totals, &bin_tails, total, d_max)).collect()
    };
    let observed = best_per_centre(&recent_of(counts));

    // Replicates: each event keeps its cell, the events' bins are permuted.
    let bin_of_event: Vec<u32> =
        (0..bins).flat_map(|t| std::iter::repeat_n(t as u32, bin_totals[t] as usize)).collect();
    let cell_of_event: Vec<u32> = (0..n)
        .flat_map(|z| (0..bins).flat_map(move |t| std::iter::repeat_n(z as u32, counts[z * bins + t] as usize)))
        .collect();
    let first_recent = (bins - d_max) as u32;
    let replicate_llrs: Vec<f64> = (0..params.replicates)
        .into_par_iter()
        .map(|r| {
            let mut rng = Pcg64Mcg::seed_from_u64(stream_seed(params.seed, u64::from(r)));
            let mut shuffled = bin_of_event.clone();
            shuffled.shuffle(&mut rng);
            let mut recent_counts = vec![0u64; n * bins];
            for (&z, &t) in cell_of_event.iter().zip(&shuffled) {
                if t >= first_recent {
                    recent_counts[z as usize * bins + t as usize] += 1;
                }
            }
            best_per_centre(&recent_of(&recent_counts)).iter().map(|b| b.0).fold(0.0, f64::max)
        })
        .collect();

    // Candidates: each centre's best cylinder, strongest first; no two sharing a cell.
    let mut order: Vec<usize> = (0..n).filter(|&i| observed[i].0 > 0.0).collect();
    order.sort_by(|&a, &b| observed[b].0.total_cmp(&observed[a].0).then(a.cmp(&b)));
    let mut taken = vec![false; n];
    let mut clusters = Vec::new();
    for i in order {
        if clusters.len() >= params.max_clusters {
            break;
        }
        let (l, size, d) = observed[i];
        let members = &circles[i][..size];
        if members.iter().any(|&(z, _)| taken[z]) {
            continue;
        }
        for &(z, _) in members {
            taken[z] = true;
        }
        let mut cluster_cells: Vec<usize> = members.iter().map(|&(z, _)| z).collect();
        cluster_cells.sort_unstable();
        let c: u64 =
            members.iter().map(|&(z, _)| counts[z * bins + bins - d..z * bins + bins].iter().sum::<u64>()).sum();
        let held: u64 = members.iter().map(|&(z, _)| cell_totals[z]).sum();
        let mu = held as f64 * bin_tails[d - 1] as f64 / total as f64;
        let rest = (total - c) as f64;
        let exceed = replicate_llrs.iter().filter(|&&r| r >= l).count();
        let p = (1 + exceed) as f64 / (f64::from(params.replicates) + 1.0);
        clusters.push(Cluster {
            centre: i,
            cells: cluster_cells,
            radius_km: members.last().map_or(0.0, |m| m.1),
            first_bin: bins - d,
            observed: c,
            expected: mu,
            relative_risk: if rest > 0.0 { (c as f64 / mu) / (rest / (total as f64 - mu)) } else { f64::INFINITY },
            llr: l,
            p,
            recurrence_bins: 1.0 / p,
        });
    }
    ScanResult { clusters, replicate_llrs, total }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixture {
        cells: Vec<CellIndex>,
        bins: usize,
        counts: Vec<u64>,
        params: ScanParams,
        value: serde_json::Value,
    }

    fn fixture() -> Fixture {
        let value: serde_json::Value =
            serde_json::from_str(include_str!("../../testdata/scan-brute-force.json")).unwrap();
        let cells: Vec<CellIndex> =
            value["cells"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().parse().unwrap()).collect();
        assert!(cells.windows(2).all(|w| w[0] < w[1]));
        let counts: Vec<u64> = value["counts"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        let params = ScanParams {
            max_km: value["max_km"].as_f64().unwrap(),
            max_share: value["max_share"].as_f64().unwrap(),
            max_bins: value["max_bins"].as_u64().unwrap() as usize,
            replicates: 999,
            seed: 7,
            max_clusters: 10,
        };
        Fixture { cells, bins: value["bins"].as_u64().unwrap() as usize, counts, params, value }
    }

    /// Every centre's circle and best cylinder against the brute force of
    /// `testdata/make_scan_fixture.py` (numpy, h3-py, pyproj): 32 cells, 7 bins, circles up to
    /// 2 km and half the events, cylinders of 1–3 bins; the LLRs to 1e-9.
    #[test]
    fn every_centres_best_cylinder_agrees_with_a_brute_force() {
        let f = fixture();
        let (n, bins) = (f.cells.len(), f.bins);
        let total: u64 = f.counts.iter().sum();
        let cell_totals: Vec<u64> = (0..n).map(|z| f.counts[z * bins..(z + 1) * bins].iter().sum()).collect();
        let circles = circles(&f.cells, &cell_totals, total, &f.params);
        let d_max = f.params.max_bins;
        let bin_tails: Vec<u64> = (1..=d_max)
            .map(|d| (0..n).map(|z| f.counts[z * bins + bins - d..z * bins + bins].iter().sum::<u64>()).sum())
            .collect();
        let recent: Vec<u64> = (0..n)
            .flat_map(|z| (1..=d_max).map(move |d| (z, d)))
            .map(|(z, d)| f.counts[z * bins + bins - d..z * bins + bins].iter().sum())
            .collect();
        for (i, want) in f.value["best"].as_array().unwrap().iter().enumerate() {
            let circle: Vec<usize> =
                want["circle"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
            assert_eq!(circles[i].iter().map(|c| c.0).collect::<Vec<_>>(), circle, "centre {i}: the circle");
            let (l, size, d) = best_of_centre(&circles[i], &recent, &cell_totals, &bin_tails, total, d_max);
            assert!((l - want["llr"].as_f64().unwrap()).abs() < 1e-9, "centre {i}: {l} vs {}", want["llr"]);
            assert_eq!(
                (size as u64, d as u64),
                (want["size"].as_u64().unwrap(), want["duration"].as_u64().unwrap()),
                "centre {i}"
            );
        }
    }

    /// The whole scan on the same cube: the most likely cluster is the planted one (four more
    /// events in each of the hot cell's neighbourhood's last two bins), with the brute force's
    /// LLR, its observed and expected counts worked out from the cube, and a small p; the
    /// secondary clusters share no cell with it or each other and are weaker.
    #[test]
    fn the_most_likely_cluster_is_the_planted_one() {
        let f = fixture();
        let r = scan(&f.cells, &f.counts, f.bins, &f.params);
        let best = &f.value["best"][f.value["hot_centre"].as_u64().unwrap() as usize];
        let top = &r.clusters[0];
        assert_eq!(top.centre, f.value["hot_centre"].as_u64().unwrap() as usize);
        assert!((top.llr - best["llr"].as_f64().unwrap()).abs() < 1e-9);
        assert_eq!((top.cells.len() as u64, top.first_bin), (best["size"].as_u64().unwrap(), f.bins - 2));
        let bins = f.bins;
        let observed: u64 =
            top.cells.iter().map(|&z| f.counts[z * bins + bins - 2] + f.counts[z * bins + bins - 1]).sum();
        let held: u64 = top.cells.iter().map(|&z| f.counts[z * bins..(z + 1) * bins].iter().sum::<u64>()).sum();
        let last_two: u64 =
            (0..f.cells.len()).map(|z| f.counts[z * bins + bins - 2] + f.counts[z * bins + bins - 1]).sum();
        assert_eq!(top.observed, observed);
        assert!((top.expected - held as f64 * last_two as f64 / r.total as f64).abs() < 1e-9);
        assert!(top.p <= 0.01 && (top.recurrence_bins - 1.0 / top.p).abs() < 1e-9, "p {}", top.p);
        let (c, mu, total) = (observed as f64, top.expected, r.total as f64);
        assert!((top.relative_risk - (c / mu) / ((total - c) / (total - mu))).abs() < 1e-9);
        let mut seen = std::collections::HashSet::new();
        for (k, cl) in r.clusters.iter().enumerate() {
            assert!(cl.cells.iter().all(|z| seen.insert(*z)), "cluster {k} overlaps an earlier one");
            assert!(cl.radius_km <= f.params.max_km && (cl.cells.len() == 1) == (cl.radius_km == 0.0), "{cl:?}");
            assert!(cl.llr <= top.llr && cl.observed as f64 > cl.expected && cl.p >= top.p);
        }
        assert_eq!(r.replicate_llrs.len(), 999);
    }

    /// With the events' bins permuted at random (no cluster in space and time), the most likely
    /// cluster's p is uniform on its 50 possible values k/50: over 200 permutations of the planted
    /// cube (49 replicates each) the largest distance between the share of p ≤ k/50 and k/50
    /// (Kolmogorov–Smirnov at the attainable values) stays below 0.096, the 5 % critical value
    /// for 200. A wrong permutation (margins not kept) puts the p values near 0 or 1.
    #[test]
    fn without_space_time_interaction_the_p_value_is_uniform() {
        let f = fixture();
        let (n, bins) = (f.cells.len(), f.bins);
        let ps: Vec<f64> = (1..=200u64)
            .map(|seed| {
                let mut event_bins: Vec<usize> =
                    (0..n * bins).flat_map(|i| std::iter::repeat_n(i % bins, f.counts[i] as usize)).collect();
                let event_cells: Vec<usize> =
                    (0..n * bins).flat_map(|i| std::iter::repeat_n(i / bins, f.counts[i] as usize)).collect();
                event_bins.shuffle(&mut Pcg64Mcg::seed_from_u64(seed));
                let mut permuted = vec![0u64; n * bins];
                for (&z, &t) in event_cells.iter().zip(&event_bins) {
                    permuted[z * bins + t] += 1;
                }
                let params = ScanParams { replicates: 49, seed, ..f.params.clone() };
                scan(&f.cells, &permuted, bins, &params).clusters.first().map_or(1.0, |c| c.p)
            })
            .collect();
        let share = |x: f64| ps.iter().filter(|&&p| p <= x + 1e-12).count() as f64 / ps.len() as f64;
        let ks = (1..=50).map(|k| (share(f64::from(k) / 50.0) - f64::from(k) / 50.0).abs()).fold(0.0, f64::max);
        assert!(ks < 0.096, "KS distance {ks}: {:?}", (1..=10).map(|k| share(f64::from(k) / 10.0)).collect::<Vec<_>>());
    }

    /// The same seed gives the same clusters and replicate maxima on one thread as on several.
    #[test]
    fn the_result_does_not_depend_on_the_thread_count() {
        let f = fixture();
        let params = ScanParams { replicates: 99, ..f.params.clone() };
        let many = scan(&f.cells, &f.counts, f.bins, &params);
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| scan(&f.cells, &f.counts, f.bins, &params));
        assert_eq!(one, many);
        assert_ne!(
            scan(&f.cells, &f.counts, f.bins, &ScanParams { seed: 8, ..params.clone() }).replicate_llrs,
            many.replicate_llrs
        );
    }

    /// A circle may hold exactly half of the events: two neighbouring cells of 4 events each
    /// (0 then 4, and 4 then 0) make two one-cell circles, and the first cell's last bin (4 where
    /// 4 · 4 / 8 = 2 were expected) is the most likely cluster.
    #[test]
    fn a_circle_may_hold_exactly_half_of_the_events() {
        let a = h3o::LatLng::new(60.2, 24.95).unwrap().to_cell(h3o::Resolution::Eight);
        let b = a.grid_ring_fast(1).next().unwrap().unwrap();
        let mut cells = vec![a, b];
        cells.sort_unstable();
        let r = scan(&cells, &[0, 4, 4, 0], 2, &ScanParams { replicates: 9, ..ScanParams::default() });
        let top = &r.clusters[0];
        assert_eq!((top.cells.as_slice(), top.first_bin, top.observed), (&[0][..], 1, 4));
        assert!((top.expected - 2.0).abs() < 1e-12 && (top.llr - llr(4, 2.0, 8)).abs() < 1e-12);
    }

    /// The LLR by hand, the parameters' checks and an empty cube.
    #[test]
    fn llr_parameters_and_an_empty_cube() {
        // All 12 events inside where 3 were expected: 12·ln 4, no outside term.
        assert!((llr(12, 3.0, 12) - 12.0 * 4f64.ln()).abs() < 1e-12);
        assert_eq!(llr(3, 3.0, 12), 0.0, "c = μ is no cluster");
        assert!(ScanParams::new(0.0, 4, 999, 0).is_err() && ScanParams::new(60.0, 4, 999, 0).is_err());
        assert!(ScanParams::new(2.0, 0, 999, 0).is_err() && ScanParams::new(2.0, 4, 0, 0).is_err());
        assert_eq!(ScanParams::new(2.0, 4, 999, 3).unwrap(), ScanParams { seed: 3, ..ScanParams::default() });
        let f = fixture();
        let r = scan(&f.cells, &vec![0; f.counts.len()], f.bins, &f.params);
        assert!(r.clusters.is_empty() && r.total == 0);
    }
}
