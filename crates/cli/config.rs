//! Turns the raw arguments (and the optional `--config` TOML file) into the validated
//! configuration the library runs on, in one place: dates parsed, the zone resolved, inputs,
//! districts and jobs chosen. A flag on the command line wins over the file; the file wins over
//! the defaults. The library never sees clap.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use hotspots_core::districts::Districts;
use hotspots_core::emerging::{Scope, StatsParams};
use hotspots_core::event::Kind;
use hotspots_core::ingest::{ColumnMapping, IngestOptions, InputSource};
use hotspots_core::jobs::JobSpec;
use hotspots_core::local_time::parse_time_zone;
use hotspots_core::patrol::PatrolParams;
use hotspots_core::pipeline::CubeConfig;
use hotspots_core::sample;
use hotspots_core::services::Services;
use hotspots_core::summary::RunParameters;
use hotspots_core::time_bins::{BinSpec, BinStep, WindowStart};
use serde::Deserialize;

use crate::args::{AnalyzeArgs, ColumnArgs};

/// The `--config` file. Every key is optional; relative paths are relative to the file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    inputs: Option<Vec<PathBuf>>,
    out: Option<PathBuf>,
    districts: Option<PathBuf>,
    services: Option<PathBuf>,
    teams: Option<usize>,
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
    min_count: Option<u64>,
    columns: Option<ConfigColumns>,
    #[serde(default)]
    jobs: Vec<ConfigJob>,
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

/// A checked `analyze` run.
pub struct AnalyzeConfig {
    /// What the library runs.
    pub cube: CubeConfig,
    /// The statistics.
    pub stats: StatsParams,
    /// The patrol plan.
    pub patrol: PatrolParams,
    /// The services layer.
    pub services: Option<Services>,
    /// Held-out bins of the backtest (0: none).
    pub backtest_steps: usize,
    /// The largest share of rejected rows a run accepts.
    pub max_reject_share: f64,
    /// The output folder.
    pub out_dir: PathBuf,
    /// The parameters as recorded in summary.json.
    pub parameters: RunParameters,
    /// Names of the districts (layer order), for reports.
    pub district_names: Vec<String>,
    /// Whether each job writes into its own sub-folder (several jobs).
    pub job_folders: bool,
    /// No progress bar or report.
    pub quiet: bool,
}

pub fn parse_date(flag: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .with_context(|| format!("{flag} {text}: expected a date as YYYY-MM-DD"))
}

fn parse_kind(flag: &str, text: &str) -> Result<Option<Kind>> {
    match text {
        "all" => Ok(None),
        other => match Kind::parse(other) {
            Some(k) => Ok(Some(k)),
            None => bail!("{flag} {other}: expected all, encounter or concern"),
        },
    }
}

/// The ingest options of the column flags (and the config file's `[columns]`, `tz`).
pub fn ingest_options(
    columns: &ColumnArgs,
    file: Option<&ConfigColumns>,
    file_tz: Option<&str>,
) -> Result<IngestOptions> {
    let tz_name = columns.tz.as_deref().or(file_tz).unwrap_or("Europe/Helsinki");
    let tz = parse_time_zone(tz_name)?;
    let mut options = IngestOptions::new(tz);
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

fn column_record(m: &ColumnMapping) -> BTreeMap<String, String> {
    let mut c = BTreeMap::new();
    c.insert("lat".into(), m.lat.clone());
    c.insert("lon".into(), m.lon.clone());
    if let Some(g) = &m.geometry {
        c.insert("geometry".into(), g.clone());
    }
    c.insert("time".into(), m.time.clone());
    c.insert("kind".into(), m.kind.clone());
    c.insert("category".into(), m.category.clone());
    c.insert("id".into(), m.id.clone());
    c.insert("weight".into(), m.weight.clone());
    c
}

fn is_builtin(path: &Path) -> bool {
    path.as_os_str() == "builtin"
}

impl AnalyzeConfig {
    pub fn from_args(args: &AnalyzeArgs) -> Result<Self> {
        let (file, base) = match &args.config {
            Some(p) => ConfigFile::read(p)?,
            None => (ConfigFile::default(), PathBuf::new()),
        };
        let rel = |p: &PathBuf| if p.is_absolute() || is_builtin(p) { p.clone() } else { base.join(p) };
        let ingest = ingest_options(&args.columns, file.columns.as_ref(), file.tz.as_deref())?;
        let tz_name = args.columns.tz.clone().or(file.tz.clone()).unwrap_or_else(|| "Europe/Helsinki".into());

        let bin = args.bin.clone().or(file.bin.clone()).unwrap_or_else(|| "week".into());
        let step = BinStep::parse(&bin).with_context(|| format!("bin `{bin}`: expected day, week or month"))?;
        let since_text = args.since.clone().or(if args.steps.is_some() { None } else { file.since.clone() });
        let since = since_text.as_deref().map(|s| parse_date("--since", s)).transpose()?;
        let until = args.until.clone().or(file.until.clone());
        let until = until.as_deref().map(|s| parse_date("--until", s)).transpose()?;
        if let (Some(s), Some(u)) = (since, until)
            && s >= u
        {
            bail!("--since {s} is not before --until {u}");
        }
        let steps = args.steps.or(if args.since.is_some() { None } else { file.steps });
        let start = match (steps, since) {
            (Some(0), _) => bail!("steps must be at least 1"),
            (Some(n), None) => WindowStart::Steps(n),
            (Some(_), Some(_)) => bail!("give either steps or since, not both"),
            (None, Some(s)) => WindowStart::Since(s),
            (None, None) => WindowStart::Auto,
        };

        let file_inputs: Vec<PathBuf> = file.inputs.iter().flatten().map(rel).collect();
        let input_paths: Vec<PathBuf> = if args.inputs.is_empty() { file_inputs } else { args.inputs.clone() };
        let inputs: Vec<InputSource> = if input_paths.is_empty() {
            vec![sample::events()]
        } else {
            input_paths.iter().map(|p| InputSource::File(p.clone())).collect()
        };
        let districts_path = match (&args.districts, &file.districts) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(p)) => Some(rel(p)),
            (None, None) if input_paths.is_empty() => Some(PathBuf::from("builtin")),
            (None, None) => None,
        };
        let (districts, districts_name) = match &districts_path {
            Some(p) if is_builtin(p) => (Some(sample::districts()), sample::DISTRICTS_NAME.to_string()),
            Some(p) => (Some(Districts::from_path(p)?), p.display().to_string()),
            None => (None, String::new()),
        };
        let services_path = match (&args.services, &file.services) {
            (Some(p), _) => Some(p.clone()),
            (None, Some(p)) => Some(rel(p)),
            (None, None) if input_paths.is_empty() => Some(PathBuf::from("builtin")),
            (None, None) => None,
        };
        let services = match &services_path {
            Some(p) if is_builtin(p) => Some(Services::from_geojson(sample::SERVICES_GEOJSON, sample::SERVICES_NAME)?),
            Some(p) => Some(Services::from_path(p)?),
            None => None,
        };
        let district_names: Vec<String> =
            districts.as_ref().map(|d| d.all().iter().map(|d| d.name.clone()).collect()).unwrap_or_default();

        let resolution_number = args.resolution.or(file.resolution).unwrap_or(8);
        let resolution = h3o::Resolution::try_from(resolution_number).context("resolution must be 0 to 15")?;
        let scope = match args.scope.clone().or(file.scope.clone()).as_deref().unwrap_or("city") {
            "city" => Scope::City,
            "district" => Scope::District,
            other => bail!("scope `{other}`: expected city or district"),
        };
        if scope == Scope::District && districts.is_none() {
            bail!("--scope district needs a districts layer (--districts FILE or --districts builtin)");
        }
        let stats = StatsParams {
            k: args.k.or(file.k).unwrap_or(1),
            time_window: args.time_window.or(file.time_window).unwrap_or(1),
            alpha: args.alpha.or(file.alpha).unwrap_or(0.05),
            fdr: args.fdr || file.fdr.unwrap_or(false),
            permutations: args.permutations.or(file.permutations).unwrap_or(0),
            seed: args.seed.or(file.seed).unwrap_or(0),
            scope,
        };
        if !(stats.alpha > 0.0 && stats.alpha < 1.0) {
            bail!("--alpha {} must be between 0 and 1", stats.alpha);
        }
        if stats.k > 50 {
            bail!("--k {} is too large (at most 50 rings)", stats.k);
        }

        let selection_given = args.kind.is_some() || args.category.is_some();
        let jobs: Vec<JobSpec> = if selection_given || file.jobs.is_empty() {
            let kind = args.kind.as_deref().map(|k| parse_kind("--kind", k)).transpose()?.flatten();
            vec![JobSpec::select(kind, args.category.as_deref())?]
        } else {
            file.jobs
                .iter()
                .map(|j| {
                    let kind = j
                        .kind
                        .as_deref()
                        .map(|k| parse_kind(&format!("job {} kind", j.name), k))
                        .transpose()?
                        .flatten();
                    Ok(JobSpec::new(j.name.clone(), kind, j.category.clone())?)
                })
                .collect::<Result<_>>()?
        };
        hotspots_core::jobs::check_jobs(&jobs)?;

        let min_count = args.min_count.or(file.min_count).unwrap_or(5);
        let max_reject_share = args.max_reject_share.or(file.max_reject_share).unwrap_or(1.0);
        if !(0.0..=1.0).contains(&max_reject_share) {
            bail!("--max-reject-share {max_reject_share} must be between 0 and 1");
        }
        let patrol = PatrolParams {
            max_area_km2: args.max_patrol_km2.or(file.max_patrol_km2).unwrap_or(2.0),
            recent_bins: 4,
            teams: args.teams.or(file.teams).unwrap_or(4),
            service_gap_m: args.service_gap_m.or(file.service_gap_m).unwrap_or(1000.0),
            alpha: stats.alpha,
            min_count,
        };
        if !(patrol.max_area_km2 > 0.0 && patrol.service_gap_m >= 0.0) {
            bail!("--max-patrol-km2 must be above 0 and --service-gap-m at least 0");
        }
        let parameters = RunParameters {
            resolution: resolution_number,
            bin: step.as_str().to_string(),
            steps,
            since: since.map(|d| d.to_string()),
            until: until.map(|d| d.to_string()),
            tz: tz_name,
            districts: districts_path.as_ref().map(|_| districts_name.clone()),
            columns: column_record(&ingest.columns),
            statistics: stats.clone(),
            min_count,
            services: services_path
                .as_ref()
                .map(|p| if is_builtin(p) { sample::SERVICES_NAME.to_string() } else { p.display().to_string() }),
        };
        let bins = BinSpec { step, start, until, tz: ingest.tz };
        let job_folders = jobs.len() > 1;
        Ok(AnalyzeConfig {
            cube: CubeConfig { inputs, ingest, districts, districts_name, resolution, bins, jobs },
            stats,
            patrol,
            services,
            backtest_steps: args.backtest_steps.or(file.backtest_steps).unwrap_or(0),
            max_reject_share,
            out_dir: args.out.clone().or(file.out.as_ref().map(rel)).unwrap_or_else(|| PathBuf::from("out")),
            parameters,
            district_names,
            job_folders,
            quiet: args.quiet,
        })
    }
}
