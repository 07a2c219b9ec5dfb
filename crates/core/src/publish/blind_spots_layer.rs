//! `blind_spots.geojson`: the cells where residents report concern but pairs have walked little
//! or not at all in the recent bins ([`crate::plan::effort`]), best first, with whether the plan
//! sends a pair there. Written only with an effort log.
//!
//! Public: only the blind spots with at least the small-count threshold of concern reports
//! (being listed with fewer would tell that a hidden count is not zero), and no count at all. A cell's concern reports beside its published counts of all events
//! would give its encounters back by subtraction, small ones included (the same reason
//! `publish::public_jobs` keeps nested jobs out of `public/`), and a forecast of a short series
//! could give hidden counts back. The rank (by the forecast of concern reports) and the patrol
//! hours are shown: the hours are staff time, not client data, rounded to a tenth of an hour.
//! Internal: the exact concern reports, their forecast, the encounters and the shrunk rate.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::disclosure::Audience;
use super::geojson::{Bbox, cell_ring};
use super::{BoxError, JobResults, Output, Published};

/// `blind_spots.geojson`.
pub(super) struct BlindSpotsLayer(pub(super) Audience);

impl Output for BlindSpotsLayer {
    fn file_name(&self) -> &'static str {
        "blind_spots.geojson"
    }

    fn audience(&self) -> Audience {
        self.0
    }

    fn applies(&self, results: &JobResults<'_>) -> bool {
        results.effort.is_some()
    }

    fn render(&self, view: &Published<'_>, out: &mut (dyn Write + Send)) -> Result<(), BoxError> {
        let r = view.results;
        let effort = r.effort.expect("applies only with effort");
        let exact = view.figures.disclosure.exact();
        let cells = r.job.cube.cells();
        let planned: std::collections::HashSet<usize> = r.plan.cells.iter().copied().collect();
        let mut bbox = Bbox::new();
        // In public only the blind spots whose concern reports reach the small-count threshold:
        // being listed with fewer would tell that a hidden count is not zero.
        let listed = view.figures.disclosure.blind_spots(effort);
        let features: Vec<Value> = listed
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let e = &effort.cells[c];
                let ring = cell_ring(cells[c]);
                for &p in &ring {
                    bbox.grow(p);
                }
                let mut props = Map::new();
                props.insert("rank".into(), (i + 1).into());
                props.insert("h3".into(), cells[c].to_string().into());
                props.insert("job".into(), r.job.spec.name.clone().into());
                props.insert(
                    "district".into(),
                    r.cell_districts
                        .get(c)
                        .copied()
                        .flatten()
                        .and_then(|d| r.district_names.get(d))
                        .map_or(Value::Null, |n| n.clone().into()),
                );
                props.insert("recent_bins".into(), effort.recent_bins.into());
                props.insert("effort_hours".into(), json!((e.hours * 10.0).round() / 10.0));
                props.insert("in_plan".into(), planned.contains(&c).into());
                if exact {
                    props.insert("concerns".into(), e.concerns.into());
                    props.insert("concern_forecast".into(), json!((e.concern_forecast * 1000.0).round() / 1000.0));
                    props.insert("encounters".into(), e.encounters.into());
                    props.insert("encounters_per_hour".into(), json!((e.rate * 1000.0).round() / 1000.0));
                }
                json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": props})
            })
            .collect();
        super::write_json(out, &bbox.collection(features), false)
    }
}

/// `effort_rejects.csv`: every rejected row of the effort log, with its row, column, reason code
/// and offending value. Internal.
pub(super) struct EffortRejects;

impl Output for EffortRejects {
    fn file_name(&self) -> &'static str {
        "effort_rejects.csv"
    }

    fn audience(&self) -> Audience {
        Audience::Internal
    }

    fn applies(&self, results: &JobResults<'_>) -> bool {
        results.effort_log.is_some()
    }

    fn render(&self, view: &Published<'_>, out: &mut (dyn Write + Send)) -> Result<(), BoxError> {
        let log = view.results.effort_log.expect("applies only with effort");
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(["file", "row", "column", "reason", "value"])?;
        for r in &log.rejects {
            writer.write_record([
                log.account.file.as_str(),
                &r.row.to_string(),
                &r.column,
                r.reason,
                r.value.as_deref().unwrap_or(""),
            ])?;
        }
        writer.flush()?;
        Ok(())
    }
}
