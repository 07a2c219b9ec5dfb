//! Exact H3 cells, faster than asking h3o for every event. Outreach events cluster in a few
//! thousand cells, so most events fall deep inside a cell the locator has already seen.
//!
//! How it stays exact: h3o assigns a point to a cell by projecting it gnomonically onto an
//! icosahedron face, where cells are plane hexagons; gnomonic projection maps straight lines to
//! great circles, so a hexagonal cell (one inside a single face: not a pentagon, no distortion
//! vertices) is the spherical hexagon whose edges are the great-circle arcs between the vertices
//! h3o returns. The locator keeps, for each cell it has seen, that hexagon in a local
//! equirectangular plane (metres around the cell centre) shrunk by a safety margin, and answers
//! from it only when the point lies inside the shrunk hexagon. Everywhere else (near an edge,
//! pentagons, cells across a face edge or the antimeridian, near the poles) it asks h3o.
//!
//! The margin covers the two ways the plane hexagon differs from h3o's: a great-circle arc is not
//! straight in the equirectangular plane (it bows poleward by at most `L² tan φ / 8R` over an edge
//! of length `L` at latitude `φ`, 8 mm for a resolution-8 edge at 60° N) and rounding (far below a
//! millimetre). The margin is `0.05 m + 2 L² tan φ / R`, at least eight times the bow. Only points
//! within the margin of an edge, about 0.3 % of a resolution-8 cell, go to h3o.
//!
//! Candidates are found through a direct-mapped table keyed by a coarse latitude/longitude grid
//! (two thirds of the cell's edge); each grid box remembers up to four cells. The table only
//! decides which hexagons are tried, never the answer, so results are the same whatever it holds:
//! identical to h3o's, as the tests check over millions of random points and points placed just
//! inside and outside every edge.

use h3o::{CellIndex, LatLng, Resolution, error::InvalidLatLng};
use rustc_hash::FxHashMap;

/// Mean Earth radius used by H3, metres.
const EARTH_RADIUS_M: f64 = 6_371_007.180_918_475;
/// Metres per degree of latitude on H3's sphere.
const M_PER_DEG: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
/// Grid boxes in the direct-mapped table (a power of two).
const SLOTS: usize = 1 << 16;
/// Cells remembered before the locator starts over (bounds its memory to a few MB).
const MAX_SHAPES: usize = 1 << 16;
/// No shape.
const NONE: u32 = u32::MAX;
/// Candidate cells per grid box.
const CANDIDATES: usize = 4;

/// One cell's hexagon in its local plane, shrunk by the margin: inside iff
/// `nx·x + ny·y ≥ c` for every edge, with `x`, `y` in metres east and north of the centre.
#[derive(Clone, Copy)]
struct CellShape {
    cell: CellIndex,
    lat0: f64,
    lon0: f64,
    /// Metres per degree of longitude at the centre.
    kx: f64,
    edges: [[f64; 3]; 6],
}

impl CellShape {
    /// The shrunk hexagon of `cell`, or `None` where the fast test would not be exact.
    fn of(cell: CellIndex) -> Option<CellShape> {
        if cell.is_pentagon() {
            return None;
        }
        let boundary = cell.boundary();
        if boundary.len() != 6 {
            return None; // distortion vertices: the cell crosses an icosahedron edge
        }
        let centre = LatLng::from(cell);
        let (lat0, lon0) = (centre.lat(), centre.lng());
        if lat0.abs() > 80.0 {
            return None;
        }
        let kx = lat0.to_radians().cos() * M_PER_DEG;
        let mut local = [[0.0; 2]; 6];
        for (v, ll) in local.iter_mut().zip(boundary.iter()) {
            let dlon = ll.lng() - lon0;
            if dlon.abs() > 1.0 {
                return None; // across the antimeridian
            }
            *v = [dlon * kx, (ll.lat() - lat0) * M_PER_DEG];
        }
        let longest = (0..6)
            .map(|i| {
                let (a, b) = (local[i], local[(i + 1) % 6]);
                (b[0] - a[0]).hypot(b[1] - a[1])
            })
            .fold(0.0, f64::max);
        let tan = (lat0.abs() + 1.0).to_radians().tan();
        let margin = 0.05 + 2.0 * longest * longest * tan / EARTH_RADIUS_M;
        let mut edges = [[0.0; 3]; 6];
        for (i, edge) in edges.iter_mut().enumerate() {
            let (a, b) = (local[i], local[(i + 1) % 6]);
            let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
            let len = dx.hypot(dy);
            if len <= 4.0 * margin {
                return None;
            }
            // The normal pointing to the centre (the origin).
            let (mut nx, mut ny) = (-dy / len, dx / len);
            if nx * a[0] + ny * a[1] > 0.0 {
                (nx, ny) = (-nx, -ny);
            }
            *edge = [nx, ny, nx * a[0] + ny * a[1] + margin];
        }
        Some(CellShape { cell, lat0, lon0, kx, edges })
    }

    #[inline]
    fn contains(&self, lat: f64, lon: f64) -> bool {
        let x = (lon - self.lon0) * self.kx;
        let y = (lat - self.lat0) * M_PER_DEG;
        self.edges.iter().all(|&[nx, ny, c]| nx * x + ny * y >= c)
    }
}

#[derive(Clone, Copy)]
struct Slot {
    key: u64,
    shapes: [u32; CANDIDATES],
}

const EMPTY_SLOT: Slot = Slot { key: u64::MAX, shapes: [NONE; CANDIDATES] };

/// Finds the H3 cell of a point exactly as h3o does, settling most points without h3o. Keep one
/// per thread: it learns the cells it is asked about.
///
/// ```
/// use h3o::{LatLng, Resolution};
/// use hotspots_core::space::CellLocator;
/// let mut locator = CellLocator::new(Resolution::Eight);
/// for _ in 0..2 {
///     let cell = locator.cell(60.1710, 24.9414).unwrap();
///     assert_eq!(cell, LatLng::new(60.1710, 24.9414).unwrap().to_cell(Resolution::Eight));
/// }
/// assert_eq!(locator.settled_without_h3o(), 1);
/// ```
pub struct CellLocator {
    resolution: Resolution,
    step_lat: f64,
    step_lon: f64,
    slots: Vec<Slot>,
    shapes: Vec<CellShape>,
    shape_of: FxHashMap<CellIndex, u32>,
    fast: u64,
    slow: u64,
}

impl CellLocator {
    /// A locator for cells of `resolution`.
    pub fn new(resolution: Resolution) -> Self {
        // Two thirds of the mean edge, in degrees (a box meets at most four cells); longitude
        // boxes twice as wide, about square at 60° N. Any size is exact: only the share of
        // points settled without h3o changes.
        let step_lat = resolution.edge_length_m() / 1.5 / M_PER_DEG;
        CellLocator {
            resolution,
            step_lat,
            step_lon: 2.0 * step_lat,
            slots: Vec::new(),
            shapes: Vec::new(),
            shape_of: FxHashMap::default(),
            fast: 0,
            slow: 0,
        }
    }

    /// The resolution of the cells it finds.
    pub fn resolution(&self) -> Resolution {
        self.resolution
    }

    /// Points settled from a remembered hexagon.
    pub fn settled_without_h3o(&self) -> u64 {
        self.fast
    }

    /// Points that went to h3o.
    pub fn asked_h3o(&self) -> u64 {
        self.slow
    }

    /// The cell holding (`lat`, `lon`) in degrees: always the cell h3o gives.
    #[inline]
    pub fn cell(&mut self, lat: f64, lon: f64) -> Result<CellIndex, InvalidLatLng> {
        let (gy, gx) = ((lat / self.step_lat).floor(), (lon / self.step_lon).floor());
        let key = if gy.is_finite() && gx.is_finite() {
            ((gy as i64 as u64) << 32) ^ (gx as i64 as u64 & 0xFFFF_FFFF)
        } else {
            u64::MAX
        };
        let index = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> (64 - SLOTS.trailing_zeros())) as usize;
        if let Some(slot) = self.slots.get(index)
            && slot.key == key
            && key != u64::MAX
        {
            for &s in &slot.shapes {
                if s != NONE && self.shapes[s as usize].contains(lat, lon) {
                    self.fast += 1;
                    return Ok(self.shapes[s as usize].cell);
                }
            }
        }
        let cell = LatLng::new(lat, lon)?.to_cell(self.resolution);
        self.slow += 1;
        if key != u64::MAX {
            self.remember(index, key, cell);
        }
        Ok(cell)
    }

    fn remember(&mut self, index: usize, key: u64, cell: CellIndex) {
        if self.shapes.len() >= MAX_SHAPES {
            self.shapes.clear();
            self.shape_of.clear();
            self.slots.clear();
        }
        if self.slots.is_empty() {
            self.slots = vec![EMPTY_SLOT; SLOTS];
        }
        let shape = match self.shape_of.get(&cell) {
            Some(&s) => s,
            None => {
                let s = match CellShape::of(cell) {
                    Some(shape) => {
                        self.shapes.push(shape);
                        (self.shapes.len() - 1) as u32
                    }
                    None => NONE,
                };
                self.shape_of.insert(cell, s);
                s
            }
        };
        if shape == NONE {
            return;
        }
        let slot = &mut self.slots[index];
        if slot.key != key {
            *slot = Slot { key, shapes: [shape, NONE, NONE, NONE] };
        } else if !slot.shapes.contains(&shape) {
            slot.shapes = [shape, slot.shapes[0], slot.shapes[1], slot.shapes[2]];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    fn h3o_cell(lat: f64, lon: f64, res: Resolution) -> CellIndex {
        LatLng::new(lat, lon).unwrap().to_cell(res)
    }

    /// Random points in a box, many of them repeated nearby so the locator settles most of them
    /// itself; every answer must be h3o's.
    fn check_box(res: Resolution, lat: (f64, f64), lon: (f64, f64), n: usize, seed: u64) -> (u64, u64) {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        let mut locator = CellLocator::new(res);
        let spread = res.edge_length_m() * 5.0 / M_PER_DEG;
        let mut centre = (0.0, 0.0);
        for i in 0..n {
            if i % 10_000 == 0 {
                centre = (rng.random_range(lat.0..lat.1), rng.random_range(lon.0..lon.1));
            }
            let p = (
                centre.0 + rng.random_range(-spread..spread),
                centre.1 + rng.random_range(-2.0 * spread..2.0 * spread),
            );
            let p = (p.0.clamp(-89.9, 89.9), p.1);
            assert_eq!(locator.cell(p.0, p.1).unwrap(), h3o_cell(p.0, p.1, res), "point {p:?} at {res}");
        }
        (locator.settled_without_h3o(), locator.asked_h3o())
    }

    #[test]
    fn random_points_around_helsinki_get_h3os_cells() {
        for (res, seed) in [(Resolution::Seven, 1), (Resolution::Eight, 2), (Resolution::Nine, 3), (Resolution::Ten, 4)]
        {
            let (fast, slow) = check_box(res, (59.9, 60.5), (24.4, 25.5), 400_000, seed);
            assert!(fast > 3 * slow, "{res}: only {fast} of {} settled without h3o", fast + slow);
        }
    }

    #[test]
    fn random_points_over_the_globe_get_h3os_cells() {
        // Every face of the icosahedron, its edges, pentagons and the antimeridian.
        for (res, seed) in [(Resolution::Six, 5), (Resolution::Eight, 6), (Resolution::Eleven, 7)] {
            check_box(res, (-85.0, 85.0), (-180.0, 180.0), 600_000, seed);
        }
    }

    #[test]
    fn points_just_inside_and_outside_every_edge_get_h3os_cells() {
        // For cells around Helsinki and elsewhere: points along each edge, a hair (1 mm to
        // 1 m) to either side of it and at the vertices.
        let mut rng = rand_pcg::Pcg64::seed_from_u64(8);
        let mut checked = 0;
        for res in [Resolution::Seven, Resolution::Eight, Resolution::Ten, Resolution::Twelve] {
            let mut locator = CellLocator::new(res);
            for _ in 0..300 {
                let (lat, lon) = if rng.random_bool(0.5) {
                    (rng.random_range(60.0..60.4), rng.random_range(24.5..25.3))
                } else {
                    (rng.random_range(-80.0..80.0), rng.random_range(-180.0..180.0))
                };
                let cell = h3o_cell(lat, lon, res);
                // Warm the locator on the cell and its neighbours.
                for n in cell.grid_disk::<Vec<_>>(1) {
                    let c = LatLng::from(n);
                    locator.cell(c.lat(), c.lng()).unwrap();
                }
                let b: Vec<LatLng> = cell.boundary().iter().copied().collect();
                let centre = LatLng::from(cell);
                for i in 0..b.len() {
                    let (a, z) = (b[i], b[(i + 1) % b.len()]);
                    for step in 0..=40 {
                        let t = step as f64 / 40.0;
                        let (plat, plon) = (a.lat() + t * (z.lat() - a.lat()), a.lng() + t * (z.lng() - a.lng()));
                        for offset in [-1.0, -0.1, -0.01, -0.001, 0.0, 0.001, 0.01, 0.1, 1.0] {
                            // Offset toward (negative) or away from the centre, in metres.
                            let (dy, dx) =
                                (plat - centre.lat(), (plon - centre.lng()) * centre.lat().to_radians().cos());
                            let d = dx.hypot(dy) * M_PER_DEG;
                            if d == 0.0 {
                                continue;
                            }
                            let s = offset / d;
                            let (qlat, qlon) = (plat + s * (plat - centre.lat()), plon + s * (plon - centre.lng()));
                            if !(-90.0..=90.0).contains(&qlat) || !(-180.0..=180.0).contains(&qlon) {
                                continue;
                            }
                            assert_eq!(
                                locator.cell(qlat, qlon).unwrap(),
                                h3o_cell(qlat, qlon, res),
                                "{res}: {offset} m from edge {i} of {cell} at ({qlat}, {qlon})"
                            );
                            checked += 1;
                        }
                    }
                }
            }
        }
        assert!(checked > 300_000, "{checked}");
    }

    #[test]
    fn invalid_coordinates_are_errors_not_cells() {
        let mut locator = CellLocator::new(Resolution::Eight);
        assert!(locator.cell(f64::NAN, 24.9).is_err());
        assert!(locator.cell(60.1, f64::INFINITY).is_err());
    }
}
