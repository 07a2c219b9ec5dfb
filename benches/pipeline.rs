//! Criterion benchmarks of the engine, side by side so figures read as ratios:
//!
//! - H3 indexing of 1 M synthetic events: the floor (h3o once per event) next to the engine's
//!   exact per-thread `CellLocator`, then the whole ingest → index → cube run on the same events
//!   (one Parquet file) and on the built-in sample;
//! - the whole product through `hotspots_core::run` (cube, statistics, plan, backtest, every
//!   output) on the built-in sample;
//! - the statistics on a cube of 10,000 cells × 104 weekly bins: Gi* alone (k = 2, time window
//!   2), Mann-Kendall alone (10,000 series of 104), Gi* + Mann-Kendall + classification together,
//!   and 999 conditional permutations on the sample.
//!
//! `cargo bench --bench pipeline` (or `-- statistics` for one group).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use h3o::{LatLng, Resolution};
use hotspots_core::cube::{CubeConfig, JobSpec, build_cube};
use hotspots_core::ingest::{DiscardRejects, IngestOptions, InputSource};
use hotspots_core::plan::PatrolParams;
use hotspots_core::progress::NoProgress;
use hotspots_core::publish::SmallCounts;
use hotspots_core::sample;
use hotspots_core::space::{CellLocator, Districts, Services};
use hotspots_core::stats::gi_star::{Neighbourhoods, gi_star};
use hotspots_core::stats::{Scope, StatsParams, analyse, mann_kendall};
use hotspots_core::test_data::random_cube;
use hotspots_core::time::{BinSpec, BinStep, WindowStart};
use hotspots_core::{RunConfig, ServicesLayer, Task, run};
use hotspots_synth::SynthConfig;
use rayon::prelude::*;

fn config(input: InputSource, districts: bool) -> CubeConfig {
    let tz = chrono_tz::Europe::Helsinki;
    CubeConfig {
        inputs: vec![input],
        ingest: IngestOptions::new(tz),
        districts: districts.then(Districts::builtin),
        districts_name: sample::DISTRICTS_NAME.into(),
        resolution: Resolution::Eight,
        bins: BinSpec { step: BinStep::Week, start: WindowStart::Auto, until: None, tz },
        jobs: vec![JobSpec::all()],
        partials: Vec::new(),
        store: None,
    }
}

fn benches(c: &mut Criterion) {
    let synth = SynthConfig {
        events: 1_000_000,
        weeks: 52,
        seed: 7,
        until: SynthConfig::default_until(),
        ids: hotspots_synth::IdForm::Int,
    };
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
    group.bench_function("cell_locator_1m_parallel", |b| {
        b.iter(|| {
            events
                .par_chunks(4096)
                .map(|chunk| {
                    let mut locator = CellLocator::new(Resolution::Eight);
                    chunk.iter().map(|e| u64::from(locator.cell(e.lat, e.lon).expect("valid")) & 0xFF).sum::<u64>()
                })
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
            let run = build_cube(&config(InputSource::sample(), true), &NoProgress, &mut DiscardRejects);
            black_box(run.expect("run").jobs[0].cube.total_count())
        })
    });
    group.finish();

    // The whole product through the library's entry point: cube, statistics, plan, a 4-bin
    // backtest and every output, on the built-in sample.
    let out = tempfile::tempdir().expect("temporary folder");
    let whole = |backtest_steps| RunConfig {
        cube: config(InputSource::sample(), true),
        stats: StatsParams::default(),
        patrol: PatrolParams::default(),
        small_counts: SmallCounts::new(SmallCounts::DEFAULT_MIN_COUNT),
        services: Some(ServicesLayer { services: Services::builtin(), name: sample::SERVICES_NAME.into() }),
        task: Task::Analyze { backtest_steps },
        max_reject_share: RunConfig::DEFAULT_MAX_REJECT_SHARE,
        out_dir: out.path().to_path_buf(),
        accept_change: true,
        scan: None,
        lang: Default::default(),
        landmarks: None,
        previous: None,
        effort: None,
    };
    let mut group = c.benchmark_group("run");
    group.sample_size(10);
    group.throughput(Throughput::Elements(60_000));
    for steps in [0, 4] {
        let config = whole(steps);
        group.bench_function(format!("builtin_sample_60k_backtest_{steps}"), |b| {
            b.iter(|| black_box(run(&config, &NoProgress).expect("run").jobs[0].written.len()))
        });
    }
    group.finish();
}

fn statistics(c: &mut Criterion) {
    // 10,000 cells around Helsinki × 104 weeks of seeded random counts.
    let cube = random_cube(10_000, 104, 0x2545_F491_4F6C_DD1D);
    let nd = vec![None; cube.cells().len()];
    let params = StatsParams::new(2, 2, StatsParams::DEFAULT_ALPHA, false, 0, 0, Scope::City).expect("valid");
    let mut group = c.benchmark_group("statistics");
    group.sample_size(10);
    group.throughput(Throughput::Elements(10_000 * 104));
    let neighbours = Neighbourhoods::k_ring(cube.cells(), 2);
    let values: Vec<f64> = cube.counts().iter().map(|&c| c as f64).collect();
    group.bench_function("gi_star_10k_cells_104_weeks_k2_w2", |b| {
        b.iter(|| black_box(gi_star(&values, 104, &neighbours, 2).z[0]))
    });
    group.bench_function("mann_kendall_10k_series_of_104", |b| {
        b.iter(|| values.par_chunks(104).map(|series| mann_kendall(series).s).sum::<f64>())
    });
    group.bench_function("gi_mk_classify_10k_cells_104_weeks_k2_w2", |b| {
        b.iter(|| black_box(analyse(&cube, &nd, &[], &params, "bench").expect("analyse").cells.len()))
    });

    let run = build_cube(&config(InputSource::sample(), true), &NoProgress, &mut DiscardRejects).expect("sample");
    let job = &run.jobs[0];
    let perm = StatsParams::new(1, 1, StatsParams::DEFAULT_ALPHA, false, 999, 1, Scope::City).expect("valid");
    group.throughput(Throughput::Elements((job.cube.cells().len() * job.cube.bins().len()) as u64));
    group.bench_function("permutations_999_builtin_sample", |b| {
        b.iter(|| black_box(analyse(&job.cube, &run.cell_districts, &[], &perm, "bench").expect("analyse").p[0]))
    });
    group.finish();
}

criterion_group!(pipeline, benches, statistics);
criterion_main!(pipeline);
