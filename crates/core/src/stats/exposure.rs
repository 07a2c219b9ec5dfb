//! Rates where patrol effort is known: encounters per patrol hour, and space-time Gi* on a
//! Poisson model with effort as the exposure.
//!
//! Encounters are recorded only where pairs walk, so a count says as much about the patrols as
//! about need. With the effort cube `h` (patrol hours per cell and bin, [`crate::cube::effort`])
//! and the job's encounters `O`:
//!
//! ```text
//! r    = Σ O / Σ h          over the cell-bins with effort (h > 0): the job's encounters per hour
//! E    = r · h              the encounters expected of a cell-bin at that rate
//! z_it = (Σ O − Σ E) / √(Σ E)
//! ```
//!
//! where the sums run over the same space-time neighbourhood as [`super::gi_star`] (the cells
//! within `k` rings of *i*, itself included, in bins *t − w … t*), keeping only cell-bins with
//! effort. Under the null hypothesis that every cell-bin's encounters are Poisson with mean
//! `r · h`, the neighbourhood's sum is Poisson with mean and variance `Σ E`, and `z` is its
//! standardised deviation (the normal approximation of the Poisson score test, as in
//! Rogerson & Yamada's Poisson-based local statistics). p is two-sided from the standard normal.
//! A neighbourhood with no effort has no exposure: `z = 0`, `p = 1`. Encounters recorded in a
//! cell-bin with no logged effort (an incomplete log) are left out of both sums.
//!
//! Concern reports are not analysed this way: residents phone them in wherever the pairs walk,
//! so their own counts are the signal (blind spots: `crate::plan::effort`).
//!
//! Pinned to an independent computation in plain Python
//! (`crates/core/testdata/make_exposure_fixture.py`), every cell and bin to 1e-9.

use rayon::prelude::*;

use crate::stats::gi_star::Neighbourhoods;
use crate::stats::normal::two_sided_p;

/// The Poisson-exposure Gi* of a job.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExposureGi {
    /// The job's encounters per patrol hour over the cell-bins with effort (0 without effort).
    pub rate: f64,
    /// z per (cell, bin), cell-major.
    pub z: Vec<f64>,
    /// Two-sided p per (cell, bin).
    pub p: Vec<f64>,
}

/// Encounters per patrol hour of the cell-bins with effort: `Σ O / Σ h` (0 without effort).
pub fn encounter_rate(encounters: &[u64], hours: &[f64]) -> f64 {
    let (o, h) = encounters
        .iter()
        .zip(hours)
        .filter(|(_, h)| **h > 0.0)
        .fold((0.0, 0.0), |(o, s), (e, h)| (o + *e as f64, s + h));
    if h > 0.0 { o / h } else { 0.0 }
}

/// The Poisson-exposure space-time Gi* (see the module documentation) of `encounters` against
/// `hours`, both cells × `bins`, cell-major.
pub fn exposure_gi_star(
    encounters: &[u64],
    hours: &[f64],
    bins: usize,
    neighbours: &Neighbourhoods,
    w: u32,
) -> ExposureGi {
    let cells = neighbours.len();
    assert_eq!(encounters.len(), cells * bins, "encounters must be cells × bins");
    assert_eq!(hours.len(), cells * bins, "hours must be cells × bins");
    let rate = encounter_rate(encounters, hours);
    let w = w as usize;
    let mut z = vec![0.0; cells * bins];
    let mut p = vec![1.0; cells * bins];
    let chunk = bins.max(1);
    z.par_chunks_mut(chunk).zip(p.par_chunks_mut(chunk)).enumerate().for_each(|(i, (zs, ps))| {
        // Per bin, the neighbourhood's observed and expected sums over cell-bins with effort.
        let mut observed = vec![0.0; bins];
        let mut expected = vec![0.0; bins];
        for &j in neighbours.of(i) {
            let at = j as usize * bins;
            for t in 0..bins {
                let h = hours[at + t];
                if h > 0.0 {
                    observed[t] += encounters[at + t] as f64;
                    expected[t] += rate * h;
                }
            }
        }
        for t in 0..bins {
            let from = t.saturating_sub(w);
            let o: f64 = observed[from..=t].iter().sum();
            let e: f64 = expected[from..=t].iter().sum();
            if e > 0.0 {
                zs[t] = (o - e) / e.sqrt();
                ps[t] = two_sided_p(zs[t]);
            }
        }
    });
    ExposureGi { rate, z, p }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize)]
    struct Case {
        w: u32,
        z: Vec<f64>,
        p: Vec<f64>,
    }

    #[derive(serde::Deserialize)]
    struct Fixture {
        bins: usize,
        hours: Vec<f64>,
        encounters: Vec<u64>,
        neighbours: Vec<Vec<u32>>,
        rate: f64,
        cases: Vec<Case>,
    }

    /// Every cell and bin against the plain-Python computation, to 1e-9 (z) and 1e-12 (p).
    #[test]
    fn matches_the_independent_python_computation() {
        let f: Fixture = serde_json::from_str(include_str!("../../testdata/exposure-gi-star.json")).unwrap();
        let nb = Neighbourhoods::from_lists(f.neighbours.clone());
        assert_eq!(f.cases.len(), 2);
        for case in &f.cases {
            let g = exposure_gi_star(&f.encounters, &f.hours, f.bins, &nb, case.w);
            assert!((g.rate - f.rate).abs() < 1e-12, "{} vs {}", g.rate, f.rate);
            assert_eq!(g.z.len(), case.z.len());
            for (i, ((z, p), (rz, rp))) in g.z.iter().zip(&g.p).zip(case.z.iter().zip(&case.p)).enumerate() {
                assert!((z - rz).abs() < 1e-9, "w {} cell-bin {i}: z {z} vs {rz}", case.w);
                assert!((p - rp).abs() < 1e-12, "w {} cell-bin {i}: p {p} vs {rp}", case.w);
            }
        }
        // The planted rise (cells 4–6, last three bins) is what stands out.
        let g = exposure_gi_star(&f.encounters, &f.hours, f.bins, &nb, 1);
        let best = (0..g.z.len()).max_by(|&a, &b| g.z[a].total_cmp(&g.z[b])).unwrap();
        let (cell, bin) = (best / f.bins, best % f.bins);
        assert!((3..=7).contains(&cell) && bin >= f.bins - 3, "cell {cell} bin {bin}");
    }

    /// By hand: two cells, neighbours of each other, one bin. Effort 2 h and 6 h, encounters 6
    /// and 2: r = 8 / 8 = 1, E = 2 and 6, the neighbourhood (both) O = 8, E = 8, z = 0. A third
    /// cell alone with 4 h and 8 encounters: r = 16 / 12; its own z = (8 − 16/3) / √(16/3).
    #[test]
    fn small_cases_worked_out_by_hand() {
        let nb = Neighbourhoods::from_lists(vec![vec![0, 1], vec![0, 1]]);
        let g = exposure_gi_star(&[6, 2], &[2.0, 6.0], 1, &nb, 0);
        assert_eq!(g.rate, 1.0);
        assert_eq!(g.z, [0.0, 0.0]);
        let nb = Neighbourhoods::from_lists(vec![vec![0, 1], vec![0, 1], vec![2]]);
        let g = exposure_gi_star(&[6, 2, 8], &[2.0, 6.0, 4.0], 1, &nb, 0);
        let e: f64 = 4.0 * 16.0 / 12.0;
        assert!((g.z[2] - (8.0 - e) / e.sqrt()).abs() < 1e-12);
        // No effort anywhere near: no exposure, no statistic.
        let g = exposure_gi_star(
            &[3, 0, 1],
            &[0.0, 0.0, 5.0],
            1,
            &Neighbourhoods::from_lists(vec![vec![0], vec![1], vec![2]]),
            0,
        );
        assert_eq!((g.z[0], g.p[0]), (0.0, 1.0));
        assert_eq!(g.rate, 0.2, "encounters without effort are left out of the rate");
    }
}
