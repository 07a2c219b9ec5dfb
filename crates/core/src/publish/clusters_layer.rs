//! `clusters.geojson` (with `--scan`): the clusters of the prospective space-time scan, each
//! cylinder's cells dissolved into one outline, the most likely cluster first. The internal
//! layer has the exact observed and expected events, relative risk, log-likelihood ratio, p and
//! recurrence interval; the public one has the protected observed sum and the significance class,
//! and leaves out a cluster whose events are under the small-count threshold.

use std::io::Write;

use serde_json::{Map, Value, json};

use super::disclosure::Audience;
use super::geojson::Bbox;
use super::public_summary::significance;
use super::{BoxError, JobResults, Output, Published};

/// `clusters.geojson` for one audience.
pub(super) struct ClustersLayer(pub(super) Audience);

impl Output for ClustersLayer {
    fn file_name(&self) -> &'static str {
        "clusters.geojson"
    }

    fn audience(&self) -> Audience {
        self.0
    }

    fn applies(&self, results: &JobResults<'_>) -> bool {
        results.summary.scan.is_some()
    }

    fn render(&self, view: &Published<'_>, out: &mut (dyn Write + Send)) -> Result<(), BoxError> {
        let r = view.results;
        let scan = r.summary.scan.as_ref().expect("applies only with a scan");
        let exact = view.figures.disclosure.exact();
        let solvent = h3o::geom::SolventBuilder::new().build();
        let mut bbox = Bbox::new();
        let features: Vec<Value> = scan
            .clusters
            .iter()
            .zip(&view.figures.clusters)
            .filter_map(|(c, observed)| {
                let observed = (*observed)?;
                let cells = c.cells.iter().filter_map(|h| h.parse::<h3o::CellIndex>().ok());
                let shape = solvent.dissolve(cells).unwrap_or_else(|_| geo::MultiPolygon::new(vec![]));
                let mut props = Map::new();
                props.insert("rank".into(), c.rank.into());
                props.insert("job".into(), r.job.spec.name.clone().into());
                props.insert("cells".into(), c.cells.len().into());
                props.insert("radius_km".into(), json!(c.radius_km));
                props.insert("start".into(), c.start.clone().into());
                props.insert("end".into(), c.end.clone().into());
                props.insert("bins".into(), c.bins.into());
                props.insert("observed".into(), observed.into());
                props.insert("significance".into(), significance(c.p).into());
                if exact {
                    props.insert("expected".into(), json!(c.expected));
                    props.insert("relative_risk".into(), json!(c.relative_risk));
                    props.insert("llr".into(), json!(c.llr));
                    props.insert("p".into(), json!(c.p));
                    props.insert("recurrence_bins".into(), json!(c.recurrence_bins));
                    props.insert("recurrence_days".into(), json!(c.recurrence_days));
                }
                Some(json!({"type": "Feature", "geometry": bbox.geometry(&shape), "properties": props}))
            })
            .collect();
        super::write_json(out, &bbox.collection(features), false)
    }
}
