//! `hotspots.geojson`: one hexagon per study-area cell with its pattern, its final bin's Gi*,
//! its trend, and its counts under the small-count rule.

use std::io::Write;

use h3o::CellIndex;
use serde_json::{Map, Value, json};

use super::geojson::{Bbox, cell_ring};
use super::{BoxError, Output, Published, SmallCounts};
use crate::stats::JobStats;

/// What `hotspots.geojson` describes for each cell.
pub struct HotspotCells<'a> {
    /// The job's name.
    pub job: &'a str,
    /// `city` or `district`.
    pub scope: &'a str,
    /// The cells, in H3 order.
    pub cells: &'a [CellIndex],
    /// Each cell's district name.
    pub districts: Vec<Option<&'a str>>,
    /// Counts per (cell, bin), cell-major.
    pub counts: &'a [u64],
    /// Number of bins.
    pub bins: usize,
    /// The statistics.
    pub stats: &'a JobStats,
    /// The small-count rule.
    pub small: SmallCounts,
    /// The forecast of next bin's events per cell.
    pub forecast: &'a [f64],
    /// Geodesic distance from each hot cell's centre to the nearest service, metres (`None`
    /// for cells without a hot pattern); absent without a services layer.
    pub nearest_service_m: Option<Vec<Option<f64>>>,
}

impl HotspotCells<'_> {
    /// The FeatureCollection.
    pub fn to_geojson(&self) -> Value {
        let t = self.bins;
        let mut bbox = Bbox::new();
        let publish = |v: u64| self.small.publish(v).map_or(Value::Null, Value::from);
        let features: Vec<Value> = self
            .cells
            .iter()
            .enumerate()
            .map(|(c, &cell)| {
                let ring = cell_ring(cell);
                for &p in &ring {
                    bbox.grow(p);
                }
                let s = &self.stats.cells[c];
                let series = &self.counts[c * t..(c + 1) * t];
                let last = c * t + t - 1;
                let mut props = Map::new();
                props.insert("h3".into(), cell.to_string().into());
                props.insert("job".into(), self.job.into());
                props.insert("scope".into(), self.scope.into());
                props.insert("district".into(), self.districts[c].map_or(Value::Null, Value::from));
                props.insert("category".into(), s.pattern.name().into());
                props.insert("category_code".into(), i64::from(s.pattern.code()).into());
                props.insert("pattern".into(), s.pattern.arcgis_label().into());
                props.insert("label_en".into(), s.pattern.label_en().into());
                props.insert("label_fi".into(), s.pattern.label_fi().into());
                props.insert("label_sv".into(), s.pattern.label_sv().into());
                props.insert("z".into(), json!(self.stats.z[last]));
                props.insert("p".into(), json!(self.stats.p[last]));
                props.insert("trend_tau".into(), json!(s.trend.tau));
                props.insert("trend_p".into(), json!(s.trend.p));
                props.insert("hot_bins".into(), s.hot_bins.into());
                props.insert("cold_bins".into(), s.cold_bins.into());
                props.insert(
                    "count_total".into(),
                    self.small.publish_sum(series.iter().sum()).map_or(Value::Null, Value::from),
                );
                props.insert("count_last".into(), publish(series[t - 1]));
                // One text value (counts per bin, oldest first, separated by `,`; an empty field
                // under the small-count threshold), not a list, so every GIS format keeps it.
                let text: Vec<String> =
                    series.iter().map(|&v| self.small.publish(v).map_or(String::new(), |n| n.to_string())).collect();
                props.insert("series".into(), text.join(",").into());
                let f = self.forecast.get(c).copied().unwrap_or(0.0);
                props.insert(
                    "forecast".into(),
                    if f >= self.small.min_count() as f64 { json!((f * 10.0).round() / 10.0) } else { Value::Null },
                );
                if let Some(distances) = &self.nearest_service_m {
                    props.insert("nearest_service_m".into(), distances[c].map_or(Value::Null, |d| json!(d.round())));
                }
                json!({
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                    "properties": props,
                })
            })
            .collect();
        bbox.collection(features)
    }
}

/// `hotspots.geojson`.
pub(super) struct HotspotsLayer;

impl Output for HotspotsLayer {
    fn file_name(&self) -> &'static str {
        "hotspots.geojson"
    }

    fn render(&self, view: &Published<'_>, out: &mut (dyn Write + Send)) -> Result<(), BoxError> {
        let r = view.results;
        let cube = &r.job.cube;
        let layer = HotspotCells {
            job: &r.job.spec.name,
            scope: r.scope.as_str(),
            cells: cube.cells(),
            districts: r
                .cell_districts
                .iter()
                .map(|d| d.and_then(|d| r.district_names.get(d)).map(String::as_str))
                .collect(),
            counts: cube.counts(),
            bins: cube.bins().len(),
            stats: r.stats,
            small: view.small,
            forecast: &r.forecast.next,
            nearest_service_m: r
                .cell_services
                .map(|per_cell| per_cell.iter().map(|n| n.as_ref().map(|(_, d)| *d)).collect()),
        };
        super::write_json(out, &layer.to_geojson(), false)
    }
}
