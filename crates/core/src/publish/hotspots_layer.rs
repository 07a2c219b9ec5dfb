//! `hotspots.geojson`: one hexagon per study-area cell with its pattern, its final bin's Gi*
//! confidence bin, its trend and its counts. The internal layer adds the exact z, p, τ and trend
//! p; the public one carries only what the publishing policy allows (`disclosure`).

use std::io::Write;

use h3o::CellIndex;
use serde_json::{Map, Value, json};

use super::disclosure::{Audience, Figures, gi_bin};
use super::geojson::{Bbox, cell_ring};
use super::{BoxError, Output, Published};
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
    /// Counts per (cell, bin), cell-major (shown through the figures' policy).
    pub counts: &'a [u64],
    /// Number of bins.
    pub bins: usize,
    /// The statistics.
    pub stats: &'a JobStats,
    /// The job's numbers for the layer's audience.
    pub figures: &'a Figures,
    /// The significance level of the trend's direction.
    pub alpha: f64,
    /// Geodesic distance from each hot cell's centre to the nearest service, metres (`None`
    /// for cells without a hot pattern); absent without a services layer.
    pub nearest_service_m: Option<Vec<Option<f64>>>,
}

impl HotspotCells<'_> {
    /// The feature of cell `c` (`cell`); grows `bbox` by its ring.
    fn feature(&self, c: usize, cell: CellIndex, bbox: &mut Bbox) -> Value {
        let t = self.bins;
        let exact = self.figures.disclosure.exact();
        let number = |v: Option<u64>| v.map_or(Value::Null, Value::from);
        let ring = cell_ring(cell);
        for &p in &ring {
            bbox.grow(p);
        }
        let s = &self.stats.cells[c];
        let f = &self.figures.cells[c];
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
        props.insert("gi_bin".into(), i64::from(gi_bin(self.stats.z[last])).into());
        props.insert("trend".into(), s.trend.direction_name(self.alpha).into());
        if exact {
            props.insert("z".into(), json!(self.stats.z[last]));
            props.insert("p".into(), json!(self.stats.p[last]));
            props.insert("trend_tau".into(), json!(s.trend.tau));
            props.insert("trend_p".into(), json!(s.trend.p));
        }
        props.insert("hot_bins".into(), s.hot_bins.into());
        props.insert("cold_bins".into(), s.cold_bins.into());
        props.insert("count_total".into(), number(f.total));
        let policy = self.figures.disclosure;
        let series = &self.counts[c * t..(c + 1) * t];
        props.insert("count_last".into(), number(series.last().and_then(|&v| policy.count(v))));
        // One text value (counts per bin, oldest first, separated by `,`; an empty field
        // for a count not published), not a list, so every GIS format keeps it.
        let text: Vec<String> =
            series.iter().map(|&v| policy.count(v).map_or(String::new(), |n| n.to_string())).collect();
        props.insert("series".into(), text.join(",").into());
        props.insert("forecast".into(), f.forecast.map_or(Value::Null, |v| json!((v * 10.0).round() / 10.0)));
        if let Some(distances) = &self.nearest_service_m {
            props.insert("nearest_service_m".into(), distances[c].map_or(Value::Null, |d| json!(d.round())));
        }
        json!({
            "type": "Feature",
            "geometry": {"type": "Polygon", "coordinates": [ring]},
            "properties": props,
        })
    }

    /// Writes the FeatureCollection (compact, with a final newline, the bytes serde_json writes
    /// for the whole document) one feature at a time, without building the document in memory.
    pub fn write(&self, out: &mut (dyn Write + Send)) -> Result<(), BoxError> {
        let mut bbox = Bbox::new();
        out.write_all(br#"{"type":"FeatureCollection","features":["#)?;
        for (c, &cell) in self.cells.iter().enumerate() {
            if c > 0 {
                out.write_all(b",")?;
            }
            serde_json::to_writer(&mut *out, &self.feature(c, cell, &mut bbox))?;
        }
        out.write_all(b"]")?;
        bbox.write_tail(out)?;
        out.write_all(b"}\n")?;
        Ok(())
    }
}

/// `hotspots.geojson` for one audience.
pub(super) struct HotspotsLayer(pub Audience);

impl Output for HotspotsLayer {
    fn file_name(&self) -> &'static str {
        "hotspots.geojson"
    }

    fn audience(&self) -> Audience {
        self.0
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
            figures: view.figures,
            alpha: r.summary.parameters.statistics.alpha,
            nearest_service_m: r
                .cell_services
                .map(|per_cell| per_cell.iter().map(|n| n.as_ref().map(|(_, d)| *d)).collect()),
        };
        layer.write(out)
    }
}
