//! The nightly contract: the same events and parameters give byte-identical outputs on 1, 2 or 8
//! threads, in any row order, and split over several files; `summary.json` records the SHA-256
//! of every output so a run can be audited.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, StringArray};

use crate::harness::{Scratch, summary, write_parquet};

const LAYERS: [&str; 8] = [
    "internal/cube.parquet",
    "internal/hotspots.geojson",
    "internal/districts.geojson",
    "internal/patrol_areas.geojson",
    "public/hotspots.geojson",
    "public/districts.geojson",
    "public/patrol_areas.geojson",
    "public/report.html",
];

/// 4,000 events around three places over ten weeks, with fractional weights.
fn rows() -> Vec<(f64, f64, String, &'static str, f64)> {
    let mut rng = hotspots_core::test_data::SeededRng::new(0x9E37_79B9_7F4A_7C15);
    let mut next = move || rng.next_f64();
    let places = [(60.1710, 24.9414), (60.2925, 25.0440), (60.2360, 25.0843)];
    (0..4000)
        .map(|i| {
            let (lat, lon) = places[i % 3];
            let day = (next() * 70.0) as i64;
            let date = chrono::NaiveDate::from_ymd_opt(2026, 8, 24).unwrap() + chrono::Days::new(day as u64);
            (
                lat + (next() - 0.5) * 0.02,
                lon + (next() - 0.5) * 0.04,
                format!("{date}T{:02}:{:02}:00", 8 + (i % 9), i % 60),
                if i % 4 == 0 { "concern" } else { "encounter" },
                [0.1, 0.3, 1.0 / 3.0, 2.5, 0.7][i % 5],
            )
        })
        .collect()
}

fn write(path: &std::path::Path, rows: &[(f64, f64, String, &'static str, f64)]) {
    write_parquet(
        path,
        vec![
            ("lat", Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.0))) as ArrayRef),
            ("lon", Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.1))) as ArrayRef),
            ("occurred_at", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2.as_str()))) as ArrayRef),
            ("kind", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.3))) as ArrayRef),
            ("weight", Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.4))) as ArrayRef),
        ],
    );
}

fn same_layers(s: &Scratch, a: &str, b: &str, files: &[&str]) {
    for file in files {
        let x = std::fs::read(s.path(&format!("{a}/{file}"))).unwrap();
        let y = std::fs::read(s.path(&format!("{b}/{file}"))).unwrap();
        assert!(x == y, "{file} differs between {a} and {b}");
    }
}

#[test]
fn outputs_are_identical_on_1_2_and_8_threads() {
    let s = Scratch::new();
    std::fs::create_dir(s.path("in")).unwrap();
    write(&s.path("in/e.parquet"), &rows());
    for threads in ["1", "2", "8"] {
        s.run_env(
            &["analyze", "in/e.parquet", "--districts", "builtin", "--services", "builtin", "--out", threads, "-q"],
            &[("RAYON_NUM_THREADS", threads)],
        )
        .ok();
    }
    same_layers(&s, "1", "2", &LAYERS);
    same_layers(&s, "1", "8", &LAYERS);
    same_layers(&s, "1", "8", &["internal/rejects.parquet", "public/service_gaps.geojson", "public/summary.json"]);
    let (mut a, mut b) = (summary(&s.path("1")), summary(&s.path("8")));
    for v in [&mut a, &mut b] {
        v["timings_ms"] = serde_json::Value::Null;
    }
    assert_eq!(a, b);
    // The audit trail: the SHA-256 of every other file of the run, matching the file.
    let outputs = a["outputs"].as_object().unwrap();
    let files = s.files_under("1");
    assert_eq!(outputs.len(), files.len() - 1, "{files:?}");
    for file in files.iter().filter(|f| *f != "internal/summary.json") {
        let bytes = std::fs::read(s.path(&format!("1/{file}"))).unwrap();
        let sha = hotspots_core::digest::sha256_hex(&bytes[..]).unwrap();
        assert_eq!(outputs[file.as_str()].as_str(), Some(sha.as_str()), "{file}");
    }
}

#[test]
fn row_order_and_splitting_into_files_do_not_change_the_layers() {
    let s = Scratch::new();
    let rows = rows();
    for dir in ["a", "b", "c"] {
        std::fs::create_dir(s.path(dir)).unwrap();
    }
    write(&s.path("a/e.parquet"), &rows);
    let mut reversed = rows.clone();
    reversed.reverse();
    write(&s.path("b/e.parquet"), &reversed);
    write(&s.path("c/e1.parquet"), &rows[..1500]);
    write(&s.path("c/e2.parquet"), &rows[1500..]);
    let common = ["--districts", "builtin", "-q"];
    s.run(&[&["analyze", "a/e.parquet", "--out", "oa"], &common[..]].concat()).ok();
    s.run(&[&["analyze", "b/e.parquet", "--out", "ob"], &common[..]].concat()).ok();
    s.run(&[&["analyze", "c/e1.parquet", "c/e2.parquet", "--out", "oc"], &common[..]].concat()).ok();
    // The weights are fractional: their sums are exact whatever the order.
    same_layers(&s, "oa", "ob", &LAYERS[..7]);
    same_layers(&s, "oa", "oc", &LAYERS[..7]);
    let (a, c) = (summary(&s.path("oa")), summary(&s.path("oc")));
    assert_eq!(a["patterns"], c["patterns"]);
    assert_eq!(a["totals"], c["totals"]);
    assert_eq!(c["inputs"].as_array().unwrap().len(), 2);
    assert_eq!(a["outputs"]["internal/cube.parquet"], summary(&s.path("ob"))["outputs"]["internal/cube.parquet"]);
}
