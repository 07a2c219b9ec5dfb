//! The patrol-effort log (`--effort`): its row accounting and rejects, the hours spread over
//! cells and bins in `cube.parquet`, the blind spots published without counts, what a run
//! without a log says, and `hotspots simulate`.

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, TimestampMicrosecondType};
use h3o::{LatLng, Resolution};

use crate::harness::{Scratch, read_json, read_parquet, summary};

/// The effort hours of `cube.parquet` per (h3, bin start µs).
fn effort_hours(path: &std::path::Path) -> Vec<(String, i64, f64)> {
    let mut out = Vec::new();
    for b in read_parquet(path) {
        let h3 = b.column_by_name("h3").unwrap().as_string::<i32>();
        let start = b.column_by_name("bin_start").unwrap().as_primitive::<TimestampMicrosecondType>();
        let hours = b.column_by_name("effort_hours").expect("an effort_hours column").as_primitive::<Float64Type>();
        for i in 0..b.num_rows() {
            out.push((h3.value(i).to_string(), start.value(i), hours.value(i)));
        }
    }
    out
}

#[test]
fn an_effort_log_is_accounted_row_by_row_and_spread_over_cells_and_bins() {
    let s = Scratch::new();
    let coarse = LatLng::new(60.1710, 24.9414).unwrap().to_cell(Resolution::Seven);
    let tampere = LatLng::new(61.4978, 23.7610).unwrap().to_cell(Resolution::Eight);
    std::fs::write(
        s.path("shifts.csv"),
        format!(
            "start,end,team,cell,district,geometry\n\
             2026-10-27T09:00:00,2026-10-27T12:30:00,south,{coarse},,\n\
             2026-10-28T10:00:00,2026-10-28T14:00:00,north,,Keskinen,\n\
             2026-10-29T09:00:00,2026-10-29T10:00:00,south,,,\"{{\"\"type\"\":\"\"LineString\"\",\"\"coordinates\"\":[[24.93,60.17],[24.95,60.18]]}}\"\n\
             yesterday,2026-10-29T10:00:00,,{coarse},,\n\
             2026-10-29T09:00:00,2026-10-29T10:00:00,,,Atlantis,\n\
             2020-01-01T09:00:00,2020-01-01T10:00:00,,{coarse},,\n\
             2026-10-27T09:00:00,2026-10-27T10:00:00,,{tampere},,\n"
        ),
    )
    .unwrap();
    let out = s.run(&["analyze", "--effort", "shifts.csv", "--out", "o"]).ok();
    assert!(
        out.contains(
            "shifts.csv (effort): read 7 = accepted 3 + rejected 2 + outside study area 1 + outside window 1; 8.5 of \
             10.5 patrol hours in the cube (rejected: unknown_district 1, unparsable_time 1; every row in \
             internal/effort_rejects.csv)"
        ),
        "{out}"
    );
    let rejects = std::fs::read_to_string(s.path("o/internal/effort_rejects.csv")).unwrap();
    let lines: Vec<&str> = rejects.lines().collect();
    assert_eq!(lines[0], "file,row,column,reason,value");
    assert_eq!(
        &lines[1..],
        ["shifts.csv,4,start,unparsable_time,yesterday", "shifts.csv,5,district,unknown_district,Atlantis"]
    );

    let log = &summary(&s.path("o"))["effort"]["log"];
    assert_eq!((log["read"].as_u64(), log["accepted"].as_u64(), log["rejected"].as_u64()), (Some(7), Some(3), Some(2)));
    assert_eq!(log["rejected_by_reason"]["unknown_district"], 1);
    // Valid hours: 3.5 + 4 + 1 + 1 (2020) + 1 (Tampere).
    assert!((log["hours_valid"].as_f64().unwrap() - 10.5).abs() < 1e-9);

    // In cube.parquet: the coarse cell's 3.5 hours shared by its 7 children (those in the study
    // area keep their half-hour each, in the week from Monday 26 October), the district's 4 and
    // the line's 1 hour in full.
    let hours = effort_hours(&s.path("o/internal/cube.parquet"));
    let week = chrono::NaiveDate::from_ymd_opt(2026, 10, 26).unwrap();
    let week_us = {
        use chrono::TimeZone;
        chrono_tz::Europe::Helsinki.from_local_datetime(&week.and_hms_opt(0, 0, 0).unwrap()).unwrap().timestamp_micros()
    };
    let total: f64 = hours.iter().map(|h| h.2).sum();
    assert!(hours.iter().all(|h| h.2 == 0.0 || h.1 == week_us), "every hour in the week of 26 October");
    let children: Vec<String> = coarse.children(Resolution::Eight).map(|c| c.to_string()).collect();
    let in_cube = children.iter().filter(|c| hours.iter().any(|h| &h.0 == *c)).count();
    assert!(in_cube > 0);
    for c in &children {
        if let Some(h) = hours.iter().find(|h| &h.0 == c && h.1 == week_us) {
            assert!(h.2 >= 0.5 - 1e-9, "{c}: {}", h.2);
        }
    }
    let expected = 3.5 * in_cube as f64 / 7.0 + 4.0 + 1.0;
    assert!((total - expected).abs() < 1e-9, "{total} vs {expected}");
    assert!((log["hours_in_cube"].as_f64().unwrap() - expected).abs() < 1e-9);

    // Published blind spots carry no count: a cell's concern reports beside its published counts
    // of all events would give its encounters back.
    let public = read_json(&s.path("o/public/blind_spots.geojson"));
    for f in public["features"].as_array().unwrap() {
        let mut keys: Vec<&str> = f["properties"].as_object().unwrap().keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["district", "effort_hours", "h3", "in_plan", "job", "rank", "recent_bins"]);
    }
}

#[test]
fn without_an_effort_log_the_run_says_the_plan_may_follow_past_patrols() {
    let s = Scratch::new();
    s.run(&["analyze", "--effort", "none", "--out", "o", "-q"]).ok();
    for dir in ["o/internal", "o/public"] {
        let effort = &read_json(&s.path(&format!("{dir}/summary.json")))["effort"];
        assert_eq!(effort["given"], false, "{dir}");
        assert!(effort["note"].as_str().unwrap().contains("may follow past patrols"), "{dir}");
    }
    let report = std::fs::read_to_string(s.path("o/public/report.html")).unwrap();
    assert!(report.contains("No patrol log was given") && report.contains("Blind spots: not checked (no patrol log)"));
    assert!(!s.path("o/public/blind_spots.geojson").exists() && !s.path("o/internal/effort_rejects.csv").exists());
    let areas = read_json(&s.path("o/public/patrol_areas.geojson"));
    assert!(areas["features"].as_array().unwrap().iter().all(|f| f["properties"].get("purpose").is_none()));

    // With the sample's log: blind spots, areas that explore them, and the report says so.
    s.run(&["analyze", "--out", "e", "-q"]).ok();
    let effort = &summary(&s.path("e"))["effort"];
    assert_eq!(effort["given"], true);
    // Every blind spot internally; in public only those with at least 5 concern reports, and the
    // public summary counts what the public layer lists.
    let internal = read_json(&s.path("e/internal/blind_spots.geojson"));
    let all = internal["features"].as_array().unwrap();
    assert!(!all.is_empty() && effort["blind_spots"] == all.len(), "{effort}");
    let public = read_json(&s.path("e/public/blind_spots.geojson"));
    let listed = public["features"].as_array().unwrap();
    let enough = all.iter().filter(|f| f["properties"]["concerns"].as_u64().unwrap() >= 5).count();
    assert_eq!(listed.len(), enough);
    assert_eq!(read_json(&s.path("e/public/summary.json"))["effort"]["blind_spots"], enough);
    let areas = read_json(&s.path("e/public/patrol_areas.geojson"));
    let exploring =
        areas["features"].as_array().unwrap().iter().filter(|f| f["properties"]["purpose"] == "explore").count();
    assert!(exploring > 0);
    let report = std::fs::read_to_string(s.path("e/public/report.html")).unwrap();
    assert!(report.contains("Blind spots: concern without patrols") && report.contains(">explore</span>"));
}

/// The configuration file names the log, renames its columns and sets the explore share; a flag
/// wins over it. Each encounter rate in `cube.parquet` is the cell-bin's encounters over its hours.
#[test]
fn the_configuration_file_sets_the_effort_log_its_columns_and_the_explore_share() {
    let s = Scratch::new();
    let cell = LatLng::new(60.1710, 24.9414).unwrap().to_cell(Resolution::Eight);
    std::fs::create_dir(s.path("conf")).unwrap();
    std::fs::write(
        s.path("conf/log.csv"),
        format!("alku;loppu;ruutu\n27.10.2026 9.00;27.10.2026 13.00;{cell}\n28.10.2026 9.00;28.10.2026 11.00;{cell}\n"),
    )
    .unwrap();
    std::fs::write(
        s.path("conf/night.toml"),
        "effort = \"log.csv\"\nexplore_share = 0.3\n[effort_columns]\nstart = \"alku\"\nend = \"loppu\"\ncell = \"ruutu\"\n",
    )
    .unwrap();
    s.run(&["analyze", "--config", "conf/night.toml", "--out", "o", "-q"]).ok();
    let effort = &summary(&s.path("o"))["effort"];
    assert_eq!(
        (effort["log"]["accepted"].as_u64(), effort["explore_share"].as_f64()),
        (Some(2), Some(0.3)),
        "{effort}"
    );
    assert!((effort["log"]["hours_in_cube"].as_f64().unwrap() - 6.0).abs() < 1e-9);
    for b in read_parquet(&s.path("o/internal/cube.parquet")) {
        let h3 = b.column_by_name("h3").unwrap().as_string::<i32>();
        let hours = b.column_by_name("effort_hours").unwrap().as_primitive::<Float64Type>();
        let encounters = b.column_by_name("encounters").unwrap().as_primitive::<arrow_array::types::Int64Type>();
        let rate = b.column_by_name("encounters_per_hour").unwrap().as_primitive::<Float64Type>();
        for i in 0..b.num_rows() {
            if hours.value(i) > 0.0 {
                assert_eq!(h3.value(i), cell.to_string());
                assert!((rate.value(i) - encounters.value(i) as f64 / hours.value(i)).abs() < 1e-12);
            } else {
                assert!(rate.is_null(i));
            }
        }
    }
    s.run(&["analyze", "--config", "conf/night.toml", "--explore-share", "0.1", "--out", "p", "-q"]).ok();
    assert_eq!(summary(&s.path("p"))["effort"]["explore_share"], 0.1);
}

#[test]
fn a_broken_effort_log_is_an_error_naming_the_file() {
    let s = Scratch::new();
    let run = s.run(&["analyze", "--effort", "missing.csv", "--out", "o", "-q"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("missing.csv"), "{}", run.stderr());
    std::fs::write(s.path("noend.csv"), "start,cell\n2026-10-27T09:00:00,882a100d2dfffff\n").unwrap();
    let run = s.run(&["analyze", "--effort", "noend.csv", "--out", "o", "-q"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("noend.csv") && run.stderr().contains("`end`"), "{}", run.stderr());
    assert!(!s.path("o").exists(), "nothing written");
    // A log none of whose rows falls in the window is read, and the run says so.
    std::fs::write(s.path("old.csv"), "start,end,cell\n2020-01-01T09:00:00,2020-01-01T10:00:00,882a100d2dfffff\n")
        .unwrap();
    let run = s.run(&["analyze", "--effort", "old.csv", "--out", "w", "-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        run.stderr().contains("no row of the effort log has hours in the study area and the window"),
        "{}",
        run.stderr()
    );
    assert!(summary(&s.path("w"))["warnings"].to_string().contains("every place counts as unpatrolled"));
    let run = s.run(&["analyze", "--explore-share", "0.95", "--out", "o", "-q"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains("explore_share") || run.stderr().contains("explore-share"), "{}", run.stderr());
}

#[test]
fn simulate_prints_every_policy_for_every_seed() {
    let s = Scratch::new();
    let out = s.run(&["simulate", "--seeds", "2-3", "--weeks", "4", "--json", "sim.json"]).ok();
    for policy in ["encounters", "busiest", "forecast", "explore"] {
        assert_eq!(out.lines().filter(|l| l.split_whitespace().nth(1) == Some(policy)).count(), 3, "{policy}: {out}");
    }
    let outcomes = read_json(&s.path("sim.json"));
    assert_eq!(outcomes.as_array().unwrap().len(), 8);
    let run = s.run(&["simulate", "--seeds", "5-2"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
}
