//! Values per local day for one key (a cell, a district, a file), stored as a plain array over the
//! days from the first to the last while the days are dense enough, and as a sorted list of
//! (day, value) otherwise. The nightly exports are sorted by time, so a busy cell's row grows at
//! its end and each event costs one array index instead of a hash-map probe; a quiet cell, or one
//! with a stray event years away, stays a short list, so memory is bounded by the days that hold
//! events whatever their spread.

/// How much larger than its occupied days a dense row may grow before it turns back into a list
/// (`DENSITY ×` occupied days `+ SLACK`).
const DENSITY: i64 = 4;
const SLACK: i64 = 64;
/// A list becomes an array once it holds this many days and they fill at least 1/`DENSITY` of
/// their span.
const DENSE_FROM: usize = 8;

/// Per-day values of one key. A day whose value is `T::default()` holds nothing: callers make
/// every value they touch non-default (they add an event to it).
#[derive(Clone, Debug)]
pub(crate) enum DayRow<T> {
    /// (day, value), sorted by day.
    Sparse(Vec<(i32, T)>),
    /// `days[i]` is day `first + i`.
    Dense {
        /// The day of `days[0]`.
        first: i32,
        /// One value per day.
        days: Vec<T>,
        /// Days whose value is not the default.
        occupied: usize,
    },
}

impl<T> Default for DayRow<T> {
    fn default() -> Self {
        DayRow::Sparse(Vec::new())
    }
}

impl<T: Copy + Default + PartialEq> DayRow<T> {
    /// The value of `day`, made (as the default) when it is not there yet. The caller must leave
    /// it non-default.
    pub(crate) fn entry(&mut self, day: i32) -> &mut T {
        self.make_room(day);
        match self {
            DayRow::Sparse(list) => {
                let i = list.binary_search_by_key(&day, |e| e.0).unwrap_or_else(|_| unreachable!("room was made"));
                &mut list[i].1
            }
            DayRow::Dense { first, days, .. } => &mut days[(day as i64 - *first as i64) as usize],
        }
    }

    /// The value of `day`, if the row holds one.
    #[cfg(test)]
    pub(crate) fn get(&self, day: i32) -> Option<&T> {
        match self {
            DayRow::Sparse(list) => list.binary_search_by_key(&day, |e| e.0).ok().map(|i| &list[i].1),
            DayRow::Dense { first, days, .. } => usize::try_from(day as i64 - *first as i64)
                .ok()
                .and_then(|i| days.get(i))
                .filter(|v| **v != T::default()),
        }
    }

    /// Calls `f` on every day that holds a value, in day order.
    pub(crate) fn for_each(&self, mut f: impl FnMut(i32, &T)) {
        match self {
            DayRow::Sparse(list) => list.iter().for_each(|(d, v)| f(*d, v)),
            DayRow::Dense { first, days, .. } => {
                for (i, v) in days.iter().enumerate() {
                    if *v != T::default() {
                        f((*first as i64 + i as i64) as i32, v);
                    }
                }
            }
        }
    }

    /// Whether any day holding a value passes `keep`.
    pub(crate) fn any_day(&self, mut keep: impl FnMut(i32) -> bool) -> bool {
        let mut found = false;
        self.for_each(|d, _| found = found || keep(d));
        found
    }

    /// Whether the row is stored as an array.
    #[cfg(test)]
    fn is_dense(&self) -> bool {
        matches!(self, DayRow::Dense { .. })
    }

    fn make_room(&mut self, day: i32) {
        match self {
            DayRow::Sparse(list) => {
                let Err(i) = list.binary_search_by_key(&day, |e| e.0) else { return };
                list.insert(i, (day, T::default()));
                let span = list[list.len() - 1].0 as i64 - list[0].0 as i64 + 1;
                if list.len() >= DENSE_FROM && span <= DENSITY * list.len() as i64 {
                    let first = list[0].0;
                    let mut days = vec![T::default(); span as usize];
                    for &(d, v) in list.iter() {
                        days[(d as i64 - first as i64) as usize] = v;
                    }
                    // The new day is still the default: it counts as occupied (its caller fills it).
                    *self = DayRow::Dense { first, days, occupied: list.len() };
                }
            }
            DayRow::Dense { first, days, occupied } => {
                let (lo, hi) = (*first as i64, *first as i64 + days.len() as i64);
                let d = day as i64;
                if (lo..hi).contains(&d) {
                    let slot = &mut days[(d - lo) as usize];
                    if *slot == T::default() {
                        *occupied += 1;
                    }
                    return;
                }
                let span = hi.max(d + 1) - lo.min(d);
                if span > DENSITY * (*occupied as i64 + 1) + SLACK {
                    let mut list: Vec<(i32, T)> = Vec::with_capacity(*occupied + 1);
                    for (i, v) in days.iter().enumerate() {
                        if *v != T::default() {
                            list.push(((lo + i as i64) as i32, *v));
                        }
                    }
                    let at = list.partition_point(|e| e.0 < day);
                    list.insert(at, (day, T::default()));
                    *self = DayRow::Sparse(list);
                } else if d < lo {
                    // Room in front, with a quarter of the row again as headroom (so a row fed
                    // newest first is not copied for every day), but never before `day` needs.
                    let headroom = (days.len() as i64 / 4).min(d - i32::MIN as i64);
                    let start = d - headroom;
                    let mut grown = vec![T::default(); (hi - start) as usize];
                    grown[(lo - start) as usize..].copy_from_slice(days);
                    *days = grown;
                    *first = start as i32;
                    *occupied += 1;
                } else {
                    days.resize((d - lo + 1) as usize, T::default());
                    *occupied += 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    #[test]
    fn a_busy_row_becomes_an_array_and_a_stray_day_turns_it_back() {
        let mut row = DayRow::<u32>::default();
        for d in 100..108 {
            *row.entry(d) += 1;
        }
        assert!(row.is_dense(), "8 days in a span of 8");
        *row.entry(120) += 1; // span 21 ≤ 4 × 9 + 64: stays an array
        assert!(row.is_dense());
        assert_eq!((row.get(110), row.get(120)), (None, Some(&1)));
        *row.entry(5000) += 1; // span 4901 > 4 × 10 + 64: back to a list
        assert!(!row.is_dense());
        let mut seen = Vec::new();
        row.for_each(|d, v| seen.push((d, *v)));
        assert_eq!(seen.len(), 10);
        assert_eq!((seen[0], seen[8], seen[9]), ((100, 1), (120, 1), (5000, 1)));
    }

    #[test]
    fn a_few_scattered_days_stay_a_list() {
        let mut row = DayRow::<u32>::default();
        for d in (0..70).step_by(10) {
            *row.entry(d) += 1;
        }
        assert!(!row.is_dense(), "7 days");
        *row.entry(70) += 1;
        assert!(!row.is_dense(), "8 days over a span of 71 > 4 × 8");
        assert!(row.any_day(|d| d == 30) && !row.any_day(|d| d == 31));
    }

    proptest! {
        /// Whatever the order and spread of the days, the row holds what a map would.
        #[test]
        fn the_row_holds_what_a_map_holds(
            days in prop::collection::vec(prop_oneof![-40i32..40, -3000i32..3000, Just(i32::MIN), Just(i32::MAX)], 0..300)
        ) {
            let mut row = DayRow::<u64>::default();
            let mut map = BTreeMap::new();
            for &d in &days {
                *row.entry(d) += 1;
                *map.entry(d).or_insert(0u64) += 1;
            }
            let mut seen = Vec::new();
            row.for_each(|d, v| seen.push((d, *v)));
            prop_assert_eq!(seen, map.into_iter().collect::<Vec<_>>());
            if let DayRow::Dense { days, occupied, .. } = &row {
                prop_assert_eq!(*occupied, days.iter().filter(|v| **v != 0).count());
                // At most the density bound, and a quarter more of headroom in front.
                prop_assert!(days.len() as f64 <= 1.25 * (DENSITY * *occupied as i64 + SLACK) as f64 + 1.0);
            }
        }
    }
}
