//! Seeded test data shared by the unit tests, the integration tests and the benchmarks, the way
//! rstar's `test_utilities` serves its own: one xorshift generator, and a cube of random counts
//! with a few busy cells. Compiled for the library's own tests, and for other crates with the
//! `test-data` feature; not part of the engine.

use h3o::{LatLng, Resolution};

use crate::cube::build::JobCube;
use crate::cube::{JobSpec, SpaceTimeCube};
use crate::plan::{PatrolParams, PlanContext};
use crate::stats::StatsParams;
use crate::time::{BinSpec, BinStep, TimeBins, WindowStart};

/// Marsaglia's xorshift64 (shifts 13, 7, 17): fast, seeded, the same sequence everywhere.
#[derive(Clone, Debug)]
pub struct SeededRng(u64);

impl SeededRng {
    /// A generator from `seed` (0 is replaced, as xorshift would stay at 0).
    pub fn new(seed: u64) -> Self {
        SeededRng(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// A uniform number in [0, 1), from the top 53 bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// A cube of `cells` resolution-8 cells around Helsinki (the first of a disk, in H3 order) ×
/// `weeks` weekly bins ending 2026-11-02, with counts of 0–3, and 0–39 in every 37th cell.
pub fn random_cube(cells: usize, weeks: u32, seed: u64) -> SpaceTimeCube {
    let centre = LatLng::new(60.2, 24.95).expect("valid").to_cell(Resolution::Eight);
    let mut k = 1;
    while (3 * k * (k + 1) + 1) < cells as u32 {
        k += 1;
    }
    let mut disk: Vec<h3o::CellIndex> = centre.grid_disk(k);
    disk.sort_unstable();
    disk.truncate(cells);
    let spec = BinSpec::new(
        BinStep::Week,
        WindowStart::Steps(weeks),
        chrono::NaiveDate::from_ymd_opt(2026, 11, 2),
        chrono_tz::Europe::Helsinki,
    )
    .expect("valid bins");
    let bins = TimeBins::build(&spec, None).expect("bins");
    let mut cube = SpaceTimeCube::zeros(Resolution::Eight, disk, bins);
    let mut rng = SeededRng::new(seed);
    for cell in 0..cube.cells().len() {
        for bin in 0..weeks as usize {
            let r = rng.next_u64();
            let count = if cell % 37 == 0 { r % 40 } else { r % 4 };
            cube.add(cell, bin, count, count as f64);
        }
    }
    cube
}

/// The job of `cube`'s events alone: no concern reports, no district tallies and an empty
/// weekday × hour profile.
pub fn job_of(cube: SpaceTimeCube) -> JobCube {
    let (cells, bins) = (cube.cells().len(), cube.bins().len());
    JobCube::of_counts(JobSpec::all(), cube, vec![0; cells * bins])
}

/// What a test's [`PlanContext`] borrows, owned: cells in no district, no districts layer and no
/// services, the default statistics and a small-count threshold of 5.
pub struct PlanSetup {
    /// Each cell's district: none.
    pub cell_districts: Vec<Option<usize>>,
    /// District names: none.
    pub district_names: Vec<String>,
    /// The statistics' parameters: the defaults.
    pub stats: StatsParams,
    /// The plan's parameters.
    pub patrol: PatrolParams,
}

impl PlanSetup {
    /// The setup for `cells` cells planned with `patrol`.
    pub fn new(cells: usize, patrol: PatrolParams) -> Self {
        PlanSetup {
            cell_districts: vec![None; cells],
            district_names: Vec::new(),
            stats: StatsParams::default(),
            patrol,
        }
    }

    /// The context that borrows it.
    pub fn ctx(&self) -> PlanContext<'_> {
        PlanContext {
            cell_districts: &self.cell_districts,
            districts: None,
            district_names: &self.district_names,
            services: None,
            stats: &self.stats,
            patrol: &self.patrol,
            min_count: 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generator_is_xorshift64_and_the_cube_has_its_busy_cells() {
        // xorshift64 from 1: 1 ^ 1<<13 = 8193; ^ >>7 = 8193 ^ 64 = 8257; ^ <<17.
        assert_eq!(SeededRng::new(1).next_u64(), 8257 ^ (8257 << 17));
        let cube = random_cube(100, 10, 3);
        assert_eq!((cube.cells().len(), cube.bins().len()), (100, 10));
        let busy: u64 = cube.series(0).iter().sum();
        let quiet: u64 = cube.series(1).iter().sum();
        assert!(cube.series(1).iter().all(|&c| c < 4) && busy > quiet, "{busy} {quiet}");
        assert_eq!(random_cube(100, 10, 3), cube, "seeded");
    }
}
