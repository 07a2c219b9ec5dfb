//! The public `summary.json`: what the run found, in the numbers the publishing policy allows
//! (`disclosure`). It leaves out what only the office needs: the row accounting per input, the
//! cube's moments, exact test statistics, the forecast's validation scores to the decimal and
//! the warnings about the inputs. The internal `summary.json` has all of them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::disclosure::Audience;
use super::summary::{RunParameters, TeamSummary, WindowSummary};
use super::{BoxError, Output, Published};

/// The cube as published.
#[derive(Clone, Debug, Serialize)]
pub struct PublicCube {
    /// H3 resolution.
    pub resolution: u8,
    /// Study-area cells.
    pub cells: usize,
    /// Time bins.
    pub bins: usize,
    /// The job's events in the window (a protected sum).
    pub events: Option<u64>,
    /// Events per bin, oldest first (protected sums).
    pub events_per_bin: Vec<Option<u64>>,
}

/// One district as published.
#[derive(Clone, Debug, Serialize)]
pub struct PublicDistrict {
    /// Name (`(none)` for events in no district).
    pub name: String,
    /// Municipality.
    pub municipality: String,
    /// Study-area cells whose centre lies in it.
    pub cells: u64,
    /// Events in the window (a protected sum).
    pub events: Option<u64>,
    /// Events in the final bin.
    pub events_last_bin: Option<u64>,
    /// `up`, `down` or `none`.
    pub trend: &'static str,
    /// Cells per pattern.
    pub patterns: BTreeMap<&'static str, u64>,
    /// Whether it has a new, consecutive or intensifying hot spot cell.
    pub emerging: bool,
}

/// What the policy is, in the file itself.
#[derive(Clone, Debug, Serialize)]
pub struct PrivacyNote {
    /// This file's audience.
    pub audience: &'static str,
    /// The small-count threshold.
    pub min_count: u64,
    /// The rule per kind of number, in a sentence each.
    pub rules: BTreeMap<&'static str, &'static str>,
}

/// The public `summary.json` of one job.
#[derive(Clone, Debug, Serialize)]
pub struct PublicSummary {
    /// Engine version.
    pub version: String,
    /// The job's name.
    pub job: String,
    /// What the job selects.
    pub selection: String,
    /// Parameters.
    pub parameters: RunParameters,
    /// Time window.
    pub window: WindowSummary,
    /// The cube.
    pub cube: PublicCube,
    /// Direction of the trend of the job's events per bin.
    pub trend: &'static str,
    /// Cells per pattern (all 17 listed).
    pub patterns: BTreeMap<&'static str, u64>,
    /// Per-district figures (empty without a districts layer).
    pub districts: Vec<PublicDistrict>,
    /// The forecast rule chosen and its share of the validation bins' events caught, in whole
    /// per cent.
    pub forecast: Option<PublicForecast>,
    /// The teams with their expected events per week.
    pub teams: Vec<TeamSummary>,
    /// Per municipality, the largest team load over the smallest.
    pub team_balance: BTreeMap<String, Option<f64>>,
    /// The publishing policy.
    pub privacy: PrivacyNote,
    /// SHA-256 of each other public file of the job.
    pub outputs: BTreeMap<String, String>,
    /// Patrol effort: whether the run had a log (and what that means for the plan), the blind
    /// spots listed in public (those with at least the small-count threshold of concern reports)
    /// and how many of them the plan explores. No count or rate.
    pub effort: crate::publish::summary::EffortSummary,
    /// The space-time scan's clusters as `clusters.geojson` publishes them (with `--scan`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<Vec<PublicCluster>>,
}

/// One cluster of the scan as published: where and since when, its observed events as a
/// protected sum, and its significance as a class. A cluster whose events are not published
/// (under the small-count threshold) is left out.
#[derive(Clone, Debug, Serialize)]
pub struct PublicCluster {
    /// 1 for the most likely cluster (ranks of clusters left out are skipped).
    pub rank: usize,
    /// Its cells, in H3 order.
    pub cells: Vec<String>,
    /// The first local date of its first bin.
    pub start: String,
    /// The local date after its last day, exclusive.
    pub end: String,
    /// Its events (a protected sum).
    pub observed: u64,
    /// `p ≤ 0.01`, `p ≤ 0.05` or `not significant`.
    pub significance: &'static str,
}

/// The significance class of a scan cluster's p.
pub fn significance(p: f64) -> &'static str {
    if p <= 0.01 {
        "p ≤ 0.01"
    } else if p <= 0.05 {
        "p ≤ 0.05"
    } else {
        "not significant"
    }
}

impl PublicCluster {
    /// The published clusters of `view`'s job.
    pub fn all(view: &Published<'_>) -> Option<Vec<PublicCluster>> {
        let scan = view.results.summary.scan.as_ref()?;
        Some(
            scan.clusters
                .iter()
                .zip(&view.figures.clusters)
                .filter_map(|(c, observed)| {
                    Some(PublicCluster {
                        rank: c.rank,
                        cells: c.cells.clone(),
                        start: c.start.clone(),
                        end: c.end.clone(),
                        observed: (*observed)?,
                        significance: significance(c.p),
                    })
                })
                .collect(),
        )
    }
}

/// The forecast as published.
#[derive(Clone, Debug, Serialize)]
pub struct PublicForecast {
    /// The rule.
    pub model: &'static str,
    /// Share of the validation bins' events its cells caught, whole per cent.
    pub capture_percent: Option<u32>,
}

/// The rules as [`PrivacyNote::rules`] states them.
pub const RULES: [(&str, &str); 5] = [
    ("counts", "a count under min_count is null (zero included)"),
    (
        "sums",
        "shown parts plus the hidden parts' total rounded down to a multiple of min_count, capped so that no hidden part is narrowed; low by less than 2 × min_count",
    ),
    ("statistics", "classes only: Gi* confidence bin, trend direction, pattern, flags; no z, p or tau"),
    ("estimates", "forecasts and loads are computed from the published numbers only"),
    ("internal", "exact counts, statistics, row accounting and rejects are in ../internal/ and stay in the office"),
];

impl PublicSummary {
    /// The public summary of `view`'s job.
    pub fn of(view: &Published<'_>) -> PublicSummary {
        let r = view.results;
        let s = r.summary;
        let figures = view.figures;
        let (teams, team_balance) = TeamSummary::of(&r.plan.teams, figures);
        let districts = s
            .districts
            .iter()
            .zip(&figures.districts)
            .map(|(d, f)| PublicDistrict {
                name: d.name.clone(),
                municipality: d.municipality.clone(),
                cells: d.cells,
                events: f.events,
                events_last_bin: f.events_last_bin,
                trend: d.trend.direction,
                patterns: d.patterns.clone(),
                emerging: d.emerging,
            })
            .collect();
        let outputs = view.staged.iter().filter(|(k, _)| k.starts_with("public/")).map(|(k, v)| (k.clone(), v.clone()));
        PublicSummary {
            version: s.version.clone(),
            job: s.job.clone(),
            selection: s.selection.clone(),
            parameters: s.parameters.clone(),
            window: s.window.clone(),
            cube: PublicCube {
                resolution: s.cube.resolution,
                cells: s.cube.cells,
                bins: s.cube.bins,
                events: figures.events,
                events_per_bin: figures.events_per_bin.clone(),
            },
            trend: s.trend.direction,
            patterns: s.patterns.clone(),
            districts,
            forecast: s.forecast.as_ref().map(|f| PublicForecast {
                model: f.model.name(),
                capture_percent: f
                    .validation
                    .iter()
                    .find(|v| v.model == f.model)
                    .map(|v| (v.capture * 100.0).round() as u32),
            }),
            teams,
            team_balance,
            privacy: PrivacyNote {
                audience: "public",
                min_count: figures.disclosure.min_count(),
                rules: RULES.into_iter().collect(),
            },
            outputs: outputs.collect(),
            scan: PublicCluster::all(view),
            effort: {
                // Only the blind spots `blind_spots.geojson` lists in public (at least the
                // small-count threshold of concern reports).
                let listed: Option<Vec<usize>> = r.effort.map(|v| figures.disclosure.blind_spots(v));
                crate::publish::summary::EffortSummary {
                    given: s.effort.given,
                    note: s.effort.note.clone(),
                    blind_spots: listed.as_ref().map(Vec::len),
                    blind_spots_in_plan: listed.as_ref().map(|l| l.iter().filter(|c| r.plan.cells.contains(c)).count()),
                    explore_share: s.effort.explore_share,
                    ..Default::default()
                }
            },
        }
    }
}

/// The public `summary.json`.
pub(super) struct PublicSummaryJson;

impl Output for PublicSummaryJson {
    fn reads_staged(&self) -> bool {
        true
    }

    fn file_name(&self) -> &'static str {
        "summary.json"
    }

    fn audience(&self) -> Audience {
        Audience::Public
    }

    fn render(&self, view: &Published<'_>, out: &mut (dyn std::io::Write + Send)) -> Result<(), BoxError> {
        super::write_json(out, &PublicSummary::of(view), true)
    }
}
