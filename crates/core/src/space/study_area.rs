//! The study area: which H3 cells are analysed. As in ArcGIS, with a districts layer it is every
//! cell whose centre lies inside a district (the analysis mask); without one, every cell that
//! holds at least one event in the analysed bins (decided when the cube is built).

use geo::{BoundingRect, Polygon};
use h3o::geom::{ContainmentMode, TilerBuilder};
use h3o::{CellIndex, LatLng, Resolution};

use crate::error::{Error, Result};
use crate::space::districts::Districts;

/// The centre of a cell as (lon, lat) degrees.
pub fn cell_centre(cell: CellIndex) -> (f64, f64) {
    let ll = LatLng::from(cell);
    (ll.lng(), ll.lat())
}

/// The cells whose centre lies inside one of the districts, sorted by H3 index, each with the
/// district (position in the layer) holding its centre.
///
/// Candidates come from h3o's tiler in `IntersectsBoundary` mode (a superset); each candidate's
/// centre is then tested with the same R-tree + point-in-polygon lookup that places events, so a
/// cell is in the mask exactly when [`Districts::locate`] finds its centre.
pub fn mask_cells(districts: &Districts, resolution: Resolution, name: &str) -> Result<Vec<(CellIndex, usize)>> {
    let mut tiler = TilerBuilder::new(resolution)
        .containment_mode(ContainmentMode::IntersectsBoundary)
        .disable_transmeridian_heuristic()
        .build();
    for (i, d) in districts.all().iter().enumerate() {
        for polygon in &d.shape.0 {
            let polygon: Polygon<f64> = polygon.clone();
            if polygon.bounding_rect().is_none() {
                continue;
            }
            tiler.add(polygon).map_err(|e| Error::Districts {
                path: name.to_string(),
                message: format!("district {} ({}): {e}", i + 1, d.name),
            })?;
        }
    }
    let mut cells: Vec<(CellIndex, usize)> = tiler
        .into_coverage()
        .filter_map(|cell| {
            let (lon, lat) = cell_centre(cell);
            districts.locate(lon, lat).map(|d| (cell, d))
        })
        .collect();
    cells.sort_unstable();
    cells.dedup();
    if cells.is_empty() {
        return Err(Error::Districts {
            path: name.to_string(),
            message: format!("no H3 cell centre at resolution {} lies inside any district", u8::from(resolution)),
        });
    }
    Ok(cells)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_matches_a_brute_force_centre_test() {
        let districts = Districts::from_geojson(crate::sample::DISTRICTS_GEOJSON, "built-in").unwrap();
        let mask = mask_cells(&districts, Resolution::Seven, "built-in").unwrap();
        // Brute force: every res-7 cell in a generous box around the layer.
        let mut brute = Vec::new();
        let mut lat = 60.05;
        while lat < 60.45 {
            let mut lon = 24.6;
            while lon < 25.4 {
                let cell = LatLng::new(lat, lon).unwrap().to_cell(Resolution::Seven);
                let (clon, clat) = cell_centre(cell);
                if let Some(d) = districts.locate(clon, clat) {
                    brute.push((cell, d));
                }
                lon += 0.004;
            }
            lat += 0.002;
        }
        brute.sort_unstable();
        brute.dedup();
        assert_eq!(mask, brute);
    }
}
