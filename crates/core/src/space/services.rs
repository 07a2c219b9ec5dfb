//! Service points (day centres, shelters, health stations): where people can be referred. The
//! engine measures how far patrol areas and hot cells are from the nearest one, to find the
//! places services do not reach.
//!
//! The nearest service is found with an `rstar` R-tree over points on the unit sphere (chord
//! length orders points exactly as great-circle distance does), then the few candidates within
//! 1 % of the nearest chord are measured with geodesics on the WGS 84 ellipsoid (Karney 2013,
//! `geo::Geodesic`) and the shortest wins. O(log n) per query.

use geo::{Distance, Geodesic, Point};
use geojson::GeometryValue;
use rstar::{RTree, primitives::GeomWithData};

use super::feature_layer;
use crate::error::{Error, Result};

/// One service point.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    /// Name (`name` property).
    pub name: String,
    /// Type (`type` property), e.g. `day_centre`, `shelter`, `health_station`.
    pub kind: String,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
}

/// The services layer with its index.
pub struct Services {
    services: Vec<Service>,
    tree: RTree<GeomWithData<[f64; 3], usize>>,
}

fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (lon, lat) = (lon.to_radians(), lat.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

/// The Point features of a GeoJSON FeatureCollection with their `name` and `type` properties, for
/// a point layer (`layer`, e.g. "services layer", names its errors; a feature without a name is
/// called `thing N`). At least one point; every position a valid WGS 84 longitude/latitude.
/// With each point, its text properties `extra` (in that order).
pub(crate) fn read_points(
    text: &str,
    path: &str,
    (layer, thing): (&str, &str),
    extra: &[&str],
) -> Result<Vec<(Service, Vec<Option<String>>)>> {
    let err = |message: String| Error::Format { path: path.to_string(), message: format!("{layer}: {message}") };
    let features = feature_layer::features(text, "points", err)?;
    let mut points = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let Some(GeometryValue::Point { coordinates }) = f.geometry.as_ref().map(|g| &g.value) else {
            return Err(err(format!("feature {} is not a Point", i + 1)));
        };
        let c = coordinates.as_slice();
        let (lon, lat) = (c[0], c.get(1).copied().unwrap_or(f64::NAN));
        if !(lon.is_finite() && lat.is_finite() && lat.abs() <= 90.0 && lon.abs() <= 180.0) {
            return Err(err(format!("feature {} has no valid WGS 84 position", i + 1)));
        }
        let prop = |k: &str| feature_layer::text_property(f, k);
        let service = Service {
            name: prop("name").unwrap_or_else(|| format!("{thing} {}", i + 1)),
            kind: prop("type").unwrap_or_default(),
            lon,
            lat,
        };
        points.push((service, extra.iter().map(|k| prop(k)).collect()));
    }
    if points.is_empty() {
        return Err(err(format!("the layer holds no {thing} points")));
    }
    Ok(points)
}

impl Services {
    /// Builds the index over `services`.
    pub fn new(services: Vec<Service>) -> Self {
        let points =
            services.iter().enumerate().map(|(i, s)| GeomWithData::new(unit_vector(s.lon, s.lat), i)).collect();
        Services { services, tree: RTree::bulk_load(points) }
    }

    /// Reads a GeoJSON FeatureCollection of Point features with `name` and `type` properties.
    pub fn from_geojson(text: &str, path: &str) -> Result<Self> {
        let points = read_points(text, path, ("services layer", "service"), &[])?;
        Ok(Services::new(points.into_iter().map(|(s, _)| s).collect()))
    }

    /// Reads a services GeoJSON file.
    pub fn from_path(path: &std::path::Path) -> Result<Self> {
        let (name, text) = feature_layer::read_text(path)?;
        Services::from_geojson(&text, &name)
    }

    /// The built-in example services ([`crate::sample::SERVICES_GEOJSON`]).
    pub fn builtin() -> Self {
        Services::from_geojson(crate::sample::SERVICES_GEOJSON, crate::sample::SERVICES_NAME)
            .expect("the built-in services are valid")
    }

    /// The services, in file order.
    pub fn all(&self) -> &[Service] {
        &self.services
    }

    /// The nearest service to (`lon`, `lat`) and its geodesic distance in metres; ties go to the
    /// first in file order.
    ///
    /// ```
    /// use hotspots_core::space::Services;
    /// let services = Services::builtin();
    /// let (s, metres) = services.nearest(24.9531, 60.1845).unwrap(); // 100 m north of it
    /// assert_eq!(s.name, "Example day centre, Kallio");
    /// assert!((metres - 100.2).abs() < 1.0);
    /// ```
    pub fn nearest(&self, lon: f64, lat: f64) -> Option<(&Service, f64)> {
        self.nearest_index(lon, lat).map(|(i, d)| (&self.services[i], d))
    }

    /// As [`Services::nearest`], with the service's position in [`Services::all`].
    pub fn nearest_index(&self, lon: f64, lat: f64) -> Option<(usize, f64)> {
        let q = unit_vector(lon, lat);
        let mut candidates = self.tree.nearest_neighbor_iter_with_distance_2(&q);
        let (first, d2) = candidates.next()?;
        let limit = d2.sqrt() * 1.01 + 1e-12;
        let here = Point::new(lon, lat);
        std::iter::once(first)
            .chain(candidates.take_while(|(_, d2)| d2.sqrt() <= limit).map(|(g, _)| g))
            .map(|g| {
                let s = &self.services[g.data];
                (g.data, Geodesic.distance(here, Point::new(s.lon, s.lat)))
            })
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_matches_a_brute_force_geodesic_search_to_a_metre() {
        // 300 services and 2,000 queries scattered over the capital region (xorshift).
        let mut rng = crate::test_data::SeededRng::new(0x1234_5678_9ABC_DEF1);
        let mut next = || rng.next_f64();
        let services: Vec<Service> = (0..300)
            .map(|i| Service {
                name: format!("s{i}"),
                kind: "x".into(),
                lon: 24.7 + 0.6 * next(),
                lat: 60.1 + 0.3 * next(),
            })
            .collect();
        let index = Services::new(services.clone());
        for _ in 0..2000 {
            let (lon, lat) = (24.6 + 0.8 * next(), 60.05 + 0.4 * next());
            let (_, got) = index.nearest(lon, lat).unwrap();
            let want = services
                .iter()
                .map(|s| Geodesic.distance(Point::new(lon, lat), Point::new(s.lon, s.lat)))
                .fold(f64::INFINITY, f64::min);
            assert!((got - want).abs() < 1.0, "{got} vs {want}");
        }
    }

    #[test]
    fn a_layer_without_points_is_an_error() {
        assert!(Services::from_geojson(r#"{"type":"FeatureCollection","features":[]}"#, "x").is_err());
        let line = r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"LineString","coordinates":[[24,60],[25,60]]}}]}"#;
        assert!(Services::from_geojson(line, "x").is_err());
        let sample = Services::from_geojson(crate::sample::SERVICES_GEOJSON, "built-in").unwrap();
        assert_eq!(sample.all().len(), 8);
    }
}
