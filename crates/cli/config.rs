//! Turns the raw arguments (and the optional `--config` TOML file) into the validated
//! configuration the library runs on, in one place: dates parsed, the zone resolved, inputs,
//! districts and jobs chosen. A flag on the command line wins over the file; the file wins over
//! the defaults. The library never sees clap.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::NaiveDate;
use hotspots_core::cube::{CubeConfig, JobSpec};
use hotspots_core::ingest::effort::{EffortColumns, EffortOptions};
use hotspots_core::ingest::event::Kind;
use hotspots_core::ingest::{ColumnMapping, IngestOptions, InputSource};
use hotspots_core::plan::{PatrolParams, TeamCounts};
use hotspots_core::publish::{Lang, SmallCounts};
use hotspots_core::sample;
use hotspots_core::space::{Districts, Landmarks, Services};
use hotspots_core::stats::gi_star::GlobalWindow;
use hotspots_core::stats::scan::ScanParams;
use hotspots_core::stats::{Scope, StatsParams};
use hotspots_core::time::{BinSpec, BinStep, WindowStart, parse_time_zone};
use hotspots_core::{Error, RunConfig, ServicesLayer, Task};
use serde::Deserialize;

use crate::args::{AnalyzeArgs, ColumnArgs, CubeArgs};

/// The `--config` file. Every key is optional; relative paths are relative to the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    inputs: Option<Vec<PathBuf>>,
    out: Option<PathBuf>,
    districts: Option<PathBuf>,
    services: Option<PathBuf>,
    landmarks: Option<PathBuf>,
    lang: Option<String>,
    effort: Option<PathBuf>,
    explore_share: Option<f64>,
    effort_columns: Option<ConfigEffortColumns>,
    teams: Option<ConfigTeams>,
    watch_share: Option<f64>,
    service_gap_m: Option<f64>,
    max_patrol_km2: Option<f64>,
    backtest_steps: Option<usize>,
    max_reject_share: Option<f64>,
    resolution: Option<u8>,
    bin: Option<String>,
    steps: Option<u32>,
    since: Option<String>,
    until: Option<String>,
    tz: Option<String>,
    k: Option<u32>,
    time_window: Option<u32>,
    alpha: Option<f64>,
    fdr: Option<bool>,
    permutations: Option<u32>,
    seed: Option<u64>,
    scope: Option<String>,
    global_window: Option<String>,
    neighborhood_m: Option<f64>,
    scan: Option<bool>,
    scan_max_km: Option<f64>,
    scan_max_bins: Option<usize>,
    scan_replicates: Option<u32>,
    min_count: Option<u64>,
    columns: Option<ConfigColumns>,
    #[serde(default)]
    jobs: Vec<ConfigJob>,
}

/// `teams` in the config file: a number, or a text such as `"Helsinki=4,Vantaa=2"`.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ConfigTeams {
    /// The same number in every municipality.
    Each(usize),
    /// Per municipality.
    Named(String),
}

/// `[columns]` of the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigColumns {
    lat: Option<String>,
    lon: Option<String>,
    geometry: Option<String>,
    time: Option<String>,
    kind: Option<String>,
    category: Option<String>,
    id: Option<String>,
    weight: Option<String>,
    time_format: Option<String>,
}

/// `[effort_columns]` of the config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigEffortColumns {
    start: Option<String>,
    end: Option<String>,
    team: Option<String>,
    cell: Option<String>,
    district: Option<String>,
    geometry: Option<String>,
}

/// One `[[jobs]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigJob {
    name: String,
    kind: Option<String>,
    category: Option<String>,
}

impl ConfigFile {
    fn read(path: &Path) -> Result<(ConfigFile, PathBuf)> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the configuration", path.display()))?;
        let config: ConfigFile = toml::from_str(&text).map_err(|e| {
            let message = e.message().to_string();
            let line = e.span().map(|s| text[..s.start].matches('\n').count() + 1);
            anyhow::anyhow!(
                "{}{}: {}",
                path.display(),
                line.map(|l| format!(": line {l}")).unwrap_or_default(),
                message.trim()
            )
        })?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok((config, base))
    }
}

/// Parses a date given as `flag` (`until`, `since`) in YYYY-MM-DD.
pub fn parse_date(name: &'static str, text: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| Error::parameter(name, text, "expected a date as YYYY-MM-DD"))
}

fn parse_kind(name: &'static str, text: &str) -> Result<Option<Kind>, Error> {
    match text {
        "all" => Ok(None),
        other => Kind::parse(other)
            .map(Some)
            .ok_or_else(|| Error::parameter(name, other, "expected all, encounter or concern")),
    }
}

/// The ingest options of the column flags (and the config file's `[columns]`, `tz`).
pub fn ingest_options(
    columns: &ColumnArgs,
    file: Option<&ConfigColumns>,
    file_tz: Option<&str>,
) -> Result<IngestOptions> {
    let tz = parse_time_zone(columns.tz.as_deref().or(file_tz).unwrap_or(IngestOptions::DEFAULT_TIME_ZONE))?;
    let mut options = IngestOptions::new(tz);
    options.time_format = columns.time_format.clone().or_else(|| file.and_then(|f| f.time_format.clone()));
    let d = ColumnMapping::default();
    let pick = |flag: &Option<String>, file: Option<&Option<String>>, default: &str| -> String {
        flag.clone().or_else(|| file.and_then(|f| f.clone())).unwrap_or_else(|| default.to_string())
    };
    options.columns = ColumnMapping {
        lat: pick(&columns.lat_col, file.map(|f| &f.lat), &d.lat),
        lon: pick(&columns.lon_col, file.map(|f| &f.lon), &d.lon),
        geometry: columns.geometry_col.clone().or_else(|| file.and_then(|f| f.geometry.clone())),
        time: pick(&columns.time_col, file.map(|f| &f.time), &d.time),
        kind: pick(&columns.kind_col, file.map(|f| &f.kind), &d.kind),
        category: pick(&columns.category_col, file.map(|f| &f.category), &d.category),
        id: pick(&columns.id_col, file.map(|f| &f.id), &d.id),
        weight: pick(&columns.weight_col, file.map(|f| &f.weight), &d.weight),
    };
    Ok(options)
}

/// The effort log: the flag, else the file's `effort`, else the sample's log when the sample
/// runs; `none` for none. Columns: each flag, else `[effort_columns]`, else the defaults.
fn effort_options(
    args: &AnalyzeArgs,
    file: &ConfigFile,
    rel: &dyn Fn(&PathBuf) -> PathBuf,
    sample: bool,
    time_format: Option<String>,
) -> Option<EffortOptions> {
    let path = match (&args.effort, &file.effort) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(p)) => Some(rel(p)),
        (None, None) if sample => Some(PathBuf::from("builtin")),
        (None, None) => None,
    }?;
    if path.as_os_str() == "none" {
        return None;
    }
    let source = if is_builtin(&path) { EffortOptions::sample().source } else { InputSource::File(path) };
    let from_file = file.effort_columns.as_ref();
    let pick = |flag: &Option<String>, key: Option<&Option<String>>, default: String| {
        flag.clone().or_else(|| key.cloned().flatten()).unwrap_or(default)
    };
    let d = EffortColumns::default();
    let columns = EffortColumns {
        start: pick(&args.effort_start_col, from_file.map(|c| &c.start), d.start),
        end: pick(&args.effort_end_col, from_file.map(|c| &c.end), d.end),
        team: pick(&args.effort_team_col, from_file.map(|c| &c.team), d.team),
        cell: pick(&args.effort_cell_col, from_file.map(|c| &c.cell), d.cell),
        district: pick(&args.effort_district_col, from_file.map(|c| &c.district), d.district),
        geometry: pick(&args.effort_geometry_col, from_file.map(|c| &c.geometry), d.geometry),
    };
    Some(EffortOptions { source, columns, time_format })
}

/// The cube `hotspots cube` builds: its inputs (the sample when none), columns, zone, resolution
/// and districts (built-in with the sample), from the flags, then the `--config` file.
pub fn partial_config(args: &CubeArgs) -> Result<CubeConfig> {
    let (file, base) = match &args.config {
        Some(p) => ConfigFile::read(p)?,
        None => (ConfigFile::default(), PathBuf::new()),
    };
    let rel = |p: &PathBuf| if p.is_absolute() || is_builtin(p) { p.clone() } else { base.join(p) };
    let ingest = ingest_options(&args.columns, file.columns.as_ref(), file.tz.as_deref())?;
    let file_inputs: Vec<PathBuf> = file.inputs.iter().flatten().map(rel).collect();
    let input_paths: Vec<PathBuf> = if args.inputs.is_empty() { file_inputs } else { args.inputs.clone() };
    let inputs: Vec<InputSource> = if input_paths.is_empty() {
        vec![InputSource::sample()]
    } else {
        input_paths.iter().map(|p| InputSource::File(p.clone())).collect()
    };
    let districts_path = match (&args.districts, &file.districts) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(p)) => Some(rel(p)),
        (None, None) if input_paths.is_empty() => Some(PathBuf::from("builtin")),
        (None, None) => None,
    };
    let (districts, districts_name) = districts_layer(districts_path)?;
    let resolution = resolution(args.resolution, file.resolution)?;
    let bins = BinSpec::new(BinSpec::DEFAULT_STEP, WindowStart::Auto, None, ingest.tz)?;
    Ok(CubeConfig {
        inputs,
        ingest,
        districts,
        districts_name,
        resolution,
        bins,
        jobs: Vec::new(),
        partials: Vec::new(),
        store: None,
    })
}

/// The districts layer at `path` (`builtin` for the bundled one) and its display name; none
/// without a path.
fn districts_layer(path: Option<PathBuf>) -> Result<(Option<Districts>, String)> {
    Ok(match path {
        Some(p) if is_builtin(&p) => (Some(Districts::builtin()), sample::DISTRICTS_NAME.to_string()),
        Some(p) => (Some(Districts::from_path(&p)?), p.display().to_string()),
        None => (None, String::new()),
    })
}

/// The H3 resolution of a flag or the file's key, else the default.
fn resolution(flag: Option<u8>, file: Option<u8>) -> Result<h3o::Resolution> {
    let number = flag.or(file).unwrap_or(CubeConfig::DEFAULT_RESOLUTION);
    Ok(h3o::Resolution::try_from(number).map_err(|_| Error::parameter("resolution", number, "must be 0 to 15"))?)
}

fn is_builtin(path: &Path) -> bool {
    path.as_os_str() == "builtin"
}

/// The run `hotspots analyze` (with `task`) describes: flags first, then the `--config` file,
/// then the library's defaults. Every check of a value is the library's.
pub fn run_config(args: &AnalyzeArgs, task: impl FnOnce(Option<usize>) -> Task) -> Result<RunConfig> {
    let (file, base) = match &args.config {
        Some(p) => ConfigFile::read(p)?,
        None => (ConfigFile::default(), PathBuf::new()),
    };
    let rel = |p: &PathBuf| if p.is_absolute() || is_builtin(p) { p.clone() } else { base.join(p) };
    let ingest = ingest_options(&args.columns, file.columns.as_ref(), file.tz.as_deref())?;

    let bin = args.bin.clone().or(file.bin.clone());
    let step = match bin.as_deref() {
        None => BinSpec::DEFAULT_STEP,
        Some(b) => BinStep::parse(b).ok_or_else(|| Error::parameter("bin", b, "expected day, week or month"))?,
    };
    let since_text = args.since.clone().or(if args.steps.is_some() { None } else { file.since.clone() });
    let since = since_text.as_deref().map(|s| parse_date("since", s)).transpose()?;
    let until = args.until.clone().or(file.until.clone());
    let until = until.as_deref().map(|s| parse_date("until", s)).transpose()?;
    let steps = args.steps.or(if args.since.is_some() { None } else { file.steps });
    let start = match (steps, since) {
        (Some(n), None) => WindowStart::Steps(n),
        (Some(n), Some(_)) => return Err(Error::parameter("steps", n, "give either steps or since, not both").into()),
        (None, Some(s)) => WindowStart::Since(s),
        (None, None) => WindowStart::Auto,
    };
    let bins = BinSpec::new(step, start, until, ingest.tz)?;

    let file_inputs: Vec<PathBuf> = file.inputs.iter().flatten().map(rel).collect();
    let input_paths: Vec<PathBuf> = if args.inputs.is_empty() { file_inputs } else { args.inputs.clone() };
    // With --cube the partials are the input; with no input at all, the built-in sample.
    let sample = input_paths.is_empty() && args.cube.is_empty();
    let inputs: Vec<InputSource> = if !args.cube.is_empty() {
        Vec::new()
    } else if input_paths.is_empty() {
        vec![InputSource::sample()]
    } else {
        input_paths.iter().map(|p| InputSource::File(p.clone())).collect()
    };
    // With no input, the built-in sample runs with the built-in districts and services.
    let layer_path = |flag: &Option<PathBuf>, key: &Option<PathBuf>| match (flag, key) {
        (Some(p), _) => Some(p.clone()),
        (None, Some(p)) => Some(rel(p)),
        (None, None) if sample => Some(PathBuf::from("builtin")),
        (None, None) => None,
    };
    let (districts, districts_name) = districts_layer(layer_path(&args.districts, &file.districts))?;
    let services = match layer_path(&args.services, &file.services) {
        Some(p) if is_builtin(&p) => {
            Some(ServicesLayer { services: Services::builtin(), name: sample::SERVICES_NAME.to_string() })
        }
        Some(p) => Some(ServicesLayer { services: Services::from_path(&p)?, name: p.display().to_string() }),
        None => None,
    };

    let landmarks = match args.landmarks.clone().or(file.landmarks.as_ref().map(rel)) {
        None => Some(Landmarks::builtin()),
        Some(p) if is_builtin(&p) => Some(Landmarks::builtin()),
        Some(p) if p.as_os_str() == "none" => None,
        Some(p) => Some(Landmarks::from_path(&p)?),
    };
    let lang = match args.lang.as_deref().or(file.lang.as_deref()) {
        Some(text) => Lang::parse(text)?,
        None => Lang::default(),
    };

    let resolution = resolution(args.resolution, file.resolution)?;
    let scope = match args.scope.clone().or(file.scope.clone()) {
        Some(s) => Scope::parse(&s)?,
        None => StatsParams::DEFAULT_SCOPE,
    };
    let stats = StatsParams::new(
        args.k.or(file.k).unwrap_or(StatsParams::DEFAULT_K),
        args.time_window.or(file.time_window).unwrap_or(StatsParams::DEFAULT_TIME_WINDOW),
        args.alpha.or(file.alpha).unwrap_or(StatsParams::DEFAULT_ALPHA),
        // A flag wins over the file either way: `--fdr` turns it on, `--no-fdr` off.
        if args.fdr {
            true
        } else if args.no_fdr {
            false
        } else {
            file.fdr.unwrap_or(false)
        },
        args.permutations.or(file.permutations).unwrap_or(StatsParams::DEFAULT_PERMUTATIONS),
        args.seed.or(file.seed).unwrap_or(StatsParams::DEFAULT_SEED),
        scope,
    )?;
    let global_window = match args.global_window.as_deref().or(file.global_window.as_deref()) {
        Some(w) => GlobalWindow::parse(w)?,
        None => GlobalWindow::default(),
    };
    // The neighbourhood: a flag wins over the file, `--k` over a file's distance too; a file
    // that sets both is ambiguous.
    let neighbourhood_m = match (args.neighborhood_m, args.k) {
        (Some(m), _) => Some(m),
        (None, Some(_)) => None,
        (None, None) => match (file.neighborhood_m, file.k) {
            (Some(m), Some(_)) => {
                return Err(Error::parameter(
                    "neighborhood_m",
                    m,
                    "the configuration file sets k too: set one of them",
                )
                .into());
            }
            (m, _) => m,
        },
    };
    let stats = stats.with_global_window(global_window)?.with_neighbourhood_m(neighbourhood_m)?;
    let scan = if args.scan || file.scan.unwrap_or(false) {
        Some(ScanParams::new(
            args.scan_max_km.or(file.scan_max_km).unwrap_or(ScanParams::DEFAULT_MAX_KM),
            args.scan_max_bins.or(file.scan_max_bins).unwrap_or(ScanParams::DEFAULT_MAX_BINS),
            args.scan_replicates.or(file.scan_replicates).unwrap_or(ScanParams::DEFAULT_REPLICATES),
            stats.seed,
        )?)
    } else {
        None
    };

    let selection_given = args.kind.is_some() || args.category.is_some();
    let jobs: Vec<JobSpec> = if selection_given || file.jobs.is_empty() {
        let kind = args.kind.as_deref().map(|k| parse_kind("kind", k)).transpose()?.flatten();
        vec![JobSpec::select(kind, args.category.as_deref())?]
    } else {
        file.jobs
            .iter()
            .map(|j| {
                let kind = j.kind.as_deref().map(|k| parse_kind("kind", k)).transpose()?.flatten();
                JobSpec::new(j.name.clone(), kind, j.category.clone())
            })
            .collect::<Result<_, Error>>()?
    };
    let teams = match (&args.teams, &file.teams) {
        (Some(text), _) | (None, Some(ConfigTeams::Named(text))) => TeamCounts::parse(text)?,
        (None, Some(ConfigTeams::Each(n))) => TeamCounts::Each(*n),
        (None, None) => TeamCounts::Each(PatrolParams::DEFAULT_TEAMS),
    };
    let patrol = PatrolParams::new(
        args.max_patrol_km2.or(file.max_patrol_km2).unwrap_or(PatrolParams::DEFAULT_MAX_AREA_KM2),
        teams,
        args.service_gap_m.or(file.service_gap_m).unwrap_or(PatrolParams::DEFAULT_SERVICE_GAP_M),
        args.watch_share.or(file.watch_share).unwrap_or(PatrolParams::DEFAULT_WATCH_SHARE),
    )?
    .with_explore_share(
        args.explore_share.or(file.explore_share).unwrap_or(hotspots_core::plan::effort::DEFAULT_EXPLORE_SHARE),
    )?;
    let effort = effort_options(args, &file, &rel, sample, ingest.time_format.clone());
    let config = RunConfig {
        cube: CubeConfig {
            inputs,
            ingest,
            districts,
            districts_name,
            resolution,
            bins,
            jobs,
            partials: args.cube.clone(),
            store: args.store.clone(),
        },
        stats,
        patrol,
        small_counts: SmallCounts::new(args.min_count.or(file.min_count).unwrap_or(SmallCounts::DEFAULT_MIN_COUNT)),
        services,
        task: task(args.backtest_steps.or(file.backtest_steps)),
        max_reject_share: args
            .max_reject_share
            .or(file.max_reject_share)
            .unwrap_or(RunConfig::DEFAULT_MAX_REJECT_SHARE),
        out_dir: args
            .out
            .clone()
            .or(file.out.as_ref().map(rel))
            .unwrap_or_else(|| PathBuf::from(RunConfig::DEFAULT_OUT_DIR)),
        accept_change: args.accept_change,
        scan,
        lang,
        landmarks,
        previous: args.previous.clone(),
        effort,
    };
    config.check()?;
    Ok(config)
}
