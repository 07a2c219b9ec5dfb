//! Local time in the analysis time zone (`--tz`): parsing ISO-8601 text, turning wall-clock
//! times into instants, and the local calendar day of an instant, which is what time bins are
//! built from (every bin boundary is a local midnight).

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

use crate::ingest::event::RejectReason;

/// Microseconds in one day.
pub const DAY_US: i64 = 86_400_000_000;
const SLOT_US: i64 = 15 * 60 * 1_000_000;

/// Parses a time-zone name such as `Europe/Helsinki` or `UTC`.
pub fn parse_time_zone(name: &str) -> Result<Tz, crate::Error> {
    name.parse::<Tz>().map_err(|_| {
        crate::Error::parameter("tz", name, "unknown time zone (expected an IANA name such as Europe/Helsinki)")
    })
}

/// Days since 1970-01-01 of a calendar date.
pub fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce() - 719_163
}

/// The calendar date of a day number (inverse of [`day_number`]); `None` outside chrono's range.
pub fn date_of_day(day: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(day.checked_add(719_163)?)
}

/// Converts a wall-clock time in `tz` to an instant (µs since the epoch, UTC).
///
/// An ambiguous time (the repeated hour when clocks go back) resolves to its first occurrence;
/// a time in a daylight-saving gap is rejected with [`RejectReason::NonexistentLocalTime`].
pub fn local_to_instant(naive: NaiveDateTime, tz: &Tz) -> Result<i64, RejectReason> {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.timestamp_micros()),
        LocalResult::Ambiguous(first, _) => Ok(first.timestamp_micros()),
        LocalResult::None => Err(RejectReason::NonexistentLocalTime),
    }
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

/// Parses ISO-8601 / RFC 3339 text into an instant.
///
/// Accepted: `2026-03-02T08:15:00Z`, `2026-03-02T08:15:00.123+02:00`, `+0200` or `+02` offsets,
/// a space instead of `T`, seconds optional, and a bare date `2026-03-02` (local midnight).
/// Text without an offset is wall-clock time in `tz` (see [`local_to_instant`]).
///
/// ```
/// use hotspots_core::local_time::parse_iso8601;
/// let tz: chrono_tz::Tz = "Europe/Helsinki".parse().unwrap();
/// let utc = parse_iso8601("2026-03-02T10:00:00Z", &tz).unwrap();
/// let local = parse_iso8601("2026-03-02 12:00", &tz).unwrap();
/// assert_eq!(utc, local);
/// ```
pub fn parse_iso8601(text: &str, tz: &Tz) -> Result<i64, RejectReason> {
    let text = text.trim();
    if text.is_empty() {
        return Err(RejectReason::MissingTime);
    }
    let mut s = text.to_string();
    if s.len() > 10 && s.is_char_boundary(10) && s.is_char_boundary(11) && matches!(&s[10..11], " " | "t") {
        s.replace_range(10..11, "T");
    }
    if s.ends_with('Z') || s.ends_with('z') {
        s.pop();
        s.push_str("+00:00");
    }
    if s.len() == 10 {
        let date = NaiveDate::parse_from_str(&s, "%Y-%m-%d").map_err(|_| RejectReason::UnparsableTime)?;
        return Ok(local_midnight(date, tz));
    }
    // `get`, not indexing: the text may hold any characters (found by fuzzing: a multi-byte
    // character across byte 19 panicked here).
    let signed_after = |from: usize| s.get(from..).is_some_and(|t| t.contains(['+', '-']));
    let has_offset = s.len() > 19 && signed_after(19) || s.len() > 16 && signed_after(16);
    if has_offset {
        for format in ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z"] {
            if let Ok(t) = DateTime::parse_from_str(&s, format) {
                return Ok(t.timestamp_micros());
            }
        }
        return Err(RejectReason::UnparsableTime);
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(&s, format) {
            return local_to_instant(naive, tz);
        }
    }
    Err(RejectReason::UnparsableTime)
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
    fn parses_zoned_and_naive_forms() {
        let tz = hel();
        let want = utc("2026-03-02T10:00:00Z");
        for text in [
            "2026-03-02T10:00:00Z",
            "2026-03-02T10:00:00.000Z",
            "2026-03-02 12:00:00+02:00",
            "2026-03-02T12:00+0200",
            "2026-03-02T12:00:00+02",
            "2026-03-02T12:00:00",
            "2026-03-02 12:00",
            " 2026-03-02t12:00:00 ",
        ] {
            assert_eq!(parse_iso8601(text, &tz), Ok(want), "{text}");
        }
        assert_eq!(parse_iso8601("2026-03-02", &tz), Ok(utc("2026-03-01T22:00:00Z")));
        assert_eq!(parse_iso8601("2026-07-02T12:00:00", &tz), Ok(utc("2026-07-02T09:00:00Z")));
    }

    #[test]
    fn rejects_bad_text_and_dst_gap() {
        let tz = hel();
        assert_eq!(parse_iso8601("", &tz), Err(RejectReason::MissingTime));
        assert_eq!(parse_iso8601("yesterday", &tz), Err(RejectReason::UnparsableTime));
        assert_eq!(parse_iso8601("2026-02-30T10:00:00", &tz), Err(RejectReason::UnparsableTime));
        assert_eq!(parse_iso8601("2026-03-02T25:00:00Z", &tz), Err(RejectReason::UnparsableTime));
        // Found by the csv fuzz target: a two-byte character across byte 19 used to panic.
        assert_eq!(parse_iso8601("2026-10-05T10:00:0ХӠncounter", &tz), Err(RejectReason::UnparsableTime));
        assert_eq!(parse_iso8601("2026-10-05T10:0ӠӠ+02:00", &tz), Err(RejectReason::UnparsableTime));
        // Clocks go forward at 03:00 local on the last Sunday of March 2026 (29 March).
        assert_eq!(parse_iso8601("2026-03-29T03:30:00", &tz), Err(RejectReason::NonexistentLocalTime));
        // The repeated hour in October resolves to its first (summer-time) occurrence.
        assert_eq!(parse_iso8601("2026-10-25T03:30:00", &tz), Ok(utc("2026-10-25T00:30:00Z")));
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
}
