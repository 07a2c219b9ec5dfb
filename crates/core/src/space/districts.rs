//! Districts: the polygon layer that names where an event or cell is and, when given, is the
//! analysis mask. Lookups go through an `rstar` R-tree over the districts' bounding boxes and
//! then an exact `geo` point-in-polygon test.

use geo::{BooleanOps, BoundingRect, GeodesicArea, Intersects, MultiPolygon, Point, Validation};
use geojson::GeometryValue;
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

use super::feature_layer;
use crate::error::{Error, Result};

/// One district: a (multi)polygon with a name.
#[derive(Clone, Debug)]
pub struct District {
    /// The district's name (`name` property).
    pub name: String,
    /// The municipality (`municipality` property), empty when absent.
    pub municipality: String,
    /// The area, WGS 84 lon/lat.
    pub shape: MultiPolygon<f64>,
}

/// A districts layer with a spatial index.
#[derive(Debug)]
pub struct Districts {
    districts: Vec<District>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, usize>>,
    /// SHA-256 of the GeoJSON text the layer was read from (of its names and coordinates when
    /// built in memory): partial cubes record it, so they are merged only under the same layer.
    sha256: String,
}

impl Districts {
    /// Builds the layer from districts already in memory.
    pub fn new(districts: Vec<District>) -> Self {
        let boxes = districts
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                let r = d.shape.bounding_rect()?;
                Some(GeomWithData::new(Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]), i))
            })
            .collect();
        // In memory: names and coordinates, in order, as the hashed text.
        let mut text = String::new();
        for d in &districts {
            text.push_str(&format!("{}\u{0}{}\u{0}", d.name, d.municipality));
            for c in d
                .shape
                .0
                .iter()
                .flat_map(|p| p.exterior().0.iter().chain(p.interiors().iter().flat_map(|r| r.0.iter())))
            {
                text.push_str(&format!("{:x},{:x};", c.x.to_bits(), c.y.to_bits()));
            }
        }
        let sha256 = crate::digest::sha256_hex(text.as_bytes()).expect("reading memory cannot fail");
        Districts { districts, tree: RTree::bulk_load(boxes), sha256 }
    }

    /// SHA-256 of the GeoJSON text the layer was read from (`sha256sum FILE`), or of its names
    /// and coordinates when it was built in memory.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// Reads a GeoJSON FeatureCollection of Polygon / MultiPolygon features with a `name`
    /// property (and optionally `municipality`). `path` is used in messages.
    pub fn from_geojson(text: &str, path: &str) -> Result<Self> {
        let err = |message: String| Error::Districts { path: path.to_string(), message };
        let features = feature_layer::features(text, "polygons", err)?;
        let mut districts = Vec::with_capacity(features.len());
        for (i, f) in features.iter().enumerate() {
            let feature = i + 1;
            let Some(geometry) = &f.geometry else {
                return Err(err(format!("feature {feature} has no geometry")));
            };
            // geojson 1.0 panics converting a position with fewer than two numbers (found by the
            // districts fuzz target): contained, it is an error on the feature.
            let shape: MultiPolygon<f64> = crate::panic_guard::contain(|| match &geometry.value {
                GeometryValue::Polygon { .. } => geo::Polygon::try_from(&geometry.value)
                    .map(|p| MultiPolygon::new(vec![p]))
                    .map_err(|e| err(format!("feature {feature}: {e}"))),
                GeometryValue::MultiPolygon { .. } => {
                    MultiPolygon::try_from(&geometry.value).map_err(|e| err(format!("feature {feature}: {e}")))
                }
                _ => Err(err(format!("feature {feature} is not a Polygon or MultiPolygon"))),
            })
            .map_err(|_| err(format!("feature {feature} has a position with fewer than two coordinates")))??;
            let prop = |k: &str| feature_layer::text_property(f, k);
            let name = prop("name").ok_or_else(|| err(format!("feature {feature} has no `name` property")))?;
            // A self-intersecting or otherwise invalid polygon has no well-defined inside.
            if let Some(problem) = shape.validation_errors().into_iter().next() {
                return Err(err(format!("feature {feature} ({name}) is not a valid polygon: {problem}")));
            }
            districts.push(District { name, municipality: prop("municipality").unwrap_or_default(), shape });
        }
        if districts.is_empty() {
            return Err(err("the layer holds no districts".into()));
        }
        let mut layer = Districts::new(districts);
        layer.sha256 = crate::digest::sha256_hex(text.as_bytes()).expect("reading memory cannot fail");
        Ok(layer)
    }

    /// Reads a districts GeoJSON file.
    pub fn from_path(path: &std::path::Path) -> Result<Self> {
        let (name, text) = feature_layer::read_text(path)?;
        Districts::from_geojson(&text, &name)
    }

    /// The built-in districts layer ([`crate::sample::DISTRICTS_GEOJSON`]).
    pub fn builtin() -> Self {
        Districts::from_geojson(crate::sample::DISTRICTS_GEOJSON, crate::sample::DISTRICTS_NAME)
            .expect("the built-in districts are valid")
    }

    /// Pairs of districts that overlap by more than `min_km2` (geodesic area), in file order,
    /// as warnings: an event in the overlap belongs to the first of the two.
    pub fn overlaps(&self, min_km2: f64) -> Vec<String> {
        let mut found = Vec::new();
        for (i, a) in self.districts.iter().enumerate() {
            let Some(r) = a.shape.bounding_rect() else { continue };
            let envelope = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
            let mut candidates: Vec<usize> =
                self.tree.locate_in_envelope_intersecting(&envelope).map(|g| g.data).filter(|&j| j > i).collect();
            candidates.sort_unstable();
            for j in candidates {
                let b = &self.districts[j];
                let km2 = a.shape.intersection(&b.shape).geodesic_area_unsigned() / 1e6;
                if km2 > min_km2 {
                    found.push(format!(
                        "districts {} and {} overlap by {km2:.2} km²; events there count for {}, the first in the file",
                        a.name, b.name, a.name
                    ));
                }
            }
        }
        found
    }

    /// The districts, in file order.
    pub fn all(&self) -> &[District] {
        &self.districts
    }

    /// The number of districts.
    pub fn len(&self) -> usize {
        self.districts.len()
    }

    /// Whether the layer is empty.
    pub fn is_empty(&self) -> bool {
        self.districts.is_empty()
    }

    /// The district holding the point (a point on a border belongs to it too). Where districts
    /// overlap, the first in file order wins, so the answer is deterministic.
    ///
    /// ```
    /// use hotspots_core::space::districts::Districts;
    /// let layer = Districts::from_geojson(hotspots_core::sample::DISTRICTS_GEOJSON, "built-in").unwrap();
    /// let i = layer.locate(24.9414, 60.1710).unwrap(); // Rautatientori
    /// assert_eq!(layer.all()[i].name, "Eteläinen");
    /// ```
    pub fn locate(&self, lon: f64, lat: f64) -> Option<usize> {
        let p = Point::new(lon, lat);
        self.tree
            .locate_in_envelope_intersecting(&AABB::from_point([lon, lat]))
            .map(|g| g.data)
            .filter(|&i| self.districts[i].shape.intersects(&p))
            .min()
    }

    /// What [`locate`](Self::locate) answers for every point of the lon/lat box `min`–`max`,
    /// when no district border meets the box (the answer is then the same throughout); `None`
    /// when one does. Lets a caller settle a whole H3 cell at once and test single points only
    /// near borders.
    ///
    /// ```
    /// use hotspots_core::space::districts::Districts;
    /// let layer = Districts::from_geojson(hotspots_core::sample::DISTRICTS_GEOJSON, "built-in").unwrap();
    /// let inside = layer.locate_box([24.940, 60.170], [24.942, 60.171]).unwrap();
    /// assert_eq!(inside, layer.locate(24.941, 60.1705));
    /// assert_eq!(layer.locate_box([0.0, 0.0], [0.1, 0.1]), Some(None)); // far from every district
    /// ```
    pub fn locate_box(&self, min: [f64; 2], max: [f64; 2]) -> Option<Option<usize>> {
        let rect = geo::Rect::new(geo::coord! { x: min[0], y: min[1] }, geo::coord! { x: max[0], y: max[1] });
        for g in self.tree.locate_in_envelope_intersecting(&AABB::from_corners(min, max)) {
            for polygon in &self.districts[g.data].shape {
                if std::iter::once(polygon.exterior()).chain(polygon.interiors()).any(|ring| ring.intersects(&rect)) {
                    return None;
                }
            }
        }
        Some(self.locate((min[0] + max[0]) / 2.0, (min[1] + max[1]) / 2.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(features: &[(&str, &str)]) -> String {
        let f: Vec<String> = features
            .iter()
            .map(|(name, ring)| {
                format!(r#"{{"type":"Feature","properties":{{"name":"{name}"}},"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}"#)
            })
            .collect();
        format!(r#"{{"type":"FeatureCollection","features":[{}]}}"#, f.join(","))
    }

    #[test]
    fn the_built_in_layer_is_valid_and_does_not_overlap() {
        let d = Districts::builtin();
        assert_eq!(d.len(), 15);
        assert!(d.overlaps(0.0001).is_empty(), "{:?}", d.overlaps(0.0001));
    }

    #[test]
    fn a_self_intersecting_district_is_an_error() {
        let bowtie = "[[24.9,60.1],[25.0,60.2],[25.0,60.1],[24.9,60.2],[24.9,60.1]]";
        let e = Districts::from_geojson(&layer(&[("Bowtie", bowtie)]), "d.geojson").unwrap_err().to_string();
        assert!(e.contains("feature 1 (Bowtie) is not a valid polygon"), "{e}");
    }

    #[test]
    fn overlapping_districts_are_reported_with_their_area() {
        let a = "[[24.90,60.10],[25.00,60.10],[25.00,60.20],[24.90,60.20],[24.90,60.10]]";
        let b = "[[24.95,60.15],[25.05,60.15],[25.05,60.25],[24.95,60.25],[24.95,60.15]]";
        let d = Districts::from_geojson(&layer(&[("A", a), ("B", b)]), "d.geojson").unwrap();
        let o = d.overlaps(0.01);
        assert_eq!(o.len(), 1);
        // 0.05° × 0.05° at 60.175° N: about 2.77 km × 5.57 km.
        assert!(o[0].starts_with("districts A and B overlap by 15."), "{}", o[0]);
        assert_eq!(d.locate(24.97, 60.17), Some(0), "the first in the file wins");
    }
}
