//! Patrol planning end to end: the planted emerging hot spots lead the plan, areas are walkable
//! and ranked, teams share the top areas, service gaps and unmet concern are flagged.

use h3o::{LatLng, Resolution};

use crate::harness::{Scratch, summary};
use crate::layers::check_layer;

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_planted_new_and_intensifying_hot_spots_lead_the_patrol_plan() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "200000", "--weeks", "52", "--seed", "7", "--out", "e.parquet", "-q"]).ok();
    s.run(&["analyze", "e.parquet", "--districts", "builtin", "--services", "builtin", "--out", "o", "-q"]).ok();
    let truth = read_json(&s.path("e.truth.json"));
    let cell_of = |name: &str| {
        let p = truth["patterns"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap();
        LatLng::new(p["lat"].as_f64().unwrap(), p["lon"].as_f64().unwrap()).unwrap().to_cell(Resolution::Eight)
    };
    let plan = read_json(&s.path("o/patrol_areas.geojson"));
    assert!(check_layer(&plan) > 5);
    let areas = plan["features"].as_array().unwrap();
    // Which area holds each planted centre? Its polygon holds the centre cell's centre.
    let hot = read_json(&s.path("o/hotspots.geojson"));
    let top3: Vec<&serde_json::Value> = areas.iter().take(3).collect();
    for (name, category) in [("new", "new_hot_spot"), ("intensifying", "intensifying_hot_spot")] {
        let cell = cell_of(name).to_string();
        let district = hot["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["h3"] == cell.as_str())
            .map(|f| f["properties"]["district"].clone())
            .unwrap();
        let found = top3.iter().any(|a| {
            let p = &a["properties"];
            p["district"] == district && p["categories"].as_array().unwrap().iter().any(|c| c == category)
        });
        assert!(
            found,
            "planted {name} ({category} in {district}) is not among the top three: {:#?}",
            top3.iter().map(|a| &a["properties"]).collect::<Vec<_>>()
        );
    }
    // Ranks are 1…n in order; emerging areas come before persistent ones.
    let tiers: Vec<u64> = areas.iter().map(|a| (a["properties"]["score"].as_f64().unwrap() / 1000.0) as u64).collect();
    for (i, a) in areas.iter().enumerate() {
        assert_eq!(a["properties"]["rank"], i + 1);
        assert!(a["properties"]["area_km2"].as_f64().unwrap() <= 2.0 || a["properties"]["cells"] == 1);
    }
    let busy: Vec<u64> = tiers.iter().copied().filter(|&t| t > 0).collect();
    assert!(busy.windows(2).all(|w| w[0] >= w[1]), "tiers never rise down the list: {tiers:?}");
    // The new hot spot was planted as mostly residents' concern reports: unmet concern.
    assert_eq!(areas[0]["properties"]["unmet_concern"], true, "{}", areas[0]["properties"]);
    // The top 16 areas are shared among the 4 teams, each team gets some.
    let teams: Vec<u64> = areas.iter().take(16).map(|a| a["properties"]["team"].as_u64().unwrap()).collect();
    for t in 1..=4 {
        assert!(teams.contains(&t), "team {t} has no area: {teams:?}");
    }
    assert!(areas.iter().skip(16).all(|a| a["properties"]["team"].is_null()));
    // Service gaps: the layer lists exactly the areas farther than 1 km from every service.
    let gaps = read_json(&s.path("o/service_gaps.geojson"));
    let want: Vec<&serde_json::Value> = areas
        .iter()
        .filter(|a| a["properties"]["nearest_service_m"].as_f64().unwrap() > 1000.0)
        .map(|a| &a["properties"]["rank"])
        .collect();
    let got: Vec<&serde_json::Value> =
        gaps["features"].as_array().unwrap().iter().map(|a| &a["properties"]["rank"]).collect();
    assert_eq!(got, want);
    // Hot cells carry their distance to the nearest service; cells without a hot pattern do not.
    for f in hot["features"].as_array().unwrap() {
        let p = &f["properties"];
        assert_eq!(p["nearest_service_m"].is_null(), p["category_code"].as_i64().unwrap() <= 0, "{p}");
    }
    // The report shows the plan.
    let html = std::fs::read_to_string(s.path("o/report.html")).unwrap();
    assert!(html.contains("Next week&#39;s patrol areas") || html.contains("Next week's patrol areas"));
    assert!(html.contains("Team 1: areas 1"));
    let sum = summary(&s.path("o"));
    assert_eq!(sum["parameters"]["services"], "<built-in services>");
}

#[test]
fn a_bigger_walking_limit_makes_fewer_larger_areas() {
    let s = Scratch::new();
    s.run(&["analyze", "--out", "small", "-q"]).ok();
    s.run(&["analyze", "--out", "large", "--max-patrol-km2", "20", "--teams", "2", "-q"]).ok();
    let small = read_json(&s.path("small/patrol_areas.geojson"));
    let large = read_json(&s.path("large/patrol_areas.geojson"));
    let n = |l: &serde_json::Value| l["features"].as_array().unwrap().len();
    assert!(n(&large) < n(&small), "{} vs {}", n(&large), n(&small));
    let cells = |l: &serde_json::Value| -> u64 {
        l["features"].as_array().unwrap().iter().map(|a| a["properties"]["cells"].as_u64().unwrap()).sum()
    };
    assert_eq!(cells(&large), cells(&small), "the same hot cells, cut differently");
    let teams: Vec<u64> =
        large["features"].as_array().unwrap().iter().filter_map(|a| a["properties"]["team"].as_u64()).collect();
    assert!(teams.iter().all(|&t| t == 1 || t == 2) && teams.contains(&2));
    let run = s.run(&["analyze", "--out", "bad", "--max-patrol-km2", "0"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("--max-patrol-km2 0: must be above 0"), "{}", run.stderr());
    let run = s.run(&["analyze", "--out", "bad", "--services", "missing.geojson"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("missing.geojson"));
}

#[test]
fn the_backtest_scores_three_methods_on_the_same_bins_and_budget() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "50000", "--weeks", "30", "--seed", "4", "--out", "e.parquet", "-q"]).ok();
    let out = s.run(&["backtest", "e.parquet", "--districts", "builtin", "--holdout-steps", "6", "--out", "b"]).ok();
    assert!(out.contains("backtest of job all over 6 held-out bins"), "{out}");
    for method in ["engine", "last_bin", "history"] {
        assert!(out.lines().any(|l| l.starts_with(method)), "{method} row in {out}");
    }
    let b = read_json(&s.path("b/backtest.json"));
    let steps = b["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 6);
    let budget = b["budget_cells"].as_u64().unwrap();
    assert!(budget >= 1);
    // Held-out bins are the last six weeks, oldest first.
    assert_eq!(steps[5]["bin_start"], "2026-10-26");
    assert_eq!(steps[0]["bin_start"], "2026-09-21");
    for step in steps {
        for method in ["engine", "last_bin", "history"] {
            let m = &step[method];
            let hit = m["hit_rate"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&hit));
            // PAI = hit rate / the same covered share for every method.
            let share = b["budget_share"].as_f64().unwrap();
            let pai = m["pai"].as_f64().unwrap();
            assert!((pai * share - hit).abs() < 0.02 * hit.max(0.01), "{method}: {pai} × {share} vs {hit}");
        }
    }
    // analyze --backtest-steps puts the same table into the report.
    s.run(&["analyze", "e.parquet", "--districts", "builtin", "--backtest-steps", "6", "--out", "a", "-q"]).ok();
    assert_eq!(read_json(&s.path("a/backtest.json")), b);
    let html = std::fs::read_to_string(s.path("a/report.html")).unwrap();
    assert!(html.contains("Backtest over the last 6 bins"));
    // Too many held-out bins is a clear error.
    let run = s.run(&["backtest", "e.parquet", "--holdout-steps", "40", "--out", "c"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("--holdout-steps 40"), "{}", run.stderr());
    // The same limit through analyze names analyze's flag.
    let run = s.run(&["analyze", "e.parquet", "--backtest-steps", "40", "--out", "c"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("--backtest-steps 40"), "{}", run.stderr());
    assert!(s.files_in("c").is_empty());
}
