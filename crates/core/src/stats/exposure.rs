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
//! A neighbourhood with no effort has no exposure: `z = 0`, `p = 1` (so has every neighbourhood of
//! a job with no encounter at all: r = 0). Encounters recorded in a
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

/// The Poisson-exposure Gi* of a job, computed a cell at a time where it is needed (each cell's
/// series depends only on its neighbourhood), so no cells × bins array of z and p is held.
#[derive(Clone, Debug)]
pub struct ExposureGi {
    /// The job's encounters per patrol hour over the cell-bins with effort (0 without effort).
    pub rate: f64,
    /// Per cell, the final bin's z and p.
    pub last: Vec<(f64, f64)>,
    neighbours: Neighbourhoods,
    bins: usize,
    w: usize,
}

/// Where the encounters and hours of a job are: per (cell, bin), cell-major; encounters are
/// `counts − concerns` (the job's events less its concern reports).
#[derive(Clone, Copy)]
pub struct EncounterCube<'a> {
    /// The job's events.
    pub counts: &'a [u64],
    /// Its concern reports (the same length; zeros for an encounters-only cube).
    pub concerns: &'a [u64],
    /// Patrol hours.
    pub hours: &'a [f64],
}

impl EncounterCube<'_> {
    fn encounters(&self, i: usize) -> u64 {
        // A job made elsewhere may hold concerns past its counts: none then, not a wrap.
        self.counts[i].saturating_sub(self.concerns[i])
    }
}

/// Encounters per patrol hour of the cell-bins with effort: `Σ O / Σ h` (0 without effort).
pub fn encounter_rate(cube: EncounterCube<'_>) -> f64 {
    let (o, h) = (0..cube.hours.len())
        .filter(|&i| cube.hours[i] > 0.0)
        .fold((0.0, 0.0), |(o, s), i| (o + cube.encounters(i) as f64, s + cube.hours[i]));
    if h > 0.0 { o / h } else { 0.0 }
}

impl ExposureGi {
    /// The model of `cube` (cells × `bins`) with the space-time neighbourhood of `neighbours`
    /// and the backward time window `w`; computes the rate and every cell's final-bin z and p.
    pub fn new(cube: EncounterCube<'_>, bins: usize, neighbours: Neighbourhoods, w: u32) -> ExposureGi {
        let cells = neighbours.len();
        assert_eq!(cube.counts.len(), cells * bins, "counts must be cells × bins");
        assert_eq!(cube.concerns.len(), cells * bins, "concerns must be cells × bins");
        assert_eq!(cube.hours.len(), cells * bins, "hours must be cells × bins");
        let mut model = ExposureGi { rate: encounter_rate(cube), last: Vec::new(), neighbours, bins, w: w as usize };
        model.last = (0..cells)
            .into_par_iter()
            .map(|i| {
                let (z, p) = model.series(cube, i, bins.saturating_sub(1)..bins);
                (z.first().copied().unwrap_or(0.0), p.first().copied().unwrap_or(1.0))
            })
            .collect();
        model
    }

    /// Cell `i`'s z and p in bins `range` (see the module documentation).
    pub fn series(&self, cube: EncounterCube<'_>, i: usize, range: std::ops::Range<usize>) -> (Vec<f64>, Vec<f64>) {
        let bins = self.bins;
        let from = range.start.saturating_sub(self.w);
        // Per bin from `from`, the neighbourhood's observed and expected sums over cell-bins
        // with effort.
        let mut observed = vec![0.0; range.end - from];
        let mut expected = vec![0.0; range.end - from];
        for &j in self.neighbours.of(i) {
            let at = j as usize * bins;
            for t in from..range.end {
                let h = cube.hours[at + t];
                if h > 0.0 {
                    observed[t - from] += cube.encounters(at + t) as f64;
                    expected[t - from] += self.rate * h;
                }
            }
        }
        range
            .map(|t| {
                let start = t.saturating_sub(self.w) - from;
                let o: f64 = observed[start..=t - from].iter().sum();
                let e: f64 = expected[start..=t - from].iter().sum();
                if e > 0.0 {
                    let z = (o - e) / e.sqrt();
                    (z, two_sided_p(z))
                } else {
                    (0.0, 1.0)
                }
            })
            .unzip()
    }
}

/// The Poisson-exposure space-time Gi* of every cell and bin at once (cell-major z and p), for
/// tests and small cubes: [`ExposureGi::series`] over every cell.
pub fn exposure_gi_star(
    cube: EncounterCube<'_>,
    bins: usize,
    neighbours: &Neighbourhoods,
    w: u32,
) -> (ExposureGi, Vec<f64>, Vec<f64>) {
    let model = ExposureGi::new(cube, bins, neighbours.clone(), w);
    let (z, p): (Vec<Vec<f64>>, Vec<Vec<f64>>) =
        (0..neighbours.len()).into_par_iter().map(|i| model.series(cube, i, 0..bins)).unzip();
    (model, z.concat(), p.concat())
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
        let zeros = vec![0; f.encounters.len()];
        let cube = EncounterCube { counts: &f.encounters, concerns: &zeros, hours: &f.hours };
        for case in &f.cases {
            let (g, zs, ps) = exposure_gi_star(cube, f.bins, &nb, case.w);
            assert!((g.rate - f.rate).abs() < 1e-12, "{} vs {}", g.rate, f.rate);
            assert_eq!(zs.len(), case.z.len());
            for (i, ((z, p), (rz, rp))) in zs.iter().zip(&ps).zip(case.z.iter().zip(&case.p)).enumerate() {
                assert!((z - rz).abs() < 1e-9, "w {} cell-bin {i}: z {z} vs {rz}", case.w);
                assert!((p - rp).abs() < 1e-12, "w {} cell-bin {i}: p {p} vs {rp}", case.w);
            }
            // The final bins kept by the model are the same numbers.
            for (c, &(z, p)) in g.last.iter().enumerate() {
                assert_eq!((z, p), (zs[c * f.bins + f.bins - 1], ps[c * f.bins + f.bins - 1]));
            }
        }
        // The planted rise (cells 4–6, last three bins) is what stands out.
        let (_, zs, _) = exposure_gi_star(cube, f.bins, &nb, 1);
        let best = (0..zs.len()).max_by(|&a, &b| zs[a].total_cmp(&zs[b])).unwrap();
        let (cell, bin) = (best / f.bins, best % f.bins);
        assert!((3..=7).contains(&cell) && bin >= f.bins - 3, "cell {cell} bin {bin}");
    }

    /// By hand: two cells, neighbours of each other, one bin. Effort 2 h and 6 h, encounters 6
    /// and 2: r = 8 / 8 = 1, E = 2 and 6, the neighbourhood (both) O = 8, E = 8, z = 0. A third
    /// cell alone with 4 h and 8 encounters: r = 16 / 12; its own z = (8 − 16/3) / √(16/3).
    #[test]
    fn small_cases_worked_out_by_hand() {
        fn cube<'a>(counts: &'a [u64], hours: &'a [f64]) -> EncounterCube<'a> {
            EncounterCube { counts, concerns: &[0, 0, 0][..counts.len()], hours }
        }
        let nb = Neighbourhoods::from_lists(vec![vec![0, 1], vec![0, 1]]);
        let (g, z, _) = exposure_gi_star(cube(&[6, 2], &[2.0, 6.0]), 1, &nb, 0);
        assert_eq!(g.rate, 1.0);
        assert_eq!(z, [0.0, 0.0]);
        let nb = Neighbourhoods::from_lists(vec![vec![0, 1], vec![0, 1], vec![2]]);
        let (_, z, _) = exposure_gi_star(cube(&[6, 2, 8], &[2.0, 6.0, 4.0]), 1, &nb, 0);
        let e: f64 = 4.0 * 16.0 / 12.0;
        assert!((z[2] - (8.0 - e) / e.sqrt()).abs() < 1e-12);
        // No effort anywhere near: no exposure, no statistic.
        let nb = Neighbourhoods::from_lists(vec![vec![0], vec![1], vec![2]]);
        let (g, z, p) = exposure_gi_star(cube(&[3, 0, 1], &[0.0, 0.0, 5.0]), 1, &nb, 0);
        assert_eq!((z[0], p[0]), (0.0, 1.0));
        assert_eq!(g.rate, 0.2, "encounters without effort are left out of the rate");
        // Concern reports are taken off the counts: 5 events of which 2 concerns are 3 encounters.
        assert_eq!(encounter_rate(EncounterCube { counts: &[5], concerns: &[2], hours: &[6.0] }), 0.5);
    }
}
