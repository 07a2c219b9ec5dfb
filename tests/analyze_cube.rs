//! `analyze` builds the cube the design describes: checked against an independent count.

use std::collections::BTreeMap;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type, TimestampMicrosecondType};
use chrono::{DateTime, NaiveDate};
use chrono_tz::Europe::Helsinki;
use h3o::{LatLng, Resolution};

use crate::harness::{Scratch, read_parquet, summary};

/// (count, weight) per (h3, bin start µs), as read back from `cube.parquet`.
type CubeValues = BTreeMap<(String, i64), (i64, f64)>;

/// The cube's values and its row count.
fn cube_counts(path: &std::path::Path) -> (CubeValues, usize) {
    let mut cube = BTreeMap::new();
    let mut rows = 0;
    for b in read_parquet(path) {
        let h3 = b.column_by_name("h3").unwrap().as_string::<i32>();
        let start = b.column_by_name("bin_start").unwrap().as_primitive::<TimestampMicrosecondType>();
        let count = b.column_by_name("count").unwrap().as_primitive::<Int64Type>();
        let weight = b.column_by_name("weight").unwrap().as_primitive::<Float64Type>();
        for i in 0..b.num_rows() {
            cube.insert((h3.value(i).to_string(), start.value(i)), (count.value(i), weight.value(i)));
            rows += 1;
        }
    }
    (cube, rows)
}

#[test]
fn cube_counts_equal_an_independent_count_of_synthetic_events() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "200000", "--weeks", "52", "--seed", "7", "--out", "e.parquet"]).ok();
    assert!(s.path("e.truth.json").exists());
    s.run(&["analyze", "e.parquet", "--out", "o", "--quiet"]).ok();

    // Independent count: read the events, cell with h3o, local week counted back from the
    // midnight after the latest event's local day.
    let mut events = Vec::new();
    for b in read_parquet(&s.path("e.parquet")) {
        let t = b.column_by_name("occurred_at").unwrap().as_primitive::<TimestampMicrosecondType>();
        let lat = b.column_by_name("lat").unwrap().as_primitive::<Float64Type>();
        let lon = b.column_by_name("lon").unwrap().as_primitive::<Float64Type>();
        for i in 0..b.num_rows() {
            events.push((t.value(i), lat.value(i), lon.value(i)));
        }
    }
    assert_eq!(events.len(), 200_000);
    let local_date = |us: i64| DateTime::from_timestamp_micros(us).unwrap().with_timezone(&Helsinki).date_naive();
    let last = events.iter().map(|e| local_date(e.0)).max().unwrap();
    let first = events.iter().map(|e| local_date(e.0)).min().unwrap();
    let until = last.succ_opt().unwrap();
    let weeks = (until - first).num_days() / 7;
    let window_start = until - chrono::Days::new(7 * weeks as u64);
    let bin_start_us = |d: NaiveDate| {
        use chrono::TimeZone;
        Helsinki.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap()).unwrap().timestamp_micros()
    };
    let mut expected: BTreeMap<(String, i64), i64> = BTreeMap::new();
    let mut outside = 0;
    for &(t, lat, lon) in &events {
        let d = local_date(t);
        if d < window_start {
            outside += 1;
            continue;
        }
        let week = (d - window_start).num_days() / 7;
        let start = window_start + chrono::Days::new(7 * week as u64);
        let cell = LatLng::new(lat, lon).unwrap().to_cell(Resolution::Eight).to_string();
        *expected.entry((cell, bin_start_us(start))).or_default() += 1;
    }

    let (cube, rows) = cube_counts(&s.path("o/internal/cube.parquet"));
    let cells: std::collections::BTreeSet<&String> = expected.keys().map(|(c, _)| c).collect();
    assert_eq!(rows, cells.len() * weeks as usize, "the cube is dense: every cell × every bin");
    for ((cell, start), (count, weight)) in &cube {
        let want = expected.get(&(cell.clone(), *start)).copied().unwrap_or(0);
        assert_eq!(*count, want, "cell {cell} bin {start}");
        assert_eq!(*weight, want as f64, "weights default to 1");
    }
    assert_eq!(cube.values().map(|v| v.0).sum::<i64>(), 200_000 - outside);

    let sum = summary(&s.path("o"));
    let input = &sum["inputs"][0];
    assert_eq!(input["read"], 200_000);
    assert_eq!(input["accepted"], 200_000 - outside);
    assert_eq!(input["outside_window"], outside);
    assert_eq!(input["rejected"], 0);
    assert_eq!(sum["window"]["bins"], weeks);
    assert_eq!(sum["window"]["end"], until.to_string());
}

#[test]
fn the_built_in_sample_runs_with_no_input_from_any_folder() {
    let s = Scratch::new();
    let out = s.run(&["analyze"]).ok();
    assert!(out.contains("<built-in sample>: read 60000 = accepted 60000"), "{out}");
    assert!(
        out.contains("<built-in effort log> (effort): read 15932 = accepted 15932 + rejected 0"),
        "the sample's synthetic effort log: {out}"
    );
    assert_eq!(s.files_in("out"), ["internal", "public"]);
    assert_eq!(
        s.files_in("out/public"),
        [
            "blind_spots.geojson",
            "changes.geojson",
            "districts.geojson",
            "districts.qml",
            "hotspots.geojson",
            "hotspots.qml",
            "patrol_areas.geojson",
            "patrol_areas.qml",
            "report.html",
            "service_gaps.geojson",
            "summary.json"
        ]
    );
    assert_eq!(
        s.files_in("out/internal"),
        [
            "blind_spots.geojson",
            "changes.geojson",
            "cube.parquet",
            "districts.geojson",
            "districts.qml",
            "effort_rejects.csv",
            "hotspots.geojson",
            "hotspots.qml",
            "patrol_areas.geojson",
            "patrol_areas.qml",
            "rejects.parquet",
            "service_gaps.geojson",
            "summary.json"
        ]
    );
    let sum = summary(&s.path("out"));
    assert_eq!(sum["parameters"]["districts"], "<built-in districts>");
    assert_eq!(sum["window"]["bins"], 52);
    // The mask covers the districts: far more cells than hold events.
    assert!(sum["cube"]["cells"].as_u64().unwrap() > 500);
    let names: Vec<&str> = sum["districts"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Keskinen") && names.contains(&"Tikkurila") && names.contains(&"(none)"));
    // Internal district totals are exact and add up to every accepted event.
    let total: u64 = sum["districts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["encounters"].as_u64().unwrap() + d["concerns"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 60_000);
    // Public district totals are protected sums: never above the truth, and low by less than
    // twice the threshold each.
    let public = crate::harness::read_json(&s.path("out/public/summary.json"));
    for (p, d) in public["districts"].as_array().unwrap().iter().zip(sum["districts"].as_array().unwrap()) {
        let exact = d["encounters"].as_u64().unwrap() + d["concerns"].as_u64().unwrap();
        let shown = p["events"].as_u64().unwrap_or(0);
        assert!(shown <= exact && exact - shown < 10, "{p} against {exact}");
    }
}

#[test]
fn outputs_are_byte_identical_on_one_or_two_threads() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "30000", "--weeks", "20", "--seed", "3", "--out", "e.parquet", "--quiet"]).ok();
    for threads in ["1", "2"] {
        s.run_env(
            &["analyze", "e.parquet", "--districts", "builtin", "--out", threads, "-q"],
            &[("RAYON_NUM_THREADS", threads)],
        )
        .ok();
    }
    for file in ["cube.parquet", "rejects.parquet"] {
        let a = std::fs::read(s.path(&format!("1/internal/{file}"))).unwrap();
        let b = std::fs::read(s.path(&format!("2/internal/{file}"))).unwrap();
        assert_eq!(a, b, "{file} differs between 1 and 2 threads");
    }
    let mut a = summary(&s.path("1"));
    let mut b = summary(&s.path("2"));
    a["timings_ms"] = serde_json::Value::Null;
    b["timings_ms"] = serde_json::Value::Null;
    assert_eq!(a, b);
}

#[test]
fn steps_since_and_until_place_the_window() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "5000", "--weeks", "10", "--seed", "1", "--out", "e.parquet", "-q"]).ok();
    s.run(&["analyze", "e.parquet", "--out", "a", "--steps", "4", "-q"]).ok();
    let a = summary(&s.path("a"));
    assert_eq!(a["window"]["bins"], 4);
    assert_eq!(a["window"]["start"], "2026-10-05");
    assert_eq!(a["window"]["end"], "2026-11-02");
    s.run(&["analyze", "e.parquet", "--out", "b", "--since", "2026-10-01", "--until", "2026-10-26", "-q"]).ok();
    let b = summary(&s.path("b"));
    assert_eq!(b["window"]["bins"], 3, "whole weeks from 1 October: 5, 12 and 19 October");
    assert_eq!(b["window"]["start"], "2026-10-05");
    let input = &b["inputs"][0];
    let read = input["read"].as_u64().unwrap();
    let parts = ["accepted", "rejected", "outside_study_area", "outside_window"].map(|k| input[k].as_u64().unwrap());
    assert_eq!(read, parts.iter().sum::<u64>());
    assert!(parts[3] > 0);
    s.run(&["analyze", "e.parquet", "--out", "c", "--bin", "day", "--steps", "10", "-q"]).ok();
    assert_eq!(summary(&s.path("c"))["window"]["start"], "2026-10-23");
    s.run(&["analyze", "e.parquet", "--out", "d", "--bin", "month", "-q"]).ok();
    let d = summary(&s.path("d"));
    assert_eq!(d["window"]["bin_starts"], serde_json::json!(["2026-09-02", "2026-10-02"]));
}
