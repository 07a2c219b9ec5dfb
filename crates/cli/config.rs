//! Turns the raw arguments into the validated configuration the library runs on, in one place:
//! dates parsed, the zone resolved, inputs and districts chosen. The library never sees clap.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use hotspots_core::districts::Districts;
use hotspots_core::ingest::{ColumnMapping, IngestOptions, InputSource};
use hotspots_core::local_time::parse_time_zone;
use hotspots_core::pipeline::CubeConfig;
use hotspots_core::sample;
use hotspots_core::summary::RunParameters;
use hotspots_core::time_bins::{BinSpec, BinStep, WindowStart};

use crate::args::{AnalyzeArgs, ColumnArgs};

/// A checked `analyze` run.
pub struct AnalyzeConfig {
    /// What the library runs.
    pub cube: CubeConfig,
    /// The output folder.
    pub out_dir: PathBuf,
    /// The parameters as recorded in summary.json.
    pub parameters: RunParameters,
    /// No progress bar or report.
    pub quiet: bool,
}

pub fn parse_date(flag: &str, text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .with_context(|| format!("{flag} {text}: expected a date as YYYY-MM-DD"))
}

/// The ingest options of the column flags.
pub fn ingest_options(columns: &ColumnArgs) -> Result<IngestOptions> {
    let tz = parse_time_zone(&columns.tz)?;
    let mut options = IngestOptions::new(tz);
    options.columns = ColumnMapping {
        lat: columns.lat_col.clone(),
        lon: columns.lon_col.clone(),
        geometry: columns.geometry_col.clone(),
        time: columns.time_col.clone(),
        kind: columns.kind_col.clone(),
        category: columns.category_col.clone(),
        id: columns.id_col.clone(),
        weight: columns.weight_col.clone(),
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
        let ingest = ingest_options(&args.columns)?;
        let step = BinStep::parse(&args.bin).expect("clap checked the value");
        let since = args.since.as_deref().map(|s| parse_date("--since", s)).transpose()?;
        let until = args.until.as_deref().map(|s| parse_date("--until", s)).transpose()?;
        if let (Some(s), Some(u)) = (since, until)
            && s >= u
        {
            bail!("--since {s} is not before --until {u}");
        }
        let start = match (args.steps, since) {
            (Some(n), _) => WindowStart::Steps(n),
            (None, Some(s)) => WindowStart::Since(s),
            (None, None) => WindowStart::Auto,
        };
        let inputs: Vec<InputSource> = if args.inputs.is_empty() {
            vec![sample::events()]
        } else {
            args.inputs.iter().map(|p| InputSource::File(p.clone())).collect()
        };
        let districts_path = match &args.districts {
            Some(p) => Some(p.clone()),
            None if args.inputs.is_empty() => Some(PathBuf::from("builtin")),
            None => None,
        };
        let (districts, districts_name) = match &districts_path {
            Some(p) if is_builtin(p) => (Some(sample::districts()), sample::DISTRICTS_NAME.to_string()),
            Some(p) => (Some(Districts::from_path(p)?), p.display().to_string()),
            None => (None, String::new()),
        };
        let resolution = h3o::Resolution::try_from(args.resolution).context("--resolution")?;
        let parameters = RunParameters {
            resolution: args.resolution,
            bin: step.as_str().to_string(),
            steps: args.steps,
            since: since.map(|d| d.to_string()),
            until: until.map(|d| d.to_string()),
            tz: args.columns.tz.clone(),
            districts: districts_path.as_ref().map(|_| districts_name.clone()),
            columns: column_record(&ingest.columns),
        };
        let bins = BinSpec { step, start, until, tz: ingest.tz };
        Ok(AnalyzeConfig {
            cube: CubeConfig { inputs, ingest, districts, districts_name, resolution, bins },
            out_dir: args.out.clone(),
            parameters,
            quiet: args.quiet,
        })
    }
}
