//! Runs the whole product from Rust, without the command line, through the library's one entry
//! point: the built-in sample, districts and services → validated events → H3 cells → weekly
//! space-time cube → Gi*, Mann-Kendall and the emerging-hotspot patterns → patrol plan → every
//! output in `out-example/`; prints the row accounting, the patterns and the top patrol areas.
//!
//! `cargo run --release -p hotspots-core --example pipeline`

use hotspots_core::cube::{CubeConfig, JobSpec};
use hotspots_core::ingest::{IngestOptions, InputSource};
use hotspots_core::plan::PatrolParams;
use hotspots_core::progress::NoProgress;
use hotspots_core::publish::SmallCounts;
use hotspots_core::sample;
use hotspots_core::space::{Districts, Services};
use hotspots_core::stats::StatsParams;
use hotspots_core::time::{BinSpec, WindowStart, parse_time_zone};
use hotspots_core::{RunConfig, ServicesLayer, Task, run};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tz = parse_time_zone("Europe/Helsinki")?;
    let config = RunConfig {
        cube: CubeConfig {
            inputs: vec![InputSource::sample()],
            ingest: IngestOptions::new(tz),
            districts: Some(Districts::builtin()),
            districts_name: sample::DISTRICTS_NAME.into(),
            resolution: h3o::Resolution::try_from(CubeConfig::DEFAULT_RESOLUTION)?,
            bins: BinSpec::new(BinSpec::DEFAULT_STEP, WindowStart::Auto, None, tz)?,
            jobs: vec![JobSpec::all()],
            partials: Vec::new(),
            store: None,
        },
        stats: StatsParams::default(),
        patrol: PatrolParams::default(),
        small_counts: SmallCounts::new(SmallCounts::DEFAULT_MIN_COUNT),
        services: Some(ServicesLayer { services: Services::builtin(), name: sample::SERVICES_NAME.into() }),
        task: Task::Analyze { backtest_steps: 4 },
        max_reject_share: RunConfig::DEFAULT_MAX_REJECT_SHARE,
        out_dir: "out-example".into(),
        accept_change: false,
        scan: None,
        lang: Default::default(),
        landmarks: None,
        previous: None,
        effort: None,
    };
    let report = run(&config, &NoProgress)?;
    for input in &report.inputs {
        println!(
            "{}: read {} = accepted {} + rejected {} + outside study area {} + outside window {}",
            input.path, input.read, input.accepted, input.rejected, input.outside_study_area, input.outside_window
        );
    }
    for job in &report.jobs {
        let s = &job.summary;
        println!("job {}: {} cells × {} weekly bins", s.job, s.cube.cells, s.cube.bins);
        for (pattern, cells) in s.patterns.iter().filter(|&(_, &n)| n > 0) {
            println!("  {pattern}: {cells} cells");
        }
        if let Some(b) = &job.backtest {
            print!("{}", b.table());
        }
        println!("wrote {}: {}", job.dir.display(), job.written.join(", "));
    }
    Ok(())
}
