//! Runs the nightly path from Rust, without the command line: the built-in sample and districts
//! → validated events → H3 cells → weekly space-time cube, then prints the row accounting and the
//! busiest cells of the final week.
//!
//! `cargo run --release -p hotspots-core --example pipeline`

use hotspots_core::output::DiscardRejects;
use hotspots_core::pipeline::{CubeConfig, build_cube};
use hotspots_core::progress::NoProgress;
use hotspots_core::time_bins::{BinSpec, BinStep, WindowStart};
use hotspots_core::{ingest, sample};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tz = hotspots_core::local_time::parse_time_zone("Europe/Helsinki")?;
    let config = CubeConfig {
        inputs: vec![sample::events()],
        ingest: ingest::IngestOptions::new(tz),
        districts: Some(sample::districts()),
        districts_name: sample::DISTRICTS_NAME.into(),
        resolution: h3o::Resolution::Eight,
        bins: BinSpec { step: BinStep::Week, start: WindowStart::Auto, until: None, tz },
    };
    let run = build_cube(&config, &NoProgress, &mut DiscardRejects)?;
    for input in &run.inputs {
        println!(
            "{}: read {} = accepted {} + rejected {} + outside study area {} + outside window {}",
            input.path, input.read, input.accepted, input.rejected, input.outside_study_area, input.outside_window
        );
    }
    let cube = &run.cube;
    let last = cube.bins().len() - 1;
    let mut busiest: Vec<(u64, usize)> = (0..cube.cells().len()).map(|c| (cube.count(c, last), c)).collect();
    busiest.sort_unstable_by(|a, b| b.cmp(a));
    println!("busiest cells in the final week:");
    for &(count, c) in busiest.iter().take(5) {
        let district = run.cell_districts[c].map(|d| run.districts[d].name.as_str()).unwrap_or("-");
        println!("  {} ({district}): {count} events", cube.cells()[c]);
    }
    Ok(())
}
