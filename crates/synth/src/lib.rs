//! `hotspots-synth`: seeded synthetic street-outreach data for tests, benchmarks and the bundled
//! sample.
//!
//! Events gather around plausible activity places in Helsinki and Vantaa (stations, shopping
//! centres, parks), mostly on weekdays in office hours, as the teams work; two kinds
//! (`encounter`, `concern`) and DESIGN.md's categories. On top of this steady background the
//! generator *plants* known space-time patterns — a new hot spot, a consecutive one, an
//! intensifying one, a diminishing one, a persistent one, a sporadic one and an area that goes
//! quiet — and writes their ground truth (centre, radius, active period and the emerging-hotspot
//! category each should produce) as JSON beside the Parquet file.
//!
//! Determinism: the number of events per week is fixed by the intensities (largest-remainder
//! rounding), and week *w* is drawn from its own PCG stream seeded by (`seed`, *w*), so the
//! output is identical for any number of threads. Events are written oldest first, ids ascending.

#![deny(missing_docs)]

pub mod effort;
mod places;
pub mod simulate;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow_schema::{DataType, Field, Schema, TimeUnit};
use chrono::{Datelike, NaiveDate, Offset, TimeZone};
use chrono_tz::Tz;
use hotspots_core::publish::OutputSet;
use parquet::arrow::ArrowWriter;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use rayon::prelude::*;
use serde::Serialize;

pub use places::{BACKGROUND_PLACES, Place};

/// Errors of the generator.
#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    /// The parameters cannot produce data.
    #[error("{0}")]
    Config(String),
    /// Writing failed.
    #[error(transparent)]
    Write(#[from] hotspots_core::Error),
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct SynthConfig {
    /// Number of events.
    pub events: u64,
    /// Number of weeks, ending at `until`.
    pub weeks: u32,
    /// Seed of the random streams.
    pub seed: u64,
    /// The local date (midnight, Europe/Helsinki) the data ends at, exclusive. A Monday makes
    /// the weeks calendar weeks.
    pub until: NaiveDate,
    /// The form of the `id` column.
    pub ids: IdForm,
}

/// The form of the generated `id` column.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IdForm {
    /// 64-bit integers 1, 2, 3, …
    #[default]
    Int,
    /// Text as a case system writes it: `syn-<seed>-<number, 9 digits>`.
    Text,
    /// No `id` column.
    None,
}

impl IdForm {
    /// `int`, `text` or `none`.
    pub fn parse(s: &str) -> Option<IdForm> {
        match s {
            "int" => Some(IdForm::Int),
            "text" => Some(IdForm::Text),
            "none" => Some(IdForm::None),
            _ => None,
        }
    }
}

impl SynthConfig {
    /// The default end date, Monday 2 November 2026.
    pub fn default_until() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 2).expect("valid date")
    }

    fn validate(&self) -> Result<(), SynthError> {
        if self.weeks == 0 {
            return Err(SynthError::Config("--weeks must be at least 1".into()));
        }
        if self.weeks > 2000 {
            return Err(SynthError::Config("--weeks must be at most 2000".into()));
        }
        if self.until.checked_sub_days(chrono::Days::new(7 * u64::from(self.weeks))).is_none() {
            return Err(SynthError::Config("the weeks reach before the calendar".into()));
        }
        Ok(())
    }
}

/// The time zone of the synthetic city.
pub const TIME_ZONE: Tz = chrono_tz::Europe::Helsinki;

/// How a planted pattern's intensity (events per week, in units of the background's average
/// place) runs over the weeks `0..weeks`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    /// The same every week.
    Constant(f64),
    /// Linear from the first week's value to the last week's.
    Ramp(f64, f64),
    /// Only in the final `n` weeks.
    LastWeeks(u32, f64),
    /// Every week except the final `n`.
    AllButLast(u32, f64),
    /// Every `period`-th week counting back from the final week (which is included).
    EveryNthFromEnd(u32, f64),
    /// A symmetric hump: `base` at both ends, `base + height` in the middle (half a sine).
    /// Mann-Kendall's S of a symmetric series is exactly 0, so it has no trend, whatever the
    /// autocorrelation of the Gi* series.
    Hump(f64, f64),
}

impl Schedule {
    /// Intensity in week `w` of `weeks`.
    pub fn at(self, w: u32, weeks: u32) -> f64 {
        let last = weeks - 1;
        match self {
            Schedule::Constant(v) => v,
            Schedule::Ramp(a, b) => {
                if weeks == 1 {
                    b
                } else {
                    a + (b - a) * f64::from(w) / f64::from(last)
                }
            }
            Schedule::LastWeeks(n, v) => {
                if w + n > last {
                    v
                } else {
                    0.0
                }
            }
            Schedule::AllButLast(n, v) => {
                if w + n > last {
                    0.0
                } else {
                    v
                }
            }
            Schedule::Hump(base, height) => {
                if weeks == 1 {
                    base
                } else {
                    base + height * (std::f64::consts::PI * f64::from(w) / f64::from(last)).sin()
                }
            }
            Schedule::EveryNthFromEnd(p, v) => {
                if (last - w).is_multiple_of(p) {
                    v
                } else {
                    0.0
                }
            }
        }
    }
}

/// A planted pattern.
#[derive(Clone, Debug)]
pub struct PlantedPattern {
    /// Short name (`new`, `intensifying`, …).
    pub name: &'static str,
    /// Where.
    pub place: Place,
    /// When and how strongly.
    pub schedule: Schedule,
    /// The emerging-hotspot category the pattern should produce (with DESIGN.md's defaults:
    /// resolution 8, weekly bins, k = 1, time window 1, α = 0.05, given ≥ 26 weeks).
    pub expected_category: &'static str,
    /// One line on what was planted.
    pub description: &'static str,
}

/// The planted patterns. Each lies at least 2 km from every other pattern and background place,
/// so their k = 1 neighbourhoods at resolution 8 do not overlap.
pub fn planted_patterns() -> Vec<PlantedPattern> {
    use places::place;
    vec![
        PlantedPattern {
            name: "new",
            place: place("Maunula park", 60.2310, 24.9260, 0.6),
            schedule: Schedule::LastWeeks(1, 8.0),
            expected_category: "new_hot_spot",
            description: "nothing until the final week, then a sudden cluster (mostly residents' concern reports)",
        },
        PlantedPattern {
            name: "consecutive",
            place: place("Pitäjänmäki station", 60.2220, 24.8600, 0.3),
            schedule: Schedule::LastWeeks(4, 8.0),
            expected_category: "consecutive_hot_spot",
            description: "nothing until the final four weeks, then steady activity",
        },
        PlantedPattern {
            name: "intensifying",
            place: place("Kivistö station", 60.3145, 24.8470, 0.3),
            schedule: Schedule::Ramp(5.0, 16.0),
            expected_category: "intensifying_hot_spot",
            description: "active every week, growing linearly to more than three times its first level",
        },
        PlantedPattern {
            name: "diminishing",
            place: place("Hakunila centre", 60.2770, 25.1100, 0.3),
            schedule: Schedule::Ramp(16.0, 5.0),
            expected_category: "diminishing_hot_spot",
            description: "active every week, falling linearly to less than a third of its first level",
        },
        PlantedPattern {
            name: "persistent",
            place: place("Kontula shopping centre", 60.2360, 25.0843, 0.3),
            schedule: Schedule::Hump(7.0, 6.0),
            expected_category: "persistent_hot_spot",
            description: "high every week, rising and falling back symmetrically over the period (no net trend)",
        },
        PlantedPattern {
            name: "sporadic",
            place: place("Vuosaari metro", 60.2093, 25.1441, 0.3),
            schedule: Schedule::EveryNthFromEnd(4, 10.0),
            expected_category: "sporadic_hot_spot",
            description: "bursts every fourth week, the final week included, nothing in between",
        },
        PlantedPattern {
            name: "goes_quiet",
            place: place("Herttoniemi metro", 60.1950, 25.0300, 0.3),
            schedule: Schedule::AllButLast(3, 9.0),
            expected_category: "historical_hot_spot",
            description: "busy every week, then nothing in the final three weeks",
        },
    ]
}

/// Spread of events around a background place, metres (Gaussian σ).
const BACKGROUND_SIGMA_M: f64 = 350.0;
/// Spread of events around a planted pattern's centre, metres (Gaussian σ).
const PATTERN_SIGMA_M: f64 = 250.0;

/// One planted pattern in the ground-truth file.
#[derive(Clone, Debug, Serialize)]
pub struct TruthPattern {
    /// Short name.
    pub name: String,
    /// Place name.
    pub place: String,
    /// Centre latitude.
    pub lat: f64,
    /// Centre longitude.
    pub lon: f64,
    /// Radius holding about 86 % of the pattern's events (2 σ), metres.
    pub radius_m: f64,
    /// First local date with planted events.
    pub start: String,
    /// Local date after the last planted events (exclusive).
    pub end: String,
    /// Expected emerging-hotspot category.
    pub category: String,
    /// What was planted.
    pub description: String,
    /// Expected planted events per week, oldest first (the realised counts are Poisson-like).
    pub expected_per_week: Vec<f64>,
}

/// The ground truth written beside the Parquet file.
#[derive(Clone, Debug, Serialize)]
pub struct GroundTruth {
    /// Seed.
    pub seed: u64,
    /// Events generated.
    pub events: u64,
    /// Weeks generated.
    pub weeks: u32,
    /// First local date (Europe/Helsinki).
    pub start: String,
    /// Local date the data ends at (exclusive).
    pub until: String,
    /// Time zone of the local dates.
    pub tz: String,
    /// The analysis parameters the categories assume.
    pub assumes: String,
    /// The planted patterns.
    pub patterns: Vec<TruthPattern>,
}

/// Where the ground truth of `parquet` goes: `NAME.truth.json` beside it.
pub fn truth_path(parquet: &Path) -> PathBuf {
    let stem = parquet.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| "events".into());
    parquet.with_file_name(format!("{stem}.truth.json"))
}

/// The intensity of every source (background places, then planted patterns) in every week.
struct Intensities {
    /// `[week][source]`.
    per_week: Vec<Vec<f64>>,
}

fn intensities(weeks: u32) -> Intensities {
    let planted = planted_patterns();
    let per_week = (0..weeks)
        .map(|w| {
            // Mild seasonality of the background: ±10 % over a year, lowest half a year into the
            // data. Symmetric over a whole year, so it adds no trend to a 52-week window.
            let season = 1.0 + 0.1 * (std::f64::consts::TAU * f64::from(w) / 52.0).cos();
            let mut row: Vec<f64> = BACKGROUND_PLACES.iter().map(|p| p.weight * season).collect();
            row.extend(planted.iter().map(|p| p.schedule.at(w, weeks)));
            row
        })
        .collect();
    Intensities { per_week }
}

/// How many events each week gets: proportional to its total intensity, rounded by largest
/// remainder so the weeks add up to exactly `events`.
fn events_per_week(events: u64, intensities: &Intensities) -> Vec<u64> {
    let totals: Vec<f64> = intensities.per_week.iter().map(|r| r.iter().sum()).collect();
    let sum: f64 = totals.iter().sum();
    let exact: Vec<f64> = totals.iter().map(|t| events as f64 * t / sum).collect();
    let mut counts: Vec<u64> = exact.iter().map(|e| e.floor() as u64).collect();
    let mut rest = events - counts.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for &i in order.iter().cycle() {
        if rest == 0 {
            break;
        }
        counts[i] += 1;
        rest -= 1;
    }
    counts
}

/// The ground truth of a configuration.
pub fn ground_truth(config: &SynthConfig) -> GroundTruth {
    let start = config.until - chrono::Days::new(7 * u64::from(config.weeks));
    let intens = intensities(config.weeks);
    let per_week = events_per_week(config.events, &intens);
    let n_background = BACKGROUND_PLACES.len();
    let patterns = planted_patterns()
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let expected: Vec<f64> = (0..config.weeks as usize)
                .map(|w| {
                    let row = &intens.per_week[w];
                    let total: f64 = row.iter().sum();
                    (per_week[w] as f64 * row[n_background + k] / total * 10.0).round() / 10.0
                })
                .collect();
            let active: Vec<usize> =
                (0..expected.len()).filter(|&w| p.schedule.at(w as u32, config.weeks) > 0.0).collect();
            let first = active.first().copied().unwrap_or(0) as u64;
            let last = active.last().copied().unwrap_or(0) as u64;
            TruthPattern {
                name: p.name.into(),
                place: p.place.name.into(),
                lat: p.place.lat,
                lon: p.place.lon,
                radius_m: 2.0 * PATTERN_SIGMA_M,
                start: (start + chrono::Days::new(7 * first)).to_string(),
                end: (start + chrono::Days::new(7 * (last + 1))).to_string(),
                category: p.expected_category.into(),
                description: p.description.into(),
                expected_per_week: expected,
            }
        })
        .collect();
    GroundTruth {
        seed: config.seed,
        events: config.events,
        weeks: config.weeks,
        start: start.to_string(),
        until: config.until.to_string(),
        tz: TIME_ZONE.name().into(),
        assumes: "resolution 8, weekly bins ending at `until`, k = 1, time window 1, alpha 0.05, at least 26 weeks"
            .into(),
        patterns,
    }
}

/// One generated event.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SynthEvent {
    /// Instant, µs since the epoch.
    pub time_us: i64,
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// `true` for a concern report, `false` for an encounter.
    pub concern: bool,
    /// Index into [`CATEGORIES`].
    pub category: u8,
    /// Index of the source: background places first, then planted patterns.
    pub source: u16,
}

/// The category labels, as DESIGN.md lists them.
pub const CATEGORIES: [&str; 5] = ["substance", "mental_health", "rough_sleeping", "safety", "other"];
const CATEGORY_WEIGHTS: [f64; 5] = [0.35, 0.25, 0.15, 0.15, 0.10];
/// Relative activity by weekday, Monday first: the teams work weekdays.
const WEEKDAY_WEIGHTS: [f64; 7] = [1.0, 1.0, 1.0, 1.0, 0.9, 0.3, 0.2];
/// Relative activity by local hour: office hours dominate.
const HOUR_WEIGHTS: [f64; 24] = [
    0.05, 0.03, 0.02, 0.02, 0.02, 0.04, 0.1, 0.3, 1.0, 1.0, 1.0, 1.0, 0.9, 1.0, 1.0, 1.0, 0.8, 0.4, 0.3, 0.25, 0.2,
    0.15, 0.1, 0.07,
];

fn cumulative(weights: &[f64]) -> Vec<f64> {
    let total: f64 = weights.iter().sum();
    let mut acc = 0.0;
    weights
        .iter()
        .map(|w| {
            acc += w / total;
            acc
        })
        .collect()
}

fn pick(cum: &[f64], u: f64) -> usize {
    cum.partition_point(|&c| c <= u).min(cum.len() - 1)
}

fn stream_seed(seed: u64, week: u64) -> u64 {
    // SplitMix64 finaliser over the pair, so neighbouring weeks get unrelated streams.
    let mut z = seed ^ week.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Generates week `week` (0 = oldest) of `n` events, sorted by time.
fn generate_week(config: &SynthConfig, intens: &Intensities, week: u32, n: u64) -> Vec<SynthEvent> {
    let mut rng = Pcg64Mcg::seed_from_u64(stream_seed(config.seed, u64::from(week)));
    let planted = planted_patterns();
    let sources: Vec<(Place, f64)> = BACKGROUND_PLACES
        .iter()
        .map(|p| (*p, BACKGROUND_SIGMA_M))
        .chain(planted.iter().map(|p| (p.place, PATTERN_SIGMA_M)))
        .collect();
    let source_cum = cumulative(&intens.per_week[week as usize]);
    let weekday_cum = cumulative(&WEEKDAY_WEIGHTS);
    let hour_cum = cumulative(&HOUR_WEIGHTS);
    let category_cum = cumulative(&CATEGORY_WEIGHTS);
    let week_start = config.until - chrono::Days::new(7 * u64::from(config.weeks - week));
    // UTC offset of each local day at noon (the hour of a clock change is of no consequence here).
    let day_base: Vec<i64> = (0..7)
        .map(|d| {
            let date = week_start + chrono::Days::new(d);
            let noon = date.and_hms_opt(12, 0, 0).expect("noon");
            let offset = TIME_ZONE.offset_from_utc_datetime(&noon).fix().local_minus_utc();
            (date.and_hms_opt(0, 0, 0).expect("midnight").and_utc().timestamp() - i64::from(offset)) * 1_000_000
        })
        .collect();
    let mut events: Vec<SynthEvent> = (0..n)
        .map(|_| {
            let source = pick(&source_cum, rng.random::<f64>());
            let (place, sigma) = sources[source];
            let (dn, de) = gaussian_pair(&mut rng);
            let lat = place.lat + dn * sigma / 111_195.0;
            let lon = place.lon + de * sigma / (111_195.0 * place.lat.to_radians().cos());
            let day = pick(&weekday_cum, rng.random::<f64>());
            let hour = pick(&hour_cum, rng.random::<f64>()) as i64;
            let micros = rng.random_range(0..3_600_000_000i64);
            SynthEvent {
                time_us: day_base[day] + hour * 3_600_000_000 + micros,
                lat: (lat * 1e6).round() / 1e6,
                lon: (lon * 1e6).round() / 1e6,
                concern: rng.random::<f64>() < place.concern_share,
                category: pick(&category_cum, rng.random::<f64>()) as u8,
                source: source as u16,
            }
        })
        .collect();
    events.sort_by_key(|e| e.time_us);
    events
}

fn gaussian_pair(rng: &mut Pcg64Mcg) -> (f64, f64) {
    // Box–Muller.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    let r = (-2.0 * u1.ln()).sqrt();
    let t = std::f64::consts::TAU * u2;
    (r * t.cos(), r * t.sin())
}

/// Generates every event in memory, oldest first (for tests and small data).
pub fn generate(config: &SynthConfig) -> Result<Vec<SynthEvent>, SynthError> {
    config.validate()?;
    let intens = intensities(config.weeks);
    let counts = events_per_week(config.events, &intens);
    Ok((0..config.weeks)
        .into_par_iter()
        .flat_map_iter(|w| generate_week(config, &intens, w, counts[w as usize]))
        .collect())
}

/// The Arrow schema of the generated file: `id` (as `ids` says), `occurred_at` (UTC), `lat`,
/// `lon`, `kind`, `category`.
pub fn schema(ids: IdForm) -> Arc<Schema> {
    let id = match ids {
        IdForm::Int => Some(Field::new("id", DataType::Int64, false)),
        IdForm::Text => Some(Field::new("id", DataType::Utf8, false)),
        IdForm::None => None,
    };
    Arc::new(Schema::new(
        id.into_iter()
            .chain([
                Field::new("occurred_at", DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())), false),
                Field::new("lat", DataType::Float64, false),
                Field::new("lon", DataType::Float64, false),
                Field::new("kind", DataType::Utf8, false),
                Field::new("category", DataType::Utf8, false),
            ])
            .collect::<Vec<_>>(),
    ))
}

fn batch_of(
    events: &[SynthEvent],
    first_id: i64,
    ids: IdForm,
    seed: u64,
) -> Result<RecordBatch, arrow_schema::ArrowError> {
    let numbers = (0..events.len() as i64).map(|i| first_id + i);
    let id: Option<arrow_array::ArrayRef> = match ids {
        IdForm::Int => Some(Arc::new(Int64Array::from_iter_values(numbers))),
        IdForm::Text => Some(Arc::new(StringArray::from_iter_values(numbers.map(|n| format!("syn-{seed}-{n:09}"))))),
        IdForm::None => None,
    };
    RecordBatch::try_new(
        schema(ids),
        id.into_iter()
            .chain::<[arrow_array::ArrayRef; 5]>([
                Arc::new(
                    TimestampMicrosecondArray::from_iter_values(events.iter().map(|e| e.time_us)).with_timezone("UTC"),
                ),
                Arc::new(Float64Array::from_iter_values(events.iter().map(|e| e.lat))),
                Arc::new(Float64Array::from_iter_values(events.iter().map(|e| e.lon))),
                Arc::new(StringArray::from_iter_values(
                    events.iter().map(|e| if e.concern { "concern" } else { "encounter" }),
                )),
                Arc::new(StringArray::from_iter_values(events.iter().map(|e| CATEGORIES[e.category as usize]))),
            ])
            .collect(),
    )
}

/// Generates the events and writes them to `path` as Parquet (zstd), and the ground truth to
/// [`truth_path`]. Weeks are generated in parallel groups and written in order, so memory holds
/// a few weeks at a time. Both files are written under temporary names and renamed into place.
pub fn write_parquet(config: &SynthConfig, path: &Path) -> Result<GroundTruth, SynthError> {
    config.validate()?;
    let props = hotspots_core::publish::parquet_properties(format!("hotspots-synth {}", env!("CARGO_PKG_VERSION")));
    let intens = intensities(config.weeks);
    let counts = events_per_week(config.events, &intens);
    let group = rayon::current_num_threads().max(1) * 2;
    let truth = ground_truth(config);
    // Both files are published together, through the engine's atomic output set.
    let mut set = OutputSet::new();
    set.write(path, |file| {
        let mut writer = ArrowWriter::try_new(std::io::BufWriter::new(file), schema(config.ids), Some(props))?;
        let mut next_id = 1i64;
        let weeks: Vec<u32> = (0..config.weeks).collect();
        for chunk in weeks.chunks(group) {
            let generated: Vec<Vec<SynthEvent>> =
                chunk.par_iter().map(|&w| generate_week(config, &intens, w, counts[w as usize])).collect();
            for events in generated {
                for part in events.chunks(1 << 16) {
                    writer.write(&batch_of(part, next_id, config.ids, config.seed)?)?;
                    next_id += part.len() as i64;
                }
            }
        }
        writer.close()?;
        Ok(())
    })?;
    let mut text = serde_json::to_string_pretty(&truth).expect("truth serialises");
    text.push('\n');
    set.write_bytes(&truth_path(path), text.as_bytes())?;
    set.commit()?;
    Ok(truth)
}

/// The Monday on or before `date` (a convenience for choosing `until`).
pub fn monday_on_or_before(date: NaiveDate) -> NaiveDate {
    date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(events: u64) -> SynthConfig {
        SynthConfig { events, weeks: 52, seed: 7, until: SynthConfig::default_until(), ids: IdForm::Int }
    }

    #[test]
    fn weeks_add_up_to_the_requested_events() {
        let intens = intensities(52);
        for n in [0, 1, 51, 52, 53, 12_345, 1_000_000] {
            assert_eq!(events_per_week(n, &intens).iter().sum::<u64>(), n);
        }
    }

    #[test]
    fn output_is_seeded_and_thread_independent() {
        let a = generate(&config(20_000)).unwrap();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let b = pool.install(|| generate(&config(20_000)).unwrap());
        assert_eq!(a, b);
        let c = generate(&SynthConfig { seed: 8, ..config(20_000) }).unwrap();
        assert_ne!(a, c);
        assert_eq!(a.len(), 20_000);
        assert!(a.windows(2).all(|w| w[0].time_us <= w[1].time_us));
    }

    #[test]
    fn events_fall_in_the_window_mostly_in_office_hours_on_weekdays() {
        let events = generate(&config(50_000)).unwrap();
        let until = config(0).until;
        let start = until - chrono::Days::new(7 * 52);
        let lo = TIME_ZONE.from_local_datetime(&start.and_hms_opt(0, 0, 0).unwrap()).unwrap().timestamp_micros();
        let hi = TIME_ZONE.from_local_datetime(&until.and_hms_opt(0, 0, 0).unwrap()).unwrap().timestamp_micros();
        assert!(events.iter().all(|e| e.time_us >= lo && e.time_us < hi));
        let office = events
            .iter()
            .filter(|e| {
                let t = chrono::DateTime::from_timestamp_micros(e.time_us).unwrap().with_timezone(&TIME_ZONE);
                t.weekday().num_days_from_monday() < 5 && (8..17).contains(&chrono::Timelike::hour(&t))
            })
            .count();
        assert!(office as f64 > 0.6 * events.len() as f64, "{office} of {}", events.len());
    }

    #[test]
    fn planted_patterns_follow_their_schedules() {
        let cfg = config(200_000);
        let events = generate(&cfg).unwrap();
        let truth = ground_truth(&cfg);
        let nb = BACKGROUND_PLACES.len();
        let start = cfg.until - chrono::Days::new(7 * 52);
        let week_of = |t: i64| -> usize {
            let local = chrono::DateTime::from_timestamp_micros(t).unwrap().with_timezone(&TIME_ZONE).date_naive();
            ((local - start).num_days() / 7) as usize
        };
        for (k, p) in truth.patterns.iter().enumerate() {
            let mut per_week = vec![0u64; 52];
            for e in events.iter().filter(|e| e.source as usize == nb + k) {
                per_week[week_of(e.time_us).min(51)] += 1;
            }
            for (w, &got) in per_week.iter().enumerate() {
                let expected = p.expected_per_week[w];
                if expected == 0.0 {
                    assert_eq!(got, 0, "{} week {w}", p.name);
                } else {
                    // Multinomial draw: within 5 standard deviations of its expectation.
                    let sd = expected.sqrt();
                    assert!((got as f64 - expected).abs() < 5.0 * sd + 2.0, "{} week {w}: {got} vs {expected}", p.name);
                }
            }
        }
    }

    #[test]
    fn planted_places_are_far_from_each_other_and_the_background() {
        let mut all: Vec<Place> = BACKGROUND_PLACES.to_vec();
        all.extend(planted_patterns().iter().map(|p| p.place));
        let nb = BACKGROUND_PLACES.len();
        for i in nb..all.len() {
            for j in 0..all.len() {
                if i != j {
                    let d = places::distance_m(&all[i], &all[j]);
                    assert!(d > 2000.0, "{} and {} are {d:.0} m apart", all[i].name, all[j].name);
                }
            }
        }
    }
}
