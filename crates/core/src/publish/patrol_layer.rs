//! `patrol_areas.geojson` and `service_gaps.geojson`: the ranked patrol areas, dissolved into
//! one outline each. The internal layer adds the exact score and unmet-concern p; in public the
//! numbers come from the publishing policy (`disclosure`).

use std::io::Write;

use serde_json::{Map, Value, json};

use super::disclosure::{Audience, Figures};
use super::geojson::Bbox;
use super::{BoxError, JobResults, Output, Published};

/// `patrol_areas.geojson` (every area) or `service_gaps.geojson` (areas farther than the gap
/// distance from any service): ranked patrol areas with their dissolved outlines.
pub struct PatrolAreasLayer<'a> {
    /// The job's name.
    pub job: &'a str,
    /// The areas, by rank.
    pub areas: &'a [crate::plan::patrol::PatrolArea],
    /// The plan's teams.
    pub teams: &'a [crate::plan::Team],
    /// District names (layer order).
    pub district_names: &'a [String],
    /// The job's numbers for the layer's audience.
    pub figures: &'a Figures,
    /// The service-gap distance, metres.
    pub service_gap_m: f64,
    /// Only the service gaps.
    pub gaps_only: bool,
    /// The language of the `label` field.
    pub lang: super::lang::Lang,
    /// Landmarks naming where the areas are.
    pub landmarks: Option<&'a crate::space::Landmarks>,
    /// The cube's cells (H3 order) and their districts, for the districts an area lies in.
    pub cells: &'a [h3o::CellIndex],
    /// The district of each of `cells`.
    pub cell_districts: &'a [Option<usize>],
    /// Whether the run has an effort log (the areas then say whether they serve or explore).
    pub effort: bool,
}

impl PatrolAreasLayer<'_> {
    /// The FeatureCollection.
    pub fn to_geojson(&self) -> Value {
        let mut bbox = Bbox::new();
        let solvent = h3o::geom::SolventBuilder::new().build();
        let features: Vec<Value> = self
            .areas
            .iter()
            .zip(&self.figures.areas)
            .filter(|(a, _)| !self.gaps_only || a.service_gap(self.service_gap_m) == Some(true))
            .map(|(a, f)| {
                let exact = self.figures.disclosure.exact();
                let shape =
                    solvent.dissolve(a.cells.iter().copied()).unwrap_or_else(|_| geo::MultiPolygon::new(vec![]));
                let geometry = bbox.geometry(&shape);
                let shown = f.peak_shown;
                let mut props = Map::new();
                props.insert("rank".into(), a.rank.into());
                props.insert("area_id".into(), a.area_id.clone().into());
                if exact {
                    props.insert("score".into(), json!((a.score * 10.0).round() / 10.0));
                }
                props.insert("team".into(), a.team.map_or(Value::Null, Value::from));
                let team = a.team.and_then(|t| self.teams.iter().find(|x| x.number == t));
                props.insert("team_direction".into(), team.map_or(Value::Null, |t| t.direction.clone().into()));
                props.insert("municipality".into(), a.municipality.clone().into());
                let blind_spot = self.figures.disclosure.shows_blind_spot(a);
                let reasons: Vec<&str> =
                    a.reasons.iter().copied().filter(|r| *r != "blind_spot" || blind_spot).collect();
                props.insert("reasons".into(), reasons.join(",").into());
                if self.effort {
                    props.insert("purpose".into(), (if a.explore { "explore" } else { "serve" }).into());
                    props.insert("blind_spot".into(), blind_spot.into());
                }
                props.insert("job".into(), self.job.into());
                props.insert(
                    "district".into(),
                    a.district.and_then(|d| self.district_names.get(d)).map_or(Value::Null, |n| n.clone().into()),
                );
                let categories: Vec<&str> = a.categories.iter().map(|p| p.name()).collect();
                props.insert("categories".into(), categories.join(",").into());
                props.insert("cells".into(), a.cells.len().into());
                let place = super::report::place_of(
                    a,
                    self.landmarks,
                    self.cells,
                    self.cell_districts,
                    self.district_names,
                    self.lang,
                );
                let label = if place.is_empty() {
                    format!("{} {}", self.lang.t("Area"), a.rank)
                } else {
                    format!("{} {} · {place}", self.lang.t("Area"), a.rank)
                };
                props.insert("label".into(), label.into());
                props.insert("area_km2".into(), json!((a.area_km2 * 100.0).round() / 100.0));
                props.insert(
                    "expected_per_week".into(),
                    f.expected_per_week.map_or(Value::Null, |v| json!((v * 10.0).round() / 10.0)),
                );
                props.insert("last_bin".into(), f.last_bin.map_or(Value::Null, Value::from));
                let peak = |v: Option<usize>| if shown { v.map_or(Value::Null, Value::from) } else { Value::Null };
                props.insert(
                    "peak_weekday".into(),
                    if shown {
                        a.peak_weekday.map_or(Value::Null, |d| crate::plan::patrol::WEEKDAYS[d].into())
                    } else {
                        Value::Null
                    },
                );
                props.insert("peak_hour".into(), peak(a.peak_hour));
                props.insert(
                    "peak_outside_office_hours".into(),
                    if shown { a.peak_outside_office_hours().map_or(Value::Null, Value::from) } else { Value::Null },
                );
                // One text value, not a list, so Shapefile and older GIS tools keep it: 7 days
                // (Monday first) separated by `;`, 24 hours each separated by `,`, an empty field
                // for a count under the small-count threshold.
                let profile: Vec<String> = (0..7)
                    .map(|d| {
                        (0..24)
                            .map(|h| f.profile[d * 24 + h].map_or(String::new(), |v| v.to_string()))
                            .collect::<Vec<_>>()
                            .join(",")
                    })
                    .collect();
                props.insert("profile".into(), profile.join(";").into());
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
                if exact {
                    props.insert("unmet_concern_p".into(), json!(a.unmet_concern_p));
                    props.insert("recent_events".into(), a.recent_events.into());
                    props.insert("recent_concerns".into(), a.recent_concerns.into());
                }
                json!({"type": "Feature", "geometry": geometry, "properties": props})
            })
            .collect();
        bbox.collection(features)
    }
}

/// `patrol_areas.geojson` (every area) or, with a services layer, `service_gaps.geojson`.
pub(super) struct PatrolLayer {
    /// Only the service gaps.
    pub(super) gaps_only: bool,
    /// Who it is for.
    pub(super) audience: Audience,
}

impl Output for PatrolLayer {
    fn file_name(&self) -> &'static str {
        if self.gaps_only { "service_gaps.geojson" } else { "patrol_areas.geojson" }
    }

    fn audience(&self) -> Audience {
        self.audience
    }

    fn applies(&self, results: &JobResults<'_>) -> bool {
        !self.gaps_only || results.cell_services.is_some()
    }

    fn render(&self, view: &Published<'_>, out: &mut (dyn Write + Send)) -> Result<(), BoxError> {
        let r = view.results;
        let layer = PatrolAreasLayer {
            job: &r.job.spec.name,
            areas: &r.plan.areas,
            teams: &r.plan.teams,
            district_names: r.district_names,
            figures: view.figures,
            service_gap_m: r.patrol.service_gap_m,
            gaps_only: self.gaps_only,
            lang: r.lang,
            landmarks: r.landmarks,
            cells: r.job.cube.cells(),
            cell_districts: r.cell_districts,
            effort: r.effort.is_some(),
        };
        super::write_json(out, &layer.to_geojson(), false)
    }
}
