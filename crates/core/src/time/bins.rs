//! Time bins: fixed steps (`day`, `week`, `month`) in the local calendar of `--tz`, counted
//! backwards from the end of the window (`--until`), as ArcGIS's end-time alignment: the final
//! bin is always the most recent complete period.
//!
//! Readings of DESIGN.md made here (also in the README):
//! - `--until DATE` is the local midnight that *starts* DATE; the window ends there (exclusive).
//!   By default it is the midnight after the latest valid event's local day.
//! - Month bins end on the same day of the month as `--until`: bin *i* (counting back from 0)
//!   ends at `until − i months`, the day clamped to the month's length (until = 31 March gives
//!   bins ending 31 March, 28/29 February, 31 January, …).
//! - Without `--steps` or `--since`, the window holds every whole bin that starts on or after the
//!   local midnight starting the earliest valid event's day; with `--since DATE`, every whole
//!   bin that starts on or after DATE's midnight. A partial first bin is left out.

use chrono::{Months, NaiveDate};
use chrono_tz::Tz;

use crate::error::{Error, Result};
use crate::time::local_time::{date_of_day, day_number, local_midnight};

/// The largest number of bins a cube may have.
pub const MAX_BINS: usize = 100_000;

/// The length of one bin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinStep {
    /// One local calendar day.
    Day,
    /// Seven local days.
    Week,
    /// One calendar month.
    Month,
}

impl BinStep {
    /// `day`, `week` or `month`.
    pub fn as_str(self) -> &'static str {
        match self {
            BinStep::Day => "day",
            BinStep::Week => "week",
            BinStep::Month => "month",
        }
    }

    /// Parses `day`, `week` or `month`.
    pub fn parse(s: &str) -> Option<BinStep> {
        match s {
            "day" => Some(BinStep::Day),
            "week" => Some(BinStep::Week),
            "month" => Some(BinStep::Month),
            _ => None,
        }
    }
}

/// Where the window starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowStart {
    /// As many whole bins as fit after the earliest event's day.
    Auto,
    /// Exactly this many bins (`--steps N`).
    Steps(u32),
    /// Whole bins starting on or after this date (`--since`).
    Since(NaiveDate),
}

/// The parameters of the time axis.
#[derive(Clone, Debug, PartialEq)]
pub struct BinSpec {
    /// Bin length.
    pub step: BinStep,
    /// Window start rule.
    pub start: WindowStart,
    /// Window end (exclusive), a local date; `None`: midnight after the latest event's day.
    pub until: Option<NaiveDate>,
    /// Zone of the local calendar.
    pub tz: Tz,
}

impl BinSpec {
    /// The default bin length.
    pub const DEFAULT_STEP: BinStep = BinStep::Week;

    /// A checked time axis: `Steps` of at least 1, and `since` before `until`.
    ///
    /// # Errors
    ///
    /// [`Error::Parameter`] naming `steps` or `since`.
    pub fn new(step: BinStep, start: WindowStart, until: Option<NaiveDate>, tz: Tz) -> Result<Self> {
        match (start, until) {
            (WindowStart::Steps(0), _) => return Err(Error::parameter("steps", 0, "must be at least 1")),
            (WindowStart::Since(s), Some(u)) if s >= u => {
                return Err(Error::parameter("since", s, format!("is not before --until {u}")));
            }
            _ => {}
        }
        Ok(BinSpec { step, start, until, tz })
    }
}

/// One bin: local days `[start_day, end_day)` and the same as instants.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bin {
    /// First local day (days since 1970-01-01).
    pub start_day: i32,
    /// The local day after the last (exclusive).
    pub end_day: i32,
    /// Start instant, µs since the epoch, UTC.
    pub start_us: i64,
    /// End instant (exclusive), µs since the epoch, UTC.
    pub end_us: i64,
}

/// The bins of a window, oldest first.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeBins {
    step: BinStep,
    bins: Vec<Bin>,
}

fn date(day: i32) -> Result<NaiveDate> {
    date_of_day(day).ok_or_else(|| Error::Data(format!("day {day} is outside the supported calendar")))
}

impl TimeBins {
    /// Builds the bins from the spec and the local days of the earliest and latest valid events
    /// (`None` when there are none).
    pub fn build(spec: &BinSpec, events: Option<(i32, i32)>) -> Result<TimeBins> {
        let until_date = match (spec.until, events) {
            (Some(u), _) => u,
            (None, Some((_, latest))) => {
                date(latest.checked_add(1).ok_or_else(|| Error::Data("date overflow".into()))?)?
            }
            (None, None) => {
                return Err(Error::Data("no valid events to place the time window; give --until and --steps".into()));
            }
        };
        let boundary = |i: u32| -> Option<NaiveDate> {
            match spec.step {
                BinStep::Day => until_date.checked_sub_days(chrono::Days::new(u64::from(i))),
                BinStep::Week => until_date.checked_sub_days(chrono::Days::new(7 * u64::from(i))),
                BinStep::Month => until_date.checked_sub_months(Months::new(i)),
            }
        };
        let count = match spec.start {
            WindowStart::Steps(n) => n as usize,
            WindowStart::Since(since) => Self::count_from(boundary, since)?,
            WindowStart::Auto => match events {
                Some((earliest, _)) => Self::count_from(boundary, date(earliest)?)?,
                None => {
                    return Err(Error::Data(
                        "no valid events to place the time window; give --steps or --since".into(),
                    ));
                }
            },
        };
        if count == 0 {
            return Err(Error::Data(format!(
                "the time window holds no whole {} bin before {until_date}; widen it with --since or --steps",
                spec.step.as_str()
            )));
        }
        if count > MAX_BINS {
            return Err(Error::Data(format!(
                "the time window would hold {count} {} bins (at most {MAX_BINS}); narrow it with --since or --steps",
                spec.step.as_str()
            )));
        }
        let mut bins = Vec::with_capacity(count);
        for i in (0..count as u32).rev() {
            let start = boundary(i + 1).ok_or_else(|| Error::Data("time window outside the calendar".into()))?;
            let end = boundary(i).ok_or_else(|| Error::Data("time window outside the calendar".into()))?;
            bins.push(Bin {
                start_day: day_number(start),
                end_day: day_number(end),
                start_us: local_midnight(start, &spec.tz),
                end_us: local_midnight(end, &spec.tz),
            });
        }
        Ok(TimeBins { step: spec.step, bins })
    }

    fn count_from(boundary: impl Fn(u32) -> Option<NaiveDate>, first: NaiveDate) -> Result<usize> {
        let mut n = 0usize;
        while let Some(start) = boundary(n as u32 + 1) {
            if start < first || n > MAX_BINS {
                break;
            }
            n += 1;
        }
        Ok(n)
    }

    /// The first `n` bins (at least one).
    pub fn first(&self, n: usize) -> TimeBins {
        TimeBins { step: self.step, bins: self.bins[..n.clamp(1, self.bins.len())].to_vec() }
    }

    /// The bin length.
    pub fn step(&self) -> BinStep {
        self.step
    }

    /// The bins, oldest first.
    pub fn bins(&self) -> &[Bin] {
        &self.bins
    }

    /// Number of bins.
    pub fn len(&self) -> usize {
        self.bins.len()
    }

    /// Whether there are no bins (never true for a built window).
    pub fn is_empty(&self) -> bool {
        self.bins.is_empty()
    }

    /// First local day of the window.
    pub fn first_day(&self) -> i32 {
        self.bins[0].start_day
    }

    /// The local day after the window (exclusive end).
    pub fn end_day(&self) -> i32 {
        self.bins[self.bins.len() - 1].end_day
    }

    /// The bin holding local day `day`, if it is in the window.
    pub fn bin_of_day(&self, day: i32) -> Option<usize> {
        if day < self.first_day() || day >= self.end_day() {
            return None;
        }
        Some(self.bins.partition_point(|b| b.end_day <= day))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn spec(step: BinStep, start: WindowStart, until: Option<NaiveDate>) -> BinSpec {
        BinSpec { step, start, until, tz: "Europe/Helsinki".parse().unwrap() }
    }

    #[test]
    fn weekly_bins_end_at_until_and_drop_the_partial_first_week() {
        // Events from Wednesday 2026-01-07 to Sunday 2026-03-01; until defaults to Monday 2 March.
        let events = Some((day_number(d(2026, 1, 7)), day_number(d(2026, 3, 1))));
        let bins = TimeBins::build(&spec(BinStep::Week, WindowStart::Auto, None), events).unwrap();
        assert_eq!(bins.end_day(), day_number(d(2026, 3, 2)));
        // Whole weeks starting on or after 7 January: the first starts Monday 12 January.
        assert_eq!(bins.first_day(), day_number(d(2026, 1, 12)));
        assert_eq!(bins.len(), 7);
        assert_eq!(bins.bin_of_day(day_number(d(2026, 1, 11))), None);
        assert_eq!(bins.bin_of_day(day_number(d(2026, 1, 12))), Some(0));
        assert_eq!(bins.bin_of_day(day_number(d(2026, 1, 18))), Some(0));
        assert_eq!(bins.bin_of_day(day_number(d(2026, 3, 1))), Some(6));
        assert_eq!(bins.bin_of_day(day_number(d(2026, 3, 2))), None);
        // Winter time: bins start at 22:00 UTC the day before.
        let first = bins.bins()[0];
        assert_eq!(
            first.start_us,
            chrono::DateTime::parse_from_rfc3339("2026-01-11T22:00:00Z").unwrap().timestamp_micros()
        );
    }

    #[test]
    fn daily_bins_include_the_earliest_events_day() {
        let events = Some((day_number(d(2026, 1, 7)), day_number(d(2026, 1, 9))));
        let bins = TimeBins::build(&spec(BinStep::Day, WindowStart::Auto, None), events).unwrap();
        assert_eq!(bins.len(), 3);
        assert_eq!(bins.first_day(), day_number(d(2026, 1, 7)));
    }

    #[test]
    fn steps_and_since_set_the_start() {
        let s = spec(BinStep::Week, WindowStart::Steps(4), Some(d(2026, 3, 2)));
        let bins = TimeBins::build(&s, None).unwrap();
        assert_eq!(bins.len(), 4);
        assert_eq!(bins.first_day(), day_number(d(2026, 2, 2)));
        let s = spec(BinStep::Week, WindowStart::Since(d(2026, 2, 3)), Some(d(2026, 3, 2)));
        assert_eq!(TimeBins::build(&s, None).unwrap().len(), 3);
        let s = spec(BinStep::Week, WindowStart::Since(d(2026, 2, 2)), Some(d(2026, 3, 2)));
        assert_eq!(TimeBins::build(&s, None).unwrap().len(), 4);
    }

    #[test]
    fn month_bins_count_back_calendar_months() {
        let s = spec(BinStep::Month, WindowStart::Steps(3), Some(d(2026, 3, 31)));
        let bins = TimeBins::build(&s, None).unwrap();
        let starts: Vec<_> = bins.bins().iter().map(|b| date_of_day(b.start_day).unwrap()).collect();
        assert_eq!(starts, vec![d(2025, 12, 31), d(2026, 1, 31), d(2026, 2, 28)]);
        assert_eq!(bins.end_day(), day_number(d(2026, 3, 31)));
        let s = spec(BinStep::Month, WindowStart::Auto, Some(d(2026, 1, 1)));
        let bins = TimeBins::build(&s, Some((day_number(d(2025, 10, 15)), day_number(d(2025, 12, 31))))).unwrap();
        assert_eq!(bins.len(), 2); // November and December; October is partial
        assert_eq!(bins.bin_of_day(day_number(d(2025, 11, 30))), Some(0));
        assert_eq!(bins.bin_of_day(day_number(d(2025, 12, 1))), Some(1));
    }

    #[test]
    fn an_empty_window_is_an_error() {
        let events = Some((day_number(d(2026, 1, 7)), day_number(d(2026, 1, 9))));
        assert!(TimeBins::build(&spec(BinStep::Week, WindowStart::Auto, None), events).is_err());
        assert!(TimeBins::build(&spec(BinStep::Week, WindowStart::Auto, None), None).is_err());
    }
}
