//! The raw command line, as clap parses it. Nothing here is validated beyond its type; see
//! `config.rs` for the checked configuration the library receives.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use hotspots_core::RunConfig;
use hotspots_core::cube::CubeConfig;
use hotspots_core::ingest::IngestOptions;
use hotspots_core::plan::PatrolParams;
use hotspots_core::publish::SmallCounts;
use hotspots_core::stats::StatsParams;
use hotspots_core::stats::scan::ScanParams;
use hotspots_core::time::BinSpec;

/// A flag's help text with its default, which comes from the library's constant.
fn with_default(text: &str, default: impl std::fmt::Display) -> String {
    format!("{text} [default: {default}]")
}

/// Emerging-hotspot engine for street outreach work: finds where outreach encounters and
/// residents' concern reports are emerging, from nightly Parquet exports.
#[derive(Debug, Parser)]
#[command(name = "hotspots", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Find emerging hot spots: build the space-time cube from event exports, run Gi*,
    /// Mann-Kendall and the pattern rules, plan the patrols, and write the layers, the report and
    /// a summary: what may be shared under OUT/public/, exact figures and rejects under
    /// OUT/internal/. With no INPUT, runs on the built-in sample and districts.
    Analyze(Box<AnalyzeArgs>),
    /// Backtest the patrol plan: re-make it as it would have been made at each of the last N
    /// bins, score it on the bin that followed (hit rate, PAI, PEI, RRI) next to naive rankings
    /// and the oracle, print the table and write OUT/internal/backtest.json.
    Backtest(Box<BacktestArgs>),
    /// Check inputs: read and validate every row, print the row accounting and the reasons for
    /// rejected rows; exit 1 when every row is rejected.
    Validate(Box<ValidateArgs>),
    /// Find the clusters alive in the final bin, of any size: `analyze` with the prospective
    /// space-time permutation scan (Kulldorff et al. 2005) on, writing clusters.geojson beside
    /// the other outputs and printing each cluster with its recurrence interval.
    Scan(Box<AnalyzeArgs>),
    /// Write seeded synthetic outreach events (Parquet) with planted patterns and their ground
    /// truth (NAME.truth.json beside the file).
    Synth(SynthArgs),
    /// Write a partial cube (Parquet, see the README's contract): the inputs read, validated,
    /// indexed and summed per H3 cell, local day and hour, kind, category and district, with
    /// their row accounting and rejects, and no raw point. `analyze --cube` merges partial cubes
    /// into the same outputs as analysing the raw events in one run. With no INPUT, the built-in
    /// sample with the built-in districts.
    Cube(Box<CubeArgs>),
    /// Simulate the feedback loop of a plan made from recorded encounters, and its cure: four
    /// policies (encounters, busiest, forecast, explore) in seeded synthetic worlds with a planted place no
    /// pair walks at first; prints, per seed and policy, the week it is first walked, the share
    /// of the true need met and the Gini coefficient of patrol hours.
    Simulate(SimulateArgs),
}

/// `hotspots cube`.
#[derive(Debug, Args)]
pub struct CubeArgs {
    /// Event exports: Parquet (or GeoParquet), CSV or GeoJSON points. None (and none in --config):
    /// the built-in sample.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// The partial cube to write (Parquet).
    #[arg(long, value_name = "PART.parquet")]
    pub out: PathBuf,
    /// Districts GeoJSON, or `builtin`: the study area and each event's district (the default
    /// with no INPUT). `analyze --cube` must be given the same layer.
    #[arg(long, value_name = "FILE")]
    pub districts: Option<PathBuf>,
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=15), help = with_default("H3 resolution of the cells, 0–15", CubeConfig::DEFAULT_RESOLUTION))]
    pub resolution: Option<u8>,
    /// A TOML file as `analyze --config` takes: its inputs, columns, tz, resolution and districts
    /// are used.
    #[arg(long, value_name = "FILE.toml")]
    pub config: Option<PathBuf>,
    /// Input columns and time zone.
    #[command(flatten)]
    pub columns: ColumnArgs,
    /// No progress bar and no accounting lines.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `hotspots simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Seeds of the worlds: `N`, or a range `A-B`.
    #[arg(long, value_name = "SEEDS", default_value = "1-10")]
    pub seeds: String,
    /// Weeks the policies run.
    #[arg(long, value_name = "W", default_value_t = 26)]
    pub weeks: u32,
    /// Write the outcomes as JSON to FILE as well.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

/// Column names of the input, each renamable.
#[derive(Debug, Args, Clone)]
pub struct ColumnArgs {
    /// Latitude column (float64, WGS 84 degrees) [default: lat].
    #[arg(long, value_name = "NAME", help_heading = "Input columns")]
    pub lat_col: Option<String>,
    /// Longitude column (float64, WGS 84 degrees) [default: lon].
    #[arg(long, value_name = "NAME", help_heading = "Input columns")]
    pub lon_col: Option<String>,
    /// GeoParquet WKB point column, used instead of lat/lon [default: lat/lon when present,
    /// else the GeoParquet primary column, else `geometry`].
    #[arg(long, value_name = "NAME", help_heading = "Input columns")]
    pub geometry_col: Option<String>,
    /// Time column: Parquet timestamp (any unit, with or without zone), date, or ISO-8601 text
    /// [default: occurred_at].
    #[arg(long, value_name = "NAME", help_heading = "Input columns")]
    pub time_col: Option<String>,
    /// Kind column: `encounter` or `concern` [default: kind].
    #[arg(long, value_name = "NAME", help_heading = "Input columns")]
    pub kind_col: Option<String>,
    /// Optional category column [default: category].
    #[arg(long, value_name = "NAME", help_heading = "Input columns")]
    pub category_col: Option<String>,
    /// Optional id column (text or integer): a later row with an id seen before is the same event
    /// again (`duplicate_id`); also written to the rejects file [default: id].
    #[arg(long, value_name = "NAME", help_heading = "Input columns")]
    pub id_col: Option<String>,
    /// Optional weight column (float ≥ 0; a missing value is 1) [default: weight].
    #[arg(long, value_name = "NAME", help_heading = "Input columns")]
    pub weight_col: Option<String>,
    #[arg(long, value_name = "ZONE", help = with_default("Time zone of times written without one, and of the local calendar the bins follow", IngestOptions::DEFAULT_TIME_ZONE))]
    pub tz: Option<String>,
    /// A strftime pattern for text times, e.g. `%m/%d/%Y %H:%M` (with `%z` for an offset in the
    /// text) [default: ISO-8601, then day-first `1.12.2026 14:05` or `14.05`].
    #[arg(long, value_name = "PATTERN")]
    pub time_format: Option<String>,
}

/// `hotspots analyze`. Every parameter can also come from `--config FILE.toml`; a flag given on
/// the command line wins over the file.
#[derive(Clone, Debug, Args)]
pub struct AnalyzeArgs {
    /// Event exports: Parquet (or GeoParquet), CSV or GeoJSON points. None (and none in --config):
    /// the built-in sample.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Partial cubes (files written by `hotspots cube` or `spark/cube.py`, or folders of them)
    /// to merge instead of reading event exports: everything after the cube runs on their sum.
    /// Give the same --districts, --resolution and --tz they were built with.
    #[arg(long = "cube", value_name = "PART", num_args = 1.., conflicts_with = "inputs")]
    pub cube: Vec<PathBuf>,
    /// Incremental store of the nightly job: keeps one partial cube per INPUT (keyed by its path
    /// and SHA-256), reads only the files that are new or changed, drops the partials of files
    /// that are gone, and merges the rest: the same outputs as reading every file.
    #[arg(long, value_name = "DIR", conflicts_with = "cube")]
    pub store: Option<PathBuf>,
    #[arg(long, value_name = "DIR", help = with_default("Output folder, created if missing", RunConfig::DEFAULT_OUT_DIR))]
    pub out: Option<PathBuf>,
    /// Districts GeoJSON (polygons with `name`, `municipality`): names places and is the
    /// analysis mask. `builtin` for the bundled Helsinki/Vantaa layer (the default with no INPUT).
    #[arg(long, value_name = "FILE")]
    pub districts: Option<PathBuf>,
    /// Service points GeoJSON (points with `name`, `type`): distances from patrol areas and hot
    /// cells to the nearest one. `builtin` for the bundled examples (the default with no INPUT).
    #[arg(long, value_name = "FILE")]
    pub services: Option<PathBuf>,
    /// Landmarks GeoJSON (points with `name`, `type`): stations, shopping centres, parks drawn on
    /// the report's maps and naming where patrol areas are. `builtin` for the bundled
    /// Helsinki/Vantaa places (the default), `none` for no landmarks.
    #[arg(long, value_name = "FILE")]
    pub landmarks: Option<PathBuf>,
    /// Language of the report and of the layers' `label` fields: fi, sv or en [default: en, or
    /// the configuration file's `lang`].
    #[arg(long, value_name = "LANG", value_parser = ["fi", "sv", "en"])]
    pub lang: Option<String>,
    /// Patrol-effort log (Parquet or CSV, one row per shift or visit: `start`, `end`, optional
    /// `team`, and where: an H3 `cell` at any resolution, a `district` of the districts layer, or
    /// a line or polygon `geometry`): encounters per patrol hour, blind spots and a plan that
    /// explores. `builtin` for the sample's synthetic log (the default with no INPUT), `none`
    /// for none.
    #[arg(long, value_name = "FILE", help_heading = "Patrol effort")]
    pub effort: Option<PathBuf>,
    #[arg(long, value_name = "F", help_heading = "Patrol effort", help = with_default("Share of each municipality's patrol budget that goes to blind spots (with --effort)", hotspots_core::plan::effort::DEFAULT_EXPLORE_SHARE))]
    pub explore_share: Option<f64>,
    /// Start column of the effort log [default: start].
    #[arg(long, value_name = "NAME", help_heading = "Patrol effort")]
    pub effort_start_col: Option<String>,
    /// End column of the effort log [default: end].
    #[arg(long, value_name = "NAME", help_heading = "Patrol effort")]
    pub effort_end_col: Option<String>,
    /// Team column of the effort log (optional) [default: team].
    #[arg(long, value_name = "NAME", help_heading = "Patrol effort")]
    pub effort_team_col: Option<String>,
    /// H3 cell column of the effort log (hex text or integer, any resolution) [default: cell].
    #[arg(long, value_name = "NAME", help_heading = "Patrol effort")]
    pub effort_cell_col: Option<String>,
    /// District column of the effort log (names of the districts layer) [default: district].
    #[arg(long, value_name = "NAME", help_heading = "Patrol effort")]
    pub effort_district_col: Option<String>,
    /// Geometry column of the effort log (GeoJSON text or WKB line/polygon) [default: geometry].
    #[arg(long, value_name = "NAME", help_heading = "Patrol effort")]
    pub effort_geometry_col: Option<String>,
    /// Output folder of the run to compare with in the report's "since the last run" and
    /// `changes.geojson` [default: the run already in --out].
    #[arg(long, value_name = "DIR")]
    pub previous: Option<PathBuf>,
    #[arg(long, value_parser = clap::value_parser!(u8).range(0..=15), help = with_default("H3 resolution of the cells, 0–15 (8 ≈ 0.74 km²)", CubeConfig::DEFAULT_RESOLUTION))]
    pub resolution: Option<u8>,
    #[arg(long, value_name = "STEP", value_parser = ["day", "week", "month"], help = with_default("Length of a time bin", BinSpec::DEFAULT_STEP.as_str()))]
    pub bin: Option<String>,
    /// Number of bins, ending at --until [default: as many whole bins as fit after the earliest event].
    #[arg(long, value_name = "N", conflicts_with = "since", value_parser = clap::value_parser!(u32).range(1..))]
    pub steps: Option<u32>,
    /// First local date of the window: whole bins from this date on (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// End of the window: the local midnight starting this date (YYYY-MM-DD), exclusive
    /// [default: midnight after the latest event's day].
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    #[arg(long, value_name = "K", help_heading = "Statistics", help = with_default("Neighbourhood: cells within K rings of a cell, itself included", StatsParams::DEFAULT_K))]
    pub k: Option<u32>,
    #[arg(long, value_name = "W", help_heading = "Statistics", help = with_default("Neighbourhood in time: the bin and the W bins before it", StatsParams::DEFAULT_TIME_WINDOW))]
    pub time_window: Option<u32>,
    #[arg(long, value_name = "A", help_heading = "Statistics", help = with_default("Significance level of hot/cold spots and trends", StatsParams::DEFAULT_ALPHA))]
    pub alpha: Option<f64>,
    /// Control the false discovery rate (Benjamini–Hochberg over all bins of each study area).
    #[arg(long, help_heading = "Statistics", overrides_with = "no_fdr")]
    pub fdr: bool,
    /// Do not control the false discovery rate, even when the configuration file says `fdr = true`.
    #[arg(long, help_heading = "Statistics", overrides_with = "fdr")]
    pub no_fdr: bool,
    #[arg(long, value_name = "N", help_heading = "Statistics", help = with_default("Conditional-permutation pseudo p-values with N permutations instead of the normal p", StatsParams::DEFAULT_PERMUTATIONS))]
    pub permutations: Option<u32>,
    #[arg(long, value_name = "S", help_heading = "Statistics", help = with_default("Seed of the permutations", StatsParams::DEFAULT_SEED))]
    pub seed: Option<u64>,
    #[arg(long, value_name = "SCOPE", value_parser = ["city", "district"], help_heading = "Statistics", help = with_default("Study area: one cube over the city, or every district on its own", StatsParams::DEFAULT_SCOPE.as_str()))]
    pub scope: Option<String>,
    /// The bins each bin's Gi* is measured against, as ArcGIS's Define Global Window: `cube`
    /// (ENTIRE_CUBE), `neighborhood` (NEIGHBORHOOD_TIME_STEP: the bin's own time window) or
    /// `individual` (INDIVIDUAL_TIME_STEP: the bin alone) [default: cube].
    #[arg(long, value_name = "WINDOW", value_parser = ["cube", "neighborhood", "individual"], help_heading = "Statistics")]
    pub global_window: Option<String>,
    /// Neighbourhood by distance instead of rings (ArcGIS's fixed distance): the cells whose
    /// centres lie within M metres of the cell's centre, itself included.
    #[arg(long, value_name = "M", help_heading = "Statistics", conflicts_with = "k")]
    pub neighborhood_m: Option<f64>,
    #[arg(long, value_name = "F", help = with_default("Fail (exit 1, nothing written) when more than this share of all rows is rejected, so a broken export does not quietly produce an empty map", RunConfig::DEFAULT_MAX_REJECT_SHARE))]
    pub max_reject_share: Option<f64>,
    #[arg(long, value_name = "N", help_heading = "Statistics", help = with_default("Published counts below N are suppressed (null)", SmallCounts::DEFAULT_MIN_COUNT))]
    pub min_count: Option<u64>,
    #[arg(long, value_name = "N|NAME=N,…", help_heading = "Patrol planning", help = with_default("Outreach pairs per municipality (N each, or e.g. Helsinki=4,Vantaa=2); each municipality's areas go to its own pairs", PatrolParams::DEFAULT_TEAMS))]
    pub teams: Option<String>,
    #[arg(long, value_name = "F", help_heading = "Patrol planning", help = with_default("Share of each municipality's patrol budget kept for new and intensifying hot spots", PatrolParams::DEFAULT_WATCH_SHARE))]
    pub watch_share: Option<f64>,
    #[arg(long, value_name = "M", help_heading = "Patrol planning", help = with_default("A patrol area farther than this from every service is a service gap, metres", PatrolParams::DEFAULT_SERVICE_GAP_M))]
    pub service_gap_m: Option<f64>,
    #[arg(long, value_name = "KM2", help_heading = "Patrol planning", help = with_default("Largest walkable patrol area; larger hot areas are split, km²", PatrolParams::DEFAULT_MAX_AREA_KM2))]
    pub max_patrol_km2: Option<f64>,
    #[arg(long, value_name = "N", help_heading = "Patrol planning", help = with_default("Also backtest the plan over the last N bins: in the report and backtest.json", RunConfig::DEFAULT_BACKTEST_STEPS))]
    pub backtest_steps: Option<usize>,
    /// Also run the prospective space-time permutation scan: clusters.geojson, the report and
    /// summary.json list the clusters alive in the final bin with their recurrence interval.
    #[arg(long, help_heading = "Space-time scan")]
    pub scan: bool,
    #[arg(long, value_name = "KM", help_heading = "Space-time scan", help = with_default("Largest cluster radius between cell centres (circles also stop at half of all events)", ScanParams::DEFAULT_MAX_KM))]
    pub scan_max_km: Option<f64>,
    #[arg(long, value_name = "N", help_heading = "Space-time scan", help = with_default("Longest cluster, in bins (all end in the final bin)", ScanParams::DEFAULT_MAX_BINS))]
    pub scan_max_bins: Option<usize>,
    #[arg(long, value_name = "N", help_heading = "Space-time scan", help = with_default("Monte Carlo replicates of the scan (seeded by --seed)", ScanParams::DEFAULT_REPLICATES))]
    pub scan_replicates: Option<u32>,
    /// Analyse only this kind of event [default: all].
    #[arg(long, value_name = "KIND", value_parser = ["all", "encounter", "concern"], help_heading = "Jobs")]
    pub kind: Option<String>,
    /// Analyse only events of this category.
    #[arg(long, value_name = "NAME", help_heading = "Jobs")]
    pub category: Option<String>,
    /// A TOML file with parameters and a list of jobs (`[[jobs]]` with name, kind, category); each job
    /// writes its outputs into a sub-folder named after it.
    #[arg(long, value_name = "FILE.toml", help_heading = "Jobs")]
    pub config: Option<PathBuf>,
    /// Input columns and time zone.
    #[command(flatten)]
    pub columns: ColumnArgs,
    /// Publish even when the run looks like a broken export next to the previous run in the
    /// output folder (nothing accepted, more than 20 % outside the study area, under half the
    /// events a day, or the busy cells moved over 50 km).
    #[arg(long)]
    pub accept_change: bool,
    /// No progress bar and no report on the terminal (errors are still printed).
    #[arg(long, short)]
    pub quiet: bool,
}

/// `hotspots backtest`.
#[derive(Debug, Args)]
pub struct BacktestArgs {
    /// Held-out bins, the most recent ones [default: 26 where the history allows, else as many as
    /// leave 8 bins of history].
    #[arg(long, value_name = "N")]
    pub holdout_steps: Option<usize>,
    /// Everything `analyze` takes.
    #[command(flatten)]
    pub analyze: AnalyzeArgs,
}

/// `hotspots validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// Event exports to check.
    #[arg(value_name = "INPUT", required = true)]
    pub inputs: Vec<PathBuf>,
    /// Write every rejected row here (Parquet, or CSV if the name ends in .csv).
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Districts GeoJSON (or `builtin`): also count the valid rows that would fall outside the
    /// study area.
    #[arg(long, value_name = "FILE")]
    pub districts: Option<PathBuf>,
    /// Input columns and time zone.
    #[command(flatten)]
    pub columns: ColumnArgs,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `hotspots synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Number of events.
    #[arg(long, value_name = "N")]
    pub events: u64,
    /// Number of weeks.
    #[arg(long, value_name = "W", default_value_t = 52)]
    pub weeks: u32,
    /// Seed.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Local date the data ends at (exclusive; Europe/Helsinki) [default: 2026-11-02, a Monday].
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Output Parquet file; the ground truth goes beside it as NAME.truth.json.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Also write the synthetic patrol-effort log behind the encounters (Parquet: `start`,
    /// `end`, `team`, `cell`), for `analyze --effort`.
    #[arg(long, value_name = "FILE")]
    pub effort_out: Option<PathBuf>,
    /// The `id` column: `int` (1, 2, …), `text` (`syn-SEED-000000001`, as a case system writes
    /// ids) or `none`.
    #[arg(long, value_name = "FORM", default_value = "int")]
    pub ids: String,
    /// No report on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
}
