//! The published layers: RFC 7946 (winding, closed rings, 6 decimals, no `crs`, a `bbox`), one
//! JSON type per property, the small-count rule, no trace of any event's id, coordinates or time,
//! a report with no network, and outputs that are all-or-nothing.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, StringArray};

use crate::harness::{Scratch, write_parquet};

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn json_type(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "bool",
        serde_json::Value::Number(n) if n.is_f64() => "real",
        serde_json::Value::Number(_) => "integer",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Checks RFC 7946 and one type per property; returns the number of features.
pub(crate) fn check_layer(layer: &serde_json::Value) -> usize {
    assert_eq!(layer["type"], "FeatureCollection");
    assert!(layer.get("crs").is_none(), "no crs member");
    let bbox: Vec<f64> = layer["bbox"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
    assert_eq!(bbox.len(), 4);
    let mut types: BTreeMap<String, &'static str> = BTreeMap::new();
    let features = layer["features"].as_array().unwrap();
    for f in features {
        let g = &f["geometry"];
        let polygons: Vec<&serde_json::Value> = match g["type"].as_str().unwrap() {
            "Polygon" => vec![&g["coordinates"]],
            "MultiPolygon" => g["coordinates"].as_array().unwrap().iter().collect(),
            other => panic!("unexpected geometry {other}"),
        };
        for rings in polygons {
            for (i, ring) in rings.as_array().unwrap().iter().enumerate() {
                let pts: Vec<(f64, f64)> =
                    ring.as_array().unwrap().iter().map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap())).collect();
                assert!(pts.len() >= 4 && pts.first() == pts.last(), "ring closed");
                for &(x, y) in &pts {
                    assert!((-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y), "lon/lat order");
                    assert!(x >= bbox[0] && x <= bbox[2] && y >= bbox[1] && y <= bbox[3], "inside bbox");
                    for v in [x, y] {
                        assert_eq!((v * 1e6).round() / 1e6, v, "6 decimals: {v}");
                    }
                }
                let area: f64 = pts.windows(2).map(|w| w[0].0 * w[1].1 - w[1].0 * w[0].1).sum();
                if i == 0 {
                    assert!(area > 0.0, "exterior ring counter-clockwise");
                } else {
                    assert!(area < 0.0, "hole clockwise");
                }
            }
        }
        for (k, v) in f["properties"].as_object().unwrap() {
            let t = json_type(v);
            if t == "null" {
                continue;
            }
            let seen = types.entry(k.clone()).or_insert(t);
            assert_eq!(*seen, t, "property {k} keeps one type");
        }
    }
    features.len()
}

#[test]
fn layers_follow_rfc_7946_and_keep_one_type_per_property() {
    let s = Scratch::new();
    s.run(&["analyze", "--out", "o", "-q"]).ok();
    let hot = read_json(&s.path("o/internal/hotspots.geojson"));
    assert_eq!(check_layer(&hot), 1027);
    let districts = read_json(&s.path("o/internal/districts.geojson"));
    assert_eq!(check_layer(&districts), 15);
    check_layer(&read_json(&s.path("o/internal/patrol_areas.geojson")));
    check_layer(&read_json(&s.path("o/internal/service_gaps.geojson")));
    for file in ["hotspots", "districts", "patrol_areas", "service_gaps"] {
        let public = read_json(&s.path(&format!("o/public/{file}.geojson")));
        check_layer(&public);
        // Exact statistics stay internal: the public layers carry classes.
        for f in public["features"].as_array().unwrap() {
            for key in ["z", "p", "trend_tau", "trend_p", "score", "unmet_concern_p", "encounters", "recent_events"] {
                assert!(f["properties"].get(key).is_none(), "public {file}.geojson has {key}");
            }
        }
    }
    let public = read_json(&s.path("o/public/hotspots.geojson"));
    for (a, b) in public["features"].as_array().unwrap().iter().zip(hot["features"].as_array().unwrap()) {
        let z = b["properties"]["z"].as_f64().unwrap();
        assert_eq!(a["properties"]["gi_bin"], b["properties"]["gi_bin"]);
        let level =
            [1.6448536269514722, 1.959963984540054, 2.5758293035489004].iter().filter(|&&c| z.abs() >= c).count();
        assert_eq!(a["properties"]["gi_bin"].as_i64().unwrap(), level as i64 * z.signum() as i64, "z {z}");
    }
    let first = &hot["features"][0]["properties"];
    let names: Vec<&str> = first.as_object().unwrap().keys().map(String::as_str).collect();
    for key in [
        "h3",
        "district",
        "category",
        "category_code",
        "pattern",
        "gi_bin",
        "trend",
        "z",
        "p",
        "trend_tau",
        "trend_p",
        "hot_bins",
        "cold_bins",
        "count_total",
        "count_last",
        "series",
        "label_en",
        "label_fi",
        "label_sv",
    ] {
        assert!(names.contains(&key), "hotspots.geojson has {key}");
    }
    // ArcGIS's code and text travel with the snake_case name.
    for f in hot["features"].as_array().unwrap() {
        let p = &f["properties"];
        let code = p["category_code"].as_i64().unwrap();
        assert!((-8..=8).contains(&code));
        assert_eq!(p["pattern"].as_str().unwrap().to_lowercase().replace(' ', "_"), p["category"].as_str().unwrap());
    }
    let qml = std::fs::read_to_string(s.path("o/public/hotspots.qml")).unwrap();
    assert!(qml.contains(r#"attr="category""#) && qml.matches("<category ").count() == 17);
}

#[test]
fn small_counts_are_null_and_sums_are_protected_in_public() {
    let s = Scratch::new();
    s.run(&["analyze", "--out", "o", "--min-count", "10", "-q"]).ok();
    let public = read_json(&s.path("o/public/hotspots.geojson"));
    let exact = read_json(&s.path("o/internal/hotspots.geojson"));
    let mut nulls = 0;
    for (f, g) in public["features"].as_array().unwrap().iter().zip(exact["features"].as_array().unwrap()) {
        let (p, q) = (&f["properties"], &g["properties"]);
        let shown: Vec<Option<u64>> = p["series"].as_str().unwrap().split(',').map(|v| v.parse().ok()).collect();
        let truth: Vec<u64> = q["series"].as_str().unwrap().split(',').map(|v| v.parse().unwrap()).collect();
        for (v, &t) in shown.iter().zip(&truth) {
            match v {
                Some(n) => assert_eq!((*n, t >= 10), (t, true)),
                None => {
                    assert!(t < 10, "{t} is hidden");
                    nulls += 1;
                }
            }
        }
        assert_eq!(p["count_last"].as_u64(), shown.last().copied().flatten());
        // A cell's total is the shown counts plus the protected remainder of the hidden ones:
        // never above the truth, low by less than twice the threshold.
        let total: u64 = truth.iter().sum();
        match p["count_total"].as_u64() {
            Some(n) => assert!(n >= 10 && n <= total && total - n < 20, "{n} against {total}"),
            None => assert!(total < 20, "{total} hidden"),
        }
    }
    assert!(nulls > 0);
    let sum = read_json(&s.path("o/public/summary.json"));
    assert_eq!(sum["privacy"]["min_count"], 10);
    for d in sum["districts"].as_array().unwrap() {
        for k in ["events", "events_last_bin"] {
            if let Some(n) = d[k].as_u64() {
                assert!(n >= 10, "{k} {n}");
            }
        }
    }
    let events = sum["cube"]["events"].as_u64().unwrap();
    assert!(events <= 60_000 && 60_000 - events < 20, "{events}");
    // Nothing of the row accounting or the cube's moments in public.
    for key in ["inputs", "totals", "study_areas", "warnings", "timings_ms"] {
        assert!(sum.get(key).is_none(), "public summary.json has {key}");
    }
}

#[test]
fn no_event_id_coordinate_or_time_appears_in_any_published_output() {
    let s = Scratch::new();
    // Events with recognisable ids, coordinates and times, clustered so cells have counts ≥ 5.
    let n = 60;
    let ids: Vec<String> = (0..n).map(|i| format!("CLIENT-7f3a9c-{i:03}")).collect();
    let lat: Vec<f64> = (0..n).map(|i| 60.171234 + f64::from(i % 7) * 0.000117).collect();
    let lon: Vec<f64> = (0..n).map(|i| 24.941987 + f64::from(i % 5) * 0.000113).collect();
    let times: Vec<String> = (0..n).map(|i| format!("2026-10-{:02}T13:47:{:02}Z", 5 + i % 14, 11 + i % 40)).collect();
    write_parquet(
        &s.path("e.parquet"),
        vec![
            ("id", Arc::new(StringArray::from(ids.clone())) as ArrayRef),
            ("lat", Arc::new(Float64Array::from(lat.clone())) as ArrayRef),
            ("lon", Arc::new(Float64Array::from(lon.clone())) as ArrayRef),
            ("occurred_at", Arc::new(StringArray::from(times.clone())) as ArrayRef),
            ("kind", Arc::new(StringArray::from(vec!["encounter"; n as usize])) as ArrayRef),
            ("category", Arc::new(StringArray::from(vec!["substance"; n as usize])) as ArrayRef),
        ],
    );
    s.run(&["analyze", "e.parquet", "--districts", "builtin", "--out", "o", "-q"]).ok();
    let published = s.files_under("o/public");
    assert_eq!(published.len(), 9, "{published:?}");
    for file in &published {
        let bytes = std::fs::read(s.path(&format!("o/public/{file}"))).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("CLIENT-7f3a9c"), "{file} holds an event id");
        assert!(!text.contains("13:47"), "{file} holds an event time");
        // An event's own coordinate, as written in the input and at the layers' 6 decimals.
        // (Shorter prefixes are not checked: hexagon vertices are 6-decimal numbers near the
        // events and share 4-decimal prefixes with them by chance.)
        for (la, lo) in lat.iter().zip(&lon) {
            for v in [la, lo] {
                for needle in [format!("{v}"), format!("{v:.6}")] {
                    assert!(!text.contains(&needle), "{file} holds event coordinate {needle}");
                }
            }
        }
    }
}

#[test]
fn the_report_is_self_contained() {
    let s = Scratch::new();
    s.run(&["analyze", "--out", "o", "-q"]).ok();
    let html = std::fs::read_to_string(s.path("o/public/report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Nothing that could make a request: no URL, script, stylesheet, image, font or import.
    for needle in ["http", "<script", "<link", "<img", "<iframe", "@import", "@font-face", "url(", "src=", "href="] {
        assert!(!html.contains(needle), "report holds {needle}");
    }
    assert!(html.contains("<svg class=\"map\""));
    assert!(html.contains("Districts ranked by emerging activity"));
    assert!(!html.contains("&lt;built-in sample&gt;"), "the row accounting is internal");
    // A sparkline for each of the 15 districts but the three whose events are all under the
    // small-count threshold (Östersundom, Aviapolis, Koivukylä: `< 5`), which draw none.
    assert_eq!(html.matches("class=\"spark\"").count(), 12);
    assert_eq!(html.matches("<td class=\"n\">&lt;&nbsp;5</td><td>–</td>").count(), 3);
    assert!(html.len() < 1_000_000, "the report is {} bytes", html.len());
}

#[test]
fn a_failing_run_leaves_the_previous_outputs_as_they_were() {
    let s = Scratch::new();
    s.run(&["analyze", "--out", "o", "-q"]).ok();
    let before: Vec<(String, Vec<u8>)> = s
        .files_under("o")
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(s.path(&format!("o/{f}"))).unwrap()))
        .collect();
    // The next night's run fails half-way through writing: a folder stands where report.html goes.
    std::fs::remove_file(s.path("o/public/report.html")).unwrap();
    std::fs::create_dir(s.path("o/public/report.html")).unwrap();
    let run = s.run(&["analyze", "--out", "o", "--k", "2"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("report.html"), "{}", run.stderr());
    for (file, bytes) in &before {
        if file != "public/report.html" {
            assert_eq!(&std::fs::read(s.path(&format!("o/{file}"))).unwrap(), bytes, "{file} changed");
        }
    }
    let mut names = s.files_under("o");
    names.retain(|n| n.contains("/."));
    assert!(names.is_empty(), "no temporary files left: {names:?}");
}
