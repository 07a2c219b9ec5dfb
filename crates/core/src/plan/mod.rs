//! The plan: a forecast of next bin's events per cell and the emerging patterns turned into
//! ranked, walkable patrol areas with when to go and which team ([`patrol`], [`teams`]), and
//! its backtest against naive forecasts ([`backtest`](mod@backtest)).

pub mod backtest;
pub mod effort;
pub mod patrol;
pub mod teams;

pub use backtest::{Backtest, backtest};
pub use patrol::{PatrolArea, PatrolParams, Plan, PlanInputs, TeamCounts, plan};
pub use teams::Team;

use crate::cube::JobCube;
use crate::error::Result;
use crate::space::{Districts, Services};
use crate::stats::forecast::{DEFAULT_VALIDATION_BINS, Forecast, forecast};
use crate::stats::gi_star::Neighbourhoods;
use crate::stats::{JobStats, StatsParams, analyse};
use crate::time::BinStep;

/// What planning a job needs besides its cube.
pub struct PlanContext<'a> {
    /// Each cube cell's district.
    pub cell_districts: &'a [Option<usize>],
    /// The districts layer, when given.
    pub districts: Option<&'a Districts>,
    /// District names (layer order).
    pub district_names: &'a [String],
    /// The services, when given.
    pub services: Option<&'a Services>,
    /// The statistics' parameters.
    pub stats: &'a StatsParams,
    /// The plan's parameters.
    pub patrol: &'a PatrolParams,
    /// The small-count threshold.
    pub min_count: u64,
}

/// A job's statistics, forecast and plan, made from its cube alone.
pub struct Planned {
    /// The statistics.
    pub stats: JobStats,
    /// The forecast of the bin after the cube.
    pub forecast: Forecast,
    /// The plan.
    pub plan: Plan,
    /// Wall time of the forecast (validation included) and the plan, milliseconds.
    pub forecast_ms: u64,
    /// What is known of patrol effort, when the job carries an effort cube.
    pub effort: Option<effort::EffortView>,
}

/// Analyses `job`, forecasts its next bin (chosen by validation on its own bins, at the plan's
/// budget) and plans the patrols.
///
/// # Errors
///
/// What [`analyse`] fails with.
pub fn analyse_and_plan(job: &JobCube, ctx: &PlanContext<'_>) -> Result<Planned> {
    let cube = &job.cube;
    let stats = analyse(cube, ctx.cell_districts, ctx.district_names, ctx.stats, &job.spec.name)?;
    let probe = PlanInputs {
        job,
        stats: &stats,
        forecast: &[],
        cell_districts: ctx.cell_districts,
        districts: ctx.districts,
        services: ctx.services,
        alpha: ctx.stats.alpha,
        min_count: ctx.min_count,
        effort: None,
        explore_share: ctx.patrol.explore_share,
    };
    let started = std::time::Instant::now();
    let groups = patrol::budget_groups(&probe, ctx.patrol);
    let ring = Neighbourhoods::k_ring(cube.cells(), 1);
    let bins = cube.bins();
    let weekdays: Vec<usize> = bins.bins().iter().map(|b| (b.start_day + 3).rem_euclid(7) as usize).collect();
    let next_weekday = (bins.end_day() + 3).rem_euclid(7) as usize;
    let daily = (bins.step() == BinStep::Day).then_some((&weekdays[..], next_weekday));
    let forecast = forecast(cube.counts(), bins.len(), &ring, &groups, DEFAULT_VALIDATION_BINS, daily);
    let effort = job.effort.as_ref().map(|hours| effort::EffortView::of(job, hours, ctx.patrol.recent_bins));
    let inputs = PlanInputs { forecast: &forecast.next, effort: effort.as_ref(), ..probe };
    let plan = plan(&inputs, ctx.patrol);
    Ok(Planned { stats, forecast, plan, forecast_ms: started.elapsed().as_millis() as u64, effort })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cube::SpaceTimeCube;
    use crate::test_data::{PlanSetup, job_of};

    #[test]
    fn a_new_hot_spot_is_expected_at_its_recent_level() {
        // 300 cells of steady random counts over 24 weeks; one cell had nothing for 20 weeks,
        // then 0, 0, 0, 82. The mean of its last four weeks would say 20.5 a week.
        let base = crate::test_data::random_cube(300, 24, 9);
        let new = 11;
        let mut cube = SpaceTimeCube::zeros(base.resolution(), base.cells().to_vec(), base.bins().clone());
        for c in 0..300 {
            for b in 0..24 {
                let v = if c == new { if b == 23 { 82 } else { 0 } } else { base.count(c, b) };
                cube.add(c, b, v, v as f64);
            }
        }
        let job = job_of(cube);
        let setup = PlanSetup::new(300, PatrolParams::default());
        let planned = analyse_and_plan(&job, &setup.ctx()).unwrap();
        let area = planned.plan.areas.iter().find(|a| a.cells.contains(&job.cube.cells()[new])).expect("in the plan");
        assert_eq!(area.last_bin, 82);
        // The changepoint rule follows the new level: the EWMA (α = 0.5) of 0, …, 0, 82 is 41.
        assert!(area.expected_per_week >= 41.0, "{} ({})", area.expected_per_week, planned.forecast.note);
        assert_eq!(planned.stats.cells[new].pattern, crate::stats::Pattern::NewHotSpot);
        assert!(area.reasons.contains(&"new_hot_spot"), "{:?}", area.reasons);
    }

    /// Daily bins: the forecast of the next day is scaled by that weekday's factor, the weekday
    /// worked out here with chrono from the window's end (day numbers count from 1970-01-01).
    /// Cell 0 has 30 events every Monday and 1 on other days; the other six cells 1 a day.
    #[test]
    fn daily_forecasts_take_the_next_days_weekday_factor() {
        use crate::time::{BinSpec, BinStep, TimeBins, WindowStart};
        use chrono::Datelike;
        let spec = BinSpec::new(
            BinStep::Day,
            WindowStart::Steps(28),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 2),
            chrono_tz::Europe::Helsinki,
        )
        .unwrap();
        let bins = TimeBins::build(&spec, None).unwrap();
        let centre = h3o::LatLng::new(60.2, 24.95).unwrap().to_cell(h3o::Resolution::Eight);
        let mut cells: Vec<h3o::CellIndex> = centre.grid_disk(1);
        cells.sort_unstable();
        let weekday = |day: i32| {
            (chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + chrono::Days::new(day as u64))
                .weekday()
                .num_days_from_monday()
        };
        let days: Vec<i32> = bins.bins().iter().map(|b| b.start_day).collect();
        let next = weekday(bins.end_day());
        let mut cube = SpaceTimeCube::zeros(h3o::Resolution::Eight, cells, bins);
        for c in 0..7 {
            for (b, &day) in days.iter().enumerate() {
                let v = if c == 0 && weekday(day) == 0 { 30 } else { 1 };
                cube.add(c, b, v, v as f64);
            }
        }
        let job = job_of(cube);
        let setup = PlanSetup::new(7, PatrolParams::default());
        let planned = analyse_and_plan(&job, &setup.ctx()).unwrap();
        // Four Mondays of 36 events (30 + 6), 24 other days of 7: 312 events over 28 days.
        let mondays = days.iter().filter(|&&d| weekday(d) == 0).count();
        assert_eq!(mondays, 4);
        let overall = (4.0 * 36.0 + 24.0 * 7.0) / 28.0;
        let factor = if next == 0 { 36.0 / overall } else { 7.0 / overall };
        let ring = Neighbourhoods::k_ring(job.cube.cells(), 1);
        let groups = patrol::budget_groups(
            &PlanInputs {
                job: &job,
                stats: &planned.stats,
                forecast: &[],
                cell_districts: &setup.cell_districts,
                districts: None,
                services: None,
                alpha: 0.05,
                min_count: 5,
                effort: None,
                explore_share: 0.0,
            },
            &setup.patrol,
        );
        let plain = forecast(job.cube.counts(), 28, &ring, &groups, DEFAULT_VALIDATION_BINS, None);
        for (c, (&daily, &flat)) in planned.forecast.next.iter().zip(&plain.next).enumerate() {
            assert!((daily - flat * factor).abs() < 1e-9, "cell {c}: {daily} against {flat} × {factor}");
        }
        assert_ne!(factor, 1.0);
    }
}
