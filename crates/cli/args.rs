//! The raw command line, as clap parses it. Nothing here is validated beyond its type; see
//! `config.rs` for the checked configuration the library receives.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    /// Build the space-time cube from event exports and write cube.parquet, summary.json and
    /// rejects.parquet. With no INPUT, runs on the built-in sample and districts.
    Analyze(AnalyzeArgs),
    /// Check inputs: read and validate every row, print the row accounting and the reasons for
    /// rejected rows.
    Validate(ValidateArgs),
    /// Write seeded synthetic outreach events (Parquet) with planted patterns and their ground
    /// truth (NAME.truth.json beside the file).
    Synth(SynthArgs),
}

/// Column names of the input, each renamable.
#[derive(Debug, Args, Clone)]
pub struct ColumnArgs {
    /// Latitude column (float64, WGS 84 degrees).
    #[arg(long, value_name = "NAME", default_value = "lat", help_heading = "Input columns")]
    pub lat_col: String,
    /// Longitude column (float64, WGS 84 degrees).
    #[arg(long, value_name = "NAME", default_value = "lon", help_heading = "Input columns")]
    pub lon_col: String,
    /// GeoParquet WKB point column, used instead of lat/lon [default: lat/lon when present,
    /// else the GeoParquet primary column, else `geometry`].
    #[arg(long, value_name = "NAME", help_heading = "Input columns")]
    pub geometry_col: Option<String>,
    /// Time column: Parquet timestamp (any unit, with or without zone), date, or ISO-8601 text.
    #[arg(long, value_name = "NAME", default_value = "occurred_at", help_heading = "Input columns")]
    pub time_col: String,
    /// Kind column: `encounter` or `concern`.
    #[arg(long, value_name = "NAME", default_value = "kind", help_heading = "Input columns")]
    pub kind_col: String,
    /// Optional category column.
    #[arg(long, value_name = "NAME", default_value = "category", help_heading = "Input columns")]
    pub category_col: String,
    /// Optional id column (text or integer), used only in the rejects file.
    #[arg(long, value_name = "NAME", default_value = "id", help_heading = "Input columns")]
    pub id_col: String,
    /// Optional weight column (float ≥ 0, default 1).
    #[arg(long, value_name = "NAME", default_value = "weight", help_heading = "Input columns")]
    pub weight_col: String,
    /// Time zone of times written without one, and of the local calendar the bins follow.
    #[arg(long, value_name = "ZONE", default_value = "Europe/Helsinki")]
    pub tz: String,
}

/// `hotspots analyze`.
#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// Event exports: Parquet (or GeoParquet), CSV or GeoJSON points. None: the built-in sample.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output folder (created if missing).
    #[arg(long, value_name = "DIR", default_value = "out")]
    pub out: PathBuf,
    /// Districts GeoJSON (polygons with `name`, `municipality`): names places and is the
    /// analysis mask. `builtin` for the bundled Helsinki/Vantaa layer (the default with no INPUT).
    #[arg(long, value_name = "FILE")]
    pub districts: Option<PathBuf>,
    /// H3 resolution of the cells (0–15; 8 ≈ 0.74 km²).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u8).range(0..=15))]
    pub resolution: u8,
    /// Length of a time bin.
    #[arg(long, value_name = "STEP", default_value = "week", value_parser = ["day", "week", "month"])]
    pub bin: String,
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
    /// Input columns and time zone.
    #[command(flatten)]
    pub columns: ColumnArgs,
    /// No progress bar and no report on the terminal (errors are still printed).
    #[arg(long, short)]
    pub quiet: bool,
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
    /// No report on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
}
