//! The GeoJSON layers GIS tools load. RFC 7946: WGS 84 longitude/latitude, exterior rings
//! counter-clockwise and closed, no `crs` member, coordinates rounded to 6 decimals, a `bbox` on
//! the collection, features in H3 order. Published layers hold aggregates only: no event
//! coordinates, ids or free text, and no count below `--min-count`.

use std::path::Path;

use h3o::CellIndex;
use serde_json::{Map, Value, json};

use crate::emerging::JobStats;
use crate::error::Result;
use crate::output::OutputSet;
use crate::privacy::SmallCounts;

/// Rounds a coordinate to 6 decimals (about 0.1 m), as RFC 7946 recommends for precision.
pub fn round6(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

/// The hexagon (or pentagon) of a cell as a closed, counter-clockwise ring of rounded
/// [lon, lat] positions.
pub fn cell_ring(cell: CellIndex) -> Vec<[f64; 2]> {
    let mut ring: Vec<[f64; 2]> = cell.boundary().iter().map(|ll| [round6(ll.lng()), round6(ll.lat())]).collect();
    let twice_area: f64 = ring.iter().zip(ring.iter().cycle().skip(1)).map(|(a, b)| a[0] * b[1] - b[0] * a[1]).sum();
    if twice_area < 0.0 {
        ring.reverse();
    }
    if let Some(&first) = ring.first() {
        ring.push(first);
    }
    ring
}

fn write_json(set: &mut OutputSet, path: &Path, value: &Value) -> Result<()> {
    let mut text = serde_json::to_string(value).expect("layer serialises");
    text.push('\n');
    set.write_bytes(path, text.as_bytes())
}

/// Rounds and orients a polygon for RFC 7946: exterior ring counter-clockwise, holes clockwise,
/// rings closed, positions rounded to 6 decimals.
pub fn polygon_rings(polygon: &geo::Polygon<f64>) -> Vec<Vec<[f64; 2]>> {
    use geo::orient::{Direction, Orient};
    let oriented = polygon.orient(Direction::Default);
    std::iter::once(oriented.exterior())
        .chain(oriented.interiors())
        .map(|ring| {
            let mut r: Vec<[f64; 2]> = ring.coords().map(|c| [round6(c.x), round6(c.y)]).collect();
            if r.first() != r.last()
                && let Some(&first) = r.first()
            {
                r.push(first);
            }
            r
        })
        .collect()
}

/// The bounding box of a layer, grown position by position.
struct Bbox([f64; 4]);

impl Bbox {
    fn new() -> Self {
        Bbox([f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY])
    }

    fn grow(&mut self, p: [f64; 2]) {
        self.0[0] = self.0[0].min(p[0]);
        self.0[1] = self.0[1].min(p[1]);
        self.0[2] = self.0[2].max(p[0]);
        self.0[3] = self.0[3].max(p[1]);
    }

    /// A GeoJSON (Multi)Polygon of `shape`, RFC 7946 oriented and rounded; grows the box by its
    /// exterior rings.
    fn geometry(&mut self, shape: &geo::MultiPolygon<f64>) -> Value {
        let polygons: Vec<Vec<Vec<[f64; 2]>>> = shape.0.iter().map(polygon_rings).collect();
        for &p in polygons.iter().flat_map(|rings| rings.first()).flatten() {
            self.grow(p);
        }
        if polygons.len() == 1 {
            json!({"type": "Polygon", "coordinates": polygons[0]})
        } else {
            json!({"type": "MultiPolygon", "coordinates": polygons})
        }
    }

    /// The FeatureCollection of `features`, with this box when it is not empty.
    fn collection(self, features: Vec<Value>) -> Value {
        let mut collection = json!({"type": "FeatureCollection", "features": features});
        if self.0[0].is_finite() {
            collection["bbox"] = json!(self.0);
        }
        collection
    }
}

/// What `districts.geojson` describes: one feature per district of the layer.
pub struct DistrictLayer<'a> {
    /// The job's name.
    pub job: &'a str,
    /// The districts layer.
    pub districts: &'a crate::districts::Districts,
    /// The job's per-district summaries, in layer order (a trailing `(none)` entry is ignored).
    pub summaries: &'a [crate::summary::DistrictSummary],
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
            .map(|(d, s)| {
                let geometry = bbox.geometry(&d.shape);
                let number = |v: Option<u64>| v.map_or(Value::Null, Value::from);
                let last = match (s.encounters_last_bin, s.concerns_last_bin) {
                    (Some(a), Some(b)) => Some(a + b),
                    _ => None,
                };
                let mut props = Map::new();
                props.insert("name".into(), d.name.clone().into());
                props.insert("municipality".into(), d.municipality.clone().into());
                props.insert("job".into(), self.job.into());
                props.insert("cells".into(), s.cells.into());
                props.insert("encounters".into(), number(s.encounters));
                props.insert("concerns".into(), number(s.concerns));
                props.insert("encounters_last".into(), number(s.encounters_last_bin));
                props.insert("concerns_last".into(), number(s.concerns_last_bin));
                props.insert("count_last".into(), number(last));
                props.insert("trend".into(), s.trend.direction.into());
                props.insert("trend_tau".into(), json!(s.trend.tau));
                props.insert("trend_p".into(), json!(s.trend.p));
                for p in crate::patterns::Pattern::ALL {
                    props.insert(format!("cells_{}", p.name()), s.patterns.get(p.name()).copied().unwrap_or(0).into());
                }
                props.insert("emerging".into(), s.emerging.into());
                json!({"type": "Feature", "geometry": geometry, "properties": props})
            })
            .collect();
        bbox.collection(features)
    }

    /// Stages `districts.geojson` in `set`.
    pub fn write(&self, set: &mut OutputSet, path: &Path) -> Result<()> {
        write_json(set, path, &self.to_geojson())
    }
}

/// `patrol_areas.geojson` (every area) or `service_gaps.geojson` (areas farther than the gap
/// distance from any service): ranked patrol areas with their dissolved outlines.
pub struct PatrolLayer<'a> {
    /// The job's name.
    pub job: &'a str,
    /// The areas, by rank.
    pub areas: &'a [crate::patrol::PatrolArea],
    /// District names (layer order).
    pub district_names: &'a [String],
    /// The small-count rule.
    pub small: SmallCounts,
    /// The service-gap distance, metres.
    pub service_gap_m: f64,
    /// Only the service gaps.
    pub gaps_only: bool,
}

impl PatrolLayer<'_> {
    /// The FeatureCollection.
    pub fn to_geojson(&self) -> Value {
        let mut bbox = Bbox::new();
        let solvent = h3o::geom::SolventBuilder::new().build();
        let features: Vec<Value> = self
            .areas
            .iter()
            .filter(|a| !self.gaps_only || a.service_gap(self.service_gap_m) == Some(true))
            .map(|a| {
                let shape =
                    solvent.dissolve(a.cells.iter().copied()).unwrap_or_else(|_| geo::MultiPolygon::new(vec![]));
                let geometry = bbox.geometry(&shape);
                let shown = self.small.publish_sum(a.recent_events).is_some();
                let mut props = Map::new();
                props.insert("rank".into(), a.rank.into());
                props.insert("score".into(), json!((a.score * 10.0).round() / 10.0));
                props.insert("team".into(), a.team.map_or(Value::Null, Value::from));
                props.insert("job".into(), self.job.into());
                props.insert(
                    "district".into(),
                    a.district.and_then(|d| self.district_names.get(d)).map_or(Value::Null, |n| n.clone().into()),
                );
                props.insert("categories".into(), Value::Array(a.categories.iter().map(|p| p.name().into()).collect()));
                props.insert("cells".into(), a.cells.len().into());
                props.insert("area_km2".into(), json!((a.area_km2 * 100.0).round() / 100.0));
                props.insert(
                    "expected_per_week".into(),
                    if shown { json!((a.expected_per_week * 10.0).round() / 10.0) } else { Value::Null },
                );
                let peak = |v: Option<usize>| if shown { v.map_or(Value::Null, Value::from) } else { Value::Null };
                props.insert(
                    "peak_weekday".into(),
                    if shown {
                        a.peak_weekday.map_or(Value::Null, |d| crate::patrol::WEEKDAYS[d].into())
                    } else {
                        Value::Null
                    },
                );
                props.insert("peak_hour".into(), peak(a.peak_hour));
                props.insert(
                    "peak_outside_office_hours".into(),
                    if shown { a.peak_outside_office_hours().map_or(Value::Null, Value::from) } else { Value::Null },
                );
                let profile: Vec<Value> = (0..7)
                    .map(|d| {
                        Value::Array(
                            (0..24)
                                .map(|h| self.small.publish(a.profile[d * 24 + h]).map_or(Value::Null, Value::from))
                                .collect(),
                        )
                    })
                    .collect();
                props.insert("profile".into(), Value::Array(profile));
                props.insert(
                    "nearest_service".into(),
                    a.nearest_service.as_ref().map_or(Value::Null, |(n, _)| n.clone().into()),
                );
                props.insert(
                    "nearest_service_m".into(),
                    a.nearest_service.as_ref().map_or(Value::Null, |(_, d)| json!(d.round())),
                );
                props.insert("service_gap".into(), a.service_gap(self.service_gap_m).map_or(Value::Null, Value::from));
                props.insert("unmet_concern".into(), a.unmet_concern.into());
                props.insert("unmet_concern_p".into(), json!(a.unmet_concern_p));
                json!({"type": "Feature", "geometry": geometry, "properties": props})
            })
            .collect();
        bbox.collection(features)
    }

    /// Stages the layer in `set`.
    pub fn write(&self, set: &mut OutputSet, path: &Path) -> Result<()> {
        write_json(set, path, &self.to_geojson())
    }
}

/// What `hotspots.geojson` describes for each cell.
pub struct HotspotLayer<'a> {
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
    /// Geodesic distance from each hot cell's centre to the nearest service, metres (`None`
    /// for cells without a hot pattern); absent without a services layer.
    pub nearest_service_m: Option<Vec<Option<f64>>>,
}

impl HotspotLayer<'_> {
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
                props.insert("series".into(), Value::Array(series.iter().map(|&v| publish(v)).collect()));
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

    /// Stages `hotspots.geojson` in `set`.
    pub fn write(&self, set: &mut OutputSet, path: &Path) -> Result<()> {
        write_json(set, path, &self.to_geojson())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rings_are_closed_counter_clockwise_and_rounded() {
        for (lat, lng) in [(60.17, 24.94), (-33.9, 18.4), (64.1, -21.9)] {
            let cell = h3o::LatLng::new(lat, lng).unwrap().to_cell(h3o::Resolution::Eight);
            let ring = cell_ring(cell);
            assert_eq!(ring.first(), ring.last());
            assert_eq!(ring.len(), 7);
            let area: f64 = ring.windows(2).map(|w| w[0][0] * w[1][1] - w[1][0] * w[0][1]).sum();
            assert!(area > 0.0, "counter-clockwise");
            for p in &ring {
                for v in p {
                    assert_eq!(round6(*v), *v);
                }
            }
        }
    }
}
