//! What every GeoJSON layer GIS tools load shares. RFC 7946: WGS 84 longitude/latitude, exterior rings
//! counter-clockwise and closed, no `crs` member, coordinates rounded to 6 decimals, a `bbox` on
//! the collection, features in H3 order. Published layers hold aggregates only: no event
//! coordinates, ids or free text, and no count below `--min-count`.

use h3o::CellIndex;
use serde_json::{Value, json};

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
pub(super) struct Bbox([f64; 4]);

impl Bbox {
    pub(super) fn new() -> Self {
        Bbox([f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY])
    }

    pub(super) fn grow(&mut self, p: [f64; 2]) {
        self.0[0] = self.0[0].min(p[0]);
        self.0[1] = self.0[1].min(p[1]);
        self.0[2] = self.0[2].max(p[0]);
        self.0[3] = self.0[3].max(p[1]);
    }

    /// A GeoJSON (Multi)Polygon of `shape`, RFC 7946 oriented and rounded; grows the box by its
    /// exterior rings.
    pub(super) fn geometry(&mut self, shape: &geo::MultiPolygon<f64>) -> Value {
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

    /// What [`Bbox::collection`] puts after the features: `,"bbox":[…]` when the box is not
    /// empty, for a collection written feature by feature.
    pub(super) fn write_tail(&self, out: &mut (dyn std::io::Write + Send)) -> Result<(), super::BoxError> {
        if self.0[0].is_finite() {
            out.write_all(br#","bbox":"#)?;
            serde_json::to_writer(&mut *out, &self.0)?;
        }
        Ok(())
    }

    /// The FeatureCollection of `features`, with this box when it is not empty.
    pub(super) fn collection(self, features: Vec<Value>) -> Value {
        let mut collection = json!({"type": "FeatureCollection", "features": features});
        if self.0[0].is_finite() {
            collection["bbox"] = json!(self.0);
        }
        collection
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
