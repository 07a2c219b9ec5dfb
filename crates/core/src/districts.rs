//! Districts: the polygon layer that names where an event or cell is and, when given, is the
//! analysis mask. Lookups go through an `rstar` R-tree over the districts' bounding boxes and
//! then an exact `geo` point-in-polygon test.

use geo::{BoundingRect, Intersects, MultiPolygon, Point};
use geojson::{GeoJson, GeometryValue};
use rstar::{AABB, RTree, primitives::GeomWithData, primitives::Rectangle};

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
        Districts { districts, tree: RTree::bulk_load(boxes) }
    }

    /// Reads a GeoJSON FeatureCollection of Polygon / MultiPolygon features with a `name`
    /// property (and optionally `municipality`). `path` is used in messages.
    pub fn from_geojson(text: &str, path: &str) -> Result<Self> {
        let err = |message: String| Error::Districts { path: path.to_string(), message };
        let geojson: GeoJson = text.parse().map_err(|e: geojson::Error| err(format!("not valid GeoJSON: {e}")))?;
        let GeoJson::FeatureCollection(fc) = geojson else {
            return Err(err("expected a FeatureCollection of polygons".into()));
        };
        let mut districts = Vec::with_capacity(fc.features.len());
        for (i, f) in fc.features.iter().enumerate() {
            let feature = i + 1;
            let Some(geometry) = &f.geometry else {
                return Err(err(format!("feature {feature} has no geometry")));
            };
            let shape: MultiPolygon<f64> = match &geometry.value {
                GeometryValue::Polygon { .. } => MultiPolygon::new(vec![
                    geo::Polygon::try_from(&geometry.value).map_err(|e| err(format!("feature {feature}: {e}")))?,
                ]),
                GeometryValue::MultiPolygon { .. } => {
                    MultiPolygon::try_from(&geometry.value).map_err(|e| err(format!("feature {feature}: {e}")))?
                }
                _ => return Err(err(format!("feature {feature} is not a Polygon or MultiPolygon"))),
            };
            let prop = |k: &str| f.property(k).and_then(|v| v.as_str()).map(str::to_string);
            let name = prop("name").ok_or_else(|| err(format!("feature {feature} has no `name` property")))?;
            districts.push(District { name, municipality: prop("municipality").unwrap_or_default(), shape });
        }
        if districts.is_empty() {
            return Err(err("the layer holds no districts".into()));
        }
        Ok(Districts::new(districts))
    }

    /// Reads a districts GeoJSON file.
    pub fn from_path(path: &std::path::Path) -> Result<Self> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: name.clone(), source })?;
        Districts::from_geojson(&text, &name)
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
    /// use hotspots_core::districts::Districts;
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
}
