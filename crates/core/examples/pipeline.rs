//! Runs the nightly path from Rust, without the command line: the built-in sample and districts
//! → validated events → H3 cells → weekly space-time cube → Gi*, Mann-Kendall and the
//! emerging-hotspot patterns; prints the row accounting and the emerging cells.
//!
//! `cargo run --release -p hotspots-core --example pipeline`

use hotspots_core::emerging::{StatsParams, analyse};
use hotspots_core::jobs::JobSpec;
use hotspots_core::output::DiscardRejects;
use hotspots_core::pipeline::{CubeConfig, build_cube};
use hotspots_core::progress::NoProgress;
use hotspots_core::time_bins::{BinSpec, BinStep, WindowStart};
use hotspots_core::{ingest, sample};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tz = hotspots_core::local_time::parse_time_zone("Europe/Helsinki")?;
    let districts = sample::districts();
    let names: Vec<String> = districts.all().iter().map(|d| d.name.clone()).collect();
    let config = CubeConfig {
        inputs: vec![sample::events()],
        ingest: ingest::IngestOptions::new(tz),
        districts: Some(districts),
        districts_name: sample::DISTRICTS_NAME.into(),
        resolution: h3o::Resolution::Eight,
        bins: BinSpec { step: BinStep::Week, start: WindowStart::Auto, until: None, tz },
        jobs: vec![JobSpec::all()],
    };
    let run = build_cube(&config, &NoProgress, &mut DiscardRejects)?;
    for input in &run.inputs {
        println!(
            "{}: read {} = accepted {} + rejected {} + outside study area {} + outside window {}",
            input.path, input.read, input.accepted, input.rejected, input.outside_study_area, input.outside_window
        );
    }
    let job = &run.jobs[0];
    let stats = analyse(&job.cube, &run.cell_districts, &names, &StatsParams::default(), &job.spec.name)?;
    println!("{} cells × {} weekly bins", job.cube.cells().len(), job.cube.bins().len());
    println!("emerging cells:");
    for (c, cell) in stats.cells.iter().enumerate() {
        if cell.pattern.is_emerging() {
            let district = run.cell_districts[c].map(|d| names[d].as_str()).unwrap_or("-");
            println!("  {} ({district}): {} — {}", job.cube.cells()[c], cell.pattern.name(), cell.pattern.label_fi());
        }
    }
    Ok(())
}
