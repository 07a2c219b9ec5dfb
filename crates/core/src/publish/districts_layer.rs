//! `districts.geojson`: one feature per district of the layer with its figures for the job. The
//! internal layer adds the exact counts by kind and the trend's τ and p; in public the numbers
//! come from the publishing policy (`disclosure`).

use std::io::Write;

use serde_json::{Map, Value, json};

use super::disclosure::{Audience, Figures};
use super::geojson::Bbox;
use super::{BoxError, JobResults, Output, Published};

/// What `districts.geojson` describes: one feature per district of the layer.
pub struct DistrictLayer<'a> {
    /// The job's name.
    pub job: &'a str,
    /// The districts layer.
    pub districts: &'a crate::space::Districts,
    /// The job's per-district summaries, in layer order (a trailing `(none)` entry is ignored).
    pub summaries: &'a [super::DistrictSummary],
    /// The job's numbers for the layer's audience.
    pub figures: &'a Figures,
}

impl DistrictLayer<'_> {
    /// The FeatureCollection. Every feature has the same properties, one number per pattern
    /// (`cells_new_hot_spot`, …), so GIS tools see one field type per column.
    pub fn to_geojson(&self) -> Value {
        let mut bbox = Bbox::new();
        let features: Vec<Value> = self
            .districts
            .all()
            .iter()
            .zip(self.summaries)
            .zip(&self.figures.districts)
            .map(|((d, s), f)| {
                let exact = self.figures.disclosure.exact();
                let geometry = bbox.geometry(&d.shape);
                let number = |v: Option<u64>| v.map_or(Value::Null, Value::from);
                let mut props = Map::new();
                props.insert("name".into(), d.name.clone().into());
                props.insert("municipality".into(), d.municipality.clone().into());
                props.insert("job".into(), self.job.into());
                props.insert("cells".into(), s.cells.into());
                props.insert("events".into(), number(f.events));
                props.insert("count_last".into(), number(f.events_last_bin));
                if exact {
                    props.insert("encounters".into(), number(s.encounters));
                    props.insert("concerns".into(), number(s.concerns));
                    props.insert("encounters_last".into(), number(s.encounters_last_bin));
                    props.insert("concerns_last".into(), number(s.concerns_last_bin));
                }
                props.insert("trend".into(), s.trend.direction.into());
                if exact {
                    props.insert("trend_tau".into(), json!(s.trend.tau));
                    props.insert("trend_p".into(), json!(s.trend.p));
                }
                for p in crate::stats::patterns::Pattern::ALL {
                    props.insert(format!("cells_{}", p.name()), s.patterns.get(p.name()).copied().unwrap_or(0).into());
                }
                props.insert("emerging".into(), s.emerging.into());
                json!({"type": "Feature", "geometry": geometry, "properties": props})
            })
            .collect();
        bbox.collection(features)
    }
}

/// `districts.geojson`, when the run has a districts layer.
pub(super) struct DistrictsLayer(pub Audience);

impl Output for DistrictsLayer {
    fn file_name(&self) -> &'static str {
        "districts.geojson"
    }

    fn audience(&self) -> Audience {
        self.0
    }

    fn applies(&self, results: &JobResults<'_>) -> bool {
        results.districts.is_some()
    }

    fn render(&self, view: &Published<'_>, out: &mut (dyn Write + Send)) -> Result<(), BoxError> {
        let r = view.results;
        let Some(districts) = r.districts else { return Ok(()) };
        let layer =
            DistrictLayer { job: &r.job.spec.name, districts, summaries: r.district_summaries, figures: view.figures };
        super::write_json(out, &layer.to_geojson(), false)
    }
}
