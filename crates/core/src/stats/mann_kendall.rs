//! The Mann-Kendall trend test, as `pymannkendall.original_test` computes it (Mann 1945;
//! Kendall 1975; Hipel & McLeod 1994 for the tie correction).
//!
//! For a series x₁…xₙ:
//!
//! - S = Σ_{i<j} sign(xⱼ − xᵢ)
//! - Var(S) = [n(n−1)(2n+5) − Σₜ t(t−1)(2t+5)] / 18, where t runs over the sizes of the groups of
//!   exactly equal values (ties)
//! - z = (S − 1)/√Var(S) if S > 0, (S + 1)/√Var(S) if S < 0, 0 if S = 0 (continuity correction)
//! - p = 2·(1 − Φ(|z|)), two-sided; τ = S / (n(n−1)/2)
//!
//! S in O(n log n): with P = n(n−1)/2 pairs, T = Σₜ t(t−1)/2 tied pairs and I the inversions
//! (pairs i < j with xᵢ > xⱼ, counted by a merge sort), the rising pairs are P − T − I and
//! S = P − T − 2I. The sort also gives the tie groups. A series with a NaN (which compares
//! neither above nor below anything) takes the O(n²) sum of signs instead.

use crate::stats::normal::two_sided_p;

/// The result of the test.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MannKendall {
    /// Kendall's S statistic.
    pub s: f64,
    /// Variance of S with the tie correction.
    pub var_s: f64,
    /// The continuity-corrected normal score.
    pub z: f64,
    /// Two-sided p-value.
    pub p: f64,
    /// Kendall's τ = S / (n(n−1)/2); 0 for fewer than two values.
    pub tau: f64,
}

impl MannKendall {
    /// The trend's direction at level `alpha`: +1 up, −1 down, 0 none (p must be *strictly*
    /// below alpha).
    pub fn direction(&self, alpha: f64) -> i8 {
        if self.p < alpha {
            if self.s > 0.0 {
                return 1;
            }
            if self.s < 0.0 {
                return -1;
            }
        }
        0
    }

    /// [`MannKendall::direction`] as a word: `up`, `down` or `none`.
    pub fn direction_name(&self, alpha: f64) -> &'static str {
        match self.direction(alpha) {
            1 => "up",
            -1 => "down",
            _ => "none",
        }
    }
}

/// Runs the test on `x` (oldest first).
///
/// ```
/// use hotspots_core::stats::mann_kendall::mann_kendall;
/// let mk = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]);
/// assert_eq!(mk.s, 10.0);
/// assert_eq!(mk.tau, 1.0);
/// assert!(mk.p < 0.05);
/// ```
pub fn mann_kendall(x: &[f64]) -> MannKendall {
    let n = x.len();
    let (s, sorted) = if x.iter().any(|v| v.is_nan()) {
        let mut sorted = x.to_vec();
        sorted.sort_by(|a, b| a.total_cmp(b));
        (s_by_pairs(x), sorted)
    } else {
        let (inversions, sorted) = sort_counting_inversions(x);
        let tied: i64 = tie_groups(&sorted).map(|t| t * (t - 1) / 2).sum();
        let pairs = (n as i64) * (n as i64 - 1) / 2;
        (pairs - tied - 2 * inversions, sorted)
    };
    let ties: f64 = tie_groups(&sorted)
        .map(|t| {
            let t = t as f64;
            t * (t - 1.0) * (2.0 * t + 5.0)
        })
        .sum();
    let nf = n as f64;
    let var_s = (nf * (nf - 1.0) * (2.0 * nf + 5.0) - ties) / 18.0;
    let s = s as f64;
    let z = if s > 0.0 && var_s > 0.0 {
        (s - 1.0) / var_s.sqrt()
    } else if s < 0.0 && var_s > 0.0 {
        (s + 1.0) / var_s.sqrt()
    } else {
        0.0
    };
    let pairs = nf * (nf - 1.0) / 2.0;
    MannKendall { s, var_s, z, p: two_sided_p(z), tau: if pairs > 0.0 { s / pairs } else { 0.0 } }
}

/// S as the plain sum of signs over all pairs: O(n²), for series holding a NaN (and the tests).
fn s_by_pairs(x: &[f64]) -> i64 {
    let mut s = 0i64;
    for (i, a) in x.iter().enumerate() {
        for b in &x[i + 1..] {
            if b > a {
                s += 1;
            } else if b < a {
                s -= 1;
            }
        }
    }
    s
}

/// The sizes of the runs of equal values in sorted `sorted`.
fn tie_groups(sorted: &[f64]) -> impl Iterator<Item = i64> + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        (i < sorted.len()).then(|| {
            let start = i;
            i += 1;
            while i < sorted.len() && sorted[i] == sorted[start] {
                i += 1;
            }
            (i - start) as i64
        })
    })
}

/// `x` sorted ascending (a stable bottom-up merge sort), with the number of pairs i < j where
/// xᵢ > xⱼ strictly. `x` must hold no NaN.
fn sort_counting_inversions(x: &[f64]) -> (i64, Vec<f64>) {
    let n = x.len();
    let mut a = x.to_vec();
    let mut b = vec![0.0; n];
    let mut inversions = 0i64;
    let mut width = 1;
    while width < n {
        for start in (0..n).step_by(2 * width) {
            let mid = (start + width).min(n);
            let end = (start + 2 * width).min(n);
            let (mut i, mut j, mut k) = (start, mid, start);
            while i < mid && j < end {
                // Equal values take the left one first: a tie is not an inversion.
                if a[i] <= a[j] {
                    b[k] = a[i];
                    i += 1;
                } else {
                    // Every value left in the left run is above a[j].
                    b[k] = a[j];
                    inversions += (mid - i) as i64;
                    j += 1;
                }
                k += 1;
            }
            b[k..k + mid - i].copy_from_slice(&a[i..mid]);
            k += mid - i;
            b[k..k + end - j].copy_from_slice(&a[j..end]);
        }
        std::mem::swap(&mut a, &mut b);
        width *= 2;
    }
    (inversions, a)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A trend is significant when p < α, not at p = α (DESIGN.md; the pattern fixture has 627
    /// cases with p exactly at α).
    #[test]
    fn the_direction_needs_p_strictly_below_alpha() {
        let mk = |s: f64, p: f64| MannKendall { s, var_s: 1.0, z: 0.0, p, tau: 0.0 };
        assert_eq!(mk(3.0, 0.05).direction(0.05), 0);
        assert_eq!(mk(3.0, 0.049_999_999).direction(0.05), 1);
        assert_eq!(mk(-3.0, 0.049_999_999).direction(0.05), -1);
        assert_eq!(mk(0.0, 0.0).direction(0.05), 0, "no sign, no direction");
        assert_eq!(
            [mk(3.0, 0.01), mk(-3.0, 0.01), mk(3.0, 0.05)].map(|m| m.direction_name(0.05)),
            ["up", "down", "none"]
        );
    }

    /// The 300 cases of `testdata/pattern-and-trend-vectors.json` (copied from the project's
    /// shared fixtures; values from `pymannkendall.original_test` 1.4.3).
    #[test]
    fn agrees_with_pymannkendall_on_the_shared_fixtures() {
        let text = include_str!("../../testdata/pattern-and-trend-vectors.json");
        let fixtures: serde_json::Value = serde_json::from_str(text).unwrap();
        let cases = fixtures["mann_kendall"].as_array().unwrap();
        assert_eq!(cases.len(), 300);
        for (k, case) in cases.iter().enumerate() {
            let x: Vec<f64> = case["z"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
            let mk = mann_kendall(&x);
            for (name, got) in [("s", mk.s), ("var_s", mk.var_s), ("z_mk", mk.z), ("p", mk.p), ("tau", mk.tau)] {
                let want = case[name].as_f64().unwrap();
                assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0), "case {k} {name}: {got} vs {want}");
            }
        }
    }

    proptest! {
        /// The merge-sort S equals the sum of signs over all pairs, ties, signed zeros and
        /// repeated small integers (Gi* of sparse counts) included.
        #[test]
        fn s_by_inversions_is_the_sum_of_signs(
            x in prop::collection::vec(prop_oneof![
                (-3i32..4).prop_map(f64::from), Just(-0.0), -5.0f64..5.0,
            ], 0..80)
        ) {
            let (inversions, sorted) = sort_counting_inversions(&x);
            let tied: i64 = tie_groups(&sorted).map(|t| t * (t - 1) / 2).sum();
            let n = x.len() as i64;
            prop_assert_eq!(n * (n - 1) / 2 - tied - 2 * inversions, s_by_pairs(&x));
            let mut want = x.clone();
            want.sort_by(|a, b| a.total_cmp(b));
            prop_assert!(sorted.iter().zip(&want).all(|(a, b)| a == b));
        }
    }

    /// A NaN takes the pairwise path: it ties with nothing and counts in no pair.
    #[test]
    fn a_nan_counts_in_no_pair() {
        let mk = mann_kendall(&[1.0, f64::NAN, 2.0, 3.0]);
        assert_eq!(mk.s, 3.0);
        // Four singleton groups: no tie correction.
        assert_eq!(mk.var_s, 4.0 * 3.0 * 13.0 / 18.0);
    }

    #[test]
    fn degenerate_series() {
        assert_eq!(mann_kendall(&[]).p, 1.0);
        assert_eq!(mann_kendall(&[3.0]).z, 0.0);
        let flat = mann_kendall(&[2.0; 10]);
        assert_eq!((flat.s, flat.var_s, flat.z, flat.p), (0.0, 0.0, 0.0, 1.0));
        assert_eq!(mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]).direction(0.05), 1);
        assert_eq!(mann_kendall(&[8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0, 1.0]).direction(0.05), -1);
        // S = 0 with variation (1, 2, 2, 1: +1 +1 0 0 −1 −1): no continuity correction, z = 0.
        let even = mann_kendall(&[1.0, 2.0, 2.0, 1.0]);
        assert_eq!((even.s, even.z, even.p, even.tau), (0.0, 0.0, 1.0, 0.0));
        assert!(even.var_s > 0.0);
        // τ of fewer than two values is 0, not 0/0.
        assert_eq!((mann_kendall(&[3.0]).tau, mann_kendall(&[]).tau), (0.0, 0.0));
    }
}
