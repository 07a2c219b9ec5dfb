//! The standard normal distribution's two-sided tail, the p-value of every z-score in the engine.

/// Two-sided p-value of a standard normal z-score: P(|Z| ≥ |z|) = erfc(|z| / √2).
///
/// Computed with the complementary error function, so it stays accurate far into the tail
/// (where `2 · (1 − Φ(|z|))` rounds to 0). A NaN z gives p = 1.
///
/// ```
/// use hotspots_core::stats::two_sided_p;
/// assert!((two_sided_p(1.959963984540054) - 0.05).abs() < 1e-12);
/// assert_eq!(two_sided_p(0.0), 1.0);
/// ```
pub fn two_sided_p(z: f64) -> f64 {
    if z.is_nan() {
        return 1.0;
    }
    libm::erfc(z.abs() / std::f64::consts::SQRT_2).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_quantiles() {
        // Values of 2·(1 − Φ(z)) from standard tables (scipy.stats.norm.sf(z) * 2).
        for (z, p) in [
            (1.0, 0.31731050786291415),
            (2.5758293035489004, 0.01),
            (3.2905267314919255, 0.001),
            (-1.0, 0.31731050786291415),
        ] {
            assert!((two_sided_p(z) - p).abs() < 1e-14, "{z}");
        }
        // 2·Φ(−40) ≈ 7.3e−350 is below the smallest f64: the tail underflows to 0, never negative
        // or NaN.
        assert_eq!(two_sided_p(40.0), 0.0);
        assert_eq!(two_sided_p(0.0), 1.0);
        assert!(two_sided_p(10.0) > 0.0 && two_sided_p(10.0) < 1e-22);
    }
}
