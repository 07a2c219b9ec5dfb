//! A row's time as ingest reads it: ISO-8601 / RFC 3339 text, or a wall-clock time in the run's
//! zone, into an instant; what cannot be read is a [`RejectReason`] for the row.

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::event::RejectReason;
use crate::time::local_time::local_midnight;

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

/// Parses ISO-8601 / RFC 3339 text into an instant.
///
/// Accepted: `2026-03-02T08:15:00Z`, `2026-03-02T08:15:00.123+02:00`, `+0200` or `+02` offsets,
/// a space instead of `T`, seconds optional, and a bare date `2026-03-02` (local midnight).
/// Text without an offset is wall-clock time in `tz` (see [`local_to_instant`]).
///
/// ```
/// use hotspots_core::ingest::time_text::parse_iso8601;
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
}
