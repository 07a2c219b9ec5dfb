//! The small-count rule: published layers carry aggregates only, and no count below the
//! threshold (`--min-count`, default 5). A suppressed count is written as `null`, never as 0,
//! so a reader cannot mistake "few" for "none". Sums of counts and every other published number
//! follow the publishing policy (`publish::disclosure`).

/// The threshold below which a count is not published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SmallCounts {
    min_count: u64,
}

impl SmallCounts {
    /// The default threshold (`--min-count`).
    pub const DEFAULT_MIN_COUNT: u64 = 5;

    /// Counts below `min_count` are suppressed.
    pub fn new(min_count: u64) -> Self {
        SmallCounts { min_count }
    }

    /// The threshold.
    pub fn min_count(self) -> u64 {
        self.min_count
    }

    /// `Some(count)` when it may be published, `None` when it must be suppressed. DESIGN.md's
    /// rule is read to the letter: every count under the threshold, zero included, is `null`.
    ///
    /// ```
    /// use hotspots_core::publish::small_counts::SmallCounts;
    /// let rule = SmallCounts::new(5);
    /// assert_eq!(rule.publish(0), None);
    /// assert_eq!(rule.publish(3), None);
    /// assert_eq!(rule.publish(5), Some(5));
    /// ```
    pub fn publish(self, count: u64) -> Option<u64> {
        if count >= self.min_count { Some(count) } else { None }
    }
}
