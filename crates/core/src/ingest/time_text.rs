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

/// Parses a day-first date as spreadsheets write it with Finnish (and most European) regional
/// settings: `1.12.2026`, `1.12.2026 14:05`, `1.12.2026 14.05`, with or without seconds
/// (`14:05:30`, `14.05.30`), as wall-clock time in `tz`.
///
/// ```
/// use hotspots_core::ingest::time_text::{parse_day_first, parse_iso8601};
/// let tz: chrono_tz::Tz = "Europe/Helsinki".parse().unwrap();
/// let want = parse_iso8601("2026-12-01T14:05:00", &tz).unwrap();
/// assert_eq!(parse_day_first("1.12.2026 14:05", &tz), Ok(want));
/// assert_eq!(parse_day_first("01.12.2026 14.05", &tz), Ok(want));
/// ```
pub fn parse_day_first(text: &str, tz: &Tz) -> Result<i64, RejectReason> {
    let bad = RejectReason::UnparsableTime;
    let mut parts = text.split_whitespace();
    let date = parts.next().ok_or(RejectReason::MissingTime)?;
    let time = parts.next();
    if parts.next().is_some() {
        return Err(bad);
    }
    let numbers = |s: &str, sep: char, widths: &[usize]| -> Option<Vec<u32>> {
        let fields: Vec<&str> = s.split(sep).collect();
        if fields.len() != widths.len() && !(widths.len() == 3 && fields.len() == 2 && sep != '.') {
            return None;
        }
        fields
            .iter()
            .zip(widths)
            .map(|(f, &w)| {
                (!f.is_empty() && f.len() <= w && f.bytes().all(|b| b.is_ascii_digit()))
                    .then(|| f.parse().ok())
                    .flatten()
            })
            .collect()
    };
    let d = numbers(date, '.', &[2, 2, 4]).ok_or(bad)?;
    if date.split('.').nth(2).map(str::len) != Some(4) {
        return Err(bad);
    }
    let day = NaiveDate::from_ymd_opt(d[2] as i32, d[1], d[0]).ok_or(bad)?;
    let Some(time) = time else { return Ok(local_midnight(day, tz)) };
    let sep = if time.contains(':') { ':' } else { '.' };
    let fields: Vec<&str> = time.split(sep).collect();
    let t = match fields.len() {
        2 => numbers(time, sep, &[2, 2]),
        3 => numbers(time, sep, &[2, 2, 2]),
        _ => None,
    }
    .ok_or(bad)?;
    if fields[1].len() != 2 || fields.get(2).is_some_and(|s| s.len() != 2) {
        return Err(bad);
    }
    let clock = chrono::NaiveTime::from_hms_opt(t[0], t[1], t.get(2).copied().unwrap_or(0)).ok_or(bad)?;
    local_to_instant(day.and_time(clock), tz)
}

/// A row's time from text: with `format` (a strftime pattern, `--time-format`), by that pattern
/// alone (with `%z` the text's own offset; a date-only pattern is the local midnight); otherwise
/// ISO-8601 ([`parse_iso8601`]), then day-first ([`parse_day_first`]).
pub fn parse_time_text(text: &str, tz: &Tz, format: Option<&str>) -> Result<i64, RejectReason> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(RejectReason::MissingTime);
    }
    match format {
        Some(f) => {
            if let Ok(t) = DateTime::parse_from_str(trimmed, f) {
                return Ok(t.timestamp_micros());
            }
            if let Ok(naive) = NaiveDateTime::parse_from_str(trimmed, f) {
                return local_to_instant(naive, tz);
            }
            NaiveDate::parse_from_str(trimmed, f)
                .map(|d| local_midnight(d, tz))
                .map_err(|_| RejectReason::UnparsableTime)
        }
        None => match parse_iso8601(trimmed, tz) {
            Err(RejectReason::UnparsableTime) if trimmed.contains('.') && !trimmed.contains('-') => {
                parse_day_first(trimmed, tz)
            }
            other => other,
        },
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
    fn finnish_spreadsheet_times_across_the_spring_change() {
        let tz = hel();
        // Clocks go forward at 03:00 on 29 March 2026: 02:30 is UTC+2, 04:30 UTC+3.
        assert_eq!(parse_time_text("29.3.2026 02:30", &tz, None), Ok(utc("2026-03-29T00:30:00Z")));
        assert_eq!(parse_time_text("29.3.2026 04.30", &tz, None), Ok(utc("2026-03-29T01:30:00Z")));
        assert_eq!(parse_time_text("29.03.2026 04.30.15", &tz, None), Ok(utc("2026-03-29T01:30:15Z")));
        assert_eq!(parse_time_text("29.3.2026 03:30", &tz, None), Err(RejectReason::NonexistentLocalTime));
        assert_eq!(parse_time_text("1.12.2026", &tz, None), Ok(utc("2026-11-30T22:00:00Z")));
        for bad in ["32.1.2026 10:00", "1.13.2026", "1.12.26 10:00", "1.12.2026 25:00", "1.12.2026 10:5", "1.12.2026 x"]
        {
            assert_eq!(parse_time_text(bad, &tz, None), Err(RejectReason::UnparsableTime), "{bad}");
        }
        // An explicit pattern, with and without an offset, and a date-only one.
        assert_eq!(parse_time_text("12/01/2026 14:05", &tz, Some("%m/%d/%Y %H:%M")), Ok(utc("2026-12-01T12:05:00Z")));
        assert_eq!(
            parse_time_text("2026/12/01 14:05 +0000", &tz, Some("%Y/%m/%d %H:%M %z")),
            Ok(utc("2026-12-01T14:05:00Z"))
        );
        assert_eq!(parse_time_text("20261201", &tz, Some("%Y%m%d")), Ok(utc("2026-11-30T22:00:00Z")));
        assert_eq!(parse_time_text("1.12.2026 14:05", &tz, Some("%Y%m%d")), Err(RejectReason::UnparsableTime));
    }
}
