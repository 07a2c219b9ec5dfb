//! An in-memory index over a selection of events (e.g. the recent bins of one job): H3 cell →
//! events, and an `rstar` R-tree over their points. It answers the questions later stages ask —
//! events within a radius of a point, inside a polygon, in a cell or its k-ring — each with an
//! optional time range. The batch cube path does not use it and stays streaming.

use std::collections::HashMap;
use std::ops::Range;

use geo::{Contains, Distance, Haversine, Point, Polygon};
use h3o::{CellIndex, LatLng, Resolution};
use rstar::{AABB, RTree, primitives::GeomWithData};

use crate::event::Event;

/// Mean Earth radius used for the radius pre-filter, metres (the same as `geo::Haversine`).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Events with their H3 cells, indexed by cell and by location. Query results are positions in
/// [`EventIndex::events`], in ascending order.
pub struct EventIndex {
    resolution: Resolution,
    events: Vec<Event>,
    cells: Vec<CellIndex>,
    by_cell: HashMap<CellIndex, Vec<u32>>,
    tree: RTree<GeomWithData<[f64; 2], u32>>,
}

impl EventIndex {
    /// Indexes `events` at H3 `resolution`. O(n log n).
    pub fn new(events: Vec<Event>, resolution: Resolution) -> Self {
        let cells: Vec<CellIndex> =
            events.iter().map(|e| LatLng::new(e.lat, e.lon).expect("validated event").to_cell(resolution)).collect();
        let mut by_cell: HashMap<CellIndex, Vec<u32>> = HashMap::new();
        for (i, c) in cells.iter().enumerate() {
            by_cell.entry(*c).or_default().push(i as u32);
        }
        let points = events.iter().enumerate().map(|(i, e)| GeomWithData::new([e.lon, e.lat], i as u32)).collect();
        EventIndex { resolution, events, cells, by_cell, tree: RTree::bulk_load(points) }
    }

    /// The indexed events.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The H3 cell of each event.
    pub fn cells(&self) -> &[CellIndex] {
        &self.cells
    }

    /// The resolution of the cells.
    pub fn resolution(&self) -> Resolution {
        self.resolution
    }

    fn in_time(&self, i: u32, time: &Option<Range<i64>>) -> bool {
        time.as_ref().is_none_or(|r| r.contains(&self.events[i as usize].time_us))
    }

    fn finish(&self, mut found: Vec<u32>, time: &Option<Range<i64>>) -> Vec<usize> {
        found.retain(|&i| self.in_time(i, time));
        found.sort_unstable();
        found.into_iter().map(|i| i as usize).collect()
    }

    /// Events within `radius_m` metres (haversine) of (`lon`, `lat`), optionally only those with
    /// a time in `time` (µs, start inclusive, end exclusive).
    pub fn within_radius(&self, lon: f64, lat: f64, radius_m: f64, time: Option<Range<i64>>) -> Vec<usize> {
        let centre = Point::new(lon, lat);
        // Degree box that holds the circle; near the poles, all longitudes.
        let dlat = (radius_m / EARTH_RADIUS_M).to_degrees() * 1.000_001;
        let cos = (lat.abs() + dlat).min(90.0).to_radians().cos();
        let dlon = if cos <= 1e-9 { 360.0 } else { (dlat / cos).min(360.0) };
        let envelope = AABB::from_corners([lon - dlon, lat - dlat], [lon + dlon, lat + dlat]);
        let found = self
            .tree
            .locate_in_envelope(&envelope)
            .filter(|g| Haversine.distance(centre, Point::new(g.geom()[0], g.geom()[1])) <= radius_m)
            .map(|g| g.data)
            .collect();
        self.finish(found, &time)
    }

    /// Events inside `polygon` (its boundary excluded), optionally within a time range.
    pub fn inside_polygon(&self, polygon: &Polygon<f64>, time: Option<Range<i64>>) -> Vec<usize> {
        let Some(rect) = geo::BoundingRect::bounding_rect(polygon) else { return Vec::new() };
        let envelope = AABB::from_corners([rect.min().x, rect.min().y], [rect.max().x, rect.max().y]);
        let found = self
            .tree
            .locate_in_envelope(&envelope)
            .filter(|g| polygon.contains(&Point::new(g.geom()[0], g.geom()[1])))
            .map(|g| g.data)
            .collect();
        self.finish(found, &time)
    }

    /// Events in `cell` (which must be at the index's resolution), optionally within a time range.
    pub fn in_cell(&self, cell: CellIndex, time: Option<Range<i64>>) -> Vec<usize> {
        self.finish(self.by_cell.get(&cell).cloned().unwrap_or_default(), &time)
    }

    /// Events in `cell` or any cell within `k` rings of it, optionally within a time range.
    pub fn in_k_ring(&self, cell: CellIndex, k: u32, time: Option<Range<i64>>) -> Vec<usize> {
        let disk: Vec<CellIndex> = cell.grid_disk(k);
        let found = disk.iter().filter_map(|c| self.by_cell.get(c)).flatten().copied().collect();
        self.finish(found, &time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Kind;

    /// A small deterministic scatter of events around Helsinki (xorshift, no external RNG).
    fn events(n: usize) -> Vec<Event> {
        let mut s = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64
        };
        (0..n)
            .map(|i| Event {
                lat: 60.15 + 0.1 * next(),
                lon: 24.85 + 0.2 * next(),
                time_us: (next() * 1e12) as i64,
                kind: if i % 3 == 0 { Kind::Concern } else { Kind::Encounter },
                category: None,
                weight: 1.0,
            })
            .collect()
    }

    #[test]
    fn radius_query_matches_brute_force() {
        let index = EventIndex::new(events(5000), Resolution::Eight);
        for (lon, lat, r) in [(24.94, 60.17, 500.0), (24.9, 60.2, 2500.0), (25.1, 60.25, 100.0), (24.0, 60.0, 1000.0)] {
            let time = Some(200_000_000_000..700_000_000_000);
            let got = index.within_radius(lon, lat, r, time.clone());
            let want: Vec<usize> = index
                .events()
                .iter()
                .enumerate()
                .filter(|(_, e)| Haversine.distance(Point::new(lon, lat), Point::new(e.lon, e.lat)) <= r)
                .filter(|(_, e)| time.as_ref().unwrap().contains(&e.time_us))
                .map(|(i, _)| i)
                .collect();
            assert_eq!(got, want, "radius {r} at {lon},{lat}");
        }
    }

    #[test]
    fn polygon_cell_and_ring_queries_match_brute_force() {
        let index = EventIndex::new(events(5000), Resolution::Eight);
        let poly = Polygon::new(
            vec![(24.9, 60.16), (25.0, 60.16), (25.0, 60.2), (24.95, 60.22), (24.9, 60.2), (24.9, 60.16)].into(),
            vec![],
        );
        let want: Vec<usize> = (0..index.events().len())
            .filter(|&i| poly.contains(&Point::new(index.events()[i].lon, index.events()[i].lat)))
            .collect();
        assert_eq!(index.inside_polygon(&poly, None), want);

        let cell = index.cells()[17];
        let want: Vec<usize> = (0..index.cells().len()).filter(|&i| index.cells()[i] == cell).collect();
        assert_eq!(index.in_cell(cell, None), want);
        assert!(!want.is_empty());

        let disk: Vec<CellIndex> = cell.grid_disk(2);
        let want: Vec<usize> = (0..index.cells().len()).filter(|&i| disk.contains(&index.cells()[i])).collect();
        assert_eq!(index.in_k_ring(cell, 2, None), want);
        let t = 0..500_000_000_000;
        let want_t: Vec<usize> = want.iter().copied().filter(|&i| t.contains(&index.events()[i].time_us)).collect();
        assert_eq!(index.in_k_ring(cell, 2, Some(t)), want_t);
    }
}
