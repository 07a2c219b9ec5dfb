//! The `hotspots` binary: parses the command line, builds the library's configuration, calls
//! the library and prints what it did; the outcome becomes the exit code: 0 done, 1 an error in
//! the data or the run, 2 wrong usage (a flag clap refuses, or a parameter the library refuses).

mod args;
mod config;
mod progress;
mod validate;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use hotspots_core::cube::InputAccount;
use hotspots_core::{Error, RunConfig, RunReport, Task};
use hotspots_synth::SynthConfig;

use crate::args::{AnalyzeArgs, BacktestArgs, Cli, Command, CubeArgs, SimulateArgs, SynthArgs};
use crate::config::{parse_date, run_config};
use crate::progress::TerminalProgress;

/// Every block of 4 MiB or more (a stage's per-cell-and-bin vectors) gets its own mapping,
/// returned to the system when freed. glibc otherwise raises its threshold each time such a
/// block is freed, so those vectors are carved from the heap and stay resident beside the next
/// stage's: at resolution 10 with daily bins (5 M events) the peak was 303–316 MiB without it
/// and 269 MiB with it. A lower threshold (128 KiB) saved 20 MiB more but took 2.5× the system
/// time (each batch's buffers mapped and unmapped anew).
///
/// Setting the mapping threshold also fixes glibc's trim threshold at 128 KiB, so the heap's
/// free top was handed back after nearly every batch and faulted in again by the next: a
/// nightly run over hundreds of small partial cubes spent a third of its time in page faults.
/// Freed memory up to 8 MiB now stays in the heap (BENCHMARKS.md has the figures: 32 MiB was no
/// faster and kept 37 MiB more at resolution 10).
fn keep_large_blocks_apart() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets parameters of glibc's allocator; it runs first in `main`,
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 8 << 20);
    }
}

fn main() -> ExitCode {
    keep_large_blocks_apart();
    // A panic inside a dependency on bad input (see `panic_guard::contain`) is caught and reported
    // as an error on the file, in one line; every other panic (a bug of ours) keeps its message.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !hotspots_core::panic_guard::containing() {
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
        Command::Backtest(b) => backtest(b),
        Command::Validate(v) => validate::validate(v),
        Command::Scan(a) => analyze(&AnalyzeArgs { scan: true, ..(**a).clone() }),
        Command::Synth(s) => synth(s),
        Command::Simulate(s) => simulate(s),
        Command::Cube(c) => cube(c),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<Error>() {
            Some(Error::Parameter(p)) => {
                let flag = format!("--{}", p.name.replace('_', "-"));
                eprintln!("hotspots: error: {flag} {}: {}", p.value, p.reason);
                ExitCode::from(2)
            }
            _ => {
                eprintln!("hotspots: error: {e:#}");
                ExitCode::from(1)
            }
        },
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
    let config =
        run_config(args, |steps| Task::Analyze { backtest_steps: steps.unwrap_or(RunConfig::DEFAULT_BACKTEST_STEPS) })?;
    let progress = TerminalProgress::new(args.quiet);
    let report = hotspots_core::run(&config, &progress);
    // Warnings once each, after the accounting (or before the error).
    match report {
        Ok(report) => {
            if !args.quiet {
                print_analysis(&report);
            }
            progress.print_warnings(report.jobs.iter().flat_map(|j| &j.summary.warnings));
            Ok(())
        }
        Err(e) => {
            progress.print_warnings([]);
            Err(e.into())
        }
    }
}

fn print_analysis(report: &RunReport) {
    if let Some(s) = &report.store {
        println!(
            "store: {} partial cubes built ({}), {} reused, {} removed",
            s.built.len(),
            if s.built.is_empty() { "none".to_string() } else { s.built.join(", ") },
            s.reused,
            s.removed
        );
    }
    for a in &report.inputs {
        println!("{}", account_line(a));
    }
    if let Some(e) = &report.effort {
        let mut line = format!(
            "{} (effort): read {} = accepted {} + rejected {} + outside study area {} + outside window {}; {:.1} of {:.1} patrol hours in the cube",
            e.file,
            e.read,
            e.accepted,
            e.rejected,
            e.outside_study_area,
            e.outside_window,
            e.hours_in_cube,
            e.hours_valid
        );
        if !e.rejected_by_reason.is_empty() {
            let reasons: Vec<String> = e.rejected_by_reason.iter().map(|(r, n)| format!("{r} {n}")).collect();
            line.push_str(&format!(" (rejected: {}; every row in internal/effort_rejects.csv)", reasons.join(", ")));
        }
        println!("{line}");
    }
    for job in &report.jobs {
        let (s, w) = (&job.summary, &job.summary.window);
        let bin = &s.parameters.bin;
        println!(
            "job {} ({}): {} cells × {} {}ly bins ({} … {}), {} events; overall trend {}",
            s.job,
            s.selection,
            s.cube.cells,
            s.cube.bins,
            if bin == "day" { "dai" } else { bin },
            w.start,
            w.end,
            s.cube.events,
            s.trend.direction
        );
        let patterns: Vec<String> =
            s.patterns.iter().filter(|&(_, &n)| n > 0).map(|(p, n)| format!("{p} {n}")).collect();
        println!("  patterns: {}", patterns.join(", "));
        if let Some(scan) = &s.scan {
            println!(
                "  space-time scan: {} clusters alive in the final bin ({} replicates)",
                scan.clusters.len(),
                scan.parameters.replicates
            );
            for c in &scan.clusters {
                println!(
                    "    {}. {} cells around {} within {:.2} km, {} … {}: {} events where {:.1} were expected (relative risk {:.2}), p = {}, by chance {} once in {:.0} scans (every {:.0} days)",
                    c.rank,
                    c.cells.len(),
                    c.centre,
                    c.radius_km,
                    c.start,
                    c.end,
                    c.observed,
                    c.expected,
                    c.relative_risk,
                    c.p,
                    if c.p * f64::from(scan.parameters.replicates + 1) <= 1.0 { "at most" } else { "about" },
                    c.recurrence_bins,
                    c.recurrence_days
                );
            }
        }
        println!("  wrote {}: {}", job.dir.display(), job.written.join(", "));
    }
}

fn cube(args: &CubeArgs) -> Result<()> {
    let config = config::partial_config(args)?;
    let progress = TerminalProgress::new(args.quiet);
    let started = std::time::Instant::now();
    let partial = hotspots_core::cube::partial::build_partial(&config, &config.inputs, &progress);
    progress.print_warnings(partial.iter().flat_map(|p| p.meta.inputs.iter().flat_map(|i| &i.diagnoses)));
    let partial = partial?;
    hotspots_core::cube::partial::write_partial(&partial, &args.out)?;
    if !args.quiet {
        for i in &partial.meta.inputs {
            let rejected: u64 = i.rejected_by_reason.values().sum();
            let (inside, outside) = i.days.values().fold((0, 0), |(a, b), d| (a + d.0, b + d.1));
            println!(
                "{}: read {} = valid in the study area {inside} + outside it {outside} + rejected {rejected}",
                i.path, i.read
            );
        }
        let size = std::fs::metadata(&args.out).map(|m| m.len()).unwrap_or(0);
        println!(
            "wrote the partial cube {} ({} rows, {:.1} MiB) in {:.1} s",
            args.out.display(),
            partial.rows.len(),
            size as f64 / (1 << 20) as f64,
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}

fn backtest(args: &BacktestArgs) -> Result<()> {
    let config = run_config(&args.analyze, |_| Task::Backtest { holdout_steps: args.holdout_steps })?;
    let progress = TerminalProgress::new(args.analyze.quiet);
    let report = hotspots_core::run(&config, &progress);
    progress.print_warnings([]);
    let report = report?;
    if !args.analyze.quiet {
        for b in report.jobs.iter().filter_map(|j| j.backtest.as_ref()) {
            print!("{}", b.table());
        }
    }
    Ok(())
}

fn simulate(args: &SimulateArgs) -> Result<()> {
    use hotspots_synth::simulate::{Outcome, Policy, SimConfig, simulate, table};
    let bad = || hotspots_core::Error::parameter("seeds", &args.seeds, "use N or A-B with A ≤ B");
    let (from, to) = match args.seeds.split_once('-') {
        Some((a, b)) => (a.trim().parse::<u64>().map_err(|_| bad())?, b.trim().parse::<u64>().map_err(|_| bad())?),
        None => {
            let n = args.seeds.trim().parse::<u64>().map_err(|_| bad())?;
            (n, n)
        }
    };
    if from > to || args.weeks == 0 {
        return Err(bad().into());
    }
    let runs: Vec<(u64, Policy)> = (from..=to).flat_map(|seed| Policy::ALL.map(|p| (seed, p))).collect();
    let outcomes: Vec<Outcome> = {
        use rayon::prelude::*;
        runs.par_iter()
            .map(|&(seed, policy)| simulate(&SimConfig { weeks: args.weeks, ..SimConfig::new(seed) }, policy))
            .collect::<Result<_, _>>()?
    };
    print!("{}", table(&outcomes));
    if let Some(path) = &args.json {
        let mut text = serde_json::to_string_pretty(&outcomes)?;
        text.push('\n');
        hotspots_core::publish::write_bytes_atomically(path, text.as_bytes())?;
    }
    Ok(())
}

fn synth(args: &SynthArgs) -> Result<()> {
    let until = match &args.until {
        Some(u) => parse_date("until", u)?,
        None => SynthConfig::default_until(),
    };
    let ids = hotspots_synth::IdForm::parse(&args.ids)
        .ok_or_else(|| hotspots_core::Error::parameter("ids", &args.ids, "use int, text or none".to_string()))?;
    let config = SynthConfig { events: args.events, weeks: args.weeks, seed: args.seed, until, ids };
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
    if let Some(path) = &args.effort_out {
        let shifts = hotspots_synth::effort::write_effort_parquet(&config, path)?;
        if !args.quiet {
            println!("wrote the synthetic effort log behind the encounters ({shifts} shifts) to {}", path.display());
        }
    }
    Ok(())
}
