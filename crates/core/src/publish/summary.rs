//! `summary.json`: the run's parameters, the time window, the row accounting of every input, and
//! for the job: its cube's size, the overall trend, the cells per pattern, the study areas and the
//! per-district summaries; the wall time of each stage. Everything in it except `timings_ms` is
//! the same for the same inputs and parameters.

use std::collections::BTreeMap;

use chrono::DateTime;
use serde::Serialize;

use crate::cube::build::{CubeRun, InputAccount, JobCube};
use crate::error::Result;
use crate::publish::small_counts::SmallCounts;
use crate::stats::analysis::{JobStats, ScopeUnit, StatsParams};
use crate::stats::mann_kendall::MannKendall;
use crate::time::local_time::date_of_day;

/// The parameters a run was made with.
#[derive(Clone, Debug, Serialize)]
pub struct RunParameters {
    /// H3 resolution.
    pub resolution: u8,
    /// `day`, `week` or `month`.
    pub bin: String,
    /// `--steps`, when given.
    pub steps: Option<u32>,
    /// `--since`, when given (a date).
    pub since: Option<String>,
    /// `--until`, when given (a date).
    pub until: Option<String>,
    /// `--tz`.
    pub tz: String,
    /// The districts layer, when one was given.
    pub districts: Option<String>,
    /// Column names read.
    pub columns: BTreeMap<String, String>,
    /// The statistics' parameters.
    pub statistics: StatsParams,
    /// `--min-count`: published counts below it are suppressed.
    pub min_count: u64,
    /// The services layer, when one was given.
    pub services: Option<String>,
}

/// The time window the cube covers.
#[derive(Clone, Debug, Serialize)]
pub struct WindowSummary {
    /// First local date of the window.
    pub start: String,
    /// The local date the window ends at (exclusive).
    pub end: String,
    /// The same as UTC instants (RFC 3339).
    pub start_utc: String,
    /// End instant (exclusive), UTC.
    pub end_utc: String,
    /// Number of bins.
    pub bins: usize,
    /// Start of every bin, local dates, oldest first.
    pub bin_starts: Vec<String>,
}

/// Row totals over all inputs.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    /// Rows read.
    pub read: u64,
    /// Analysed events.
    pub accepted: u64,
    /// Rejected rows.
    pub rejected: u64,
    /// Valid events outside the study area.
    pub outside_study_area: u64,
    /// Valid events outside the window.
    pub outside_window: u64,
}

/// Size and contents of a job's cube.
#[derive(Clone, Debug, Serialize)]
pub struct CubeSummary {
    /// H3 resolution.
    pub resolution: u8,
    /// Study-area cells.
    pub cells: usize,
    /// Bins.
    pub bins: usize,
    /// Cells with at least one of the job's events.
    pub cells_with_events: usize,
    /// The job's events in the cube.
    pub events: u64,
    /// Events per bin, oldest first.
    pub events_per_bin: Vec<Option<u64>>,
    /// [west, south, east, north] of the centres of the cells with at least `--min-count` events
    /// in the window, to 3 decimals; the guard compares it with the next run's.
    pub busy_cells_bbox: Option<[f64; 4]>,
}

/// A Mann-Kendall result as written out.
#[derive(Clone, Debug, Serialize)]
pub struct TrendSummary {
    /// `up`, `down` or `none` at α.
    pub direction: &'static str,
    /// Kendall's S.
    pub s: f64,
    /// Kendall's τ.
    pub tau: f64,
    /// Normal score.
    pub z: f64,
    /// Two-sided p.
    pub p: f64,
}

impl TrendSummary {
    /// From a test result at level `alpha`.
    pub fn of(mk: &MannKendall, alpha: f64) -> Self {
        TrendSummary { direction: mk.direction_name(alpha), s: mk.s, tau: mk.tau, z: mk.z, p: mk.p }
    }
}

/// One district's summary for a job, exact (the internal `summary.json`; the public one carries
/// the figures of the publishing policy instead).
#[derive(Clone, Debug, Serialize)]
pub struct DistrictSummary {
    /// Name (`(none)` for accepted events outside every district).
    pub name: String,
    /// Municipality.
    pub municipality: String,
    /// Study-area cells whose centre lies in it.
    pub cells: u64,
    /// Encounters in the window.
    pub encounters: Option<u64>,
    /// Concern reports in the window.
    pub concerns: Option<u64>,
    /// Encounters in the final bin.
    pub encounters_last_bin: Option<u64>,
    /// Concern reports in the final bin.
    pub concerns_last_bin: Option<u64>,
    /// Mann-Kendall trend of the district's event counts per bin.
    pub trend: TrendSummary,
    /// Cells per pattern (patterns with at least one cell).
    pub patterns: BTreeMap<&'static str, u64>,
    /// Whether the district has a new, consecutive or intensifying hot spot cell.
    pub emerging: bool,
}

/// A study area's figures, with its name.
#[derive(Clone, Debug, Serialize)]
pub struct UnitSummary {
    /// `city` or the district's name.
    pub scope: String,
    /// The figures.
    #[serde(flatten)]
    pub unit: ScopeUnit,
}

/// One team as `summary.json` shows it.
#[derive(Clone, Debug, Serialize)]
pub struct TeamSummary {
    /// Its number.
    pub number: usize,
    /// Its municipality.
    pub municipality: String,
    /// Its compass direction.
    pub direction: String,
    /// Its areas.
    pub areas: usize,
    /// Expected events a week over its areas (rounded; in public, from the published areas'
    /// expectations, `null` under the small-count threshold).
    pub expected_per_week: Option<u64>,
}

impl TeamSummary {
    /// The teams of a plan with their loads from `figures`, and the balance per municipality.
    pub fn of(
        teams: &[crate::plan::Team],
        figures: &super::disclosure::Figures,
    ) -> (Vec<TeamSummary>, BTreeMap<String, Option<f64>>) {
        let list = teams
            .iter()
            .zip(&figures.team_loads)
            .map(|(t, &load)| TeamSummary {
                number: t.number,
                municipality: t.municipality.clone(),
                direction: t.direction.clone(),
                areas: t.areas,
                expected_per_week: load,
            })
            .collect();
        (list, figures.team_balance.iter().cloned().collect())
    }
}

/// The whole `summary.json` of one job.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Engine version.
    pub version: String,
    /// The job's name.
    pub job: String,
    /// What the job selects.
    pub selection: String,
    /// Parameters.
    pub parameters: RunParameters,
    /// Time window.
    pub window: WindowSummary,
    /// Row accounting per input (about input rows, so the same for every job).
    pub inputs: Vec<InputAccount>,
    /// Row accounting over all inputs.
    pub totals: Totals,
    /// The job's cube.
    pub cube: CubeSummary,
    /// Mann-Kendall trend of the job's total counts per bin.
    pub trend: TrendSummary,
    /// Cells per pattern (all 17 listed).
    pub patterns: BTreeMap<&'static str, u64>,
    /// The study areas (one for city scope, one per district for district scope).
    pub study_areas: Vec<UnitSummary>,
    /// Per-district summaries (empty without a districts layer).
    pub districts: Vec<DistrictSummary>,
    /// Category labels seen in valid rows, sorted.
    pub categories: Vec<String>,
    /// SHA-256 of each other output file of the job (and of the run's rejects file), so a
    /// nightly run can be audited.
    pub outputs: BTreeMap<String, String>,
    /// Warnings.
    pub warnings: Vec<String>,
    /// The forecast of the next bin: the model chosen, its parameters and every candidate's
    /// validation score.
    pub forecast: Option<crate::stats::forecast::Forecast>,
    /// The teams of the plan, with their expected events per week.
    pub teams: Vec<TeamSummary>,
    /// Per municipality, the largest team's expected events a week over the smallest's (null
    /// with one team), rounded to two decimals.
    pub team_balance: BTreeMap<String, Option<f64>>,
    /// The plan's concern share of the recent bins (the unmet-concern test's null).
    pub concern_share: Option<f64>,
    /// Wall time per stage, milliseconds.
    pub timings_ms: BTreeMap<String, u64>,
    /// The prospective space-time scan, when one was run (`--scan`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanSummary>,
    /// Patrol effort: what the run knew of it, or that it knew nothing.
    pub effort: EffortSummary,
}

/// What a run knew of patrol effort (`summary.json`'s `effort`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct EffortSummary {
    /// Whether an effort log was given.
    pub given: bool,
    /// What that means for the plan, in words.
    pub note: String,
    /// The log's row and hour accounting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log: Option<crate::cube::effort::EffortAccount>,
    /// The job's encounters per patrol hour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encounters_per_hour: Option<f64>,
    /// The typical patrolled cell's hours in the recent bins.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub typical_cell_hours: Option<f64>,
    /// Blind spots found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blind_spots: Option<usize>,
    /// Blind spots the plan sends a pair to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blind_spots_in_plan: Option<usize>,
    /// The share of each budget that went to exploring.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explore_share: Option<f64>,
    /// Cells whose final-bin encounter rate is significantly high against the exposure
    /// (Poisson-exposure Gi*, p at most α).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub high_rate_cells: Option<usize>,
}

impl EffortSummary {
    /// What `summary.json` says when the run has no effort log.
    pub const NO_EFFORT_NOTE: &str = "no effort log was given: encounters are recorded only where pairs walk, so \
        the plan, made from where events were recorded, may follow past patrols and miss places no pair has \
        visited (give --effort FILE)";
    /// What it says with one.
    pub const EFFORT_NOTE: &str = "the plan fills part of each budget with blind spots (concern reports, little \
        or no patrol) and the rest by the forecast, so it does not only follow past patrols";
}

/// The prospective space-time scan of one job, exact (the internal summary).
#[derive(Clone, Debug, Serialize)]
pub struct ScanSummary {
    /// Its parameters.
    pub parameters: crate::stats::scan::ScanParams,
    /// The job's events in the cube.
    pub events: u64,
    /// The most likely cluster first, then the secondary ones.
    pub clusters: Vec<ClusterSummary>,
}

/// One cluster of the scan.
#[derive(Clone, Debug, Serialize)]
pub struct ClusterSummary {
    /// 1 for the most likely cluster.
    pub rank: usize,
    /// Its centre cell.
    pub centre: String,
    /// Its cells, in H3 order.
    pub cells: Vec<String>,
    /// From the centre's centre to the farthest cell centre, km (3 decimals).
    pub radius_km: f64,
    /// The first local date of its first bin.
    pub start: String,
    /// The local date after its last day (the window's end), exclusive like `--until`.
    pub end: String,
    /// Its bins (it always ends in the final bin).
    pub bins: usize,
    /// Events observed in it.
    pub observed: u64,
    /// Events expected in it (cells' events over the window × its bins' events / all events).
    pub expected: f64,
    /// The relative risk.
    pub relative_risk: f64,
    /// The log-likelihood ratio.
    pub llr: f64,
    /// The Monte Carlo p-value.
    pub p: f64,
    /// 1 / p, in bins: one scan a bin meets a cluster this strong by chance once in that many.
    pub recurrence_bins: f64,
    /// The same in days.
    pub recurrence_days: f64,
}

impl ScanSummary {
    /// The summary of `result`, the scan of `job` with `parameters`.
    pub fn of(
        result: &crate::stats::scan::ScanResult,
        job: &JobCube,
        parameters: &crate::stats::scan::ScanParams,
    ) -> Self {
        let cube = &job.cube;
        let bins = cube.bins().bins();
        // One scan a bin: a recurrence interval in bins is in days at the final bin's length.
        let bin_days = bins.last().map_or(0.0, |b| f64::from(b.end_day - b.start_day));
        let clusters = result
            .clusters
            .iter()
            .enumerate()
            .map(|(i, c)| ClusterSummary {
                rank: i + 1,
                centre: cube.cells()[c.centre].to_string(),
                cells: c.cells.iter().map(|&z| cube.cells()[z].to_string()).collect(),
                radius_km: (c.radius_km * 1000.0).round() / 1000.0,
                start: local_date(bins[c.first_bin].start_day),
                end: local_date(bins[bins.len() - 1].end_day),
                bins: bins.len() - c.first_bin,
                observed: c.observed,
                expected: c.expected,
                relative_risk: c.relative_risk,
                llr: c.llr,
                p: c.p,
                recurrence_bins: c.recurrence_bins,
                recurrence_days: c.recurrence_bins * bin_days,
            })
            .collect();
        ScanSummary { parameters: parameters.clone(), events: result.total, clusters }
    }
}

fn iso_utc(us: i64) -> String {
    DateTime::from_timestamp_micros(us).map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default()
}

fn local_date(day: i32) -> String {
    date_of_day(day).map(|d| d.to_string()).unwrap_or_default()
}

/// The box of the centres of the cells with at least `min` events, to 3 decimals.
fn busy_cells_bbox(cube: &crate::cube::SpaceTimeCube, min: u64) -> Option<[f64; 4]> {
    let mut b: Option<[f64; 4]> = None;
    for (c, &cell) in cube.cells().iter().enumerate() {
        if cube.series(c).iter().sum::<u64>() < min {
            continue;
        }
        let (lon, lat) = crate::space::study_area::cell_centre(cell);
        let x = b.get_or_insert([lon, lat, lon, lat]);
        *x = [x[0].min(lon), x[1].min(lat), x[2].max(lon), x[3].max(lat)];
    }
    b.map(|x| x.map(|v| (v * 1000.0).round() / 1000.0))
}

/// Per-district summaries of a job.
pub fn district_summaries(
    job: &JobCube,
    stats: &JobStats,
    cell_districts: &[Option<usize>],
    alpha: f64,
) -> Vec<DistrictSummary> {
    // One pass over the cells: each district's cells per pattern, and whether one is emerging.
    let mut patterns: Vec<BTreeMap<&'static str, u64>> = vec![BTreeMap::new(); job.districts.len()];
    let mut emerging = vec![false; job.districts.len()];
    for (cd, cell) in cell_districts.iter().zip(&stats.cells) {
        if let Some(d) = cd.filter(|&d| d < patterns.len()) {
            *patterns[d].entry(cell.pattern.name()).or_insert(0) += 1;
            emerging[d] |= cell.pattern.is_emerging();
        }
    }
    job.districts
        .iter()
        .zip(patterns.into_iter().zip(emerging))
        .map(|(tally, (patterns, emerging))| {
            let series: Vec<f64> = tally.series.iter().map(|&v| v as f64).collect();
            DistrictSummary {
                name: tally.name.clone(),
                municipality: tally.municipality.clone(),
                cells: tally.cells,
                encounters: Some(tally.encounters),
                concerns: Some(tally.concerns),
                encounters_last_bin: Some(tally.encounters_last_bin),
                concerns_last_bin: Some(tally.concerns_last_bin),
                trend: TrendSummary::of(&crate::stats::mann_kendall::mann_kendall(&series), alpha),
                patterns,
                emerging,
            }
        })
        .collect()
}

impl Summary {
    /// Collects the summary of one job of a run.
    pub fn of(
        run: &CubeRun,
        job: &JobCube,
        stats: &JobStats,
        districts: Vec<DistrictSummary>,
        district_names: &[String],
        parameters: RunParameters,
    ) -> Summary {
        let small = SmallCounts::new(parameters.min_count);
        let cube = &job.cube;
        let bins = cube.bins();
        let mut totals = Totals::default();
        for a in &run.inputs {
            totals.read += a.read;
            totals.accepted += a.accepted;
            totals.rejected += a.rejected;
            totals.outside_study_area += a.outside_study_area;
            totals.outside_window += a.outside_window;
        }
        let t = bins.len();
        let alpha = parameters.statistics.alpha;
        Summary {
            version: env!("CARGO_PKG_VERSION").to_string(),
            job: job.spec.name.clone(),
            selection: job.spec.describe(),
            window: WindowSummary {
                start: local_date(bins.first_day()),
                end: local_date(bins.end_day()),
                start_utc: iso_utc(bins.bins()[0].start_us),
                end_utc: iso_utc(bins.bins()[t - 1].end_us),
                bins: t,
                bin_starts: bins.bins().iter().map(|b| local_date(b.start_day)).collect(),
            },
            inputs: run.inputs.clone(),
            totals,
            cube: CubeSummary {
                resolution: u8::from(cube.resolution()),
                cells: cube.cells().len(),
                bins: t,
                cells_with_events: (0..cube.cells().len()).filter(|&c| cube.series(c).iter().any(|&v| v > 0)).count(),
                events: cube.total_count(),
                events_per_bin: cube.totals_per_bin().into_iter().map(Some).collect(),
                busy_cells_bbox: busy_cells_bbox(cube, small.min_count().max(1)),
            },
            trend: TrendSummary::of(&stats.overall_trend, alpha),
            patterns: stats.pattern_counts(),
            study_areas: stats
                .units
                .iter()
                .map(|u| UnitSummary {
                    scope: match u.district {
                        Some(d) => district_names.get(d).cloned().unwrap_or_default(),
                        None => "city".into(),
                    },
                    unit: u.clone(),
                })
                .collect(),
            districts,
            categories: {
                let mut names = run.categories.names().to_vec();
                names.sort();
                names
            },
            outputs: BTreeMap::new(),
            forecast: None,
            teams: Vec::new(),
            team_balance: BTreeMap::new(),
            concern_share: None,
            effort: EffortSummary { given: false, note: EffortSummary::NO_EFFORT_NOTE.into(), ..Default::default() },
            warnings: stats.warnings.clone(),
            timings_ms: run.timings_ms.iter().cloned().collect(),
            scan: None,
            parameters,
        }
    }
}

/// The internal `summary.json`: the job's exact summary with the SHA-256 of every output staged
/// before it (public and internal).
pub(super) struct SummaryJson;

impl super::Output for SummaryJson {
    fn reads_staged(&self) -> bool {
        true
    }

    fn file_name(&self) -> &'static str {
        "summary.json"
    }

    fn audience(&self) -> super::Audience {
        super::Audience::Internal
    }

    fn render(
        &self,
        view: &super::Published<'_>,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<(), super::BoxError> {
        let mut summary = view.results.summary.clone();
        (summary.teams, summary.team_balance) = TeamSummary::of(&view.results.plan.teams, view.figures);
        summary.outputs = view.staged.clone();
        summary.timings_ms.insert("write".into(), view.write_ms);
        super::write_json(out, &summary, true)
    }
}
