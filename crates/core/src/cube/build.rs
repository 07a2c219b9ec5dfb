//! The nightly path from inputs to the space-time cube: ingest every input (streaming, batch by
//! batch), index each event (H3 cell and local day in parallel with rayon, district by R-tree),
//! fix the time window, and fill the cube. Every input row ends up in exactly one of: accepted,
//! rejected, outside the study area, outside the time window.
//!
//! Precedence (a reading of DESIGN.md, also in the README): a row that fails validation is
//! rejected; a valid event outside the window is `outside_window` (whatever its place); a valid
//! event inside the window whose cell is not in the study area is `outside_study_area`. The
//! default window is placed from *all* valid events, including those outside the study area.

use std::collections::BTreeMap;

// Fast, unseeded hashing for the per-event maps: deterministic, and several times faster than
// SipHash on small keys. Every result is ordered explicitly, never by map iteration.
use rustc_hash::FxHashMap as HashMap;
use std::time::Instant;

use h3o::{CellIndex, Resolution};
use rayon::prelude::*;

use crate::cube::SpaceTimeCube;
use crate::cube::day_row::DayRow;
use crate::cube::jobs::{JobMatcher, JobSpec, check_jobs};
use crate::error::{Error, Result};
use crate::ingest::RejectSink;
use crate::ingest::event::{Kind, RejectReason};
use crate::ingest::{Categories, IngestOptions, InputSource, ReadCounts, SeenIds, ValidBatch, read_input};
use crate::progress::Progress;
use crate::space::cell_locator::CellLocator;
use crate::space::districts::Districts;
use crate::space::study_area::{cell_centre, mask_cells};
use crate::time::bins::{BinSpec, TimeBins};
use crate::time::local_time::LocalClock;

/// What a cube run needs.
pub struct CubeConfig {
    /// The inputs, in order.
    pub inputs: Vec<InputSource>,
    /// Column mapping and zone.
    pub ingest: IngestOptions,
    /// The districts layer: names places and, when present, is the analysis mask.
    pub districts: Option<Districts>,
    /// A display name for the districts layer (path or `<built-in districts>`).
    pub districts_name: String,
    /// H3 resolution of the cells.
    pub resolution: Resolution,
    /// The time axis.
    pub bins: BinSpec,
    /// The selections of events to build cubes for (at least one).
    pub jobs: Vec<JobSpec>,
    /// Partial cubes (files, or folders of `*.parquet`) to merge instead of reading `inputs`
    /// ([`crate::cube::partial`]); empty to read the raw inputs.
    pub partials: Vec<std::path::PathBuf>,
    /// The incremental store of the nightly job ([`crate::cube::store`]): when given, each input
    /// is read only when its partial cube is not stored yet, and the run merges the partials.
    pub store: Option<std::path::PathBuf>,
}

impl CubeConfig {
    /// The default H3 resolution (about 0.74 km² a cell).
    pub const DEFAULT_RESOLUTION: u8 = 8;
}

/// The row accounting of one input. `read = accepted + rejected + outside_study_area +
/// outside_window` always holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct InputAccount {
    /// The input's name.
    pub path: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Rows read.
    pub read: u64,
    /// Valid events in the window and the study area: the ones analysed.
    pub accepted: u64,
    /// Rows that failed validation.
    pub rejected: u64,
    /// Valid events in the window whose cell is not in the study area.
    pub outside_study_area: u64,
    /// Valid events before the first bin or at or after the window's end.
    pub outside_window: u64,
    /// Rejected rows per reason code (only reasons that occurred).
    pub rejected_by_reason: BTreeMap<String, u64>,
}

impl InputAccount {
    /// Whether the accounting identity holds.
    pub fn balances(&self) -> bool {
        self.read == self.accepted + self.rejected + self.outside_study_area + self.outside_window
    }
}

/// A job's accepted events per district and kind. An event's district is the one holding the
/// event itself (R-tree + point-in-polygon).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct DistrictTally {
    /// District name (or `(none)` for accepted events in no district).
    pub name: String,
    /// Municipality.
    pub municipality: String,
    /// Study-area cells whose centre lies in the district.
    pub cells: u64,
    /// Accepted encounters in the whole window.
    pub encounters: u64,
    /// Accepted concern reports in the whole window.
    pub concerns: u64,
    /// Accepted encounters in the final bin.
    pub encounters_last_bin: u64,
    /// Accepted concern reports in the final bin.
    pub concerns_last_bin: u64,
    /// The job's events in the district per bin (both kinds), oldest first.
    pub series: Vec<u64>,
}

/// The cube of one job, with its per-district tallies.
pub struct JobCube {
    /// The selection.
    pub spec: JobSpec,
    /// Its cube (the same cells and bins for every job of a run).
    pub cube: SpaceTimeCube,
    /// Its events per district (layer order), then those in no district; empty without a
    /// districts layer.
    pub districts: Vec<DistrictTally>,
    /// Concern reports per (cell, bin), cell-major like the cube.
    pub concerns: Vec<u64>,
    /// Per cell, events per local weekday (Monday first) × hour over the last
    /// [`PROFILE_DAYS`] days of the window (`7 × 24` values, cell-major).
    pub profile: Vec<u32>,
    /// Per cell, events per category label over the same days as `profile`.
    pub needs: Needs,
    /// Patrol hours per (cell, bin), cell-major like the cube, when the run has an effort log
    /// ([`crate::cube::effort`]); the same for every job.
    pub effort: Option<Vec<f64>>,
}

/// The mix of needs: per cube cell, its events per category label over the last
/// [`PROFILE_DAYS`] days of the window, as (label id, events) sorted by id; events without a
/// category under [`Needs::NONE`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Needs {
    /// The labels, by id (the run's categories).
    pub names: Vec<String>,
    /// Per cube cell (cube order), (label id, events).
    pub cells: Vec<Vec<(u32, u64)>>,
}

impl Needs {
    /// The id of events without a category.
    pub const NONE: u32 = u32::MAX;

    /// The label of `id` (`None` for [`Needs::NONE`]).
    pub fn name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    /// The events per label over the cube cells `positions`, by label id.
    pub fn of_cells(&self, positions: impl IntoIterator<Item = usize>) -> Vec<(u32, u64)> {
        let mut sum = std::collections::BTreeMap::<u32, u64>::new();
        for c in positions {
            for &(id, n) in self.cells.get(c).map_or(&[][..], Vec::as_slice) {
                *sum.entry(id).or_default() += n;
            }
        }
        sum.into_iter().collect()
    }
}

impl JobCube {
    /// A job made elsewhere (a simulation, another engine): `spec`'s `cube` with its concern
    /// reports per (cell, bin), no district tallies, an empty weekday × hour profile and mix of
    /// needs, and no effort.
    pub fn of_counts(spec: JobSpec, cube: SpaceTimeCube, concerns: Vec<u64>) -> JobCube {
        let cells = cube.cells().len();
        JobCube {
            spec,
            cube,
            districts: Vec::new(),
            concerns,
            profile: vec![0; cells * 168],
            needs: Needs::default(),
            effort: None,
        }
    }

    /// The job as it was before bin `end`: bins `0..end` only (the weekday × hour profile is
    /// kept as it is; the backtest does not use it).
    pub fn truncated(&self, end: usize) -> JobCube {
        let t = self.cube.bins().len();
        let end = end.clamp(1, t);
        let cube = self.cube.truncated(end);
        let concerns = crate::cube::space_time::first_bins(&self.concerns, t, end);
        let districts = self
            .districts
            .iter()
            .map(|d| DistrictTally { series: d.series[..end.min(d.series.len())].to_vec(), ..d.clone() })
            .collect();
        JobCube {
            spec: self.spec.clone(),
            cube,
            districts,
            concerns,
            profile: self.profile.clone(),
            needs: self.needs.clone(),
            effort: self.effort.as_ref().map(|h| crate::cube::space_time::first_bins(h, t, end)),
        }
    }
}

/// What a cube run produces.
pub struct CubeRun {
    /// One cube per job, in the order of the configuration.
    pub jobs: Vec<JobCube>,
    /// For each cube cell (same order in every job), the district holding its centre.
    pub cell_districts: Vec<Option<usize>>,
    /// Row accounting per input (the same for every job: it is about input rows).
    pub inputs: Vec<InputAccount>,
    /// Category labels seen.
    pub categories: Categories,
    /// Wall time per stage, in milliseconds, in stage order.
    pub timings_ms: Vec<(String, u64)>,
    /// Diagnoses of whole-file mistakes (swapped or projected coordinates).
    pub diagnoses: Vec<String>,
    /// What the night did to the store, when the run has one.
    pub store: Option<StoreSync>,
}

/// What a night did to the incremental store ([`crate::cube::store`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoreSync {
    /// The partial of every input, in input order.
    pub partials: Vec<std::path::PathBuf>,
    /// Inputs whose partial was built this run (new or changed files).
    pub built: Vec<String>,
    /// Inputs whose partial was already in the store.
    pub reused: usize,
    /// Partials removed (of files that are gone or changed, or of other parameters).
    pub removed: usize,
}

/// Valid events of one input on one local day: in the study area, and outside it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct DayTally {
    pub(crate) in_area: u64,
    pub(crate) out_area: u64,
}

/// A group of accepted events in the study area that share a cell (given apart), local day and
/// hour, kind, category and district: one event of an export, or one row of a partial cube.
#[derive(Clone, Copy, Debug)]
pub(crate) struct EventGroup {
    pub(crate) day: i32,
    pub(crate) hour: u8,
    pub(crate) kind: Kind,
    pub(crate) category: Option<u32>,
    pub(crate) district: Option<usize>,
    /// Events (at least 1).
    pub(crate) n: u64,
    /// Their weight sum in fixed point ([`WEIGHT_SCALE`]).
    pub(crate) weight: i128,
}

/// The key of a partial cube's row while it is recorded: `u32::MAX` stands for no category and
/// no district.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct GroupKey {
    pub(crate) slot: u32,
    pub(crate) day: i32,
    pub(crate) hour: u8,
    pub(crate) kind: u8,
    pub(crate) category: u32,
    pub(crate) district: u32,
}

/// Days of events kept for the weekday × hour profile, counted back from the end of the window.
pub const PROFILE_DAYS: i32 = 84;

/// Weights are summed exactly, in fixed point with 2⁻⁴⁰ units (about 1e-12) in an `i128`, so the
/// sums do not depend on the order of the input rows or on how they are split into files.
pub(crate) const WEIGHT_SCALE: f64 = (1u64 << 40) as f64;

/// One cell's events on one local day, in 16 bytes. An event that would overflow a field moves
/// the day's values to [`JobDays::spill`] first, so nothing saturates or wraps.
#[derive(Clone, Copy, Default, PartialEq)]
struct CellDay {
    count: u32,
    concerns: u32,
    /// Weight sum in fixed point.
    weight: i64,
}

/// What [`CellDay`] holds, with room for any input.
#[derive(Clone, Copy, Default)]
struct WideCellDay {
    count: u64,
    concerns: u64,
    weight: i128,
}

/// One cell's events in one job: per local day, and per (day, local hour) over the last
/// [`PROFILE_DAYS`] days (sorted; older days are dropped as newer ones arrive, so memory stays
/// bounded). A time-sorted export adds to the end of both.
#[derive(Default)]
struct CellRow {
    days: DayRow<CellDay>,
    /// (day, local hour, events): the weekday × hour profile.
    hours: Vec<(i32, u8, u32)>,
    /// (day, category id, events) over the same days: the mix of needs. [`NO_CATEGORY`] stands
    /// for none (and for the labels past the first 65,535 of a run, which it counts as none).
    needs: Vec<(i32, u16, u32)>,
}

/// The category id of [`CellRow::hours`] for events without one.
const NO_CATEGORY: u16 = u16::MAX;

/// Adds `n` events to a sorted list of (day, key, events). A time-sorted export adds at or near
/// the end (an hour's few categories), so the last entries are looked at one by one first; an
/// event further back is found by binary search.
fn bump<K: Ord + Copy>(list: &mut Vec<(i32, K, u32)>, day: i32, key: K, n: u32) {
    const TAIL: usize = 8;
    let len = list.len();
    let mut at = len;
    while at > 0 && len - at < TAIL {
        let e = &mut list[at - 1];
        match (e.0, e.1).cmp(&(day, key)) {
            std::cmp::Ordering::Equal => {
                e.2 = e.2.saturating_add(n);
                return;
            }
            std::cmp::Ordering::Less => {
                list.insert(at, (day, key, n));
                return;
            }
            std::cmp::Ordering::Greater => at -= 1,
        }
    }
    if at == 0 {
        list.insert(0, (day, key, n));
        return;
    }
    match list[..at].binary_search_by_key(&(day, key), |e| (e.0, e.1)) {
        Ok(i) => list[i].2 = list[i].2.saturating_add(n),
        Err(i) => list.insert(i, (day, key, n)),
    }
}

/// One job's per-day aggregates: per cell slot (see [`Aggregates::slot_of`]) its [`CellRow`];
/// per district, its events per day and kind.
#[derive(Default)]
struct JobDays {
    cells: Vec<CellRow>,
    /// Values moved out of a [`CellDay`] before they would overflow it.
    spill: HashMap<(u32, i32), WideCellDay>,
    /// Per district in layer order, then one for events in no district.
    district_days: Vec<DayRow<[u64; 2]>>,
    /// The profile floor up to which hourly counts have been dropped.
    pruned_to: i32,
}

impl JobDays {
    /// Adds `n ≥ 1` events of one cell and local day, `concerns` of them concern reports, with
    /// weight sum `weight` (fixed point): one event from an export, or one row of a partial cube.
    fn add(&mut self, slot: u32, day: i32, n: u64, weight: i128, concerns: u64) {
        let agg = self.cells[slot as usize].days.entry(day);
        let sum = u32::try_from(n)
            .ok()
            .and_then(|n| agg.count.checked_add(n))
            .zip(i64::try_from(weight).ok().and_then(|w| agg.weight.checked_add(w)))
            .zip(u32::try_from(concerns).ok().and_then(|c| agg.concerns.checked_add(c)));
        if let Some(((count, weight), concerns)) = sum {
            *agg = CellDay { count, concerns, weight };
            return;
        }
        // The day's values so far move to the spill; the cell-day keeps one of the new events
        // (so it stays non-default) and the spill takes the rest.
        let wide = self.spill.entry((slot, day)).or_default();
        wide.count += u64::from(agg.count);
        wide.concerns += u64::from(agg.concerns);
        wide.weight = wide.weight.saturating_add(i128::from(agg.weight));
        let (kept_weight, spilled_weight) = match i64::try_from(weight) {
            Ok(w) => (w, 0),
            Err(_) => (0, weight),
        };
        let kept_concern = u32::from(concerns > 0);
        *agg = CellDay { count: 1, concerns: kept_concern, weight: kept_weight };
        wide.count += n.saturating_sub(1);
        wide.concerns += concerns - u64::from(kept_concern);
        wide.weight = wide.weight.saturating_add(spilled_weight);
    }
}

/// Per-day aggregates, the engine's only per-run memory besides the cubes: the cells seen (each
/// given a slot), per job its [`JobDays`]; per input, the valid events per local day; and, when
/// no job takes every event, the days on which each cell holds any accepted event (the study
/// area without a districts layer).
pub(crate) struct Aggregates {
    mask: Option<HashMap<CellIndex, usize>>,
    /// The districts in the layer (the index of "no district" in the tallies).
    districts: usize,
    /// The rows of a partial cube, when one is being recorded ([`crate::cube::partial`]).
    pub(crate) record: Option<HashMap<GroupKey, (u64, i128)>>,
    /// Cell → slot, in the order the cells were first seen.
    slots: HashMap<CellIndex, u32>,
    /// Per slot: its cell and whether it is in the study area.
    slot_cells: Vec<(CellIndex, bool)>,
    jobs: Vec<JobDays>,
    /// A job that takes every event, whose cells then give the study area.
    all_job: Option<usize>,
    any_event: Vec<DayRow<bool>>,
    pub(crate) file_days: DayRow<DayTally>,
    /// The first few valid events of the current file outside the study area (lat, lon).
    outside_sample: Vec<(f64, f64)>,
    /// The latest local day seen, and the day before which hourly profiles are pruned.
    pub(crate) latest_day: i32,
    /// `--until` as a local day, when given (profiles are kept for the days before it).
    until_day: Option<i32>,
    /// Per cell seen: the district of every point in it, or `None` when a district border
    /// passes through it (points there are tested one by one).
    cell_districts: HashMap<CellIndex, Option<Option<usize>>>,
}

thread_local! {
    /// Each indexing thread's cell locator (kept across batches and runs; it is exact whatever
    /// it holds, and starts over when the resolution changes).
    static LOCATOR: std::cell::RefCell<Option<CellLocator>> = const { std::cell::RefCell::new(None) };
}

/// The district holding every point of `cell`, when no district border comes near it. The box
/// tested is the cell's vertex box grown by 1e-4° (5 to 11 m), far more than the few millimetres
/// by which a cell's great-circle edges bow out of the straight lines between its vertices.
fn whole_cell_district(districts: &Districts, cell: CellIndex) -> Option<Option<usize>> {
    let boundary = cell.boundary();
    let (mut min, mut max) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for v in boundary.iter() {
        min = [min[0].min(v.lng()), min[1].min(v.lat())];
        max = [max[0].max(v.lng()), max[1].max(v.lat())];
    }
    if max[0] - min[0] > 1.0 {
        return None; // across the antimeridian: test each point
    }
    const GROW: f64 = 1e-4;
    districts.locate_box([min[0] - GROW, min[1] - GROW], [max[0] + GROW, max[1] + GROW])
}

impl Aggregates {
    /// Empty aggregates for `jobs` (recording a partial cube's rows when `record`), with the
    /// study area `mask_list` ([`study_mask`]) when `config` has a districts layer.
    pub(crate) fn new(config: &CubeConfig, jobs: &[JobSpec], record: bool, mask_list: Option<&MaskList>) -> Aggregates {
        Aggregates {
            mask: mask_list.as_ref().map(|m| m.iter().copied().collect()),
            districts: config.districts.as_ref().map_or(0, Districts::len),
            record: record.then(HashMap::default),
            slots: HashMap::default(),
            slot_cells: Vec::new(),
            jobs: jobs.iter().map(|_| JobDays::default()).collect(),
            all_job: jobs.iter().position(|j| j.kind.is_none() && j.category.is_none()),
            any_event: Vec::new(),
            file_days: DayRow::default(),
            outside_sample: Vec::new(),
            latest_day: i32::MIN / 2,
            until_day: config.bins.until.map(crate::time::local_time::day_number),
            cell_districts: HashMap::default(),
        }
    }

    /// The cell of a slot.
    pub(crate) fn slot_cell(&self, slot: u32) -> CellIndex {
        self.slot_cells[slot as usize].0
    }

    /// Whether `cell` is in the study area.
    pub(crate) fn in_area(&self, cell: CellIndex) -> bool {
        self.mask.as_ref().is_none_or(|m| m.contains_key(&cell))
    }

    /// The slot of `cell`, given on first sight.
    pub(crate) fn slot_of(&mut self, cell: CellIndex) -> u32 {
        if let Some(&slot) = self.slots.get(&cell) {
            return slot;
        }
        let slot = u32::try_from(self.slot_cells.len()).expect("fewer than 2³² cells");
        self.slots.insert(cell, slot);
        self.slot_cells.push((cell, self.mask.as_ref().is_none_or(|m| m.contains_key(&cell))));
        for job in &mut self.jobs {
            job.cells.push(CellRow::default());
        }
        if self.all_job.is_none() {
            self.any_event.push(DayRow::default());
        }
        slot
    }

    /// Adds a group of accepted events in the study area to every job that takes them (and to
    /// the partial cube being recorded).
    pub(crate) fn add_group(&mut self, slot: u32, g: &EventGroup, matcher: &JobMatcher<'_>) {
        if self.all_job.is_none() {
            *self.any_event[slot as usize].entry(g.day) = true;
        }
        let floor = self.profile_floor();
        let concerns = if g.kind == Kind::Concern { g.n } else { 0 };
        let n = u32::try_from(g.n).unwrap_or(u32::MAX);
        let none_district = self.districts;
        for (j, job) in self.jobs.iter_mut().enumerate() {
            if !matcher.takes(j, g.kind, g.category) {
                continue;
            }
            job.add(slot, g.day, g.n, g.weight, concerns);
            if g.day >= floor {
                let category = g.category.and_then(|c| u16::try_from(c).ok()).unwrap_or(NO_CATEGORY);
                let row = &mut job.cells[slot as usize];
                bump(&mut row.hours, g.day, g.hour, n);
                bump(&mut row.needs, g.day, category, n);
            }
            let d = g.district.unwrap_or(none_district);
            if job.district_days.len() <= d {
                job.district_days.resize_with(d + 1, DayRow::default);
            }
            job.district_days[d].entry(g.day)[g.kind.index()] += g.n;
        }
        if let Some(record) = &mut self.record {
            let key = GroupKey {
                slot,
                day: g.day,
                hour: g.hour,
                kind: g.kind.index() as u8,
                category: g.category.unwrap_or(u32::MAX),
                district: g.district.map_or(u32::MAX, |d| d as u32),
            };
            let value = record.entry(key).or_insert((0, 0));
            value.0 += g.n;
            value.1 = value.1.saturating_add(g.weight);
        }
    }

    fn profile_floor(&self) -> i32 {
        let end = self.until_day.map_or(self.latest_day + 1, |u| u.min(self.latest_day + 1));
        end.saturating_sub(PROFILE_DAYS)
    }

    fn add_batch(
        &mut self,
        batch: &ValidBatch,
        resolution: Resolution,
        clock: &LocalClock,
        districts: Option<&Districts>,
        matcher: &JobMatcher<'_>,
    ) {
        // Cell, local day and district of every event, in parallel; then a sequential fold in
        // input order, so weight sums are the same on any number of threads. Cells come from a
        // per-thread [`CellLocator`] (h3o's cell, mostly without h3o); districts from the
        // per-cell answers of earlier batches where a cell meets no border, and from a
        // point-in-polygon test elsewhere.
        let cell_districts = &self.cell_districts;
        let indexed: Vec<(CellIndex, i32, Option<usize>)> = batch
            .events
            .par_chunks(4096)
            .map(|chunk| {
                let mut clock = clock.clone();
                LOCATOR.with_borrow_mut(|slot| {
                    let locator = match slot {
                        Some(l) if l.resolution() == resolution => l,
                        _ => slot.insert(CellLocator::new(resolution)),
                    };
                    chunk
                        .iter()
                        .map(|e| {
                            let cell = locator.cell(e.lat, e.lon).expect("validated coordinates");
                            let district = districts.and_then(|d| match cell_districts.get(&cell) {
                                Some(&Some(whole_cell)) => whole_cell,
                                _ => d.locate(e.lon, e.lat),
                            });
                            (cell, clock.local_day(e.time_us), district)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .flatten_iter()
            .collect();
        if let Some(d) = districts {
            let mut new: Vec<CellIndex> =
                indexed.iter().map(|&(c, _, _)| c).filter(|c| !self.cell_districts.contains_key(c)).collect();
            new.sort_unstable();
            new.dedup();
            let settled: Vec<(CellIndex, Option<Option<usize>>)> =
                new.into_par_iter().map(|c| (c, whole_cell_district(d, c))).collect();
            self.cell_districts.extend(settled);
        }
        let mut clock = clock.clone();
        for (e, &(cell, day, district)) in batch.events.iter().zip(&indexed) {
            self.latest_day = self.latest_day.max(day);
            let slot = self.slot_of(cell);
            let in_area = self.slot_cells[slot as usize].1;
            let tally = self.file_days.entry(day);
            if !in_area {
                tally.out_area += 1;
                if self.outside_sample.len() < 200 {
                    self.outside_sample.push((e.lat, e.lon));
                }
                continue;
            }
            tally.in_area += 1;
            // Without a districts layer, a sample of every file's events, for the swapped check.
            if self.mask.is_none() && self.outside_sample.len() < 200 {
                self.outside_sample.push((e.lat, e.lon));
            }
            // The local hour, needed only for the profile's days (and by a partial cube).
            let hour = if day >= self.profile_floor() || self.record.is_some() {
                (clock.local_us(e.time_us).rem_euclid(crate::time::local_time::DAY_US) / 3_600_000_000).min(23) as u8
            } else {
                0
            };
            let group = EventGroup {
                day,
                hour,
                kind: e.kind,
                category: e.category,
                district,
                n: 1,
                weight: (e.weight * WEIGHT_SCALE).round() as i128,
            };
            self.add_group(slot, &group, matcher);
        }
        self.prune_profiles();
    }

    /// Drops the hourly counts older than the profile's days (memory stays bounded).
    pub(crate) fn prune_profiles(&mut self) {
        let floor = self.profile_floor();
        for job in &mut self.jobs {
            if floor > job.pruned_to.saturating_add(7) {
                for cell in &mut job.cells {
                    let old = cell.hours.partition_point(|e| e.0 < floor);
                    cell.hours.drain(..old);
                    let old = cell.needs.partition_point(|e| e.0 < floor);
                    cell.needs.drain(..old);
                }
                job.pruned_to = floor;
            }
        }
    }
}

/// Runs ingest, indexing and aggregation over the raw inputs of `config`, and returns the cube
/// with the row accounting. Rejected rows go to `rejects` as they are found.
pub(crate) fn build_from_events(
    config: &CubeConfig,
    progress: &dyn Progress,
    rejects: &mut dyn RejectSink,
) -> Result<CubeRun> {
    check_jobs(&config.jobs)?;
    let started = Instant::now();
    let mask_list = study_mask(config)?;
    let mut agg = Aggregates::new(config, &config.jobs, false, mask_list.as_ref());
    let mut timings = vec![("study_area".to_string(), started.elapsed().as_millis() as u64)];
    let started = Instant::now();
    let ingested = ingest_inputs(config, &config.inputs, &mut agg, &config.jobs, progress, rejects)?;
    timings.push(("ingest_and_index".to_string(), started.elapsed().as_millis() as u64));
    finish_cube(config, agg, ingested, mask_list, timings)
}

/// What reading the inputs leaves besides the aggregates: per input its counts, valid events per
/// day and SHA-256, and the diagnoses found in it; the category labels seen.
pub(crate) struct Ingested {
    /// Per input, its name.
    pub(crate) names: Vec<String>,
    /// Per input, in order.
    pub(crate) per_file: Vec<FileDays>,
    /// Per input, the diagnoses of whole-file mistakes found in it.
    pub(crate) file_diagnoses: Vec<Vec<String>>,
    /// Category labels, by id.
    pub(crate) categories: Categories,
}

/// Reads every input of `config` into `agg` (streaming, batch by batch), rejects to `rejects`.
pub(crate) fn ingest_inputs(
    config: &CubeConfig,
    inputs: &[InputSource],
    agg: &mut Aggregates,
    jobs: &[JobSpec],
    progress: &dyn Progress,
    rejects: &mut dyn RejectSink,
) -> Result<Ingested> {
    let mut matcher = JobMatcher::new(jobs);
    let clock = LocalClock::new(config.ingest.tz);
    let mut categories = Categories::default();
    let mut ids = SeenIds::new();
    let mut per_file: Vec<FileDays> = Vec::new();
    let mut file_diagnoses: Vec<Vec<String>> = Vec::new();
    for source in inputs {
        let mut diagnoses = Vec::new();
        progress.begin(&source.name(), None);
        agg.file_days = DayRow::default();
        // Decoding and validating run on their own thread and hand batches, in file order,
        // through a bounded channel to the indexing and aggregation here, so the two overlap.
        // The order of the batches, and so every result, is the same as without the thread.
        let (counts, sha, consumed) = std::thread::scope(|s| {
            let hashing = s.spawn(|| source.sha256());
            let (sender, receiver) =
                std::sync::mpsc::sync_channel::<(ValidBatch, Vec<crate::ingest::event::Reject>, Categories)>(2);
            let categories_ref = &mut categories;
            let ids_ref = &mut ids;
            let reading = s.spawn(move || {
                let mut sink = |valid: ValidBatch,
                                rows_rejected: Vec<crate::ingest::event::Reject>,
                                seen: &Categories|
                 -> Result<()> {
                    sender
                        .send((valid, rows_rejected, seen.clone()))
                        .map_err(|_| Error::Data("the run stopped while reading (see the error above)".into()))
                };
                read_input(source, &config.ingest, categories_ref, ids_ref, &mut sink)
            });
            let mut consumed: Result<()> = Ok(());
            while let Ok((valid, rows_rejected, seen)) = receiver.recv() {
                progress.advance((valid.events.len() + rows_rejected.len()) as u64);
                matcher.resolve(&seen);
                agg.add_batch(&valid, config.resolution, &clock, config.districts.as_ref(), &matcher);
                consumed = rejects.push(rows_rejected);
                if consumed.is_err() {
                    break;
                }
            }
            // On an error here, hanging up stops the reader at its next batch.
            drop(receiver);
            let counts = reading.join().expect("reading thread");
            let sha = hashing.join().expect("hashing thread");
            (counts, sha, consumed)
        });
        consumed?;
        progress.end();
        let counts = counts?;
        let name = source.name();
        diagnoses.extend(crate::cube::diagnostics::projected_hint(&name, &counts.out_of_range_sample));
        let mut days = BTreeMap::new();
        agg.file_days.for_each(|day, tally| {
            days.insert(day, *tally);
        });
        let outside: u64 = days.values().map(|d| d.out_area).sum();
        if let Some(districts) = &config.districts
            && 2 * outside > counts.valid
        {
            diagnoses.extend(crate::cube::diagnostics::swapped_hint(&name, &agg.outside_sample, districts));
        }
        if config.districts.is_none() {
            diagnoses.extend(crate::cube::diagnostics::swapped_without_districts_hint(&name, &agg.outside_sample));
        }
        agg.outside_sample.clear();
        per_file.push((counts, days, sha?));
        file_diagnoses.push(diagnoses);
    }
    let names = inputs.iter().map(InputSource::name).collect();
    Ok(Ingested { names, per_file, file_diagnoses, categories })
}

/// Fixes the time window from the inputs' days and fills each job's cube from `agg`.
pub(crate) fn finish_cube(
    config: &CubeConfig,
    agg: Aggregates,
    ingested: Ingested,
    mask_list: Option<MaskList>,
    mut timings: Vec<(String, u64)>,
) -> Result<CubeRun> {
    let Ingested { names, per_file, file_diagnoses, categories } = ingested;
    let mut diagnoses: Vec<String> = config.districts.as_ref().map(|d| d.overlaps(0.01)).unwrap_or_default();
    diagnoses.extend(file_diagnoses.into_iter().flatten());
    let started = Instant::now();
    let span = per_file
        .iter()
        .flat_map(|(_, days, _)| days.keys().next().zip(days.keys().next_back()))
        .fold(None, |acc: Option<(i32, i32)>, (&lo, &hi)| Some(acc.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi)))));
    if span.is_none() {
        return Err(Error::Data(no_valid_event(&names, &per_file, &diagnoses)));
    }
    let hints = diagnoses.join(". ");
    let bins = TimeBins::build(&config.bins, span).map_err(|e| match e {
        Error::Data(message) if !hints.is_empty() => Error::Data(format!("{message}. {hints}")),
        e => e,
    })?;

    let cells: Vec<CellIndex> = match &mask_list {
        Some(m) => m.iter().map(|&(c, _)| c).collect(),
        None => {
            let in_window = |day: i32| bins.bin_of_day(day).is_some();
            let rows_in_window = |slot: usize| match agg.all_job {
                Some(j) => agg.jobs[j].cells[slot].days.any_day(in_window),
                None => agg.any_event[slot].any_day(in_window),
            };
            agg.slot_cells.iter().enumerate().filter(|&(slot, _)| rows_in_window(slot)).map(|(_, &(c, _))| c).collect()
        }
    };
    diagnoses.extend(final_bin_hint(&per_file, &bins));
    let template = SpaceTimeCube::zeros(config.resolution, cells, bins.clone());
    if template.cells().is_empty() {
        let hint = if diagnoses.is_empty() { String::new() } else { format!(". {}", diagnoses.join(". ")) };
        return Err(Error::Data(format!("no accepted event falls in the time window: the cube would be empty{hint}")));
    }
    let cell_districts: Vec<Option<usize>> = match (&config.districts, &mask_list) {
        (_, Some(m)) => m.iter().map(|&(_, d)| Some(d)).collect(),
        (Some(d), None) => template
            .cells()
            .iter()
            .map(|&c| {
                let (lon, lat) = cell_centre(c);
                d.locate(lon, lat)
            })
            .collect(),
        (None, None) => vec![None; template.cells().len()],
    };

    let inputs = input_accounts(&names, per_file, &bins);

    let jobs = config
        .jobs
        .iter()
        .zip(agg.jobs)
        .map(|(spec, days)| {
            fill_job(
                spec,
                days,
                (&agg.slot_cells, &template, categories.names()),
                config.districts.as_ref(),
                &cell_districts,
            )
        })
        .collect();
    timings.push(("cube".to_string(), started.elapsed().as_millis() as u64));
    Ok(CubeRun { jobs, cell_districts, inputs, categories, timings_ms: timings, diagnoses, store: None })
}

/// A reject reason's count over the inputs, with its first example (column, value).
type ReasonCount = (u64, RejectReason, Option<(String, String)>);

/// The error when no input holds a valid event: every file's counts, the most frequent reasons with
/// an example value each, and what the diagnoses found (never a flag that would not help).
fn no_valid_event(names: &[String], per_file: &[FileDays], diagnoses: &[String]) -> String {
    let files: Vec<String> = names
        .iter()
        .zip(per_file)
        .map(|(name, (c, _, _))| format!("{name}: {} rows read, {} rejected", c.read, c.rejected()))
        .collect();
    let read: u64 = per_file.iter().map(|(c, _, _)| c.read).sum();
    let mut message = if read == 0 {
        format!("no input holds a valid event ({})", files.join("; "))
    } else {
        let mut reasons: Vec<ReasonCount> = RejectReason::ALL
            .iter()
            .map(|&r| {
                let n = per_file.iter().map(|(c, _, _)| c.rejected_by_reason[r.index()]).sum();
                let example = per_file.iter().find_map(|(c, _, _)| c.examples.get(r.index()).cloned().flatten());
                (n, r, example)
            })
            .filter(|(n, _, _)| *n > 0)
            .collect();
        reasons.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.index().cmp(&b.1.index())));
        let top: Vec<String> = reasons
            .iter()
            .take(3)
            .map(|(n, r, ex)| match ex {
                Some((column, value)) if !value.is_empty() => format!("{} {n} (e.g. `{value}` in {column})", r.code()),
                Some((column, _)) => format!("{} {n} (in {column})", r.code()),
                None => format!("{} {n}", r.code()),
            })
            .collect();
        format!("every row was rejected: {}; {}", top.join(", "), files.join("; "))
    };
    if reasons_mention_time(&message) {
        message.push_str(
            ". Times are read as ISO-8601 (2026-12-01T14:05) or day-first (1.12.2026 14:05); give --time-format for others",
        );
    }
    for d in diagnoses {
        message.push_str(&format!(". {d}"));
    }
    message
}

fn reasons_mention_time(message: &str) -> bool {
    message.contains("unparsable_time")
}

/// The study area's cells with the district holding each centre ([`mask_cells`]).
pub(crate) type MaskList = Vec<(CellIndex, usize)>;

/// The study area of `config`'s districts layer; none without a layer.
pub(crate) fn study_mask(config: &CubeConfig) -> Result<Option<MaskList>> {
    config.districts.as_ref().map(|d| mask_cells(d, config.resolution, &config.districts_name)).transpose()
}

/// One input's row counts, its valid events per local day, and its SHA-256.
pub(crate) type FileDays = (ReadCounts, BTreeMap<i32, DayTally>, String);

/// A diagnosis when the final bin is far emptier than a typical one: that usually means an
/// incomplete export, or a few events dated in the future that stretched the default window.
fn final_bin_hint(per_file: &[FileDays], bins: &TimeBins) -> Option<String> {
    let mut per_bin = vec![0u64; bins.len()];
    for (_, days, _) in per_file {
        for (&day, tally) in days {
            if let Some(b) = bins.bin_of_day(day) {
                per_bin[b] += tally.in_area + tally.out_area;
            }
        }
    }
    let mut sorted = per_bin.clone();
    sorted.sort_unstable();
    let median = sorted[sorted.len() / 2];
    let last = per_bin[per_bin.len() - 1];
    (bins.len() >= 4 && median >= 20 && last * 20 < median).then(|| {
        format!(
            "the final bin holds {last} events against a median of {median} per bin: is the export incomplete, or are \
             some events dated in the future? Give --until to end the window on the last complete period"
        )
    })
}

/// The row accounting of every input, once the window is known.
fn input_accounts(names: &[String], per_file: Vec<FileDays>, bins: &TimeBins) -> Vec<InputAccount> {
    names
        .iter()
        .zip(per_file)
        .map(|(name, (counts, days, sha256))| {
            let mut account = InputAccount { path: name.clone(), sha256, read: counts.read, ..Default::default() };
            account.rejected = counts.rejected();
            for reason in RejectReason::ALL {
                let n = counts.rejected_by_reason[reason.index()];
                if n > 0 {
                    account.rejected_by_reason.insert(reason.code().to_string(), n);
                }
            }
            for (day, tally) in days {
                if bins.bin_of_day(day).is_some() {
                    account.accepted += tally.in_area;
                    account.outside_study_area += tally.out_area;
                } else {
                    account.outside_window += tally.in_area + tally.out_area;
                }
            }
            debug_assert!(account.balances());
            account
        })
        .collect()
}

/// One job's cube, concern counts, weekday × hour profiles and district tallies, filled from its
/// per-day aggregates into a copy of `template`.
fn fill_job(
    spec: &JobSpec,
    days: JobDays,
    (slot_cells, template, category_names): (&[(CellIndex, bool)], &SpaceTimeCube, &[String]),
    districts: Option<&Districts>,
    cell_districts: &[Option<usize>],
) -> JobCube {
    let bins = template.bins();
    let mut cube = template.clone();
    let t = bins.len();
    let mut concerns = vec![0u64; cube.cells().len() * t];
    let mut profile = vec![0u32; cube.cells().len() * 168];
    let mut needs = Needs { names: category_names.to_vec(), cells: vec![Vec::new(); cube.cells().len()] };
    let mut mix: Vec<(u32, u64)> = Vec::new();
    let profile_from = bins.end_day() - PROFILE_DAYS;
    let positions: Vec<Option<usize>> = slot_cells.iter().map(|&(cell, _)| cube.cell_position(cell)).collect();
    // The spilled values in slot order, consumed slot by slot below (those of cells outside the
    // cube skipped).
    let mut spill = days.spill.into_iter().collect::<BTreeMap<(u32, i32), WideCellDay>>().into_iter().peekable();
    // Weights are summed exactly in fixed point per cell, then turned into one float per bin, so
    // they are bit-identical whatever the order of the events.
    let mut weights = vec![0i128; t];
    for (slot, row) in days.cells.iter().enumerate() {
        let Some(c) = positions[slot] else { continue };
        weights.iter_mut().for_each(|w| *w = 0);
        let mut add = |day: i32, agg: WideCellDay| {
            if let Some(b) = bins.bin_of_day(day) {
                cube.add(c, b, agg.count, 0.0);
                weights[b] = weights[b].saturating_add(agg.weight);
                concerns[c * t + b] += agg.concerns;
            }
        };
        row.days.for_each(|day, agg| {
            let wide = WideCellDay {
                count: u64::from(agg.count),
                concerns: u64::from(agg.concerns),
                weight: i128::from(agg.weight),
            };
            add(day, wide);
        });
        let slot = slot as u32;
        while spill.next_if(|((s, _), _)| *s < slot).is_some() {}
        while let Some(((_, day), wide)) = spill.next_if(|((s, _), _)| *s == slot) {
            add(day, wide);
        }
        for (b, &w) in weights.iter().enumerate() {
            if w != 0 {
                cube.add(c, b, 0, w as f64 / WEIGHT_SCALE);
            }
        }
        for &(day, hour, n) in &row.hours {
            if day >= profile_from && bins.bin_of_day(day).is_some() {
                // 1970-01-01 was a Thursday: weekday 3 counting from Monday.
                let weekday = (day + 3).rem_euclid(7) as usize;
                let slot = &mut profile[c * 168 + weekday * 24 + hour as usize];
                *slot = slot.saturating_add(n);
            }
        }
        mix.clear();
        for &(day, category, n) in &row.needs {
            if day >= profile_from && bins.bin_of_day(day).is_some() {
                let id = if category == NO_CATEGORY { Needs::NONE } else { u32::from(category) };
                mix.push((id, u64::from(n)));
            }
        }
        // Summed per category, by id.
        mix.sort_unstable_by_key(|e| e.0);
        let cell_mix = &mut needs.cells[c];
        for &(category, n) in &mix {
            match cell_mix.last_mut() {
                Some(last) if last.0 == category => last.1 += n,
                _ => cell_mix.push((category, n)),
            }
        }
    }
    let districts =
        districts.map(|layer| district_tallies(layer, cell_districts, &days.district_days, bins)).unwrap_or_default();
    JobCube { spec: spec.clone(), cube, districts, concerns, profile, needs, effort: None }
}

fn district_tallies(
    layer: &Districts,
    cell_districts: &[Option<usize>],
    district_days: &[DayRow<[u64; 2]>],
    bins: &TimeBins,
) -> Vec<DistrictTally> {
    let mut tallies: Vec<DistrictTally> = layer
        .all()
        .iter()
        .map(|d| DistrictTally { name: d.name.clone(), municipality: d.municipality.clone(), ..Default::default() })
        .chain(std::iter::once(DistrictTally { name: "(none)".into(), ..Default::default() }))
        .map(|t| DistrictTally { series: vec![0; bins.len()], ..t })
        .collect();
    for d in cell_districts.iter().flatten() {
        tallies[*d].cells += 1;
    }
    let last = bins.len() - 1;
    for (t, row) in tallies.iter_mut().zip(district_days) {
        row.for_each(|day, kinds| {
            let Some(b) = bins.bin_of_day(day) else { return };
            t.encounters += kinds[Kind::Encounter.index()];
            t.concerns += kinds[Kind::Concern.index()];
            t.series[b] += kinds[0] + kinds[1];
            if b == last {
                t.encounters_last_bin += kinds[Kind::Encounter.index()];
                t.concerns_last_bin += kinds[Kind::Concern.index()];
            }
        });
    }
    tallies
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::bins::{BinStep, WindowStart};

    /// A cell-day whose count or weight would overflow its 16 bytes moves them to the spill
    /// first, and the cube adds both parts back: every event and every weight unit counted once.
    #[test]
    fn a_cell_day_that_would_overflow_spills_and_is_added_back() {
        let spec = BinSpec {
            step: BinStep::Day,
            start: WindowStart::Steps(3),
            until: chrono::NaiveDate::from_ymd_opt(2026, 11, 4),
            tz: chrono_tz::Europe::Helsinki,
        };
        let bins = TimeBins::build(&spec, None).unwrap();
        let day0 = bins.end_day() - 3;
        let cell = h3o::LatLng::new(60.17, 24.94).unwrap().to_cell(Resolution::Eight);
        // Slot 0 is a cell outside the cube with a spill of its own, which must not hold up
        // slot 1's.
        let outside = h3o::LatLng::new(61.0, 25.0).unwrap().to_cell(Resolution::Eight);
        let mut days = JobDays { cells: (0..2).map(|_| CellRow::default()).collect(), ..Default::default() };
        days.add(0, day0, 1, i128::from(i64::MAX) + 1, 0);
        assert!(days.spill.contains_key(&(0, day0)));
        // 5e6 in fixed point fits an i64 once, not twice.
        let w = (5e6 * WEIGHT_SCALE).round() as i128;
        days.add(1, day0, 1, w, 0);
        assert!(!days.spill.contains_key(&(1, day0)));
        days.add(1, day0, 1, w, 1);
        let (spilled, kept) = (days.spill[&(1, day0)], *days.cells[1].days.entry(day0));
        assert_eq!((spilled.count, spilled.weight, kept.count, kept.weight, kept.concerns), (1, w, 1, w as i64, 1));
        // A count at its limit spills; a weight past an i64 goes to the spill whole.
        days.cells[1].days.entry(day0 + 1).count = u32::MAX;
        days.add(1, day0 + 1, 1, 0, 0);
        assert_eq!(
            (days.spill[&(1, day0 + 1)].count, days.cells[1].days.entry(day0 + 1).count),
            (u64::from(u32::MAX), 1)
        );
        let huge = i128::from(i64::MAX) + 1;
        days.add(1, day0 + 2, 1, huge, 0);
        assert_eq!((days.spill[&(1, day0 + 2)].weight, days.cells[1].days.entry(day0 + 2).weight), (huge, 0));

        let template = SpaceTimeCube::zeros(Resolution::Eight, vec![cell], bins);
        let job = fill_job(&JobSpec::all(), days, (&[(outside, true), (cell, true)], &template, &[]), None, &[None]);
        assert_eq!(job.cube.series(0), &[2, u64::from(u32::MAX) + 1, 1]);
        assert_eq!(job.cube.weight(0, 0), 1e7);
        assert_eq!(job.cube.weight(0, 2), huge as f64 / WEIGHT_SCALE);
        assert_eq!(job.concerns, vec![1, 0, 0]);
    }

    /// `bump` keeps the list sorted and counts like a map, in any order of arrival.
    #[test]
    fn bump_counts_like_a_sorted_map_in_any_order() {
        let mut rng = crate::test_data::SeededRng::new(7);
        for spread in [3, 40, 2000] {
            let mut list: Vec<(i32, (u8, u16), u32)> = Vec::new();
            let mut want = std::collections::BTreeMap::new();
            for i in 0..3000i32 {
                // Mostly rising days, as a time-sorted export, with some late arrivals.
                let day = i / 20 - (rng.next_f64() * f64::from(spread)) as i32;
                let key = ((rng.next_f64() * 3.0) as u8, (rng.next_f64() * 5.0) as u16);
                bump(&mut list, day, key, 1);
                *want.entry((day, key)).or_insert(0u32) += 1;
            }
            let want: Vec<(i32, (u8, u16), u32)> = want.into_iter().map(|((d, k), n)| (d, k, n)).collect();
            assert_eq!(list, want, "spread {spread}");
        }
    }

    /// The mix of needs counts each cell's events per category over the profile's last 84 days
    /// of the window only, events without a category under `Needs::NONE`.
    #[test]
    fn the_mix_of_needs_keeps_the_profile_days() {
        let spec = BinSpec {
            step: BinStep::Day,
            start: WindowStart::Steps(100),
            until: chrono::NaiveDate::from_ymd_opt(2026, 11, 4),
            tz: chrono_tz::Europe::Helsinki,
        };
        let bins = TimeBins::build(&spec, None).unwrap();
        let end = bins.end_day();
        let cell = h3o::LatLng::new(60.17, 24.94).unwrap().to_cell(Resolution::Eight);
        let mut days = JobDays { cells: vec![CellRow::default()], ..Default::default() };
        // Out of order, as an unsorted export gives them.
        for (day, category) in [(end - 5, 1), (end - 10, 0), (end - 90, 0), (end - 10, 0), (end - 5, NO_CATEGORY)] {
            days.add(0, day, 1, 0, 0);
            bump(&mut days.cells[0].needs, day, category, 1);
        }
        let template = SpaceTimeCube::zeros(Resolution::Eight, vec![cell], bins);
        let names = ["substance".to_string(), "safety".to_string()];
        let job = fill_job(&JobSpec::all(), days, (&[(cell, true)], &template, &names), None, &[None]);
        assert_eq!(job.needs.cells, [vec![(0, 2), (1, 1), (Needs::NONE, 1)]], "day end − 90 is before the 84 days");
        assert_eq!(job.needs.of_cells([0, 0]), [(0, 4), (1, 2), (Needs::NONE, 2)]);
        assert_eq!((job.needs.name(1), job.needs.name(Needs::NONE)), (Some("safety"), None));
    }
}
