//! The library runs the whole product: [`run`] takes a [`RunConfig`] through ingest → cube →
//! per-job statistics → plan → backtest → publishing, and returns a [`RunReport`] of what it
//! read, found and wrote. The command line, the library example and the benchmarks all call it.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use crate::config::{RunConfig, Task};
use crate::cube::effort::{EffortAccount, EffortCube, spread_effort};
use crate::cube::{CubeRun, InputAccount, JobCube, build_cube};
use crate::error::{Error, Result};
use crate::ingest::{DiscardRejects, RejectSink};
use crate::plan::backtest::default_holdout;
use crate::plan::{Backtest, Plan, PlanContext, Planned, analyse_and_plan, backtest, patrol::hot_cell_services};
use crate::progress::Progress;
use crate::publish::disclosure::Figures;
use crate::publish::guard;
use crate::publish::rejects::RejectWriter;
use crate::publish::summary::{EffortSummary, ScanSummary, TeamSummary, district_summaries};
use crate::publish::{
    ANALYSIS_OUTPUTS, Audience, BACKTEST_OUTPUTS, Changes, Disclosure, DistrictSummary, JobResults, OutputSet,
    PreviousRun, RunParameters, Summary, output_path, publish_job, stale_outputs,
};
use crate::stats::JobStats;
use crate::stats::exposure::{EncounterCube, ExposureGi};
use crate::stats::forecast::Forecast;
use crate::stats::scan::{ScanResult, scan};
use crate::time::WindowStart;

/// What one job of a run produced.
pub struct JobReport {
    /// The folder its outputs went to.
    pub dir: PathBuf,
    /// Its summary, as in `summary.json` (for a backtest run, as it would be).
    pub summary: Summary,
    /// Its backtest, when one was run.
    pub backtest: Option<Backtest>,
    /// The files written, as paths under `dir` (`public/…`, `internal/…`), in order.
    pub written: Vec<String>,
}

/// What a run read, found and wrote.
pub struct RunReport {
    /// Row accounting per input.
    pub inputs: Vec<InputAccount>,
    /// Diagnoses of whole-file mistakes (also passed to [`Progress::warn`] as found).
    pub diagnoses: Vec<String>,
    /// One report per job, in the configuration's order.
    pub jobs: Vec<JobReport>,
    /// The effort log's row and hour accounting, when the run has one.
    pub effort: Option<EffortAccount>,
    /// What the night did to the incremental store, when the run has one.
    pub store: Option<crate::cube::build::StoreSync>,
}

/// The statistics, plan and backtest of one job, before publishing.
struct Analysed {
    stats: JobStats,
    forecast: Forecast,
    cell_services: Option<Vec<Option<(String, f64)>>>,
    plan: Plan,
    forecast_ms: u64,
    backtest: Option<Backtest>,
    scan: Option<ScanResult>,
    scan_ms: u64,
    effort: Option<crate::plan::effort::EffortView>,
    exposure: Option<ExposureGi>,
}

/// Runs the whole product as `config` says and writes its outputs as one atomic set: either
/// every file of the run appears, or none changes.
///
/// # Errors
///
/// [`Error::Parameter`] for a parameter that cannot be used (checked before any input is read,
/// or against the data's time window); [`Error::Data`] when the inputs cannot make a cube or
/// too many rows are rejected; read, format and write errors naming the file.
pub fn run(config: &RunConfig, progress: &dyn Progress) -> Result<RunReport> {
    config.check()?;
    let mut writer = match config.task {
        Task::Analyze { .. } => {
            Some(RejectWriter::new(output_path(&config.out_dir, Audience::Internal, Path::new(""), "rejects.parquet")))
        }
        Task::Backtest { .. } => None,
    };
    let sink: &mut dyn RejectSink = match writer.as_mut() {
        Some(w) => w,
        None => &mut DiscardRejects,
    };
    let mut cube_run = build_cube(&config.cube, progress, sink)?;
    for diagnosis in &cube_run.diagnoses {
        progress.warn(diagnosis);
    }
    check_reject_share(&cube_run.inputs, config.max_reject_share)?;
    check_selections(&cube_run)?;
    let mut effort = match &config.effort {
        Some(options) => Some(effort_cube(config, options, &cube_run)?),
        None => None,
    };
    if let Some(effort) = &mut effort {
        let a = &effort.account;
        if a.accepted == 0 {
            cube_run.diagnoses.push(format!(
                "{}: no row of the effort log has hours in the study area and the window ({} read, {} rejected, {} \
                 outside the window, {} outside the study area): every place counts as unpatrolled",
                a.file, a.read, a.rejected, a.outside_window, a.outside_study_area
            ));
            progress.warn(cube_run.diagnoses.last().expect("just pushed"));
        }
        // The hours go to the jobs (the last takes them, the others a copy); the run keeps the
        // accounting and the rejects.
        let hours = std::mem::take(&mut effort.hours);
        let last = cube_run.jobs.len().saturating_sub(1);
        for job in &mut cube_run.jobs[..last] {
            job.effort = Some(hours.clone());
        }
        if let Some(job) = cube_run.jobs.last_mut() {
            job.effort = Some(hours);
        }
    }

    let started = Instant::now();
    let analysed: Vec<Analysed> =
        cube_run.jobs.par_iter().map(|job| analyse_job(config, &cube_run, job)).collect::<Result<_>>()?;
    let statistics_ms = started.elapsed().as_millis() as u64;

    let started = Instant::now();
    let mut set = OutputSet::new();
    if let Some(w) = writer {
        w.finish_into(&mut set)?;
    }
    let district_names = config.district_names();
    let parameters = run_parameters(config);
    let outputs = match config.task {
        Task::Analyze { .. } => ANALYSIS_OUTPUTS,
        Task::Backtest { .. } => BACKTEST_OUTPUTS,
    };
    let specs: Vec<crate::cube::JobSpec> = cube_run.jobs.iter().map(|j| j.spec.clone()).collect();
    let (public, unpublished) = crate::publish::public_jobs(&specs);
    for warning in &unpublished {
        progress.warn(warning);
    }
    let mut jobs = Vec::with_capacity(cube_run.jobs.len());
    for ((job, done), public) in cube_run.jobs.iter().zip(analysed).zip(public) {
        let folder = config.job_folder(&job.spec.name);
        let districts: Vec<DistrictSummary> =
            district_summaries(job, &done.stats, &cube_run.cell_districts, config.stats.alpha);
        let mut summary =
            Summary::of(&cube_run, job, &done.stats, districts.clone(), &district_names, parameters.clone());
        summary.forecast = Some(done.forecast.clone());
        summary.concern_share = Some(done.plan.concern_share);
        if let (Some(view), Some(log), Some(exposure)) = (&done.effort, &effort, &done.exposure) {
            summary.effort = EffortSummary {
                given: true,
                note: EffortSummary::EFFORT_NOTE.into(),
                log: Some(log.account.clone()),
                encounters_per_hour: Some(view.rate),
                typical_cell_hours: Some(view.typical_hours),
                blind_spots: Some(view.blind_spots.len()),
                blind_spots_in_plan: Some(view.blind_spots.iter().filter(|c| done.plan.cells.contains(c)).count()),
                explore_share: Some(config.patrol.explore_share),
                high_rate_cells: Some(
                    exposure.last.iter().filter(|&&(z, p)| z > 0.0 && p <= config.stats.alpha).count(),
                ),
            };
        }
        summary.warnings.splice(0..0, cube_run.diagnoses.iter().cloned().chain(unpublished.iter().cloned()));
        summary.timings_ms.insert("statistics".into(), statistics_ms);
        summary.timings_ms.insert("forecast_and_plan".into(), done.forecast_ms);
        if let Some(result) = &done.scan {
            summary.scan = Some(ScanSummary::of(result, job, config.scan.as_ref().expect("scanned")));
            summary.timings_ms.insert("scan".into(), done.scan_ms);
        }
        // The previous run is read before this one's outputs replace it (at commit, below).
        let previous = match config.task {
            Task::Analyze { .. } => PreviousRun::read(config.previous.as_deref().unwrap_or(&config.out_dir), &folder),
            Task::Backtest { .. } => None,
        };
        let patterns: Vec<_> = done.stats.cells.iter().map(|c| c.pattern).collect();
        let changes = Changes::between(previous.as_ref(), job.cube.cells(), &patterns, &done.plan.areas);
        let results = JobResults {
            job,
            stats: &done.stats,
            cell_districts: &cube_run.cell_districts,
            districts: config.cube.districts.as_ref(),
            district_names: &district_names,
            district_summaries: &districts,
            cell_services: done.cell_services.as_deref(),
            plan: &done.plan,
            forecast: &done.forecast,
            patrol: &config.patrol,
            scope: config.stats.scope,
            backtest: done.backtest.as_ref(),
            scan: done.scan.as_ref(),
            summary: &summary,
            changes: &changes,
            lang: config.lang,
            landmarks: config.landmarks.as_ref(),
            effort: done.effort.as_ref(),
            exposure: done.exposure.as_ref(),
            effort_log: effort.as_ref(),
        };
        let exact = Figures::of(&results, Disclosure::new(Audience::Internal, config.small_counts));
        let staged =
            publish_job(&mut set, outputs, &results, config.small_counts, &folder, &config.out_dir, public, started)?;
        if matches!(config.task, Task::Analyze { .. }) && !config.accept_change {
            let previous = guard::previous_summary(&config.out_dir, &folder);
            if let Some(reason) = guard::refusal(&summary, previous.as_ref(), config.cube.districts.is_some()) {
                return Err(Error::Data(format!(
                    "{}: the run was refused: {reason}. Nothing was written; the outputs already there are untouched \
                     (give --accept-change to publish a night you know is different)",
                    config.out_dir.join(&folder).display()
                )));
            }
        }
        (summary.teams, summary.team_balance) = TeamSummary::of(&done.plan.teams, &exact);
        let own = output_path(Path::new(""), Audience::Internal, &folder, "summary.json").display().to_string();
        summary.outputs = staged.hashes;
        summary.outputs.remove(&own);
        jobs.push(JobReport { dir: config.out_dir.clone(), summary, backtest: done.backtest, written: staged.written });
    }
    if matches!(config.task, Task::Analyze { .. }) {
        for stale in stale_outputs(&config.out_dir, &set) {
            set.remove(&stale);
        }
    }
    set.commit()?;
    // What a run killed while writing here left; this run's outputs are in place.
    for left in crate::publish::leftovers(&config.out_dir) {
        let _ = std::fs::remove_file(left);
    }
    Ok(RunReport {
        inputs: cube_run.inputs,
        diagnoses: cube_run.diagnoses,
        jobs,
        effort: effort.map(|e| e.account),
        store: cube_run.store,
    })
}

/// Reads the effort log and spreads it over the cube's cells and bins.
fn effort_cube(
    config: &RunConfig,
    options: &crate::ingest::effort::EffortOptions,
    run: &CubeRun,
) -> Result<EffortCube> {
    let rows = crate::ingest::effort::read_effort(options, &config.cube.bins.tz, &config.district_names())?;
    let cube = &run.jobs[0].cube;
    Ok(spread_effort(
        rows,
        options.source.name(),
        &options.columns.geometry,
        cube.cells(),
        config.cube.resolution,
        cube.bins(),
        &run.cell_districts,
    ))
}

/// Fails when a job's `--kind` or `--category` selects no accepted event (while other events were
/// accepted), naming the categories present.
fn check_selections(run: &CubeRun) -> Result<()> {
    let any = run.inputs.iter().any(|a| a.accepted > 0);
    for job in &run.jobs {
        if !any || job.cube.total_count() > 0 {
            continue;
        }
        let mut present = run.categories.names().to_vec();
        present.sort();
        let present = if present.is_empty() { "none".to_string() } else { present.join(", ") };
        return Err(match (&job.spec.category, job.spec.kind) {
            (Some(c), _) => Error::parameter(
                "category",
                c,
                format!("no accepted event has this category (categories present: {present})"),
            ),
            (None, Some(k)) => Error::parameter("kind", k.as_str(), "no accepted event is of this kind"),
            (None, None) => continue,
        });
    }
    Ok(())
}

/// Fails when more than `max_share` of all rows read were rejected.
fn check_reject_share(inputs: &[InputAccount], max_share: f64) -> Result<()> {
    let (read, rejected) = inputs.iter().fold((0u64, 0u64), |(r, j), a| (r + a.read, j + a.rejected));
    if read > 0 && rejected as f64 > max_share * read as f64 {
        let mut reasons: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
        for (r, n) in inputs.iter().flat_map(|a| a.rejected_by_reason.iter()) {
            *reasons.entry(r.as_str()).or_default() += n;
        }
        let mut reasons: Vec<(&str, u64)> = reasons.into_iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let top: Vec<String> = reasons.iter().take(3).map(|(r, n)| format!("{r} {n}")).collect();
        return Err(Error::Data(format!(
            "{rejected} of {read} rows ({:.1} %) were rejected, more than --max-reject-share {max_share} (most often: \
             {}); nothing was written (every rejected row and its value: `hotspots validate INPUT --rejects \
             rejects.csv`)",
            100.0 * rejected as f64 / read as f64,
            top.join(", ")
        )));
    }
    Ok(())
}

/// The statistics, forecast, plan and backtest of one job, as the task asks.
fn analyse_job(config: &RunConfig, run: &CubeRun, job: &JobCube) -> Result<Analysed> {
    let names = config.district_names();
    let ctx = PlanContext {
        cell_districts: &run.cell_districts,
        districts: config.cube.districts.as_ref(),
        district_names: &names,
        services: config.services.as_ref().map(|s| &s.services),
        stats: &config.stats,
        patrol: &config.patrol,
        min_count: config.small_counts.min_count(),
    };
    let holdout = |steps: usize, name: &'static str| {
        backtest(job, &ctx, steps).map_err(|e| match e {
            Error::Parameter(mut p) if p.name == "holdout_steps" => {
                p.name = name;
                Error::Parameter(p)
            }
            e => e,
        })
    };
    let Planned { stats, forecast, plan, forecast_ms, effort } = analyse_and_plan(job, &ctx)?;
    let exposure = job.effort.as_ref().map(|hours| {
        let cube = &job.cube;
        let encounters = EncounterCube { counts: cube.counts(), concerns: &job.concerns, hours };
        let neighbours = config.stats.neighbourhoods(cube.cells());
        ExposureGi::new(encounters, cube.bins().len(), neighbours, config.stats.time_window)
    });
    let cell_services = config.services.as_ref().map(|s| hot_cell_services(&job.cube, &stats, &s.services));
    let backtest = match config.task {
        Task::Analyze { backtest_steps: 0 } => None,
        Task::Analyze { backtest_steps } => Some(holdout(backtest_steps, "backtest_steps")?),
        Task::Backtest { holdout_steps } => {
            Some(holdout(holdout_steps.unwrap_or_else(|| default_holdout(job.cube.bins().len())), "holdout_steps")?)
        }
    };
    let started = Instant::now();
    let scan = match (&config.scan, &config.task) {
        (Some(params), Task::Analyze { .. }) => {
            let cube = &job.cube;
            Some(scan(cube.cells(), cube.counts(), cube.bins().len(), params))
        }
        _ => None,
    };
    let scan_ms = started.elapsed().as_millis() as u64;
    Ok(Analysed { stats, forecast, cell_services, plan, backtest, forecast_ms, scan, scan_ms, effort, exposure })
}

/// The parameters as `summary.json` records them.
fn run_parameters(config: &RunConfig) -> RunParameters {
    let bins = &config.cube.bins;
    RunParameters {
        resolution: u8::from(config.cube.resolution),
        bin: bins.step.as_str().to_string(),
        steps: match bins.start {
            WindowStart::Steps(n) => Some(n),
            _ => None,
        },
        since: match bins.start {
            WindowStart::Since(d) => Some(d.to_string()),
            _ => None,
        },
        until: bins.until.map(|d| d.to_string()),
        tz: bins.tz.name().to_string(),
        districts: config.cube.districts.as_ref().map(|_| config.cube.districts_name.clone()),
        columns: config.cube.ingest.columns.record(),
        statistics: config.stats.clone(),
        min_count: config.small_counts.min_count(),
        services: config.services.as_ref().map(|s| s.name.clone()),
    }
}
