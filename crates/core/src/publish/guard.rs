//! The guard between the export and the map: before a run replaces the outputs in its folder, it
//! is compared with what it would replace, and a run that looks like a broken export is refused,
//! leaving last night's map as it was. The limits:
//!
//! - **nothing accepted** (every row rejected, outside the study area or outside the window) is
//!   always refused;
//! - **more than [`MAX_OUTSIDE_SHARE`] of the valid events outside the study area** (swapped or
//!   projected coordinates, a districts layer of another city) is always refused;
//! - against the previous run in the same folder (its `summary.json`): **fewer than
//!   [`MIN_ACCEPTED_RATIO`] of its accepted events per day of window**, or **the box of busy cells
//!   (cells with at least `--min-count` events) moved by more than [`MAX_SHIFT_KM`] km** (centre
//!   to centre), is refused.
//!
//! `--accept-change` publishes anyway, for a night the user knows is different.

use std::path::Path;

use serde_json::Value;

use super::summary::Summary;

/// The largest share of valid events outside the study area a run may have.
pub const MAX_OUTSIDE_SHARE: f64 = 0.2;
/// The smallest share of the previous run's accepted events per day a run may have.
pub const MIN_ACCEPTED_RATIO: f64 = 0.5;
/// How far the centre of the busy cells' box may move from the previous run's, km.
pub const MAX_SHIFT_KM: f64 = 50.0;

/// Events per day of the window.
fn per_day(events: f64, window_days: f64) -> f64 {
    events / window_days.max(1.0)
}

fn days_between(start: &str, end: &str) -> Option<f64> {
    let start = chrono::NaiveDate::parse_from_str(start, "%Y-%m-%d").ok()?;
    let end = chrono::NaiveDate::parse_from_str(end, "%Y-%m-%d").ok()?;
    Some((end - start).num_days() as f64)
}

fn window_days(summary: &Value) -> Option<f64> {
    days_between(summary["window"]["start"].as_str()?, summary["window"]["end"].as_str()?)
}

fn centre(bbox: &Value) -> Option<(f64, f64)> {
    let b: Vec<f64> = bbox.as_array()?.iter().filter_map(Value::as_f64).collect();
    (b.len() == 4).then(|| ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0))
}

fn km_between(a: (f64, f64), b: (f64, f64)) -> f64 {
    let k = ((a.1 + b.1) / 2.0).to_radians().cos();
    ((a.0 - b.0) * 111.32 * k).hypot((a.1 - b.1) * 110.57)
}

/// Why `current` must not replace the outputs (one sentence with the numbers), or `None`.
/// `previous` is the `summary.json` it would replace, when there is one; `masked` says whether a
/// districts layer is the study area.
pub fn refusal(current: &Summary, previous: Option<&Value>, masked: bool) -> Option<String> {
    let t = &current.totals;
    if t.accepted == 0 {
        let reasons: Vec<String> = current
            .inputs
            .iter()
            .flat_map(|a| a.rejected_by_reason.iter())
            .fold(std::collections::BTreeMap::<&str, u64>::new(), |mut m, (r, n)| {
                *m.entry(r.as_str()).or_default() += n;
                m
            })
            .into_iter()
            .map(|(r, n)| format!("{r} {n}"))
            .collect();
        return Some(format!(
            "no event was accepted: of {} rows read, {} were rejected{}, {} fell outside the study area and {} outside \
             the time window",
            t.read,
            t.rejected,
            if reasons.is_empty() { String::new() } else { format!(" ({})", reasons.join(", ")) },
            t.outside_study_area,
            t.outside_window
        ));
    }
    let valid = t.accepted + t.outside_study_area;
    let outside = t.outside_study_area as f64 / valid as f64;
    if masked && outside > MAX_OUTSIDE_SHARE {
        return Some(format!(
            "{} of {} valid events ({:.1} %) fall outside the study area, more than {:.0} %: are the coordinates \
             swapped or projected, or is the districts layer of another place?",
            t.outside_study_area,
            valid,
            outside * 100.0,
            MAX_OUTSIDE_SHARE * 100.0
        ));
    }
    let previous = previous?;
    let days_now = days_between(&current.window.start, &current.window.end)?;
    let now = per_day(current.cube.events as f64, days_now);
    let before = per_day(previous["cube"]["events"].as_f64()?, window_days(previous)?);
    if before > 0.0 && now < MIN_ACCEPTED_RATIO * before {
        return Some(format!(
            "{now:.1} accepted events a day against {before:.1} in the previous run in this folder (less than {:.0} %)",
            MIN_ACCEPTED_RATIO * 100.0
        ));
    }
    let (Some(a), Some(b)) =
        (current.cube.busy_cells_bbox.map(|b| serde_json::json!(b)), previous["cube"].get("busy_cells_bbox"))
    else {
        return None;
    };
    let (a, b) = (centre(&a)?, centre(b)?);
    let shift = km_between(a, b);
    (shift > MAX_SHIFT_KM).then(|| {
        format!(
            "the busy cells lie {shift:.0} km from those of the previous run in this folder (more than {MAX_SHIFT_KM:.0} km)"
        )
    })
}

/// The internal `summary.json` of the previous run of job folder `folder` in `out_dir`, or the
/// `summary.json` an earlier version wrote beside the layers.
pub fn previous_summary(out_dir: &Path, folder: &Path) -> Option<serde_json::Value> {
    [super::output_path(out_dir, super::Audience::Internal, folder, ""), out_dir.join(folder)]
        .iter()
        .find_map(|dir| std::fs::read_to_string(dir.join("summary.json")).ok())
        .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
}
