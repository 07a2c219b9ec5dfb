//! Local time in the analysis time zone (`--tz`): the local calendar day and hour of an instant
//! and the instant of a local midnight, which is what time bins are
//! built from (every bin boundary is a local midnight).

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;

/// Microseconds in one day.
pub const DAY_US: i64 = 86_400_000_000;
const SLOT_US: i64 = 15 * 60 * 1_000_000;

/// Parses a time-zone name such as `Europe/Helsinki` or `UTC`.
///
/// # Errors
///
/// [`crate::error::Error::Parameter`] for `tz`, suggesting the nearest IANA name (by edit distance,
/// ignoring case) when one is close: `Europe/Helsingfors` → `Europe/Helsinki`.
pub fn parse_time_zone(name: &str) -> Result<Tz, crate::error::Error> {
    name.parse::<Tz>().map_err(|_| {
        let reason = match nearest_zone(name) {
            Some(z) => format!("unknown time zone; did you mean {z}?"),
            None => "unknown time zone (expected an IANA name such as Europe/Helsinki)".to_string(),
        };
        crate::error::Error::parameter("tz", name, reason)
    })
}

/// Levenshtein distance between two strings, by characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + usize::from(ca != cb));
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

/// The IANA zone name nearest to `name` (ignoring case), when within a third of its length.
fn nearest_zone(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|z| (edit_distance(&lower, &z.name().to_lowercase()), z.name()))
        .min()
        .filter(|&(d, _)| d <= (name.chars().count() / 3).max(2))
        .map(|(_, z)| z)
}

/// Days since 1970-01-01 of a calendar date.
pub fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - 719_163
}

/// The calendar date of a day number (inverse of [`day_number`]); `None` outside chrono's range.
pub fn date_of_day(day: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(day.checked_add(719_163)?)
}

/// The instant at which local date `date` begins in `tz`: its midnight, or where midnight falls
/// in a daylight-saving gap, the first instant of that date.
pub fn local_midnight(date: NaiveDate, tz: &Tz) -> i64 {
    let midnight = date.and_hms_opt(0, 0, 0).expect("midnight exists");
    match tz.from_local_datetime(&midnight) {
        LocalResult::Single(t) => t.timestamp_micros(),
        LocalResult::Ambiguous(first, _) => first.timestamp_micros(),
        LocalResult::None => {
            // Walk forward minute by minute to the end of the gap (gaps are at most a few hours).
            let mut probe = midnight;
            for _ in 0..(24 * 60) {
                probe += chrono::Duration::minutes(1);
                if let Some(t) = tz.from_local_datetime(&probe).earliest() {
                    return t.timestamp_micros();
                }
            }
            midnight.and_utc().timestamp_micros()
        }
    }
}

/// Maps instants to local calendar days in one time zone, caching the UTC offset per
/// 15-minute slot (every offset change in the tz database since 1970 falls on such a slot).
/// One per thread: it is cheap to create and not shared.
#[derive(Clone, Debug)]
pub struct LocalClock {
    tz: Tz,
    slot: i64,
    offset_us: i64,
}

impl LocalClock {
    /// A clock for `tz`.
    pub fn new(tz: Tz) -> Self {
        LocalClock { tz, slot: i64::MIN, offset_us: 0 }
    }

    /// The time zone.
    pub fn tz(&self) -> &Tz {
        &self.tz
    }

    /// The local UTC offset at instant `t_us`, in microseconds.
    pub fn offset_us(&mut self, t_us: i64) -> i64 {
        let slot = t_us.div_euclid(SLOT_US);
        if slot != self.slot {
            let secs = t_us.div_euclid(1_000_000);
            self.offset_us = match DateTime::from_timestamp(secs, 0) {
                Some(utc) => {
                    i64::from(self.tz.offset_from_utc_datetime(&utc.naive_utc()).fix().local_minus_utc()) * 1_000_000
                }
                None => 0,
            };
            self.slot = slot;
        }
        self.offset_us
    }

    /// Local wall-clock time of `t_us` as microseconds since 1970-01-01T00:00 local.
    pub fn local_us(&mut self, t_us: i64) -> i64 {
        t_us.saturating_add(self.offset_us(t_us))
    }

    /// The local calendar day (days since 1970-01-01) of instant `t_us`.
    pub fn local_day(&mut self, t_us: i64) -> i32 {
        let day = self.local_us(t_us).div_euclid(DAY_US);
        day.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hel() -> Tz {
        "Europe/Helsinki".parse().unwrap()
    }

    fn utc(s: &str) -> i64 {
        DateTime::parse_from_rfc3339(s).unwrap().timestamp_micros()
    }

    #[test]
    fn local_day_follows_the_zone() {
        let mut clock = LocalClock::new(hel());
        let d = day_number(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert_eq!(clock.local_day(utc("2026-03-01T22:00:00Z")), d);
        assert_eq!(clock.local_day(utc("2026-03-01T21:59:59Z")), d - 1);
        // Summer time: midnight is 21:00 UTC.
        let s = day_number(NaiveDate::from_ymd_opt(2026, 7, 2).unwrap());
        assert_eq!(clock.local_day(utc("2026-07-01T21:00:00Z")), s);
        assert_eq!(clock.local_day(utc("2026-07-01T20:59:59Z")), s - 1);
        assert_eq!(date_of_day(d), NaiveDate::from_ymd_opt(2026, 3, 2));
        assert_eq!(
            local_midnight(NaiveDate::from_ymd_opt(2026, 7, 2).unwrap(), clock.tz()),
            utc("2026-07-01T21:00:00Z")
        );
    }

    #[test]
    fn midnight_in_a_gap_moves_to_the_first_instant_of_the_day() {
        // America/Havana moved clocks forward at midnight on 2026-03-08.
        let tz: Tz = "America/Havana".parse().unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        assert_eq!(local_midnight(date, &tz), utc("2026-03-08T05:00:00Z"));
    }

    #[test]
    fn a_misspelt_zone_gets_a_suggestion() {
        let e = parse_time_zone("Europe/Helsingfors").unwrap_err().to_string();
        assert!(e.contains("did you mean Europe/Helsinki?"), "{e}");
        let e = parse_time_zone("europe/stockholm").unwrap_err().to_string();
        assert!(e.contains("Europe/Stockholm"), "{e}");
        let e = parse_time_zone("Mars/Olympus").unwrap_err().to_string();
        assert!(e.contains("expected an IANA name"), "{e}");
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
