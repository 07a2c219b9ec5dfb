//! The effort cube: patrol hours per study-area cell and time bin, spread from the valid rows
//! of the effort log ([`crate::ingest::effort`]), with the row and hour accounting.
//!
//! **Where.** A shift's hours are shared evenly among the analysis-resolution cells of its
//! place: a cell at the analysis resolution is itself; a coarser cell is all its children (7ⁿ
//! of them, n resolutions finer); a finer cell is its parent; a district is the study-area cells
//! whose centre lies in it; a polygon is every cell it intersects; a line is every cell it
//! passes through (points sampled along each segment at a third of the cell edge). Cells outside
//! the study area take their share with them: those hours are counted as outside, not moved.
//!
//! **When.** A shift's hours go to the bins its span `[start, end)` overlaps, in proportion to
//! the overlap. Hours outside the window are counted as outside.
//!
//! **Rows.** A valid row none of whose hours fall in the window is `outside_window`; a line or
//! polygon covering more than [`MAX_PLACE_CELLS`] cells is rejected (`place_too_large`); a row
//! whose hours in the window all fall outside the study area is `outside_study_area`; any other is
//! `accepted`. `read = accepted + rejected + outside_window + outside_study_area`.

use std::collections::BTreeMap;

use h3o::{CellIndex, LatLng, Resolution};

use crate::ingest::effort::{EffortPlace, EffortReject, EffortRejectReason, EffortRows, Shift};
use crate::time::TimeBins;

/// The row and hour accounting of the effort log.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct EffortAccount {
    /// The file, as named (or `<built-in effort log>`).
    pub file: String,
    /// Rows read.
    pub read: u64,
    /// Rows with hours in the study area and the window.
    pub accepted: u64,
    /// Rows rejected.
    pub rejected: u64,
    /// Rejected rows per reason code.
    pub rejected_by_reason: BTreeMap<String, u64>,
    /// Valid rows with no hours in the window.
    pub outside_window: u64,
    /// Valid rows whose hours in the window all fall outside the study area.
    pub outside_study_area: u64,
    /// The hours of the rows not rejected (accepted or outside).
    pub hours_valid: f64,
    /// The hours in the cube (study area and window).
    pub hours_in_cube: f64,
}

impl EffortAccount {
    /// Whether every row is accounted for.
    pub fn balances(&self) -> bool {
        self.read == self.accepted + self.rejected + self.outside_window + self.outside_study_area
    }
}

/// Patrol hours per cell and bin.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EffortCube {
    /// Hours per (cell, bin), cell-major like the space-time cube (moved into the jobs'
    /// [`crate::cube::JobCube::effort`] by the run, which keeps the rest).
    pub hours: Vec<f64>,
    /// The accounting.
    pub account: EffortAccount,
    /// The rejected rows, in file order.
    pub rejects: Vec<EffortReject>,
}

/// The most analysis-resolution cells a line or polygon may cover (about 4 million): a row
/// beyond it (a country drawn as the area walked) is rejected as `place_too_large` rather than
/// tiled.
pub const MAX_PLACE_CELLS: usize = 1 << 22;

/// Where a place's hours go: the study-area cells it covers (cube positions, ascending) and how
/// many analysis-resolution cells share the hours (those outside the study area included).
#[derive(Clone, Debug, PartialEq)]
pub struct PlaceCells {
    /// Cube positions of the covered study-area cells.
    pub inside: Vec<usize>,
    /// All the cells sharing the hours.
    pub count: f64,
}

/// The cells of a place at `resolution` among the sorted study-area cells `study` (with their
/// districts); an error for a line or polygon covering more than [`MAX_PLACE_CELLS`]
/// (`PlaceTooLarge`) or a polygon h3o cannot tile (`InvalidGeometry`). A coarse cell
/// is never expanded past the study area: with more children than study cells, the study cells
/// under it are found by their parents instead (a resolution-0 cell costs one pass over them).
pub fn place_cells(
    place: &EffortPlace,
    resolution: Resolution,
    study: &[CellIndex],
    cell_districts: &[Option<usize>],
) -> Result<PlaceCells, EffortRejectReason> {
    let positions = |cells: &mut Vec<CellIndex>| -> Vec<usize> {
        cells.sort_unstable();
        cells.dedup();
        cells.iter().filter_map(|c| study.binary_search(c).ok()).collect()
    };
    Ok(match place {
        EffortPlace::Cell(c) => {
            let r = c.resolution();
            if r >= resolution {
                let mut cells: Vec<CellIndex> = c.parent(resolution).into_iter().collect();
                PlaceCells { inside: positions(&mut cells), count: 1.0 }
            } else {
                let count = c.children_count(resolution);
                let inside = if count <= study.len() as u64 {
                    positions(&mut c.children(resolution).collect())
                } else {
                    (0..study.len()).filter(|&i| study[i].parent(r) == Some(*c)).collect()
                };
                PlaceCells { inside, count: count as f64 }
            }
        }
        EffortPlace::District(d) => {
            let inside: Vec<usize> = (0..study.len()).filter(|&i| cell_districts.get(i) == Some(&Some(*d))).collect();
            let count = inside.len() as f64;
            PlaceCells { inside, count }
        }
        EffortPlace::Geometry(g) => {
            let mut cells = geometry_cells(g, resolution)?;
            let inside = positions(&mut cells);
            PlaceCells { inside, count: cells.len() as f64 }
        }
    })
}

/// The cells of a line or polygon; `PlaceTooLarge` past [`MAX_PLACE_CELLS`], `InvalidGeometry`
/// for a polygon h3o cannot tile.
fn geometry_cells(g: &geo::Geometry<f64>, resolution: Resolution) -> Result<Vec<CellIndex>, EffortRejectReason> {
    use geo::Geometry as G;
    use h3o::geom::{ContainmentMode, TilerBuilder};
    let polygons = |ps: Vec<geo::Polygon<f64>>| -> Result<Vec<CellIndex>, EffortRejectReason> {
        let mut tiler = TilerBuilder::new(resolution).containment_mode(ContainmentMode::IntersectsBoundary).build();
        for p in ps {
            // A polygon h3o cannot tile (a degenerate ring) is an invalid geometry.
            if tiler.add(p).is_err() {
                return Err(EffortRejectReason::InvalidGeometry);
            }
        }
        if tiler.coverage_size_hint() > MAX_PLACE_CELLS {
            return Err(EffortRejectReason::PlaceTooLarge);
        }
        Ok(tiler.into_coverage().collect())
    };
    let lines = |ls: Vec<&geo::LineString<f64>>| -> Result<Vec<CellIndex>, EffortRejectReason> {
        // Points a third of the mean edge length apart: a cell the segment crosses for at least
        // that long is not stepped over (one it only clips at a corner may be).
        let step_m = resolution.edge_length_m() / 3.0;
        let segments: Vec<geo::Line<f64>> = ls.iter().flat_map(|l| l.lines()).collect();
        let steps: Vec<usize> = segments
            .iter()
            .map(|seg| {
                let metres = geo::Distance::distance(&geo::Haversine, geo::Point(seg.start), geo::Point(seg.end));
                (metres / step_m).ceil().max(1.0).min(usize::MAX as f64 / 4.0) as usize
            })
            .collect();
        if steps.iter().fold(0usize, |a, &n| a.saturating_add(n + 1)) > MAX_PLACE_CELLS {
            return Err(EffortRejectReason::PlaceTooLarge);
        }
        let mut out = Vec::new();
        for (seg, n) in segments.iter().zip(steps) {
            let (a, b) = (seg.start, seg.end);
            for i in 0..=n {
                let f = i as f64 / n as f64;
                if let Ok(ll) = LatLng::new(a.y + (b.y - a.y) * f, a.x + (b.x - a.x) * f) {
                    out.push(ll.to_cell(resolution));
                }
            }
        }
        Ok(out)
    };
    match g {
        G::Polygon(p) => polygons(vec![p.clone()]),
        G::MultiPolygon(mp) => polygons(mp.0.clone()),
        G::LineString(l) => lines(vec![l]),
        G::MultiLineString(ml) => lines(ml.0.iter().collect()),
        _ => Ok(Vec::new()),
    }
}

/// The share of `[start, end)` in each bin it overlaps: (bin, fraction of the shift).
fn bin_shares(shift: &Shift, bins: &TimeBins) -> Vec<(usize, f64)> {
    let span = (shift.end_us - shift.start_us) as f64;
    bins.bins()
        .iter()
        .enumerate()
        .filter_map(|(b, bin)| {
            let from = shift.start_us.max(bin.start_us);
            let to = shift.end_us.min(bin.end_us);
            (to > from).then(|| (b, (to - from) as f64 / span))
        })
        .collect()
}

/// Spreads the valid shifts of `rows` over the study-area `cells` (sorted, at `resolution`,
/// with their districts) and `bins`. `file` names the log in the accounting, `geometry_column`
/// its geometry column (named by a `place_too_large` or `invalid_geometry` reject).
#[allow(clippy::too_many_arguments)]
pub fn spread_effort(
    rows: EffortRows,
    file: String,
    geometry_column: &str,
    cells: &[CellIndex],
    resolution: Resolution,
    bins: &TimeBins,
    cell_districts: &[Option<usize>],
) -> EffortCube {
    let t = bins.len();
    let mut hours = vec![0.0; cells.len() * t];
    let mut account =
        EffortAccount { file, read: rows.read, rejected: rows.rejects.len() as u64, ..Default::default() };
    for r in &rows.rejects {
        *account.rejected_by_reason.entry(r.reason.to_string()).or_default() += 1;
    }
    let mut unspread = Vec::new();
    for shift in &rows.shifts {
        let total = shift.hours();
        let shares = bin_shares(shift, bins);
        if shares.is_empty() {
            account.hours_valid += total;
            account.outside_window += 1;
            continue;
        }
        let place = match place_cells(&shift.place, resolution, cells, cell_districts) {
            Ok(place) => place,
            Err(reason) => {
                unspread.push(EffortReject {
                    row: shift.row,
                    column: geometry_column.to_string(),
                    reason: reason.code(),
                    value: None,
                });
                continue;
            }
        };
        account.hours_valid += total;
        if place.inside.is_empty() {
            account.outside_study_area += 1;
            continue;
        }
        account.accepted += 1;
        let per_cell = total / place.count;
        for &c in &place.inside {
            for &(b, share) in &shares {
                let h = per_cell * share;
                hours[c * t + b] += h;
                account.hours_in_cube += h;
            }
        }
    }
    // Rows too large to spread are rejected too, in file order with the others.
    let mut rejects = rows.rejects;
    account.rejected += unspread.len() as u64;
    for r in &unspread {
        *account.rejected_by_reason.entry(r.reason.to_string()).or_default() += 1;
    }
    rejects.extend(unspread);
    rejects.sort_by_key(|r| r.row);
    EffortCube { hours, account, rejects }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::effort::EffortRows;
    use crate::time::{BinSpec, BinStep, WindowStart};

    fn bins() -> TimeBins {
        let spec = BinSpec::new(
            BinStep::Week,
            WindowStart::Steps(2),
            chrono::NaiveDate::from_ymd_opt(2026, 11, 2),
            chrono_tz::Europe::Helsinki,
        )
        .unwrap();
        TimeBins::build(&spec, None).unwrap()
    }

    fn at(date: &str) -> i64 {
        use chrono::TimeZone;
        let naive = chrono::NaiveDateTime::parse_from_str(date, "%Y-%m-%d %H:%M").unwrap();
        chrono_tz::Europe::Helsinki.from_local_datetime(&naive).unwrap().timestamp_micros()
    }

    fn shift(row: u64, from: &str, to: &str, place: EffortPlace) -> Shift {
        Shift { row, start_us: at(from), end_us: at(to), team: None, place }
    }

    /// Hand-worked (bins: the weeks from Monday 19 and 26 October): a resolution-7 cell holds 7
    /// resolution-8 cells; 7 hours give 1 to each; the study area holds 3 of them, so 3 hours
    /// land and 4 are outside. A district of 2 study cells shares 4 hours as 2 + 2. A shift from
    /// Sunday 22:00 to Monday 02:00 across the weeks' border puts half in each bin.
    #[test]
    fn hours_spread_from_a_coarser_cell_a_district_and_across_bins_as_worked_out_by_hand() {
        let res = Resolution::Eight;
        let parent = LatLng::new(60.17, 24.94).unwrap().to_cell(Resolution::Seven);
        let children: Vec<CellIndex> = parent.children(res).collect();
        assert_eq!(children.len(), 7);
        let mut study: Vec<CellIndex> = children[..3].to_vec();
        let far = LatLng::new(60.3, 25.1).unwrap().to_cell(res);
        let far2 = far.grid_disk::<Vec<_>>(1).into_iter().find(|c| *c != far).unwrap();
        study.extend([far, far2]);
        study.sort_unstable();
        let districts: Vec<Option<usize>> = study.iter().map(|c| (*c == far || *c == far2).then_some(0)).collect();
        let rows = EffortRows {
            read: 5,
            shifts: vec![
                shift(1, "2026-10-27 09:00", "2026-10-27 16:00", EffortPlace::Cell(parent)),
                shift(2, "2026-10-28 10:00", "2026-10-28 14:00", EffortPlace::District(0)),
                shift(3, "2026-10-25 22:00", "2026-10-26 02:00", EffortPlace::Cell(far)),
                shift(4, "2026-01-01 10:00", "2026-01-01 12:00", EffortPlace::Cell(far)),
                shift(5, "2026-10-27 10:00", "2026-10-27 12:00", EffortPlace::Cell(children[5])),
            ],
            rejects: vec![],
        };
        let b = bins();
        let cube = spread_effort(rows, "e.csv".into(), "geometry", &study, res, &b, &districts);
        let h = |cell: CellIndex, bin: usize| cube.hours[study.binary_search(&cell).unwrap() * 2 + bin];
        assert_eq!(b.bins()[1].start_us, at("2026-10-26 00:00"));
        for c in &children[..3] {
            assert!((h(*c, 1) - 1.0).abs() < 1e-12 && h(*c, 0) == 0.0);
        }
        assert!((h(far2, 1) - 2.0).abs() < 1e-12 && h(far2, 0) == 0.0);
        assert!((h(far, 0) - 2.0).abs() < 1e-12, "{}", h(far, 0));
        assert!((h(far, 1) - 2.0 - 2.0).abs() < 1e-12, "{}", h(far, 1));
        let a = &cube.account;
        assert_eq!((a.read, a.accepted, a.outside_window, a.outside_study_area), (5, 3, 1, 1));
        assert!(a.balances());
        assert!((a.hours_valid - (7.0 + 4.0 + 4.0 + 2.0 + 2.0)).abs() < 1e-9);
        assert!((a.hours_in_cube - (3.0 + 4.0 + 4.0)).abs() < 1e-9, "{}", a.hours_in_cube);
    }

    /// A line along one row of cells passes through each of them: the cells of points 50 m
    /// apart along it, worked out here independently, are all in its cells, and nothing far.
    #[test]
    fn a_line_covers_the_cells_it_passes_through() {
        let res = Resolution::Nine;
        let (a, b) = ((24.930, 60.170), (24.960, 60.175));
        let line = geo::Geometry::LineString(geo::LineString::from(vec![a, b]));
        let mut cells = geometry_cells(&line, res).unwrap();
        cells.sort_unstable();
        cells.dedup();
        for i in 0..=40 {
            let f = f64::from(i) / 40.0;
            let c = LatLng::new(a.1 + (b.1 - a.1) * f, a.0 + (b.0 - a.0) * f).unwrap().to_cell(res);
            assert!(cells.contains(&c), "point {i} of the line");
        }
        let start = LatLng::new(a.1, a.0).unwrap().to_cell(res);
        let end = LatLng::new(b.1, b.0).unwrap().to_cell(res);
        let path = start.grid_distance(end).unwrap() as usize;
        assert!(cells.len() > path && cells.len() <= 2 * (path + 1), "{} cells for a path of {path}", cells.len());
        // A finer cell goes to its parent.
        let fine = LatLng::new(60.17, 24.94).unwrap().to_cell(Resolution::Eleven);
        let parent = [fine.parent(res).unwrap()];
        assert_eq!(
            place_cells(&EffortPlace::Cell(fine), res, &parent, &[None]),
            Ok(PlaceCells { inside: vec![0], count: 1.0 })
        );
    }

    #[test]
    fn a_polygon_covers_the_cells_it_intersects() {
        let res = Resolution::Eight;
        let square = geo::Polygon::new(
            geo::LineString::from(vec![(24.93, 60.16), (24.97, 60.16), (24.97, 60.18), (24.93, 60.18), (24.93, 60.16)]),
            vec![],
        );
        let cells = geometry_cells(&geo::Geometry::Polygon(square), res).unwrap();
        let inside = LatLng::new(60.17, 24.95).unwrap().to_cell(res);
        let corner = LatLng::new(60.1601, 24.9301).unwrap().to_cell(res);
        let outside = LatLng::new(60.25, 25.1).unwrap().to_cell(res);
        assert!(cells.contains(&inside) && cells.contains(&corner) && !cells.contains(&outside));
    }

    /// A resolution-0 cell shares its hours among all its resolution-8 children (7⁸ of them,
    /// 5,764,801) without listing them: the study cells under it take their share each. A
    /// polygon the size of Finland at resolution 12 is refused, not tiled.
    #[test]
    fn a_very_coarse_cell_spreads_without_listing_its_children_and_a_huge_polygon_is_refused() {
        let res = Resolution::Eight;
        let centre = LatLng::new(60.17, 24.94).unwrap().to_cell(res);
        let mut study: Vec<CellIndex> = centre.grid_disk(1);
        study.sort_unstable();
        let base = centre.parent(Resolution::Zero).unwrap();
        let place = place_cells(&EffortPlace::Cell(base), res, &study, &vec![None; study.len()]).unwrap();
        assert_eq!(place.inside, (0..study.len()).collect::<Vec<_>>());
        assert_eq!(place.count, base.children_count(res) as f64);
        let finland = geo::Polygon::new(
            geo::LineString::from(vec![(20.0, 59.5), (31.5, 59.5), (31.5, 70.0), (20.0, 70.0), (20.0, 59.5)]),
            vec![],
        );
        let g = EffortPlace::Geometry(geo::Geometry::Polygon(finland));
        assert_eq!(place_cells(&g, Resolution::Twelve, &study, &[]), Err(EffortRejectReason::PlaceTooLarge));
        let rows =
            EffortRows { read: 1, shifts: vec![shift(1, "2026-10-27 09:00", "2026-10-27 10:00", g)], rejects: vec![] };
        let cube = spread_effort(rows, "e".into(), "geometry", &study, Resolution::Twelve, &bins(), &[]);
        assert_eq!((cube.account.rejected, cube.rejects[0].reason), (1, "place_too_large"));
        assert!(cube.account.balances());
    }
}
