//! What the plan knows of patrol effort: per cell, the recent patrol hours, encounters per hour
//! and concern reports; the **blind spots**; and the values the effort-aware plan fills its
//! cells by.
//!
//! Encounters are recorded only where pairs walk, so a plan made from encounter counts sends
//! the pairs back where they already were (Lum & Isaac 2016; Ensign et al. 2018). Concern
//! reports come from residents wherever the pairs walk: they are the independent signal. With an
//! effort log, over the plan's recent bins (the last [`super::PatrolParams::recent_bins`]):
//!
//! - **Rate.** A cell's encounters per patrol hour, shrunk towards the job's rate `r` (over
//!   every cell-bin with effort, [`crate::stats::exposure::encounter_rate`]) with
//!   [`PRIOR_HOURS`] hours of prior: `(O + r·k) / (h + k)`. A cell walked for an hour with one
//!   encounter is not taken to yield one an hour.
//! - **Blind spot.** A cell with at least [`MIN_BLIND_CONCERNS`] concern reports and less than
//!   [`LOW_EFFORT_SHARE`] of the typical patrolled cell's hours (the median over the cells with
//!   any effort), none included. Ranked by the forecast of its concern reports (the EWMA,
//!   α = [`CONCERN_ALPHA`], of its concern series over the whole window), then by its recent
//!   concern reports, then by position.
//! - **The plan** gives [`super::PatrolParams::explore_share`] of each budget to the best blind
//!   spots and fills the rest by the forecast, as without effort. Filling it by the shrunk rate
//!   instead (what an hour in the cell met) was tried and lost 2.1 points of hit rate against
//!   `last_4` over the sample's 26-week backtest: next week's encounters are recorded where the
//!   pairs walk, so the record rewards going back. The rate is published for planners
//!   (`blind_spots.geojson`, internal) and drives the Poisson-exposure Gi*
//!   ([`crate::stats::exposure`]) in `cube.parquet`.

use crate::cube::JobCube;
use crate::stats::exposure::{EncounterCube, encounter_rate};
use crate::stats::forecast::ewma;

/// Hours of prior in the shrunk rate (a half-day shift).
pub const PRIOR_HOURS: f64 = 4.0;
/// A blind spot has less than this share of the typical patrolled cell's recent hours.
pub const LOW_EFFORT_SHARE: f64 = 0.1;
/// A blind spot has at least this many concern reports in the recent bins.
pub const MIN_BLIND_CONCERNS: u64 = 2;
/// The smoothing of the concern-report forecast.
pub const CONCERN_ALPHA: f64 = 0.3;
/// The default share of each budget that goes to blind spots.
pub const DEFAULT_EXPLORE_SHARE: f64 = 0.2;

/// One cell's effort and signals over the recent bins.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CellEffort {
    /// Patrol hours.
    pub hours: f64,
    /// Encounters.
    pub encounters: u64,
    /// Concern reports.
    pub concerns: u64,
    /// The forecast of next bin's concern reports.
    pub concern_forecast: f64,
    /// Encounters per patrol hour, shrunk (see the module documentation).
    pub rate: f64,
    /// Whether it is a blind spot.
    pub blind: bool,
}

/// The effort view of one job.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EffortView {
    /// Per cube cell.
    pub cells: Vec<CellEffort>,
    /// The job's encounters per patrol hour (every bin with effort).
    pub rate: f64,
    /// The typical patrolled cell's recent hours (median over cells with effort; 0 without).
    pub typical_hours: f64,
    /// The blind spots, best first (cube positions).
    pub blind_spots: Vec<usize>,
    /// The recent bins it looks at.
    pub recent_bins: usize,
}

impl EffortView {
    /// The effort view of `job` (which must carry an effort cube) over its last `recent` bins.
    pub fn of(job: &JobCube, hours: &[f64], recent: usize) -> EffortView {
        let cube = &job.cube;
        let t = cube.bins().len();
        let n = cube.cells().len();
        let recent = recent.clamp(1, t.max(1));
        let counts = cube.counts();
        let rate = encounter_rate(EncounterCube { counts, concerns: &job.concerns, hours });
        let mut cells: Vec<CellEffort> = (0..n)
            .map(|c| {
                let range = c * t + t - recent..(c + 1) * t;
                let h: f64 = hours[range.clone()].iter().sum();
                let o: u64 = range.clone().map(|i| counts[i].saturating_sub(job.concerns[i])).sum();
                let k: u64 = job.concerns[range].iter().sum();
                let concern_forecast = ewma(job.concerns[c * t..(c + 1) * t].iter().map(|&v| v as f64), CONCERN_ALPHA);
                CellEffort {
                    hours: h,
                    encounters: o,
                    concerns: k,
                    concern_forecast,
                    rate: (o as f64 + rate * PRIOR_HOURS) / (h + PRIOR_HOURS),
                    blind: false,
                }
            })
            .collect();
        let mut walked: Vec<f64> = cells.iter().map(|c| c.hours).filter(|&h| h > 0.0).collect();
        walked.sort_by(f64::total_cmp);
        let typical_hours = match walked.len() {
            0 => 0.0,
            m if m % 2 == 1 => walked[m / 2],
            m => (walked[m / 2 - 1] + walked[m / 2]) / 2.0,
        };
        for c in &mut cells {
            c.blind =
                c.concerns >= MIN_BLIND_CONCERNS && c.hours < LOW_EFFORT_SHARE * typical_hours.max(f64::MIN_POSITIVE);
        }
        let mut blind_spots: Vec<usize> = (0..n).filter(|&c| cells[c].blind).collect();
        blind_spots.sort_by(|&a, &b| {
            cells[b]
                .concern_forecast
                .total_cmp(&cells[a].concern_forecast)
                .then(cells[b].concerns.cmp(&cells[a].concerns))
                .then(a.cmp(&b))
        });
        EffortView { cells, rate, typical_hours, blind_spots, recent_bins: recent }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cube::SpaceTimeCube;
    use crate::test_data::job_of;

    /// A hand-made cube of four cells and four bins (all recent): cell 0 walked 8 h a bin with 4
    /// encounters a bin; cell 1 walked 2 h a bin with 2 a bin; cell 2 never walked, with 3
    /// concern reports; cell 3 walked half an hour once, 1 concern report. Hand-worked: r =
    /// (16 + 8 + 0) / (32 + 8 + 0.5) = 24 / 40.5; the median hours of the walked cells (32, 8, 0.5) is 8, a
    /// tenth is 0.8; cell 2 (3 reports, 0 h) is a blind spot, cell 3 (1 report) is not.
    #[test]
    fn a_blind_spot_is_found_on_a_hand_made_cube() {
        let base = crate::test_data::random_cube(4, 4, 1);
        let mut cube = SpaceTimeCube::zeros(base.resolution(), base.cells().to_vec(), base.bins().clone());
        let mut concerns = vec![0u64; 16];
        let mut hours = vec![0.0; 16];
        for b in 0..4 {
            cube.add(0, b, 4, 4.0);
            hours[b] = 8.0;
            cube.add(1, b, 2, 2.0);
            hours[4 + b] = 2.0;
        }
        cube.add(2, 3, 3, 3.0);
        concerns[2 * 4 + 3] = 3;
        cube.add(3, 2, 1, 1.0);
        concerns[3 * 4 + 2] = 1;
        hours[3 * 4 + 2] = 0.5;
        let mut job = job_of(cube);
        job.concerns = concerns;
        let view = EffortView::of(&job, &hours, 4);
        let r = 24.0 / 40.5;
        assert!((view.rate - r).abs() < 1e-12, "{}", view.rate);
        assert_eq!(view.typical_hours, 8.0);
        assert_eq!(view.blind_spots, vec![2]);
        let c = &view.cells;
        assert_eq!((c[2].hours, c[2].concerns, c[2].encounters), (0.0, 3, 0));
        // Shrunk rates: (16 + 4r) / (32 + 4) and (8 + 4r) / (8 + 4); cell 2, never walked, r.
        assert!((c[0].rate - (16.0 + 4.0 * r) / 36.0).abs() < 1e-12);
        assert!((c[1].rate - (8.0 + 4.0 * r) / 12.0).abs() < 1e-12);
        assert!((c[2].rate - r).abs() < 1e-12);
        // The concern forecast of cell 2: the EWMA (α 0.3) of 0, 0, 0, 3 is 0.9.
        assert!((c[2].concern_forecast - 0.9).abs() < 1e-12);
    }
}
