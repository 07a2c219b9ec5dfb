//! Significance of the Gi* z-scores: the plain normal p against α, Benjamini–Hochberg false
//! discovery rate control over all bins of the cube, and conditional-permutation pseudo p-values;
//! and the one-sided binomial tail of the plan's unmet-concern test.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;

use crate::stats::gi_star::GiStar;

/// The Benjamini–Hochberg (1995) threshold for `p` at false discovery rate `alpha`: the largest
/// p₍ₖ₎ with p₍ₖ₎ ≤ (k / m)·α over the m sorted p-values, or `None` when no p qualifies. Every
/// p ≤ the threshold is significant. O(m log m).
///
/// ```
/// use hotspots_core::stats::inference::bh_threshold;
/// // m = 4: k/m·α = 0.0125, 0.025, 0.0375, 0.05.
/// assert_eq!(bh_threshold(&[0.01, 0.03, 0.02, 0.2], 0.05), Some(0.03));
/// assert_eq!(bh_threshold(&[0.01, 0.04, 0.03, 0.2], 0.05), Some(0.01));
/// assert_eq!(bh_threshold(&[0.02, 0.2], 0.01), None);
/// ```
pub fn bh_threshold(p: &[f64], alpha: f64) -> Option<f64> {
    let mut sorted: Vec<f64> = p.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let m = p.len() as f64;
    sorted.iter().enumerate().rev().find(|&(k, &v)| v <= (k as f64 + 1.0) / m * alpha).map(|(_, &v)| v)
}

pub(crate) fn stream_seed(seed: u64, index: u64) -> u64 {
    // SplitMix64 finaliser: an independent stream per (seed, cell-bin).
    let mut z = seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(0x6A09_E667_F3BC_C909);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Conditional-permutation pseudo p-values (Anselin 1995's conditional randomisation, as PySAL
/// does it): for each cell-bin, its own value stays, the other W − 1 neighbourhood values are
/// drawn without replacement from the other n − 1 values of the cube, `permutations` times, and
/// p = (1 + #{|z_perm| ≥ |z|}) / (permutations + 1).
///
/// Each cell-bin draws from its own PCG stream seeded by (`seed`, its position), so the result
/// is identical on any number of threads. Since x̄, S and W are the same for the observed and the
/// permuted neighbourhoods, |z_perm| ≥ |z| is decided on |Σ − x̄W| exactly. O(n · permutations · W).
pub fn permutation_p(values: &[f64], gi: &GiStar, permutations: u32, seed: u64) -> Vec<f64> {
    let n = values.len();
    let m = gi.moments;
    let bins_total = n;
    (0..bins_total)
        .into_par_iter()
        .with_min_len(64)
        .map(|idx| {
            let w = gi.size[idx] as usize;
            if m.is_degenerate() || w >= n || w == 0 {
                return 1.0;
            }
            let observed = (gi.sum[idx] - m.mean * w as f64).abs();
            let own = values[idx];
            let mut rng = Pcg64Mcg::seed_from_u64(stream_seed(seed, idx as u64));
            let draws = w - 1;
            let pool = n - 1; // the other values, positions 0..pool mapped around `idx`
            let mut chosen: Vec<usize> = Vec::with_capacity(draws);
            let mut extreme = 0u32;
            for _ in 0..permutations {
                // Floyd's algorithm: `draws` distinct positions in 0..pool.
                chosen.clear();
                for j in pool - draws..pool {
                    let t = rng.random_range(0..=j);
                    chosen.push(if chosen.contains(&t) { j } else { t });
                }
                let mut s = own;
                for &c in &chosen {
                    s += values[if c >= idx { c + 1 } else { c }];
                }
                if (s - m.mean * w as f64).abs() >= observed {
                    extreme += 1;
                }
            }
            (1.0 + f64::from(extreme)) / (f64::from(permutations) + 1.0)
        })
        .collect()
}

/// log C(n, k) via the log-gamma function.
fn ln_choose(n: u64, k: u64) -> f64 {
    libm::lgamma(n as f64 + 1.0) - libm::lgamma(k as f64 + 1.0) - libm::lgamma((n - k) as f64 + 1.0)
}

/// P(X ≥ c) for X ~ Binomial(n, q), summed in log space. O(n − c).
pub fn binomial_upper_tail(c: u64, n: u64, q: f64) -> f64 {
    if c == 0 {
        return 1.0;
    }
    if c > n || q <= 0.0 {
        return 0.0;
    }
    if q >= 1.0 {
        return 1.0;
    }
    let (lq, lr) = (q.ln(), (1.0 - q).ln());
    let terms: Vec<f64> = (c..=n).map(|k| ln_choose(n, k) + k as f64 * lq + (n - k) as f64 * lr).collect();
    let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    (max.exp() * terms.iter().map(|t| (t - max).exp()).sum::<f64>()).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::gi_star::{Neighbourhoods, gi_star};

    /// 165 upper tails from scipy's `binom.sf` (`testdata/make_binomial_fixture.py`), n up to
    /// 10 000, values down to 1e−200, to a relative 1e−9.
    #[test]
    fn binomial_tail_matches_scipy_up_to_ten_thousand() {
        let fixture: serde_json::Value =
            serde_json::from_str(include_str!("../../testdata/binomial-tail-scipy.json")).unwrap();
        let cases = fixture["cases"].as_array().unwrap();
        assert_eq!(cases.len(), 165);
        for case in cases {
            let (c, n) = (case["c"].as_u64().unwrap(), case["n"].as_u64().unwrap());
            let (q, expected) = (case["q"].as_f64().unwrap(), case["p"].as_f64().unwrap());
            let got = binomial_upper_tail(c, n, q);
            assert!(
                (got - expected).abs() <= 1e-9 * expected,
                "P(X >= {c} | n = {n}, q = {q}) = {got}, scipy {expected}"
            );
        }
    }

    #[test]
    fn bh_matches_a_hand_computed_example() {
        // m = 10, α = 0.05: k/m·α = 0.005·k. Sorted p: 0.001 (≤0.005), 0.008 (≤0.010),
        // 0.012 (≤0.015), 0.03 (> 0.020), 0.024 is 4th after sorting: 0.001, 0.008, 0.012,
        // 0.024 (>0.020), 0.03 (>0.025)… none later qualifies, so the threshold is 0.012.
        let p = [0.03, 0.001, 0.5, 0.012, 0.008, 0.9, 0.024, 0.2, 0.04, 0.7];
        assert_eq!(bh_threshold(&p, 0.05), Some(0.012));
        // A later qualifying p lifts earlier ones (step-up): 0.045 at k = 9 ≤ 0.045.
        let p = [0.04, 0.041, 0.042, 0.043, 0.044, 0.045, 0.045, 0.045, 0.045, 0.9];
        assert_eq!(bh_threshold(&p, 0.05), Some(0.045));
        // At equality a p-value passes: p(k) ≤ k/m·α (Benjamini & Hochberg 1995).
        assert_eq!(bh_threshold(&[0.05, 0.05], 0.05), Some(0.05));
        assert_eq!(bh_threshold(&[0.025, 0.5], 0.05), Some(0.025));
        assert_eq!(bh_threshold(&[0.025_000_001, 0.5], 0.05), None);
        assert_eq!(bh_threshold(&[], 0.05), None);
    }

    fn cube() -> (Vec<f64>, Neighbourhoods) {
        // 30 cells in a ring, 4 bins; one strong cluster.
        let cells = 30;
        let lists = (0..cells).map(|i| vec![((i + cells - 1) % cells) as u32, i as u32, ((i + 1) % cells) as u32]).map(
            |mut l| {
                l.sort_unstable();
                l
            },
        );
        let nb = Neighbourhoods::from_lists(lists.collect());
        let values: Vec<f64> =
            (0..cells * 4).map(|k| if (k / 4) < 3 { 20.0 + (k % 4) as f64 } else { (k % 5) as f64 }).collect();
        (values, nb)
    }

    #[test]
    fn permutations_are_seeded_thread_independent_and_sensible() {
        let (values, nb) = cube();
        let g = gi_star(&values, 4, &nb, 1);
        let a = permutation_p(&values, &g, 199, 42);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let b = pool.install(|| permutation_p(&values, &g, 199, 42));
        assert_eq!(a, b);
        assert_ne!(a, permutation_p(&values, &g, 199, 43));
        for (&p, &z) in a.iter().zip(&g.z) {
            assert!(p > 0.0 && p <= 1.0);
            assert!((p * 200.0 - (p * 200.0).round()).abs() < 1e-9, "p is k/200");
            if z.abs() > 4.0 {
                assert!(p < 0.05, "a strong cluster is significant by permutation too (z {z}, p {p})");
            }
        }
        // The cluster's cells get the smallest possible pseudo p.
        let (cell, bin) = (1, 3);
        assert_eq!(a[cell * 4 + bin], 1.0 / 200.0);
    }

    /// The exact conditional-permutation distribution by enumeration: 8 cells in a ring × 2
    /// bins, time window 1 (a bin and the one before). A cell-bin's neighbourhood is 3 values in
    /// bin 0 and 6 in bin 1, so every draw of the other W − 1 values from the other 15 is one of
    /// C(15, 2) = 105 or C(15, 5) = 3,003 subsets, all listed here. The Monte Carlo count of
    /// draws at least as extreme as the observed one is Binomial(permutations, q) with q the
    /// enumerated share; it must lie within 5 standard deviations of its mean. A draw of the
    /// wrong size, a value drawn twice or the cell's own value drawn again would move it.
    #[test]
    #[allow(clippy::needless_range_loop)] // cell and bin index several tables at once
    fn permutation_p_agrees_with_every_permutation_enumerated() {
        let (cells, bins) = (8usize, 2usize);
        let ring: Vec<[usize; 3]> = (0..cells).map(|i| [(i + cells - 1) % cells, i, (i + 1) % cells]).collect();
        let nb = Neighbourhoods::from_lists(
            ring.iter()
                .map(|r| {
                    let mut l: Vec<u32> = r.iter().map(|&c| c as u32).collect();
                    l.sort_unstable();
                    l
                })
                .collect(),
        );
        let values: Vec<f64> =
            [9.0, 1.0, 4.0, 0.0, 7.0, 2.0, 12.0, 3.0, 5.0, 0.0, 1.0, 8.0, 2.0, 6.0, 0.0, 11.0].to_vec();
        let n = values.len();
        let mean = values.iter().sum::<f64>() / n as f64;
        let g = gi_star(&values, bins, &nb, 1);
        let permutations = 4_999u32;
        let p = permutation_p(&values, &g, permutations, 7);
        for cell in 0..cells {
            for bin in 0..bins {
                let idx = cell * bins + bin;
                // The neighbourhood worked out here, not read from `g`.
                let members: Vec<usize> =
                    ring[cell].iter().flat_map(|&c| (bin.saturating_sub(1)..=bin).map(move |b| c * bins + b)).collect();
                let w = members.len();
                let observed = (members.iter().map(|&m| values[m]).sum::<f64>() - mean * w as f64).abs();
                let others: Vec<usize> = (0..n).filter(|&m| m != idx).collect();
                let (mut extreme, mut total) = (0u64, 0u64);
                for mask in 0u32..(1 << others.len()) {
                    if mask.count_ones() as usize != w - 1 {
                        continue;
                    }
                    let s: f64 = values[idx]
                        + (0..others.len()).filter(|&k| mask & (1 << k) != 0).map(|k| values[others[k]]).sum::<f64>();
                    total += 1;
                    // The same tolerance for ties as a sum of small integers needs: none.
                    if (s - mean * w as f64).abs() >= observed - 1e-9 {
                        extreme += 1;
                    }
                }
                assert_eq!(total, if w == 3 { 105 } else { 3003 });
                let q = extreme as f64 / total as f64;
                let count = p[idx] * f64::from(permutations + 1) - 1.0;
                let (expected, sd) = (f64::from(permutations) * q, (f64::from(permutations) * q * (1.0 - q)).sqrt());
                assert!(
                    (count - expected).abs() <= 5.0 * sd + 1e-6,
                    "cell {cell} bin {bin}: {count} extreme draws of {permutations}, expected {expected:.1} ± {sd:.1} (q = {q:.4})"
                );
            }
        }
    }

    /// The stream seeds go through SplitMix64's finaliser (Steele, Lea & Flood 2014; Vigna's
    /// `splitmix64.c`): chosen so the finaliser's input is the generator's first and second
    /// states from seed 0, they give its published first outputs.
    #[test]
    fn stream_seeds_are_splitmix64_outputs() {
        let (phi, c) = (0x9E37_79B9_7F4A_7C15u64, 0x6A09_E667_F3BC_C909u64);
        assert_eq!(stream_seed(phi ^ c, 0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(stream_seed(phi.wrapping_mul(2) ^ phi.wrapping_add(c), 1), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn binomial_tail_matches_hand_computed_values() {
        // P(X ≥ 2 | n = 3, q = 0.5) = (3 + 1) / 8.
        assert!((binomial_upper_tail(2, 3, 0.5) - 0.5).abs() < 1e-12);
        // P(X ≥ 3 | n = 3, q = 0.2) = 0.008.
        assert!((binomial_upper_tail(3, 3, 0.2) - 0.008).abs() < 1e-12);
        // P(X ≥ 1 | n = 4, q = 0.1) = 1 − 0.9⁴.
        assert!((binomial_upper_tail(1, 4, 0.1) - (1.0 - 0.9f64.powi(4))).abs() < 1e-12);
        assert_eq!(binomial_upper_tail(0, 10, 0.3), 1.0);
        // No concern reports anywhere (q = 0): one is already beyond chance; q = 1: certain.
        assert_eq!(binomial_upper_tail(1, 5, 0.0), 0.0);
        assert_eq!(binomial_upper_tail(5, 5, 1.0), 1.0);
        assert_eq!(binomial_upper_tail(11, 10, 0.3), 0.0);
    }
}
