//! The `hotspots` binary: parses the command line, checks it into a configuration, runs the
//! library and maps the outcome to an exit code: 0 done, 1 error in the data or the run,
//! 2 wrong usage.

mod args;
mod config;
mod progress;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use hotspots_core::backtest::{Backtest, backtest};
use hotspots_core::emerging::{JobStats, analyse};
use hotspots_core::event::RejectReason;
use hotspots_core::ingest::{Categories, InputSource, ValidBatch, read_input};
use hotspots_core::layers::{DistrictLayer, HotspotLayer, PatrolLayer};
use hotspots_core::output::{DiscardRejects, OutputSet, RejectSink, RejectWriter};
use hotspots_core::patrol::{hot_cell_services, plan};
use hotspots_core::pipeline::{CubeRun, InputAccount, build_cube};
use hotspots_core::privacy::SmallCounts;
use hotspots_core::qgis_style::hotspots_qml;
use hotspots_core::report::Report;
use hotspots_core::summary::{Summary, district_summaries};
use hotspots_synth::SynthConfig;
use rayon::prelude::*;
use std::time::Instant;

use crate::args::{AnalyzeArgs, BacktestArgs, Cli, Command, SynthArgs, ValidateArgs};
use crate::config::{AnalyzeConfig, ingest_options, parse_date};
use crate::progress::TerminalProgress;

fn main() -> ExitCode {
    // A panic inside a dependency on bad input (see `robustness::contain`) is caught and reported
    // as an error on the file, in one line; every other panic (a bug of ours) keeps its message.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !hotspots_core::robustness::containing() {
            default_hook(info);
        }
    }));
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(e.exit_code().clamp(0, 255) as u8);
        }
    };
    let outcome = match &cli.command {
        Command::Analyze(a) => analyze(a),
        Command::Backtest(b) => backtest_command(b),
        Command::Validate(v) => validate(v),
        Command::Synth(s) => synth(s),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hotspots: error: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn account_line(a: &InputAccount) -> String {
    let mut line = format!(
        "{}: read {} = accepted {} + rejected {} + outside study area {} + outside window {}",
        a.path, a.read, a.accepted, a.rejected, a.outside_study_area, a.outside_window
    );
    if !a.rejected_by_reason.is_empty() {
        let reasons: Vec<String> = a.rejected_by_reason.iter().map(|(r, n)| format!("{r} {n}")).collect();
        line.push_str(&format!(" (rejected: {})", reasons.join(", ")));
    }
    line
}

fn analyze(args: &AnalyzeArgs) -> Result<()> {
    let config = AnalyzeConfig::from_args(args)?;
    let progress = TerminalProgress::new(config.quiet);
    let mut rejects = RejectWriter::new(config.out_dir.join("rejects.parquet"));
    let run: CubeRun = build_cube(&config.cube, &progress, &mut rejects)?;
    for diagnosis in &run.diagnoses {
        eprintln!("hotspots: warning: {diagnosis}");
    }
    let (read, rejected) = run.inputs.iter().fold((0u64, 0u64), |(r, j), a| (r + a.read, j + a.rejected));
    if read > 0 && rejected as f64 > config.max_reject_share * read as f64 {
        anyhow::bail!(
            "{rejected} of {read} rows ({:.1} %) were rejected, more than --max-reject-share {}; nothing was written \
             (see the reasons with `hotspots validate INPUT --rejects rejects.csv`)",
            100.0 * rejected as f64 / read as f64,
            config.max_reject_share
        );
    }

    let started = Instant::now();
    let analysed: Vec<JobStats> = run
        .jobs
        .par_iter()
        .map(|job| analyse(&job.cube, &run.cell_districts, &config.district_names, &config.stats, &job.spec.name))
        .collect::<Result<_, _>>()?;
    let statistics_ms = started.elapsed().as_millis() as u64;

    let started = Instant::now();
    let mut outputs = OutputSet::new();
    rejects.finish_into(&mut outputs)?;
    let small = SmallCounts::new(config.parameters.min_count);
    let mut summaries = Vec::new();
    for (job, stats) in run.jobs.iter().zip(&analysed) {
        let dir = if config.job_folders { config.out_dir.join(&job.spec.name) } else { config.out_dir.clone() };
        job.cube.write_parquet(&mut outputs, &dir.join("cube.parquet"), Some(stats))?;
        let cell_services = config.services.as_ref().map(|s| hot_cell_services(&job.cube, stats, s));
        let layer = HotspotLayer {
            job: &job.spec.name,
            scope: config.stats.scope.as_str(),
            cells: job.cube.cells(),
            districts: run
                .cell_districts
                .iter()
                .map(|d| d.and_then(|d| config.district_names.get(d)).map(String::as_str))
                .collect(),
            counts: job.cube.counts(),
            bins: job.cube.bins().len(),
            stats,
            small,
            nearest_service_m: cell_services
                .as_ref()
                .map(|per_cell| per_cell.iter().map(|n| n.as_ref().map(|(_, d)| *d)).collect()),
        };
        layer.write(&mut outputs, &dir.join("hotspots.geojson"))?;
        let areas = plan(job, stats, &run.cell_districts, cell_services.as_deref(), &config.patrol);
        let patrol_layer = |gaps_only| PatrolLayer {
            job: &job.spec.name,
            areas: &areas,
            district_names: &config.district_names,
            small,
            service_gap_m: config.patrol.service_gap_m,
            gaps_only,
        };
        patrol_layer(false).write(&mut outputs, &dir.join("patrol_areas.geojson"))?;
        if config.services.is_some() {
            patrol_layer(true).write(&mut outputs, &dir.join("service_gaps.geojson"))?;
        }
        outputs.write_bytes(&dir.join("hotspots.qml"), hotspots_qml().as_bytes())?;
        let districts = district_summaries(job, stats, &run.cell_districts, config.stats.alpha, small);
        if let Some(layer) = &config.cube.districts {
            DistrictLayer { job: &job.spec.name, districts: layer, summaries: &districts }
                .write(&mut outputs, &dir.join("districts.geojson"))?;
        }
        let backtest = if config.backtest_steps > 0 {
            let b = backtest(
                job,
                &run.cell_districts,
                &config.district_names,
                &config.stats,
                &config.patrol,
                config.backtest_steps,
            )?;
            let mut text = serde_json::to_string_pretty(&b).expect("backtest serialises");
            text.push('\n');
            outputs.write_bytes(&dir.join("backtest.json"), text.as_bytes())?;
            Some(b)
        } else {
            None
        };
        let mut summary = Summary::of(&run, job, stats, districts, &config.district_names, config.parameters.clone());
        summary.warnings.splice(0..0, run.diagnoses.iter().cloned());
        summary.timings_ms.insert("statistics".into(), statistics_ms);
        Report {
            summary: &summary,
            cells: job.cube.cells(),
            stats,
            districts: config.cube.districts.as_ref(),
            district_series: job.districts.iter().map(|d| d.series.clone()).collect(),
            small,
            patrol: &areas,
            patrol_params: &config.patrol,
            backtest: backtest.as_ref(),
            district_names: &config.district_names,
        }
        .write(&mut outputs, &dir.join("report.html"))?;
        summary.timings_ms.insert("write".into(), started.elapsed().as_millis() as u64);
        let rejects_path = config.out_dir.join("rejects.parquet");
        for staged in outputs.paths().into_iter().map(Path::to_path_buf).collect::<Vec<_>>() {
            if staged.parent() == Some(dir.as_path()) || staged == rejects_path {
                let name = staged.strip_prefix(&config.out_dir).unwrap_or(&staged).display().to_string();
                if let Some(sha) = outputs.sha256(&staged)? {
                    summary.outputs.insert(name, sha);
                }
            }
        }
        summary.write(&mut outputs, &dir.join("summary.json"))?;
        summaries.push((dir, summary));
    }
    outputs.commit()?;

    for (_, summary) in &summaries {
        for warning in &summary.warnings {
            eprintln!("hotspots: warning: {warning}");
        }
    }
    if !config.quiet {
        for a in &run.inputs {
            println!("{}", account_line(a));
        }
        for (dir, summary) in &summaries {
            let w = &summary.window;
            let bin = &summary.parameters.bin;
            println!(
                "job {} ({}): {} cells × {} {}ly bins ({} … {}), {} events; overall trend {}",
                summary.job,
                summary.selection,
                summary.cube.cells,
                summary.cube.bins,
                if bin == "day" { "dai" } else { bin },
                w.start,
                w.end,
                summary.cube.events,
                summary.trend.direction
            );
            let patterns: Vec<String> =
                summary.patterns.iter().filter(|&(_, &n)| n > 0).map(|(p, n)| format!("{p} {n}")).collect();
            println!("  patterns: {}", patterns.join(", "));
            let written: Vec<&str> = ["hotspots", "districts", "patrol_areas", "service_gaps"]
                .into_iter()
                .filter(|layer| dir.join(format!("{layer}.geojson")).exists())
                .collect();
            println!(
                "  wrote {}: {} GeoJSON, report.html, summary.json, cube.parquet",
                dir.display(),
                written.join(", ")
            );
        }
    }
    Ok(())
}

fn backtest_command(args: &BacktestArgs) -> Result<()> {
    let config = AnalyzeConfig::from_args(&args.analyze)?;
    let progress = TerminalProgress::new(config.quiet);
    let run = build_cube(&config.cube, &progress, &mut DiscardRejects)?;
    let results: Vec<Backtest> = run
        .jobs
        .par_iter()
        .map(|job| {
            backtest(
                job,
                &run.cell_districts,
                &config.district_names,
                &config.stats,
                &config.patrol,
                args.holdout_steps,
            )
        })
        .collect::<Result<_, _>>()?;
    let mut outputs = OutputSet::new();
    for (job, b) in run.jobs.iter().zip(&results) {
        let dir = if config.job_folders { config.out_dir.join(&job.spec.name) } else { config.out_dir.clone() };
        let mut text = serde_json::to_string_pretty(b).expect("backtest serialises");
        text.push('\n');
        outputs.write_bytes(&dir.join("backtest.json"), text.as_bytes())?;
    }
    outputs.commit()?;
    if !config.quiet {
        for b in &results {
            print!("{}", b.table());
        }
    }
    Ok(())
}

fn validate(args: &ValidateArgs) -> Result<()> {
    let options = ingest_options(&args.columns, None, None)?;
    let progress = TerminalProgress::new(args.quiet);
    let mut writer = args.rejects.as_ref().map(RejectWriter::new);
    let mut categories = Categories::default();
    let mut ids = hotspots_core::ingest::SeenIds::new();
    let mut lines = Vec::new();
    for path in &args.inputs {
        let source = InputSource::File(path.clone());
        use hotspots_core::progress::Progress;
        progress.begin(&source.name(), None);
        let sink_target: &mut dyn RejectSink = match writer.as_mut() {
            Some(w) => w,
            None => &mut DiscardRejects,
        };
        let mut sink = |valid: ValidBatch, rejected: Vec<hotspots_core::event::Reject>, _: &Categories| {
            progress.advance((valid.events.len() + rejected.len()) as u64);
            sink_target.push(rejected)
        };
        let counts = read_input(&source, &options, &mut categories, &mut ids, &mut sink);
        progress.end();
        let counts = counts?;
        let mut line = format!(
            "{}: read {} = accepted {} + rejected {}",
            source.name(),
            counts.read,
            counts.valid,
            counts.rejected()
        );
        let reasons: Vec<String> = RejectReason::ALL
            .iter()
            .filter(|r| counts.rejected_by_reason[r.index()] > 0)
            .map(|r| format!("{} {}", r.code(), counts.rejected_by_reason[r.index()]))
            .collect();
        if !reasons.is_empty() {
            line.push_str(&format!(" (rejected: {})", reasons.join(", ")));
        }
        lines.push(line);
    }
    if let Some(w) = writer {
        w.finish()?;
    }
    for line in lines {
        println!("{line}");
    }
    Ok(())
}

fn synth(args: &SynthArgs) -> Result<()> {
    let until = match &args.until {
        Some(u) => parse_date("--until", u)?,
        None => SynthConfig::default_until(),
    };
    let config = SynthConfig { events: args.events, weeks: args.weeks, seed: args.seed, until };
    let started = std::time::Instant::now();
    let truth = hotspots_synth::write_parquet(&config, &args.out)?;
    if !args.quiet {
        println!(
            "wrote {} events over {} weeks ({} … {}) to {} in {:.1} s; ground truth in {}",
            args.events,
            args.weeks,
            truth.start,
            truth.until,
            args.out.display(),
            started.elapsed().as_secs_f64(),
            hotspots_synth::truth_path(Path::new(&args.out)).display()
        );
    }
    Ok(())
}
