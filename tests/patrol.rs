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
    let plan = read_json(&s.path("o/internal/patrol_areas.geojson"));
    assert!(check_layer(&plan) > 5);
    let areas = plan["features"].as_array().unwrap();
    // Which area holds each planted centre? Its polygon holds the centre cell's centre.
    let hot = read_json(&s.path("o/internal/hotspots.geojson"));
    let top3: Vec<&serde_json::Value> = areas.iter().take(5).collect();
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
            p["district"] == district && p["categories"].as_str().unwrap().split(',').any(|c| c == category)
        });
        assert!(
            found,
            "planted {name} ({category} in {district}) is not among the top five: {:#?}",
            top3.iter().map(|a| &a["properties"]).collect::<Vec<_>>()
        );
    }
    // Ranks are 1…n in order; areas holding a new or intensifying hot spot come first.
    let watched = |a: &serde_json::Value| {
        a["properties"]["reasons"]
            .as_str()
            .unwrap()
            .split(',')
            .any(|r| r == "new_hot_spot" || r == "intensifying_hot_spot")
    };
    for (i, a) in areas.iter().enumerate() {
        assert_eq!(a["properties"]["rank"], i + 1);
        assert!(a["properties"]["area_km2"].as_f64().unwrap() <= 2.0 || a["properties"]["cells"] == 1);
        assert!(a["properties"]["area_id"].as_str().unwrap().starts_with("pa-"));
    }
    let first_other = areas.iter().position(|a| !watched(a)).unwrap_or(areas.len());
    assert!(areas[first_other..].iter().all(|a| !watched(a) || a["properties"]["expected_per_week"].is_null()));
    // The new hot spot was planted as mostly residents' concern reports: unmet concern.
    let new_area = areas
        .iter()
        .find(|a| a["properties"]["reasons"].as_str().unwrap().split(',').any(|r| r == "new_hot_spot"))
        .expect("the new hot spot is in the plan");
    assert_eq!(new_area["properties"]["unmet_concern"], true, "{}", new_area["properties"]);
    // Every area has a team of its own municipality, with a compass direction; Helsinki's four
    // pairs take four directions, and so do Vantaa's.
    let sum = summary(&s.path("o"));
    let teams = sum["teams"].as_array().unwrap();
    assert_eq!(teams.len(), 8, "{teams:?}");
    for a in areas {
        let p = &a["properties"];
        let team = teams.iter().find(|t| t["number"] == p["team"]).expect("a team");
        assert_eq!(team["municipality"], p["municipality"], "{p}");
        assert_eq!(team["direction"], p["team_direction"]);
    }
    for m in ["Helsinki", "Vantaa"] {
        let mut dirs: Vec<&str> =
            teams.iter().filter(|t| t["municipality"] == m).map(|t| t["direction"].as_str().unwrap()).collect();
        dirs.sort_unstable();
        assert_eq!(dirs, ["east", "north", "south", "west"], "{m}");
        assert!(sum["team_balance"][m].as_f64().unwrap() >= 1.0);
    }
    // Service gaps: the layer lists exactly the areas farther than 1 km from every service.
    let gaps = read_json(&s.path("o/internal/service_gaps.geojson"));
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
    let html = std::fs::read_to_string(s.path("o/public/report.html")).unwrap();
    assert!(html.contains("Next week&#39;s patrol areas") || html.contains("Next week's patrol areas"));
    assert!(html.contains("Team 1 · Helsinki north"), "the report names the teams");
    assert_eq!(sum["parameters"]["services"], "<built-in services>");
}

#[test]
fn a_bigger_walking_limit_makes_fewer_larger_areas() {
    let s = Scratch::new();
    // The same walking budget (4 × 2 km² and 2 × 4 km² per municipality): the same cells, cut
    // into fewer, larger areas.
    s.run(&["analyze", "--out", "small", "-q"]).ok();
    s.run(&["analyze", "--out", "large", "--max-patrol-km2", "4", "--teams", "2", "-q"]).ok();
    let small = read_json(&s.path("small/internal/patrol_areas.geojson"));
    let large = read_json(&s.path("large/internal/patrol_areas.geojson"));
    let n = |l: &serde_json::Value| l["features"].as_array().unwrap().len();
    assert!(n(&large) < n(&small), "{} vs {}", n(&large), n(&small));
    let cells = |l: &serde_json::Value| -> u64 {
        l["features"].as_array().unwrap().iter().map(|a| a["properties"]["cells"].as_u64().unwrap()).sum()
    };
    assert_eq!(cells(&large), cells(&small), "the same cells, cut differently");
    let teams: Vec<u64> =
        large["features"].as_array().unwrap().iter().filter_map(|a| a["properties"]["team"].as_u64()).collect();
    assert!(teams.iter().all(|&t| (1..=4).contains(&t)) && teams.contains(&4), "{teams:?}");
    // Named team counts: Vantaa's areas go to its two pairs only.
    s.run(&["analyze", "--out", "named", "--teams", "Helsinki=4,Vantaa=2", "-q"]).ok();
    let named = summary(&s.path("named"));
    let vantaa: Vec<&serde_json::Value> =
        named["teams"].as_array().unwrap().iter().filter(|t| t["municipality"] == "Vantaa").collect();
    assert_eq!(vantaa.len(), 2, "{vantaa:?}");
    let run = s.run(&["analyze", "--out", "bad", "--max-patrol-km2", "0"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("--max-patrol-km2 0: must be above 0"), "{}", run.stderr());
    let run = s.run(&["analyze", "--out", "bad", "--teams", "Helsinki"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("--teams Helsinki: expected a number"), "{}", run.stderr());
    let run = s.run(&["analyze", "--out", "bad", "--services", "missing.geojson"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("missing.geojson"));
}

#[test]
fn the_plan_beats_the_naive_rankings_on_the_sample() {
    // The bundled sample, the last 8 weeks each planned from the weeks before it (README,
    // "Backtest"): the plan catches at least as many of next week's events as the best naive
    // ranking of the same cells, and reaches 0.9 of the oracle. Without an effort log the whole
    // plan is judged; with the sample's log, what the forecast fills (`serve`, the plan without
    // its explore share), and what exploring costs is the difference of the two rows.
    let s = Scratch::new();
    for effort in ["none", "builtin"] {
        let dir = format!("b-{effort}");
        let out = s.run(&["backtest", "--holdout-steps", "8", "--effort", effort, "--out", &dir]).ok();
        assert!(out.contains("backtest of job all over 8 held-out bins"), "{out}");
        let b = read_json(&s.path(&format!("{dir}/internal/backtest.json")));
        let team = &b["budgets"][0];
        assert_eq!(team["budget"], "team");
        let method =
            |name: &str| team["methods"].as_array().unwrap().iter().find(|m| m["method"] == name).unwrap().clone();
        let judged = if effort == "none" { "plan" } else { "serve" };
        assert_eq!(b["difference"]["method"].as_str().unwrap_or("plan"), judged);
        let plan = method(judged);
        let best_naive = ["last_bin", "last_4", "history", "ewma"]
            .iter()
            .map(|m| method(m)["hit_rate"].as_f64().unwrap())
            .fold(0.0, f64::max);
        let hit = plan["hit_rate"].as_f64().unwrap();
        assert!(hit >= best_naive, "{judged} {hit} vs best naive {best_naive}: {out}");
        assert!(plan["pei"].as_f64().unwrap() >= 0.90, "{out}");
        let base = method(b["difference"]["baseline"].as_str().unwrap())["hit_rate"].as_f64().unwrap();
        assert!((b["difference"]["mean"].as_f64().unwrap() - (hit - base)).abs() < 1e-12);
        if effort == "builtin" {
            let whole = method("plan")["hit_rate"].as_f64().unwrap();
            assert!((b["explore_cost"].as_f64().unwrap() - (hit - whole)).abs() < 1e-12);
            assert!(out.contains("exploring blind spots costs"), "{out}");
        } else {
            assert!(
                b.get("explore_cost").is_none()
                    && team["methods"].as_array().unwrap().iter().all(|m| m["method"] != "serve")
            );
        }
    }
}

#[test]
fn the_backtest_scores_every_method_on_the_same_bins_and_budgets() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "50000", "--weeks", "30", "--seed", "4", "--out", "e.parquet", "-q"]).ok();
    let out = s.run(&["backtest", "e.parquet", "--districts", "builtin", "--holdout-steps", "6", "--out", "b"]).ok();
    assert!(out.contains("backtest of job all over 6 held-out bins"), "{out}");
    for method in ["plan", "last_bin", "last_4", "history", "ewma", "oracle"] {
        assert!(out.lines().any(|l| l.starts_with(method)), "{method} row in {out}");
    }
    let b = read_json(&s.path("b/internal/backtest.json"));
    // Held-out bins are the last six weeks, oldest first.
    let bins = b["bins"].as_array().unwrap();
    assert_eq!(
        (bins.len(), &bins[5], &bins[0]),
        (6, &serde_json::json!("2026-10-26"), &serde_json::json!("2026-09-21"))
    );
    let budgets = b["budgets"].as_array().unwrap();
    let names: Vec<&str> = budgets.iter().map(|x| x["budget"].as_str().unwrap()).collect();
    assert_eq!(names, ["team", "1%", "2%", "5%"]);
    for budget in budgets {
        let share = budget["area_share"].as_f64().unwrap();
        let oracle = budget["methods"].as_array().unwrap().iter().find(|m| m["method"] == "oracle").unwrap();
        for m in budget["methods"].as_array().unwrap() {
            let hits = m["hit_rates"].as_array().unwrap();
            assert_eq!(hits.len(), 6);
            for (h, o) in hits.iter().zip(oracle["hit_rates"].as_array().unwrap()) {
                let (h, o) = (h.as_f64().unwrap(), o.as_f64().unwrap());
                assert!((0.0..=o + 1e-12).contains(&h), "nothing beats the oracle: {h} > {o}");
            }
            let hit = m["hit_rate"].as_f64().unwrap();
            // PAI = hit rate / the covered share (cells of unequal area: within 2 %).
            let pai = m["pai"].as_f64().unwrap();
            assert!((pai * share - hit).abs() < 0.02 * hit.max(0.01), "{}: {pai} × {share} vs {hit}", m["method"]);
        }
        assert_eq!(oracle["pei"], 1.0);
    }
    // analyze --backtest-steps puts the same table into the report.
    s.run(&["analyze", "e.parquet", "--districts", "builtin", "--backtest-steps", "6", "--out", "a", "-q"]).ok();
    assert_eq!(read_json(&s.path("a/internal/backtest.json")), b);
    let html = std::fs::read_to_string(s.path("a/public/report.html")).unwrap();
    assert!(html.contains("Backtest over the last 6 bins"));
    // Too many held-out bins is a clear error.
    let run = s.run(&["backtest", "e.parquet", "--holdout-steps", "40", "--out", "c"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("--holdout-steps 40"), "{}", run.stderr());
    // The same limit through analyze names analyze's flag.
    let run = s.run(&["analyze", "e.parquet", "--backtest-steps", "40", "--out", "c"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("--backtest-steps 40"), "{}", run.stderr());
    assert!(s.files_under("c").is_empty(), "{:?}", s.files_under("c"));
}
