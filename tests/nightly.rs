//! The nightly contract: an output folder holds exactly one run, and a broken export never
//! replaces a good map (the guard of `publish::guard`).

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, StringArray};

use crate::harness::{Scratch, summary, write_parquet};

/// Every file under `dir` with its bytes, sorted by path.
fn snapshot(s: &Scratch, dir: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![s.path(dir)];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(s.root()).unwrap().display().to_string(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

fn csv(rows: &[(f64, f64, &str)]) -> String {
    let mut text = String::from("lat,lon,occurred_at,kind\n");
    for (lat, lon, t) in rows {
        text.push_str(&format!("{lat},{lon},{t},encounter\n"));
    }
    text
}

#[test]
fn a_second_night_leaves_no_file_of_the_first() {
    let s = Scratch::new();
    // Night 1: the built-in sample with districts and services (districts.geojson, service_gaps).
    s.run(&["analyze", "--out", "out", "-q"]).ok();
    let first = s.files_under("out");
    assert!(first.contains(&"public/districts.geojson".to_string()));
    assert!(first.contains(&"public/service_gaps.geojson".to_string()));
    // Night 2: an export without districts or services into the same folder.
    let rows: Vec<(f64, f64, String)> = (0..200)
        .map(|i| {
            (
                60.17 + (i % 7) as f64 * 0.003,
                24.94 + (i % 5) as f64 * 0.004,
                format!("2026-10-{:02}T10:00:00Z", 1 + i % 28),
            )
        })
        .collect();
    let rows: Vec<(f64, f64, &str)> = rows.iter().map(|(a, b, t)| (*a, *b, t.as_str())).collect();
    std::fs::write(s.path("my.csv"), csv(&rows)).unwrap();
    s.run(&["analyze", "my.csv", "--out", "out", "-q", "--accept-change"]).ok();
    let second = s.files_under("out");
    assert!(!second.iter().any(|f| f.ends_with("districts.geojson")), "{second:?}");
    assert!(!second.iter().any(|f| f.ends_with("service_gaps.geojson")), "{second:?}");
    // Every file in the folder is this night's: listed in its summary.json.
    let sum = summary(&s.path("out"));
    for f in &second {
        assert!(f == "internal/summary.json" || sum["outputs"].get(f).is_some(), "{f} is not this run's: {second:?}");
    }
    // A two-job night, then a one-job night: the job folders of the first go.
    std::fs::write(s.path("jobs.toml"), "[[jobs]]\nname = \"a\"\n[[jobs]]\nname = \"b\"\nkind = \"encounter\"\n")
        .unwrap();
    s.run(&["analyze", "--config", "jobs.toml", "--out", "two", "-q"]).ok();
    assert!(s.files_in("two/internal/a").contains(&"summary.json".to_string()));
    assert!(s.files_in("two/internal/b").contains(&"summary.json".to_string()));
    assert!(s.files_in("two/public/b").is_empty(), "encounters lie inside all events: not published");
    s.run(&["analyze", "--out", "two", "-q"]).ok();
    let left = s.files_under("two");
    assert!(!left.iter().any(|f| f.contains("/a/") || f.contains("/b/")), "{left:?}");
    assert!(left.contains(&"public/hotspots.geojson".to_string()), "{left:?}");

    // A folder an earlier version wrote (every file beside each other): its files go too.
    s.run(&["analyze", "--out", "legacy", "-q"]).ok();
    for f in ["hotspots.geojson", "cube.parquet", "rejects.parquet", "summary.json"] {
        std::fs::write(s.path(&format!("legacy/{f}")), "an earlier version's").unwrap();
    }
    s.run(&["analyze", "--out", "legacy", "-q"]).ok();
    assert_eq!(s.files_in("legacy"), ["internal", "public"]);
}

#[test]
fn a_broken_export_leaves_last_nights_map_untouched() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "20000", "--weeks", "12", "--seed", "3", "--out", "good.parquet", "-q"]).ok();
    s.run(&["analyze", "good.parquet", "--districts", "builtin", "--out", "out", "-q"]).ok();
    let good = snapshot(&s, "out");
    assert!(good.len() >= 6);
    let n = 40;
    let col = |v: Vec<f64>| Arc::new(Float64Array::from(v)) as ArrayRef;
    let text = |v: Vec<&str>| Arc::new(StringArray::from(v)) as ArrayRef;
    let times: Vec<String> = (0..n).map(|i| format!("2026-10-{:02}T10:00:00Z", 1 + i % 28)).collect();
    let times: Vec<&str> = times.iter().map(String::as_str).collect();
    // Swapped coordinates: every row outside the study area.
    write_parquet(
        &s.path("swapped.parquet"),
        vec![
            ("lat", col((0..n).map(|i| 24.94 + f64::from(i % 5) * 0.01).collect())),
            ("lon", col((0..n).map(|i| 60.17 + f64::from(i % 3) * 0.01).collect())),
            ("occurred_at", text(times.clone())),
            ("kind", text(vec!["encounter"; n as usize])),
        ],
    );
    // Every row rejected (no valid time), with the window given as the old error advised.
    write_parquet(
        &s.path("rejected.parquet"),
        vec![
            ("lat", col(vec![60.17; n as usize])),
            ("lon", col(vec![24.94; n as usize])),
            ("occurred_at", text(vec!["yesterday"; n as usize])),
            ("kind", text(vec!["encounter"; n as usize])),
        ],
    );
    // Valid, but a sliver of last night's volume.
    write_parquet(
        &s.path("thin.parquet"),
        vec![
            ("lat", col(vec![60.17; n as usize])),
            ("lon", col(vec![24.94; n as usize])),
            ("occurred_at", text(times.clone())),
            ("kind", text(vec!["encounter"; n as usize])),
        ],
    );
    for (file, extra, cause) in [
        ("swapped.parquet", &[][..], "the run was refused: no event was accepted"),
        // The cause comes first, with an example value, whatever window flags are given.
        (
            "rejected.parquet",
            &["--until", "2026-11-02", "--steps", "12"][..],
            "every row was rejected: unparsable_time 40 (e.g. `yesterday` in occurred_at)",
        ),
        ("thin.parquet", &[][..], "the run was refused: 1.4 accepted events a day against"),
    ] {
        let run = s.run(&[&["analyze", file, "--districts", "builtin", "--out", "out"][..], extra].concat());
        assert_eq!(run.code(), 1, "{file}: {}", run.stderr());
        let last = run.stderr().lines().last().unwrap_or("").to_string();
        assert!(last.contains(cause), "{file}: {last}");
        assert!(!last.contains("--steps"), "no advice that would not help: {last}");
        assert_eq!(snapshot(&s, "out"), good, "{file}: last night's files changed");
    }
    // The thin export is a real night when the user says so.
    let run = s.run(&["analyze", "thin.parquet", "--districts", "builtin", "--out", "out", "-q", "--accept-change"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_ne!(snapshot(&s, "out"), good);
}

#[test]
fn finnish_spreadsheet_times_are_read_and_rejects_show_the_value() {
    let s = Scratch::new();
    // What Excel writes with Finnish regional settings, both separators, across the spring change
    // (29 March 2026, 03:00 → 04:00), and one time that cannot be read.
    std::fs::write(
        s.path("fi.csv"),
        "lat,lon,occurred_at,kind\n60.17,24.94,28.3.2026 14:05,encounter\n60.17,24.94,29.3.2026 04.30,encounter\n\
         60.17,24.94,30.3.2026 9.15.30,concern\n60.17,24.94,huomenna,encounter\n",
    )
    .unwrap();
    let out = s.run(&["analyze", "fi.csv", "--out", "o", "--until", "2026-04-06", "--steps", "2"]).ok();
    assert!(out.contains("fi.csv: read 4 = accepted 3 + rejected 1"), "{out}");
    let rejects = crate::harness::read_parquet(&s.path("o/internal/rejects.parquet")).remove(0);
    let value = rejects.column_by_name("value").expect("a value column");
    let value = value.as_any().downcast_ref::<StringArray>().unwrap();
    assert_eq!(value.value(0), "huomenna");
    // The instants: the cube's weekly bins hold the three events in the week of 30 March.
    let sum = summary(&s.path("o"));
    assert_eq!(sum["cube"]["events"], 3);
    // An explicit pattern reads US-style dates the default does not.
    std::fs::write(s.path("us.csv"), "lat,lon,occurred_at,kind\n60.17,24.94,03/30/2026 14:05,encounter\n").unwrap();
    let run = s.run(&["analyze", "us.csv", "--out", "u", "--until", "2026-04-06", "--steps", "1"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("give --time-format"), "{}", run.stderr());
    let out = s
        .run(&[
            "analyze",
            "us.csv",
            "--out",
            "u",
            "--until",
            "2026-04-06",
            "--steps",
            "1",
            "--time-format",
            "%m/%d/%Y %H:%M",
        ])
        .ok();
    assert!(out.contains("us.csv: read 1 = accepted 1"), "{out}");
}
