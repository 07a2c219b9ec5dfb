//! What changed since the previous run: the first question of the morning briefing. The previous
//! run is the one whose layers are in the output folder (or in `--previous DIR`): its
//! `hotspots.geojson` and `patrol_areas.geojson`, read before this run replaces them. The result
//! goes to the report's "since the last run" section and to `changes.geojson`.
//!
//! **Hot spots**, cell by cell (matched by H3 index). A cell's level is 0 when it is not a hot
//! spot (cold spots and no pattern included), 1 for a hot spot that is not emerging (persistent,
//! diminishing, sporadic, oscillating, historical) and 2 for an emerging one (new, consecutive,
//! intensifying, DESIGN.md's definition). From one run to the next a cell is **new** (0 → 1 or 2),
//! **gone** (1 or 2 → 0), **escalated** (1 → 2) or **calmer** (2 → 1); a cell whose level stays
//! is not a change, even when its pattern's name does (persistent → diminishing).
//!
//! **Patrol areas** are matched by their stable `area_id`; a previous layer without ids (an
//! earlier version) is matched by cells instead: an area matches the previous area holding most
//! of its cell centres. An area is **new** (no match), **gone** (a previous area nothing
//! matched), **escalated** (a better rank than before) or **calmer** (a worse rank).
//!
//! Only patterns, ranks and outlines are compared and written, no counts, so the layer is public.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::Path;

use geo::{Contains, MultiPolygon, Point};
use h3o::CellIndex;
use serde_json::{Map, Value, json};

use super::disclosure::Audience;
use super::geojson::Bbox;
use super::lang::Lang;
use super::{BoxError, Output, Published};
use crate::plan::patrol::PatrolArea;
use crate::stats::patterns::Pattern;

/// How a hot spot or a patrol area changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Change {
    /// Not there before.
    New,
    /// Stronger than before (emerging now; a better rank).
    Escalated,
    /// Weaker than before (no longer emerging; a worse rank).
    Calmer,
    /// There before, not now.
    Gone,
}

impl Change {
    /// Every change, in the order the report lists them.
    pub const ALL: [Change; 4] = [Change::New, Change::Escalated, Change::Calmer, Change::Gone];

    /// The `change` field's value.
    pub fn name(self) -> &'static str {
        match self {
            Change::New => "new",
            Change::Escalated => "escalated",
            Change::Calmer => "calmer",
            Change::Gone => "gone",
        }
    }

    /// The word for it.
    pub fn label(self, lang: Lang) -> &'static str {
        match self {
            Change::New => lang.t("new"),
            Change::Escalated => lang.t("escalated"),
            Change::Calmer => lang.t("calmer"),
            Change::Gone => lang.t("gone"),
        }
    }
}

/// A patrol area of the previous run.
#[derive(Clone, Debug)]
pub struct PreviousArea {
    /// Its stable id, when the layer had one.
    pub area_id: Option<String>,
    /// Its rank.
    pub rank: usize,
    /// Its outline.
    pub shape: MultiPolygon<f64>,
}

/// What the previous run published.
#[derive(Clone, Debug, Default)]
pub struct PreviousRun {
    /// The end of its window (local date, exclusive), when its summary says.
    pub window_end: Option<String>,
    /// Each cell's pattern.
    pub cells: BTreeMap<CellIndex, Pattern>,
    /// Its patrol areas, by rank.
    pub areas: Vec<PreviousArea>,
}

fn read_json(path: &Path) -> Option<Value> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// What is read of a previous `hotspots.geojson`: each cell's index and pattern, nothing of its
/// geometry (serde skips the rest as it reads, so a large layer is not held as a JSON tree).
#[derive(serde::Deserialize)]
struct CellLayer {
    features: Vec<CellFeature>,
}

#[derive(serde::Deserialize)]
struct CellFeature {
    properties: CellProperties,
}

#[derive(serde::Deserialize)]
struct CellProperties {
    h3: String,
    category: Option<String>,
    category_code: Option<i64>,
}

fn multipolygon(geometry: &Value) -> Option<MultiPolygon<f64>> {
    let ring = |r: &Value| -> Option<geo::LineString<f64>> {
        let coords: Option<Vec<(f64, f64)>> =
            r.as_array()?.iter().map(|p| Some((p.get(0)?.as_f64()?, p.get(1)?.as_f64()?))).collect();
        Some(coords?.into())
    };
    let polygon = |rings: &Value| -> Option<geo::Polygon<f64>> {
        let mut rings = rings.as_array()?.iter().map(ring);
        let exterior = rings.next()??;
        Some(geo::Polygon::new(exterior, rings.collect::<Option<Vec<_>>>()?))
    };
    let coordinates = &geometry["coordinates"];
    match geometry["type"].as_str()? {
        "Polygon" => Some(MultiPolygon::new(vec![polygon(coordinates)?])),
        "MultiPolygon" => Some(MultiPolygon::new(coordinates.as_array()?.iter().map(polygon).collect::<Option<_>>()?)),
        _ => None,
    }
}

impl PreviousRun {
    /// The previous run of job folder `folder` under `root` (an output folder): its public
    /// layers, or its internal ones for a job that was not published. `None` when there is no
    /// previous `hotspots.geojson` or it cannot be read (then nothing is compared).
    pub fn read(root: &Path, folder: &Path) -> Option<PreviousRun> {
        let dir = [Audience::Public, Audience::Internal]
            .iter()
            .map(|&a| super::output_path(root, a, folder, ""))
            .find(|d| d.join("hotspots.geojson").is_file())?;
        let file = std::fs::File::open(dir.join("hotspots.geojson")).ok()?;
        let hotspots: CellLayer = serde_json::from_reader(std::io::BufReader::new(file)).ok()?;
        let mut cells = BTreeMap::new();
        for f in hotspots.features {
            let p = f.properties;
            let cell: CellIndex = p.h3.parse().ok()?;
            let pattern = p
                .category
                .as_deref()
                .and_then(Pattern::from_name)
                .or_else(|| p.category_code.and_then(|c| Pattern::from_code(i8::try_from(c).ok()?)))?;
            cells.insert(cell, pattern);
        }
        let mut areas = Vec::new();
        if let Some(layer) = read_json(&dir.join("patrol_areas.geojson")) {
            for f in layer["features"].as_array().into_iter().flatten() {
                let p = &f["properties"];
                let (Some(rank), Some(shape)) = (p["rank"].as_u64(), multipolygon(&f["geometry"])) else { continue };
                areas.push(PreviousArea {
                    area_id: p["area_id"].as_str().map(str::to_string),
                    rank: rank as usize,
                    shape,
                });
            }
        }
        areas.sort_by_key(|a| a.rank);
        let window_end =
            read_json(&dir.join("summary.json")).and_then(|s| s["window"]["end"].as_str().map(str::to_string));
        Some(PreviousRun { window_end, cells, areas })
    }
}

/// A cell whose hot-spot level changed.
#[derive(Clone, Debug, PartialEq)]
pub struct CellChange {
    /// The cell.
    pub cell: CellIndex,
    /// How.
    pub change: Change,
    /// Its pattern in the previous run (`None`: not in it).
    pub before: Option<Pattern>,
    /// Its pattern now (`None`: not in this run's cube).
    pub now: Option<Pattern>,
}

/// A patrol area that changed.
#[derive(Clone, Debug)]
pub struct AreaChange {
    /// Its id (this run's; a gone area's previous id, or `previous-RANK` without one).
    pub area_id: String,
    /// How.
    pub change: Change,
    /// Rank before.
    pub rank_before: Option<usize>,
    /// Rank now.
    pub rank_now: Option<usize>,
    /// Its outline (a gone area's previous one).
    pub shape: MultiPolygon<f64>,
}

/// The changes since the previous run.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    /// Whether there was a previous run to compare with.
    pub compared: bool,
    /// The end of the previous run's window, when known.
    pub previous_end: Option<String>,
    /// Cells, in H3 order.
    pub cells: Vec<CellChange>,
    /// Patrol areas: this run's by rank, then the gone ones by their previous rank.
    pub areas: Vec<AreaChange>,
}

/// A pattern's hot-spot level: 0 not hot, 1 hot, 2 emerging.
pub fn level(p: Pattern) -> u8 {
    if p.is_emerging() {
        2
    } else if p.code() > 0 {
        1
    } else {
        0
    }
}

fn change_of(before: u8, now: u8) -> Option<Change> {
    match (before, now) {
        (0, 1..) => Some(Change::New),
        (1.., 0) => Some(Change::Gone),
        (b, n) if n > b => Some(Change::Escalated),
        (b, n) if n < b => Some(Change::Calmer),
        _ => None,
    }
}

impl Changes {
    /// The changes from `previous` (none: a first run) to this run's `cells` and `patterns` and
    /// its `areas`.
    pub fn between(
        previous: Option<&PreviousRun>,
        cells: &[CellIndex],
        patterns: &[Pattern],
        areas: &[PatrolArea],
    ) -> Changes {
        let Some(previous) = previous else { return Changes::default() };
        let now: BTreeMap<CellIndex, Pattern> = cells.iter().copied().zip(patterns.iter().copied()).collect();
        let all: BTreeSet<CellIndex> = now.keys().chain(previous.cells.keys()).copied().collect();
        let cell_changes = all
            .into_iter()
            .filter_map(|cell| {
                let (before, now) = (previous.cells.get(&cell).copied(), now.get(&cell).copied());
                let change = change_of(before.map_or(0, level), now.map_or(0, level))?;
                Some(CellChange { cell, change, before, now })
            })
            .collect();
        let by_id = previous.areas.iter().any(|a| a.area_id.is_some());
        let mut matched = vec![false; previous.areas.len()];
        let mut area_changes = Vec::new();
        let solvent = h3o::geom::SolventBuilder::new().build();
        for a in areas {
            let found = if by_id {
                previous.areas.iter().position(|p| p.area_id.as_deref() == Some(a.area_id.as_str()))
            } else {
                // The previous area holding most of this area's cell centres.
                let centres: Vec<Point<f64>> = a
                    .cells
                    .iter()
                    .map(|&c| {
                        let ll = h3o::LatLng::from(c);
                        Point::new(ll.lng(), ll.lat())
                    })
                    .collect();
                previous
                    .areas
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (i, centres.iter().filter(|c| p.shape.contains(*c)).count()))
                    .filter(|&(_, n)| n > 0)
                    .max_by(|x, y| x.1.cmp(&y.1).then(y.0.cmp(&x.0)))
                    .map(|(i, _)| i)
            };
            if let Some(i) = found {
                matched[i] = true;
            }
            let before = found.map(|i| previous.areas[i].rank);
            let change = match before {
                None => Some(Change::New),
                Some(b) if a.rank < b => Some(Change::Escalated),
                Some(b) if a.rank > b => Some(Change::Calmer),
                Some(_) => None,
            };
            if let Some(change) = change {
                let shape = solvent.dissolve(a.cells.iter().copied()).unwrap_or_else(|_| MultiPolygon::new(vec![]));
                area_changes.push(AreaChange {
                    area_id: a.area_id.clone(),
                    change,
                    rank_before: before,
                    rank_now: Some(a.rank),
                    shape,
                });
            }
        }
        for (p, _) in previous.areas.iter().zip(&matched).filter(|(_, m)| !**m) {
            area_changes.push(AreaChange {
                area_id: p.area_id.clone().unwrap_or_else(|| format!("previous-{}", p.rank)),
                change: Change::Gone,
                rank_before: Some(p.rank),
                rank_now: None,
                shape: p.shape.clone(),
            });
        }
        Changes { compared: true, previous_end: previous.window_end.clone(), cells: cell_changes, areas: area_changes }
    }

    /// How many cells changed so.
    pub fn cells_with(&self, change: Change) -> usize {
        self.cells.iter().filter(|c| c.change == change).count()
    }

    /// How many patrol areas changed so.
    pub fn areas_with(&self, change: Change) -> usize {
        self.areas.iter().filter(|a| a.change == change).count()
    }

    /// `changes.geojson`: one feature per changed cell (its hexagon, `kind` `hot_spot`) and per
    /// changed patrol area (its outline, `kind` `patrol_area`), with `change`, what it was and
    /// is, and a `label` in `lang`. The collection's `compared_with` is the previous run's window
    /// end (`null` on a first run, which has no features).
    pub fn to_geojson(&self, lang: Lang) -> Value {
        let mut bbox = Bbox::new();
        let mut features = Vec::new();
        for c in &self.cells {
            let mut props = Map::new();
            props.insert("kind".into(), "hot_spot".into());
            props.insert("h3".into(), c.cell.to_string().into());
            props.insert("change".into(), c.change.name().into());
            props.insert("before".into(), c.before.map_or(Value::Null, |p| p.name().into()));
            props.insert("now".into(), c.now.map_or(Value::Null, |p| p.name().into()));
            let label = match c.now.filter(|p| level(*p) > 0).or(c.before) {
                Some(p) => format!("{}: {}", c.change.label(lang), lang.pattern(p)),
                None => c.change.label(lang).to_string(),
            };
            props.insert("label".into(), label.into());
            let ring = super::geojson::cell_ring(c.cell);
            for &p in &ring {
                bbox.grow(p);
            }
            features.push(
                json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": props}),
            );
        }
        for a in &self.areas {
            let mut props = Map::new();
            props.insert("kind".into(), "patrol_area".into());
            props.insert("area_id".into(), a.area_id.clone().into());
            props.insert("change".into(), a.change.name().into());
            props.insert("rank_before".into(), a.rank_before.map_or(Value::Null, Value::from));
            props.insert("rank_now".into(), a.rank_now.map_or(Value::Null, Value::from));
            let rank = a.rank_now.or(a.rank_before).unwrap_or(0);
            props.insert("label".into(), format!("{} {rank}: {}", lang.t("Area"), a.change.label(lang)).into());
            let geometry = bbox.geometry(&a.shape);
            features.push(json!({"type": "Feature", "geometry": geometry, "properties": props}));
        }
        let mut collection = bbox.collection(features);
        collection["compared_with"] = match (&self.compared, &self.previous_end) {
            (true, Some(end)) => end.clone().into(),
            (true, None) => "previous run".into(),
            (false, _) => Value::Null,
        };
        collection
    }
}

/// `changes.geojson` for one audience (the same in both: patterns and ranks only).
pub(super) struct ChangesLayer(pub Audience);

impl Output for ChangesLayer {
    fn file_name(&self) -> &'static str {
        "changes.geojson"
    }

    fn audience(&self) -> Audience {
        self.0
    }

    fn render(&self, view: &Published<'_>, out: &mut (dyn Write + Send)) -> Result<(), BoxError> {
        let r = view.results;
        super::write_json(out, &r.changes.to_geojson(r.lang), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_give_the_four_changes_and_a_kept_level_is_none() {
        use Pattern::*;
        let cases = [
            (NoPatternDetected, NewHotSpot, Some(Change::New)),
            (PersistentColdSpot, PersistentHotSpot, Some(Change::New)),
            (SporadicHotSpot, NoPatternDetected, Some(Change::Gone)),
            (PersistentHotSpot, IntensifyingHotSpot, Some(Change::Escalated)),
            (NewHotSpot, PersistentHotSpot, Some(Change::Calmer)),
            (PersistentHotSpot, DiminishingHotSpot, None),
            (NewHotSpot, ConsecutiveHotSpot, None),
            (NewColdSpot, PersistentColdSpot, None),
        ];
        for (before, now, want) in cases {
            assert_eq!(change_of(level(before), level(now)), want, "{before:?} → {now:?}");
        }
    }

    #[test]
    fn cells_and_areas_are_compared_by_index_and_id() {
        let cell = |lat: f64| h3o::LatLng::new(lat, 24.94).unwrap().to_cell(h3o::Resolution::Eight);
        let (a, b, c, d) = (cell(60.17), cell(60.19), cell(60.21), cell(60.23));
        let previous = PreviousRun {
            window_end: Some("2026-11-02".into()),
            // d was hot and is no longer in the cube at all.
            cells: [(a, Pattern::PersistentHotSpot), (b, Pattern::NewHotSpot), (d, Pattern::SporadicHotSpot)]
                .into_iter()
                .collect(),
            areas: vec![
                PreviousArea { area_id: Some("x".into()), rank: 1, shape: MultiPolygon::new(vec![]) },
                PreviousArea { area_id: Some("y".into()), rank: 2, shape: MultiPolygon::new(vec![]) },
            ],
        };
        let area =
            |id: &str, rank: usize| PatrolArea { area_id: id.into(), rank, cells: vec![a], ..PatrolArea::default() };
        let changes = Changes::between(
            Some(&previous),
            &[a, b, c],
            &[Pattern::IntensifyingHotSpot, Pattern::NoPatternDetected, Pattern::NewHotSpot],
            &[area("y", 1), area("z", 2)],
        );
        let got: Vec<(CellIndex, Change)> = changes.cells.iter().map(|c| (c.cell, c.change)).collect();
        let mut want = vec![(a, Change::Escalated), (b, Change::Gone), (c, Change::New), (d, Change::Gone)];
        want.sort();
        assert_eq!(got, want);
        let got: Vec<(&str, Change, Option<usize>, Option<usize>)> =
            changes.areas.iter().map(|a| (a.area_id.as_str(), a.change, a.rank_before, a.rank_now)).collect();
        assert_eq!(
            got,
            [
                ("y", Change::Escalated, Some(2), Some(1)),
                ("z", Change::New, None, Some(2)),
                ("x", Change::Gone, Some(1), None)
            ]
        );
        // A previous layer without ids (an earlier version) is matched by cells: the area over
        // cell a was rank 1 and is rank 2 now; the one over d is gone.
        let solvent = h3o::geom::SolventBuilder::new().build();
        let shape = |c: CellIndex| solvent.dissolve([c]).unwrap();
        let old = PreviousRun {
            areas: vec![
                PreviousArea { area_id: None, rank: 1, shape: shape(a) },
                PreviousArea { area_id: None, rank: 2, shape: shape(d) },
            ],
            ..previous.clone()
        };
        let by_cells = Changes::between(Some(&old), &[a], &[Pattern::IntensifyingHotSpot], &[area("new-id", 2)]);
        let got: Vec<(&str, Change, Option<usize>)> =
            by_cells.areas.iter().map(|a| (a.area_id.as_str(), a.change, a.rank_before)).collect();
        assert_eq!(got, [("new-id", Change::Calmer, Some(1)), ("previous-2", Change::Gone, Some(2))]);
        let layer = changes.to_geojson(Lang::Fi);
        assert_eq!(layer["compared_with"], "2026-11-02");
        assert_eq!(layer["features"].as_array().unwrap().len(), 7);
        assert_eq!(
            Changes::between(None, &[a], &[Pattern::NewHotSpot], &[]).to_geojson(Lang::En)["compared_with"],
            Value::Null
        );
    }
}
