//! Criterion benchmarks of the cube path: the H3 indexing floor (h3o once per event), and the
//! whole ingest → index → cube run on the built-in sample and on 1 M synthetic events, side by
//! side so the engine's overhead over the floor shows as a ratio.
//!
//! `cargo bench --bench pipeline`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use h3o::{LatLng, Resolution};
use hotspots_core::ingest::{IngestOptions, InputSource};
use hotspots_core::jobs::JobSpec;
use hotspots_core::output::DiscardRejects;
use hotspots_core::pipeline::{CubeConfig, build_cube};
use hotspots_core::progress::NoProgress;
use hotspots_core::sample;
use hotspots_core::time_bins::{BinSpec, BinStep, WindowStart};
use hotspots_synth::SynthConfig;
use rayon::prelude::*;

fn config(input: InputSource, districts: bool) -> CubeConfig {
    let tz = chrono_tz::Europe::Helsinki;
    CubeConfig {
        inputs: vec![input],
        ingest: IngestOptions::new(tz),
        districts: districts.then(sample::districts),
        districts_name: sample::DISTRICTS_NAME.into(),
        resolution: Resolution::Eight,
        bins: BinSpec { step: BinStep::Week, start: WindowStart::Auto, until: None, tz },
        jobs: vec![JobSpec::all()],
    }
}

fn benches(c: &mut Criterion) {
    let synth = SynthConfig { events: 1_000_000, weeks: 52, seed: 7, until: SynthConfig::default_until() };
    let events = hotspots_synth::generate(&synth).expect("generate");
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("e1m.parquet");
    hotspots_synth::write_parquet(&synth, &path).expect("write");

    let mut group = c.benchmark_group("floor");
    group.sample_size(10);
    group.throughput(Throughput::Elements(events.len() as u64));
    group.bench_function("h3_cells_1m_parallel", |b| {
        b.iter(|| {
            events
                .par_iter()
                .map(|e| u64::from(LatLng::new(e.lat, e.lon).expect("valid").to_cell(Resolution::Eight)) & 0xFF)
                .sum::<u64>()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("cube");
    group.sample_size(10);
    group.throughput(Throughput::Elements(1_000_000));
    group.bench_function("parquet_1m_no_districts", |b| {
        b.iter(|| {
            let run = build_cube(&config(InputSource::File(path.clone()), false), &NoProgress, &mut DiscardRejects);
            black_box(run.expect("run").jobs[0].cube.total_count())
        })
    });
    group.bench_function("parquet_1m_builtin_districts", |b| {
        b.iter(|| {
            let run = build_cube(&config(InputSource::File(path.clone()), true), &NoProgress, &mut DiscardRejects);
            black_box(run.expect("run").jobs[0].cube.total_count())
        })
    });
    group.throughput(Throughput::Elements(60_000));
    group.bench_function("builtin_sample_60k", |b| {
        b.iter(|| {
            let run = build_cube(&config(sample::events(), true), &NoProgress, &mut DiscardRejects);
            black_box(run.expect("run").jobs[0].cube.total_count())
        })
    });
    group.finish();
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
