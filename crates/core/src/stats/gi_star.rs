//! Space-time Getis-Ord Gi* (Getis & Ord 1992; Ord & Getis 1995) over the cube, exactly as
//! DESIGN.md defines it.
//!
//! For cell *i* in bin *t*, the neighbourhood is every study-area cell *j* within `k` rings of
//! *i* (itself included) in bins *t − w … t* (`w` = time window), clipped to the cube. Weights are
//! binary. With x̄ and S (the *population* standard deviation) over all n = cells × bins values
//! and W the neighbourhood size:
//!
//! ```text
//! z = (Σ x − x̄·W) / ( S · sqrt( (n·W − W²) / (n − 1) ) )
//! ```
//!
//! p is two-sided from the standard normal. A cube with no variation (S = 0), or a neighbourhood
//! that is the whole cube (W = n), gives z = 0 and p = 1. With one bin and w = 0 this is PySAL
//! esda's `G_Local(star=True)` with binary weights.
//!
//! **The global window** ([`GlobalWindow`], ArcGIS Pro's *Define Global Window*) is the set of
//! bins whose x̄, S and n the formula takes for bin *t*; the neighbourhood itself does not change:
//! - `cube` (ArcGIS `ENTIRE_CUBE`, the default, and DESIGN.md's definition): every bin;
//! - `neighborhood` (`NEIGHBORHOOD_TIME_STEP`): every cell in bins *t − w … t*, clipped to the
//!   cube like the neighbourhood (so the first bins have shorter windows);
//! - `individual` (`INDIVIDUAL_TIME_STEP`): every cell in bin *t* alone.
//!
//! Esri documents the three windows only in words ("in comparison to the entire cube", "to the
//! bins contained within the specified Neighborhood Time Step", "to the bins in the same time
//! step"); the bins above are our reading, the one Esri's own Python passes to its compiled code
//! (a window of N time steps, or of 0). A neighbourhood that spans more values than its window
//! holds (W ≥ n, possible with `individual`) gives z = 0, as the whole cube does.
//!
//! Cost: O(cells · |N| · bins) for the spatial sums plus O(cells · bins · w) for the windows, in
//! parallel over cells. Sums of counts are exact in f64, so the result does not depend on the
//! number of threads.

use h3o::CellIndex;
use rayon::prelude::*;

use crate::stats::normal::two_sided_p;

/// The spatial neighbourhood of every cell, as positions into a sorted cell list (compressed
/// sparse rows). Each list is sorted and holds the cell itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Neighbourhoods {
    offsets: Vec<usize>,
    members: Vec<u32>,
}

impl Neighbourhoods {
    /// The cells within `k` rings of each cell of `cells` (sorted by H3 index), clipped to
    /// `cells`: the study area.
    pub fn k_ring(cells: &[CellIndex], k: u32) -> Self {
        debug_assert!(cells.windows(2).all(|w| w[0] < w[1]), "cells sorted and distinct");
        let lists: Vec<Vec<u32>> = cells
            .par_iter()
            .map(|cell| {
                let mut list: Vec<u32> =
                    cell.grid_disk_safe(k).filter_map(|c| cells.binary_search(&c).ok()).map(|i| i as u32).collect();
                list.sort_unstable();
                list.dedup();
                list
            })
            .collect();
        Neighbourhoods::from_lists(lists)
    }

    /// The cells whose centres lie within `metres` of each cell's centre (geodesic distance on
    /// the WGS 84 ellipsoid, the bound included), clipped to `cells` (sorted by H3 index): what
    /// ArcGIS's fixed-distance neighbourhood means on a hexagon grid. Each list holds the cell
    /// itself. Candidates come from an R-tree of the centres, by a box in degrees that holds
    /// the circle (a degree of latitude is at least 110.5 km, of longitude at least that times
    /// the cosine of the box's farthest latitude); the exact distance decides.
    pub fn within_m(cells: &[CellIndex], metres: f64) -> Self {
        use geo::{Distance, Geodesic, Point};
        use rstar::{AABB, RTree, primitives::GeomWithData};
        debug_assert!(cells.windows(2).all(|w| w[0] < w[1]), "cells sorted and distinct");
        let centres: Vec<(f64, f64)> = cells.iter().map(|&c| crate::space::study_area::cell_centre(c)).collect();
        let tree = RTree::bulk_load(
            centres.iter().enumerate().map(|(i, &(lon, lat))| GeomWithData::new([lon, lat], i)).collect(),
        );
        let lists: Vec<Vec<u32>> = centres
            .par_iter()
            .enumerate()
            .map(|(i, &(lon, lat))| {
                let dlat = metres / 110_500.0;
                let farthest = (lat.abs() + dlat).min(90.0);
                let dlon = (dlat / farthest.to_radians().cos().max(1e-9)).min(360.0);
                let envelope = AABB::from_corners([lon - dlon, lat - dlat], [lon + dlon, lat + dlat]);
                let here = Point::new(lon, lat);
                let mut list: Vec<u32> = tree
                    .locate_in_envelope(&envelope)
                    .map(|g| g.data)
                    .filter(|&j| j == i || Geodesic.distance(here, Point::new(centres[j].0, centres[j].1)) <= metres)
                    .map(|j| j as u32)
                    .collect();
                list.sort_unstable();
                list
            })
            .collect();
        Neighbourhoods::from_lists(lists)
    }

    /// Neighbourhoods given explicitly (each list should hold the cell itself).
    pub fn from_lists(lists: Vec<Vec<u32>>) -> Self {
        let mut offsets = Vec::with_capacity(lists.len() + 1);
        offsets.push(0);
        let mut members = Vec::new();
        for list in lists {
            members.extend(list);
            offsets.push(members.len());
        }
        Neighbourhoods { offsets, members }
    }

    /// The neighbourhood of cell position `i`.
    pub fn of(&self, i: usize) -> &[u32] {
        &self.members[self.offsets[i]..self.offsets[i + 1]]
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there are no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Global moments of the cube's values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Moments {
    /// n = cells × bins.
    pub n: usize,
    /// Mean x̄.
    pub mean: f64,
    /// Population standard deviation S.
    pub std: f64,
}

impl Moments {
    /// Mean and population standard deviation, summed in order (deterministic).
    pub fn of(values: &[f64]) -> Moments {
        let n = values.len();
        if n == 0 {
            return Moments { n, mean: 0.0, std: 0.0 };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
        Moments { n, mean, std: var.sqrt() }
    }

    /// Whether every z is 0 by definition (no variation, or a single value).
    pub fn is_degenerate(&self) -> bool {
        self.std == 0.0 || !self.std.is_finite() || self.n < 2
    }

    /// The z-score of a neighbourhood sum over `w` values.
    pub fn z(&self, sum: f64, w: usize) -> f64 {
        if self.is_degenerate() || w >= self.n || w == 0 {
            return 0.0;
        }
        let (n, w) = (self.n as f64, w as f64);
        (sum - self.mean * w) / (self.std * ((n * w - w * w) / (n - 1.0)).sqrt())
    }
}

/// The bins a bin's Gi* is measured against (see the module documentation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub enum GlobalWindow {
    /// Every bin of the cube (ArcGIS `ENTIRE_CUBE`).
    #[default]
    #[serde(rename = "cube")]
    Cube,
    /// Every cell in the bin's own time window (ArcGIS `NEIGHBORHOOD_TIME_STEP`).
    #[serde(rename = "neighborhood")]
    Neighbourhood,
    /// Every cell in the bin alone (ArcGIS `INDIVIDUAL_TIME_STEP`).
    #[serde(rename = "individual")]
    Individual,
}

impl GlobalWindow {
    /// Reads `cube`, `neighborhood` (or `neighbourhood`) or `individual`, or ArcGIS's names
    /// `ENTIRE_CUBE`, `NEIGHBORHOOD_TIME_STEP` and `INDIVIDUAL_TIME_STEP`, in any case.
    ///
    /// # Errors
    ///
    /// [`crate::error::Error::Parameter`] for any other name.
    pub fn parse(name: &str) -> crate::error::Result<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "cube" | "entire_cube" => Ok(GlobalWindow::Cube),
            "neighborhood" | "neighbourhood" | "neighborhood_time_step" => Ok(GlobalWindow::Neighbourhood),
            "individual" | "individual_time_step" => Ok(GlobalWindow::Individual),
            _ => Err(crate::error::Error::parameter(
                "global_window",
                name,
                "must be cube, neighborhood or individual (ArcGIS: ENTIRE_CUBE, NEIGHBORHOOD_TIME_STEP, INDIVIDUAL_TIME_STEP)",
            )),
        }
    }

    /// The name used on the command line and in `summary.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            GlobalWindow::Cube => "cube",
            GlobalWindow::Neighbourhood => "neighborhood",
            GlobalWindow::Individual => "individual",
        }
    }

    /// The bins of bin `t`'s window, for a backward time window of `w` bins in a cube of `bins`.
    pub fn bins(self, t: usize, w: usize, bins: usize) -> std::ops::Range<usize> {
        match self {
            GlobalWindow::Cube => 0..bins,
            GlobalWindow::Neighbourhood => t.saturating_sub(w)..t + 1,
            GlobalWindow::Individual => t..t + 1,
        }
    }
}

/// Gi* of every cell and bin.
#[derive(Clone, Debug, PartialEq)]
pub struct GiStar {
    /// z per (cell, bin), cell-major.
    pub z: Vec<f64>,
    /// Two-sided normal p per (cell, bin), cell-major.
    pub p: Vec<f64>,
    /// Neighbourhood sum per (cell, bin), cell-major (for permutation tests; empty from
    /// [`gi_star_keeping`] without `keep_sums`).
    pub sum: Vec<f64>,
    /// Neighbourhood size W per (cell, bin), cell-major (empty where `sum` is).
    pub size: Vec<u32>,
    /// The cube's moments.
    pub moments: Moments,
    /// Per bin, the moments of its global window (each equal to `moments` for the whole cube).
    pub windows: Vec<Moments>,
}

/// Computes Gi* for `values` (cell-major, `bins` per cell) with the given neighbourhoods and
/// backward time window `w`.
///
/// ```
/// use hotspots_core::stats::gi_star::{gi_star, Neighbourhoods};
/// // Three cells in a row, two bins; cell 2's neighbourhood is cells 1 and 2.
/// let nb = Neighbourhoods::from_lists(vec![vec![0, 1], vec![0, 1, 2], vec![1, 2]]);
/// let g = gi_star(&[1.0, 2.0, 3.0, 4.0, 0.0, 5.0], 2, &nb, 1);
/// assert!((g.z[2 * 2 + 1] - 0.9258200997725515).abs() < 1e-12);
/// ```
pub fn gi_star(values: &[f64], bins: usize, neighbours: &Neighbourhoods, w: u32) -> GiStar {
    gi_star_in(values, bins, neighbours, w, GlobalWindow::Cube)
}

/// [`gi_star`] against the given global window (see the module documentation).
///
/// ```
/// use hotspots_core::stats::gi_star::{GlobalWindow, Neighbourhoods, gi_star_in};
/// // Two cells, neighbours of each other, three bins; each bin alone: x̄ and S of its two values.
/// let nb = Neighbourhoods::from_lists(vec![vec![0, 1], vec![0, 1]]);
/// let g = gi_star_in(&[1.0, 2.0, 3.0, 3.0, 2.0, 1.0], 3, &nb, 0, GlobalWindow::Individual);
/// // Bin 0 holds 1 and 3: a neighbourhood of both is the whole window, z = 0.
/// assert_eq!((g.windows[0].mean, g.windows[0].std, g.z[0]), (2.0, 1.0, 0.0));
/// ```
pub fn gi_star_in(values: &[f64], bins: usize, neighbours: &Neighbourhoods, w: u32, window: GlobalWindow) -> GiStar {
    gi_star_keeping(values, bins, neighbours, w, window, true)
}

/// [`gi_star_in`], keeping the neighbourhood sums and sizes only when `keep_sums` (a permutation
/// test needs them; without one they would be two more values per cell and bin held for
/// nothing). Without them, [`GiStar::sum`] and [`GiStar::size`] are empty.
pub fn gi_star_keeping(
    values: &[f64],
    bins: usize,
    neighbours: &Neighbourhoods,
    w: u32,
    window: GlobalWindow,
    keep_sums: bool,
) -> GiStar {
    let cells = neighbours.len();
    assert_eq!(values.len(), cells * bins, "values must be cells × bins");
    let moments = Moments::of(values);
    let w = w as usize;
    let windows: Vec<Moments> = match window {
        GlobalWindow::Cube => vec![moments; bins],
        _ => (0..bins)
            .into_par_iter()
            .map(|t| {
                let range = window.bins(t, w, bins);
                let in_window: Vec<f64> = (0..cells)
                    .flat_map(|c| values[c * bins + range.start..c * bins + range.end].iter().copied())
                    .collect();
                Moments::of(&in_window)
            })
            .collect(),
    };
    // Each cell's neighbourhood sums and sizes, its z and p, written in place.
    let kept = if keep_sums { cells * bins } else { 0 };
    let (mut sum, mut size) = (vec![0.0; kept], vec![0u32; kept]);
    let (mut z, mut p) = (vec![0.0; cells * bins], vec![0.0; cells * bins]);
    let chunk = bins.max(1);
    let mut sum_chunks: Vec<&mut [f64]> = sum.chunks_mut(chunk).collect();
    let mut size_chunks: Vec<&mut [u32]> = size.chunks_mut(chunk).collect();
    sum_chunks.resize_with(cells, Default::default);
    size_chunks.resize_with(cells, Default::default);
    z.par_chunks_mut(chunk)
        .zip(p.par_chunks_mut(chunk))
        .zip(sum_chunks.into_par_iter().zip(size_chunks))
        .enumerate()
        .for_each(|(i, ((zs, ps), (sums, sizes)))| {
            let nb = neighbours.of(i);
            let mut spatial = vec![0.0; bins];
            for &j in nb {
                let row = &values[j as usize * bins..(j as usize + 1) * bins];
                for (acc, v) in spatial.iter_mut().zip(row) {
                    *acc += v;
                }
            }
            for t in 0..bins {
                let from = t.saturating_sub(w);
                let s = spatial[from..=t].iter().sum::<f64>();
                let n = nb.len() * (t - from + 1);
                zs[t] = windows[t].z(s, n);
                ps[t] = two_sided_p(zs[t]);
                if keep_sums {
                    sums[t] = s;
                    sizes[t] = n as u32;
                }
            }
        });
    GiStar { z, p, sum, size, moments, windows }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line() -> Neighbourhoods {
        Neighbourhoods::from_lists(vec![vec![0, 1], vec![0, 1, 2], vec![1, 2]])
    }

    /// Three cells in a row, two bins: values c0 = [1, 2], c1 = [3, 4], c2 = [0, 5]; n = 6,
    /// x̄ = 2.5, S = √(17.5/6). Worked by hand with the formula:
    /// - c2, t1, w = 1: cells {1, 2} × bins {0, 1}: Σ = 12, W = 4 → z = 2 / (S·√(8/5)) = 0.92582…
    /// - c0, t0, w = 1: cells {0, 1} × bin {0} (clipped): Σ = 4, W = 2 → z = −1 / (S·√(8/5))
    /// - c1, t0, w = 0: cells {0, 1, 2}: Σ = 4, W = 3 → z = −3.5 / (S·√(9/5)) = −1.52752…
    /// - c1, t1, w = 1: the whole cube (W = n) → z = 0, p = 1
    #[test]
    fn small_cube_worked_by_hand() {
        let values = [1.0, 2.0, 3.0, 4.0, 0.0, 5.0];
        let g = gi_star(&values, 2, &line(), 1);
        assert!((g.moments.mean - 2.5).abs() < 1e-15);
        assert!((g.moments.std - (17.5f64 / 6.0).sqrt()).abs() < 1e-15);
        assert!((g.z[5] - 0.9258200997725515).abs() < 1e-12);
        assert!((g.z[0] - -0.46291004988627577).abs() < 1e-12);
        assert_eq!((g.z[3], g.p[3], g.size[3]), (0.0, 1.0, 6));
        assert_eq!(g.size[0], 2);
        let g0 = gi_star(&values, 2, &line(), 0);
        assert!((g0.z[2] - -1.5275252316519468).abs() < 1e-12);
        assert!((g0.p[2] - 0.12663045794761664).abs() < 1e-12);
    }

    /// The pure-space case (one bin, time window 0) against PySAL esda's `G_Local(star=True)`
    /// with binary weights, on an irregular set of H3 cells with k = 1 and 2 (fixture made by
    /// `testdata/make_gi_star_fixture.py`).
    #[test]
    fn pure_space_case_agrees_with_esda() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../testdata/gi-star-esda.json")).unwrap();
        let cells: Vec<CellIndex> =
            fixture["cells"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().parse().unwrap()).collect();
        assert!(cells.windows(2).all(|w| w[0] < w[1]), "the fixture lists cells in H3 order");
        let values: Vec<f64> = fixture["values"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        for case in fixture["cases"].as_array().unwrap() {
            let k = case["k"].as_u64().unwrap() as u32;
            let g = gi_star(&values, 1, &Neighbourhoods::k_ring(&cells, k), 0);
            let want: Vec<f64> = case["z"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            assert_eq!(g.z.len(), want.len());
            for (i, (got, want)) in g.z.iter().zip(&want).enumerate() {
                assert!((got - want).abs() < 1e-9, "k {k} cell {i}: {got} vs {want}");
            }
        }
    }

    /// The global windows by hand on the three-cell line (c0 = [1, 2], c1 = [3, 4], c2 = [0, 5]).
    /// Bin 0 alone holds 1, 3, 0: x̄ = 4/3, S = √14/3, n = 3; bin 1 alone 2, 4, 5: x̄ = 11/3, the
    /// same S. With w = 0, c0 in bin 0 (cells 0 and 1: Σ = 4, W = 2) is (4 − 8/3) / (S·√(2/2))
    /// = 4/√14; c2 in bin 1 (cells 1 and 2: Σ = 9) is (9 − 22/3) / S = 5/√14; c1 in bin 0 is
    /// every value of its window: 0. The neighbourhood window with w = 1 is bin 0 alone for bin 0
    /// (clipped) and the whole cube for bin 1.
    #[test]
    fn global_windows_worked_by_hand() {
        let values = [1.0, 2.0, 3.0, 4.0, 0.0, 5.0];
        let one = gi_star_in(&values, 2, &line(), 0, GlobalWindow::Individual);
        let s = 14f64.sqrt() / 3.0;
        assert!((one.windows[0].mean - 4.0 / 3.0).abs() < 1e-15 && (one.windows[0].std - s).abs() < 1e-15);
        assert!((one.windows[1].mean - 11.0 / 3.0).abs() < 1e-15 && (one.windows[1].std - s).abs() < 1e-15);
        assert_eq!((one.windows[0].n, one.moments.n), (3, 6));
        assert!((one.z[0] - 4.0 / 14f64.sqrt()).abs() < 1e-12, "{}", one.z[0]);
        assert!((one.z[5] - 5.0 / 14f64.sqrt()).abs() < 1e-12, "{}", one.z[5]);
        assert_eq!((one.z[2], one.p[2]), (0.0, 1.0));
        let near = gi_star_in(&values, 2, &line(), 1, GlobalWindow::Neighbourhood);
        let cube = gi_star(&values, 2, &line(), 1);
        assert_eq!((near.windows[0], near.windows[1]), (one.windows[0], cube.moments));
        for c in 0..3 {
            assert!((near.z[c * 2] - one.z[c * 2]).abs() < 1e-15, "bin 0 is its own window");
            assert_eq!(near.z[c * 2 + 1], cube.z[c * 2 + 1], "bin 1's window is the whole cube");
        }
        // The whole cube's window is the plain Gi*.
        assert_eq!(gi_star_in(&values, 2, &line(), 1, GlobalWindow::Cube), cube);
        // Names, ArcGIS's included.
        for (name, want) in [
            ("cube", GlobalWindow::Cube),
            ("ENTIRE_CUBE", GlobalWindow::Cube),
            ("neighborhood", GlobalWindow::Neighbourhood),
            ("Neighbourhood", GlobalWindow::Neighbourhood),
            ("NEIGHBORHOOD_TIME_STEP", GlobalWindow::Neighbourhood),
            ("individual", GlobalWindow::Individual),
            ("INDIVIDUAL_TIME_STEP", GlobalWindow::Individual),
        ] {
            assert_eq!(GlobalWindow::parse(name).unwrap(), want, "{name}");
            assert_eq!(GlobalWindow::parse(want.as_str()).unwrap(), want);
        }
        assert!(GlobalWindow::parse("space").is_err());
        assert_eq!(GlobalWindow::Neighbourhood.bins(1, 3, 8), 0..2);
        assert_eq!(GlobalWindow::Neighbourhood.bins(5, 3, 8), 2..6);
        assert_eq!(GlobalWindow::Individual.bins(5, 3, 8), 5..6);
        assert_eq!(GlobalWindow::Cube.bins(5, 3, 8), 0..8);
    }

    /// Every global window, k = 1 and 2, w = 0–2, against numpy's arithmetic with h3-py's rings
    /// (`testdata/make_global_window_fixture.py`), every cell and bin to 1e-9.
    #[test]
    fn global_windows_agree_with_numpy() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../testdata/gi-star-windows.json")).unwrap();
        let cells: Vec<CellIndex> =
            fixture["cells"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().parse().unwrap()).collect();
        assert!(cells.windows(2).all(|w| w[0] < w[1]), "the fixture lists cells in H3 order");
        let bins = fixture["bins"].as_u64().unwrap() as usize;
        let values: Vec<f64> = fixture["values"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        let cases = fixture["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 18);
        for case in cases {
            let (k, w) = (case["k"].as_u64().unwrap() as u32, case["w"].as_u64().unwrap() as u32);
            let window = GlobalWindow::parse(case["window"].as_str().unwrap()).unwrap();
            let g = gi_star_in(&values, bins, &Neighbourhoods::k_ring(&cells, k), w, window);
            let want: Vec<f64> = case["z"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            assert_eq!(g.z.len(), want.len());
            let mut nonzero = 0;
            for (i, (got, want)) in g.z.iter().zip(&want).enumerate() {
                assert!(
                    (got - want).abs() < 1e-9,
                    "k {k} w {w} {window:?}: cell {} bin {}: {got} vs {want}",
                    i / bins,
                    i % bins
                );
                nonzero += usize::from(*want != 0.0);
            }
            assert!(nonzero > want.len() / 2, "the case tests something");
        }
    }

    /// Neighbours by distance against pyproj's geodesic distances between every pair of centres
    /// (the same fixture), at 600 m (only the cell itself at resolution 8), 900 m (every adjacent
    /// centre, 757–859 m away here, and none two rings out, 1341 m or more: the k = 1 ring) and
    /// 1500 m (part of the second ring).
    #[test]
    fn distance_neighbourhoods_agree_with_a_brute_force_over_every_pair() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../testdata/gi-star-windows.json")).unwrap();
        let cells: Vec<CellIndex> =
            fixture["cells"].as_array().unwrap().iter().map(|c| c.as_str().unwrap().parse().unwrap()).collect();
        for case in fixture["distance"].as_array().unwrap() {
            let metres = case["metres"].as_f64().unwrap();
            let nb = Neighbourhoods::within_m(&cells, metres);
            for (i, want) in case["neighbours"].as_array().unwrap().iter().enumerate() {
                let want: Vec<u32> = want.as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as u32).collect();
                assert_eq!(nb.of(i), &want[..], "{metres} m, cell {i}");
            }
        }
        assert_eq!(Neighbourhoods::within_m(&cells, 900.0), Neighbourhoods::k_ring(&cells, 1));
    }

    #[test]
    fn a_cube_without_variation_gives_zero_and_one() {
        let g = gi_star(&[3.0; 6], 2, &line(), 1);
        assert!(g.z.iter().all(|&z| z == 0.0));
        assert!(g.p.iter().all(|&p| p == 1.0));
        assert!(g.moments.is_degenerate());
    }

    #[test]
    fn z_is_invariant_to_scaling_the_counts() {
        let values = [1.0, 2.0, 3.0, 4.0, 0.0, 5.0];
        let scaled: Vec<f64> = values.iter().map(|v| v * 7.0).collect();
        let (a, b) = (gi_star(&values, 2, &line(), 1), gi_star(&scaled, 2, &line(), 1));
        for (x, y) in a.z.iter().zip(&b.z) {
            assert!((x - y).abs() < 1e-12);
        }
    }

    #[test]
    fn k_ring_neighbourhoods_are_clipped_to_the_study_area() {
        let centre = h3o::LatLng::new(60.17, 24.94).unwrap().to_cell(h3o::Resolution::Eight);
        let mut cells: Vec<CellIndex> = centre.grid_disk::<Vec<_>>(1);
        let dropped = *cells.iter().find(|c| **c != centre).unwrap();
        cells.retain(|c| *c != dropped);
        cells.sort_unstable();
        let nb = Neighbourhoods::k_ring(&cells, 1);
        let i = cells.binary_search(&centre).unwrap();
        assert_eq!(nb.of(i).len(), 6, "one of the six neighbours is outside the study area");
        for j in 0..cells.len() {
            assert!(nb.of(j).contains(&(j as u32)));
        }
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::{Neighbourhoods, gi_star};

    proptest! {
        /// Gi* z-scores do not change when every count is multiplied by the same constant.
        #[test]
        fn gi_star_is_scale_invariant(values in proptest::collection::vec(0u32..60, 24), factor in 2u32..50, w in 0u32..3) {
            // Eight cells in a ring, three bins.
            let lists = (0..8u32).map(|i| {
                let mut l = vec![(i + 7) % 8, i, (i + 1) % 8];
                l.sort_unstable();
                l
            });
            let nb = Neighbourhoods::from_lists(lists.collect());
            let x: Vec<f64> = values.iter().map(|&v| f64::from(v)).collect();
            let scaled: Vec<f64> = values.iter().map(|&v| f64::from(v * factor)).collect();
            let (a, b) = (gi_star(&x, 3, &nb, w), gi_star(&scaled, 3, &nb, w));
            for (p, q) in a.z.iter().zip(&b.z) {
                prop_assert!((p - q).abs() < 1e-9, "{} vs {}", p, q);
            }
        }
    }
}

#[cfg(test)]
mod moments {
    use super::{Moments, Neighbourhoods};

    /// Two values are enough for a z: 1 and 3 have mean 2 and S = 1; a neighbourhood of the 3
    /// alone is (3 − 2) / (1 · √((2·1 − 1)/(2 − 1))) = 1. One value, or none, is degenerate.
    #[test]
    fn two_values_give_a_z_and_fewer_do_not() {
        let m = Moments::of(&[1.0, 3.0]);
        assert_eq!((m.n, m.mean, m.std), (2, 2.0, 1.0));
        assert!(!m.is_degenerate());
        assert_eq!(m.z(3.0, 1), 1.0);
        assert_eq!(m.z(4.0, 2), 0.0, "a neighbourhood of every value");
        assert!(Moments::of(&[5.0]).is_degenerate() && Moments::of(&[]).is_degenerate());
        let nb = Neighbourhoods::from_lists(vec![vec![0, 1], vec![0, 1]]);
        assert_eq!((nb.len(), nb.is_empty(), nb.of(1)), (2, false, &[0u32, 1][..]));
        assert!(Neighbourhoods::from_lists(Vec::new()).is_empty());
    }
}
