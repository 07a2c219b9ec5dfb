//! The emerging-hotspot statistics end to end: planted patterns come out as their ground truth,
//! district scope finds what city scope misses, jobs select events, and the outputs are the same
//! on one or two threads with and without permutations.

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, StringArray, TimestampMicrosecondArray};
use h3o::{LatLng, Resolution};

use crate::harness::{Scratch, summary, write_parquet};

fn layer(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn feature(layer: &serde_json::Value, lat: f64, lon: f64) -> &serde_json::Value {
    let cell = LatLng::new(lat, lon).unwrap().to_cell(Resolution::Eight).to_string();
    let features = layer["features"].as_array().unwrap();
    let f = features.iter().find(|f| f["properties"]["h3"] == cell.as_str());
    &f.unwrap_or_else(|| panic!("cell {cell} not in the layer"))["properties"]
}

#[test]
fn every_planted_pattern_comes_out_as_its_ground_truth() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "200000", "--weeks", "52", "--seed", "7", "--out", "e.parquet", "-q"]).ok();
    s.run(&["analyze", "e.parquet", "--districts", "builtin", "--out", "o", "-q"]).ok();
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path("e.truth.json")).unwrap()).unwrap();
    let layer = layer(&s.path("o/internal/hotspots.geojson"));
    let patterns = truth["patterns"].as_array().unwrap();
    assert!(patterns.len() >= 7);
    for p in patterns {
        let f = feature(&layer, p["lat"].as_f64().unwrap(), p["lon"].as_f64().unwrap());
        assert_eq!(f["category"], p["category"], "planted {}: {f}", p["name"]);
    }
    let sum = summary(&s.path("o"));
    for name in
        ["new_hot_spot", "consecutive_hot_spot", "intensifying_hot_spot", "persistent_hot_spot", "diminishing_hot_spot"]
    {
        assert!(sum["patterns"][name].as_u64().unwrap() >= 1, "{name}");
    }
    // The district with the new hot spot is flagged emerging.
    let districts = sum["districts"].as_array().unwrap();
    let pohjoinen = districts.iter().find(|d| d["name"] == "Pohjoinen").unwrap();
    assert_eq!(pohjoinen["emerging"], true);
}

/// A busy city centre and a quiet suburb (Korso, Vantaa) where one cell surges in the final week.
fn centre_and_suburb(path: &std::path::Path) {
    let week_us = 7 * 86_400_000_000i64;
    // Monday 2026-08-24 00:00 Helsinki (UTC+3) = Sunday 21:00 UTC; ten weeks to 2026-11-02.
    let start = chrono::DateTime::parse_from_rfc3339("2026-08-23T21:00:00Z").unwrap().timestamp_micros();
    let (mut lat, mut lon, mut time, mut kind) = (vec![], vec![], vec![], vec![]);
    let mut push = |la: f64, lo: f64, t: i64, k: &'static str| {
        lat.push(la);
        lon.push(lo);
        time.push(t);
        kind.push(k);
    };
    for week in 0..10i64 {
        let t = start + week * week_us + 36 * 3_600_000_000;
        for i in 0..300 {
            // Rautatientori and Kamppi: heavy, steady.
            let jitter = f64::from(i % 10) * 0.0004;
            push(60.1710 + jitter, 24.9414, t, "encounter");
            push(60.1690, 24.9320 + jitter, t, "concern");
        }
        push(60.3500, 25.0500, t, "encounter");
    }
    let last = start + 9 * week_us + 40 * 3_600_000_000;
    for _ in 0..12 {
        push(60.3650, 25.1200, last, "concern");
    }
    write_parquet(
        path,
        vec![
            ("lat", Arc::new(Float64Array::from(lat)) as ArrayRef),
            ("lon", Arc::new(Float64Array::from(lon)) as ArrayRef),
            ("occurred_at", Arc::new(TimestampMicrosecondArray::from(time).with_timezone("UTC")) as ArrayRef),
            ("kind", Arc::new(StringArray::from(kind)) as ArrayRef),
        ],
    );
}

#[test]
fn district_scope_finds_a_suburb_hot_spot_that_city_scope_misses() {
    let s = Scratch::new();
    centre_and_suburb(&s.path("e.parquet"));
    let common = ["e.parquet", "--districts", "builtin", "--until", "2026-11-02", "--steps", "10", "-q"];
    s.run(&[&["analyze", "--out", "city"], &common[..]].concat()).ok();
    s.run(&[&["analyze", "--out", "district", "--scope", "district"], &common[..]].concat()).ok();
    let city = layer(&s.path("city/internal/hotspots.geojson"));
    let district = layer(&s.path("district/internal/hotspots.geojson"));
    let in_city = feature(&city, 60.3650, 25.1200);
    let in_district = feature(&district, 60.3650, 25.1200);
    assert_eq!(in_city["district"], "Korso");
    assert_eq!(in_city["category"], "no_pattern_detected", "{in_city}");
    assert_eq!(in_district["category"], "new_hot_spot", "{in_district}");
    assert_eq!(in_district["scope"], "district");
    assert_eq!(in_city["scope"], "city");
    // The centre is hot under both scopes.
    assert_ne!(feature(&city, 60.1710, 24.9414)["category"], "no_pattern_detected");
    // District scope: one study area per district with cells, each with its own mean.
    let sum = summary(&s.path("district"));
    let areas = sum["study_areas"].as_array().unwrap();
    assert!(areas.len() > 10);
    let korso = areas.iter().find(|a| a["scope"] == "Korso").unwrap();
    let city_mean = summary(&s.path("city"))["study_areas"][0]["mean"].as_f64().unwrap();
    assert!(korso["mean"].as_f64().unwrap() < city_mean / 10.0);
    let korso_summary = sum["districts"].as_array().unwrap().iter().find(|d| d["name"] == "Korso").unwrap();
    assert_eq!(korso_summary["emerging"], true);
}

#[test]
fn outputs_are_identical_on_one_or_two_threads_with_and_without_permutations() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "20000", "--weeks", "26", "--seed", "5", "--out", "e.parquet", "-q"]).ok();
    for perms in ["0", "99"] {
        for threads in ["1", "2"] {
            let out = format!("p{perms}t{threads}");
            s.run_env(
                &[
                    "analyze",
                    "e.parquet",
                    "--districts",
                    "builtin",
                    "--permutations",
                    perms,
                    "--seed",
                    "11",
                    "--out",
                    &out,
                    "-q",
                ],
                &[("RAYON_NUM_THREADS", threads)],
            )
            .ok();
        }
        for file in
            ["internal/cube.parquet", "internal/hotspots.geojson", "public/districts.geojson", "public/report.html"]
        {
            let one = std::fs::read(s.path(&format!("p{perms}t1/{file}"))).unwrap();
            let two = std::fs::read(s.path(&format!("p{perms}t2/{file}"))).unwrap();
            assert!(one == two, "{file} differs between 1 and 2 threads with {perms} permutations");
        }
    }
    // Permutations change the p-values, not the z-scores.
    let a = layer(&s.path("p0t1/internal/hotspots.geojson"));
    let b = layer(&s.path("p99t1/internal/hotspots.geojson"));
    let (fa, fb) = (a["features"].as_array().unwrap(), b["features"].as_array().unwrap());
    assert_eq!(fa.len(), fb.len());
    assert!(fa.iter().zip(fb).all(|(x, y)| x["properties"]["z"] == y["properties"]["z"]));
    assert!(fa.iter().zip(fb).any(|(x, y)| x["properties"]["p"] != y["properties"]["p"]));
    let p = fb.iter().map(|f| f["properties"]["p"].as_f64().unwrap());
    assert!(p.clone().all(|p| (p * 100.0 - (p * 100.0).round()).abs() < 1e-9), "pseudo p = k / 100");
}

#[test]
fn jobs_select_events_and_a_config_file_runs_several_into_sub_folders() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "20000", "--weeks", "20", "--seed", "2", "--out", "e.parquet", "-q"]).ok();
    s.run(&["analyze", "e.parquet", "--out", "all", "-q"]).ok();
    s.run(&["analyze", "e.parquet", "--out", "concern", "--kind", "concern", "-q"]).ok();
    let all = summary(&s.path("all"));
    let concern = summary(&s.path("concern"));
    assert_eq!(concern["job"], "concern");
    assert_eq!(concern["selection"], "concern reports");
    assert!(concern["cube"]["events"].as_u64().unwrap() < all["cube"]["events"].as_u64().unwrap() / 2);
    assert_eq!(concern["cube"]["cells"], all["cube"]["cells"], "jobs share the study area");
    assert_eq!(concern["inputs"], all["inputs"], "the row accounting is about input rows");

    std::fs::write(
        s.path("nightly.toml"),
        "inputs = [\"e.parquet\"]\nout = \"nightly\"\ndistricts = \"builtin\"\nmin_count = 3\n\n\
         [[jobs]]\nname = \"all\"\n\n[[jobs]]\nname = \"concerns\"\nkind = \"concern\"\n\n\
         [[jobs]]\nname = \"substance\"\ncategory = \"substance\"\n",
    )
    .unwrap();
    s.run(&["analyze", "--config", "nightly.toml", "-q"]).ok();
    assert_eq!(s.files_in("nightly"), ["internal", "public"]);
    assert_eq!(s.files_in("nightly/internal"), ["all", "concerns", "rejects.parquet", "substance"]);
    // The concerns and substance jobs lie inside all events: publishing them beside it would let
    // a reader subtract one from the other, so they are internal only.
    assert_eq!(s.files_in("nightly/public"), ["all"]);
    let totals: Vec<u64> = ["all", "concerns", "substance"]
        .iter()
        .map(|j| {
            assert_eq!(
                s.files_in(&format!("nightly/internal/{j}")),
                [
                    "changes.geojson",
                    "cube.parquet",
                    "districts.geojson",
                    "districts.qml",
                    "hotspots.geojson",
                    "hotspots.qml",
                    "patrol_areas.geojson",
                    "patrol_areas.qml",
                    "summary.json"
                ]
            );
            if *j == "all" {
                assert_eq!(
                    s.files_in(&format!("nightly/public/{j}")),
                    [
                        "changes.geojson",
                        "districts.geojson",
                        "districts.qml",
                        "hotspots.geojson",
                        "hotspots.qml",
                        "patrol_areas.geojson",
                        "patrol_areas.qml",
                        "report.html",
                        "summary.json"
                    ]
                );
            }
            let sum = crate::harness::read_json(&s.path(&format!("nightly/internal/{j}/summary.json")));
            assert_eq!(sum["job"], *j);
            assert_eq!(sum["parameters"]["min_count"], 3);
            sum["cube"]["events"].as_u64().unwrap()
        })
        .collect();
    assert!(totals[1] < totals[0] && totals[2] < totals[0] && totals[2] > 0);
    // A flag on the command line wins over the file.
    s.run(&["analyze", "--config", "nightly.toml", "--out", "flag", "--kind", "encounter", "-q"]).ok();
    assert_eq!(summary(&s.path("flag"))["job"], "encounter");
    // A bad configuration is a clear error.
    std::fs::write(s.path("bad.toml"), "resolution = 8\nbins = \"week\"\n").unwrap();
    let run = s.run(&["analyze", "--config", "bad.toml"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("bad.toml: line 2") && run.stderr().contains("unknown field `bins`"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_cube_without_variation_warns_and_gives_no_pattern() {
    let s = Scratch::new();
    std::fs::write(
        s.path("flat.csv"),
        "lat,lon,occurred_at,kind\n60.17,24.94,2026-10-05T10:00:00Z,encounter\n60.17,24.94,2026-10-12T10:00:00Z,encounter\n",
    )
    .unwrap();
    let run = s.run(&["analyze", "flat.csv", "--out", "o", "--until", "2026-10-19", "--steps", "2"]);
    run.ok();
    assert!(run.stderr().contains("warning: job all: the study area has no variation"), "{}", run.stderr());
    let sum = summary(&s.path("o"));
    assert_eq!(sum["patterns"]["no_pattern_detected"], 1);
    assert_eq!(sum["warnings"].as_array().unwrap().len(), 1);
    let l = layer(&s.path("o/internal/hotspots.geojson"));
    assert_eq!(l["features"][0]["properties"]["z"], 0.0);
    assert_eq!(l["features"][0]["properties"]["p"], 1.0);
}

/// Gi* as published in `cube.parquet`, read back and recomputed from the file's own counts with
/// DESIGN.md's formula, for every cell and bin: at k = 2 and a time window of 2 with h3o's rings
/// (so neither default hides a wrong neighbourhood), with neighbours within 1500 m by a brute
/// force over every pair of centres against each bin's own time window (ArcGIS's
/// NEIGHBORHOOD_TIME_STEP), and against each bin alone (INDIVIDUAL_TIME_STEP); each also against
/// numpy's values for the same configuration (every 53rd z and the sums of all).
#[test]
fn gi_star_read_back_from_the_cube_matches_a_recomputation_with_h3o_rings() {
    let rings = |k: u32| {
        move |cells: &[h3o::CellIndex], position: &std::collections::HashMap<h3o::CellIndex, usize>, i: usize| {
            cells[i].grid_disk::<Vec<_>>(k).iter().filter_map(|c| position.get(c).copied()).collect::<Vec<usize>>()
        }
    };
    let within = |metres: f64| {
        move |cells: &[h3o::CellIndex], _: &std::collections::HashMap<h3o::CellIndex, usize>, i: usize| {
            use geo::{Distance, Geodesic, Point};
            let centre = |c: h3o::CellIndex| {
                let ll = h3o::LatLng::from(c);
                Point::new(ll.lng(), ll.lat())
            };
            let here = centre(cells[i]);
            (0..cells.len())
                .filter(|&j| {
                    let there = centre(cells[j]);
                    // A box of 0.1° holds 1.5 km at this latitude; the geodesic decides.
                    ((there.y() - here.y()).abs() < 0.1 && (there.x() - here.x()).abs() < 0.1)
                        && Geodesic.distance(here, there) <= metres
                })
                .collect::<Vec<usize>>()
        }
    };
    check_gi_read_back(&["--k", "2", "--time-window", "2"], 2, "cube", rings(2));
    check_gi_read_back(
        &["--neighborhood-m", "1500", "--time-window", "1", "--global-window", "neighborhood"],
        1,
        "neighborhood",
        within(1500.0),
    );
    check_gi_read_back(&["--global-window", "individual"], 1, "individual", rings(1));
}

fn check_gi_read_back(
    flags: &[&str],
    time_window: usize,
    global_window: &str,
    neighbours: impl Fn(&[h3o::CellIndex], &std::collections::HashMap<h3o::CellIndex, usize>, usize) -> Vec<usize>,
) {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Float64Type, Int64Type};

    let s = Scratch::new();
    let mut args = vec!["analyze", "--out", "o", "-q"];
    args.extend_from_slice(flags);
    s.run(&args).ok();
    let (mut h3, mut counts, mut z) = (Vec::new(), Vec::new(), Vec::new());
    for b in crate::harness::read_parquet(&s.path("o/internal/cube.parquet")) {
        h3.extend(b.column_by_name("h3").unwrap().as_string::<i32>().iter().map(|v| v.unwrap().to_string()));
        counts
            .extend(b.column_by_name("count").unwrap().as_primitive::<Int64Type>().values().iter().map(|&v| v as f64));
        z.extend(b.column_by_name("z").unwrap().as_primitive::<Float64Type>().values().iter().copied());
    }
    let mut cells: Vec<h3o::CellIndex> = h3.iter().map(|c| c.parse().unwrap()).collect();
    cells.dedup();
    let bins = h3.len() / cells.len();
    assert_eq!(bins * cells.len(), h3.len());
    let position: std::collections::HashMap<h3o::CellIndex, usize> =
        cells.iter().enumerate().map(|(i, &c)| (c, i)).collect();
    // The global window of each bin: its mean, population standard deviation and size.
    let window_moments: Vec<(f64, f64, f64)> = (0..bins)
        .map(|t| {
            let range = match global_window {
                "cube" => 0..bins,
                "neighborhood" => t.saturating_sub(time_window)..t + 1,
                _ => t..t + 1,
            };
            let x: Vec<f64> = (0..cells.len())
                .flat_map(|c| range.clone().map(move |b| (c, b)))
                .map(|(c, b)| counts[c * bins + b])
                .collect();
            let n = x.len() as f64;
            let mean = x.iter().sum::<f64>() / n;
            (mean, (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt(), n)
        })
        .collect();
    let summary = summary(&s.path("o"));
    assert_eq!(summary["parameters"]["statistics"]["global_window"], global_window);
    let (mut checked, mut nonzero) = (0, 0);
    for (i, cell) in cells.iter().enumerate() {
        let ring = neighbours(&cells, &position, i);
        assert!(ring.contains(&i));
        for t in 0..bins {
            let from = t.saturating_sub(time_window);
            let counts = &counts;
            let sum: f64 = ring.iter().flat_map(|&j| (from..=t).map(move |b| counts[j * bins + b])).sum();
            let w = (ring.len() * (t - from + 1)) as f64;
            let (mean, sd, n) = window_moments[t];
            let expected =
                if sd == 0.0 || w >= n { 0.0 } else { (sum - mean * w) / (sd * ((n * w - w * w) / (n - 1.0)).sqrt()) };
            let published = z[i * bins + t];
            assert!(
                (published - expected).abs() < 1e-9,
                "{global_window} {flags:?}: {cell} bin {t}: z {published} against {expected}"
            );
            checked += 1;
            nonzero += usize::from(expected != 0.0);
        }
    }
    assert_eq!(checked, 1027 * 52);
    assert!(nonzero > checked / 2, "{nonzero}");
    // And against numpy, h3-py and pyproj (crates/core/testdata/make_sample_windows_fixture.py):
    // every 53rd z, and the sum of all z and of their squares.
    let fixture: serde_json::Value =
        serde_json::from_str(include_str!("../crates/core/testdata/gi-star-windows-sample.json")).unwrap();
    let case = fixture["cases"].as_array().unwrap().iter().find(|c| c["window"] == global_window).unwrap();
    let every = case["every"].as_u64().unwrap() as usize;
    for (k, want) in case["z"].as_array().unwrap().iter().enumerate() {
        let (got, want) = (z[k * every], want.as_f64().unwrap());
        assert!((got - want).abs() < 1e-9, "{global_window}: z #{} {got} against numpy's {want}", k * every);
    }
    let (sum, squares) = (z.iter().sum::<f64>(), z.iter().map(|v| v * v).sum::<f64>());
    assert!((sum - case["sum"].as_f64().unwrap()).abs() < 1e-6, "{global_window}: Σz {sum}");
    assert!((squares - case["sum_squares"].as_f64().unwrap()).abs() < 1e-6, "{global_window}: Σz² {squares}");
}

/// The configuration file's precedence, flag by flag: a flag wins over the file (including
/// turning off the file's `fdr = true`, and `--since` against the file's `steps`), paths in the
/// file are relative to the file, and what neither gives takes the default.
#[test]
fn a_flag_wins_over_the_configuration_file_and_paths_are_relative_to_it() {
    let s = Scratch::new();
    std::fs::create_dir(s.path("conf")).unwrap();
    s.run(&["synth", "--events", "8000", "--weeks", "26", "--seed", "5", "--out", "conf/e.parquet", "-q"]).ok();
    std::fs::write(
        s.path("conf/nightly.toml"),
        "inputs = [\"e.parquet\"]\nout = \"from-file\"\ndistricts = \"builtin\"\nmin_count = 3\nk = 2\n\
         time_window = 2\nfdr = true\nsteps = 10\nalpha = 0.1\n",
    )
    .unwrap();
    // The file alone: its inputs and out are found beside it, its values are used.
    s.run(&["analyze", "--config", "conf/nightly.toml", "-q"]).ok();
    let sum = summary(&s.path("conf/from-file"));
    let p = &sum["parameters"];
    assert_eq!((p["min_count"].as_u64(), p["steps"].as_u64(), p["since"].as_str()), (Some(3), Some(10), None));
    let st = &p["statistics"];
    assert_eq!((st["k"].as_u64(), st["time_window"].as_u64(), st["fdr"].as_bool()), (Some(2), Some(2), Some(true)));
    assert_eq!(st["alpha"].as_f64(), Some(0.1));
    assert_eq!(sum["window"]["bins"], 10);
    // Flags over the file, each one; `out` on the command line is relative to where it runs.
    let args = [
        "analyze",
        "--config",
        "conf/nightly.toml",
        "--out",
        "flagged",
        "--min-count",
        "7",
        "--k",
        "1",
        "--no-fdr",
        "--since",
        "2026-08-03",
        "-q",
    ];
    s.run(&args).ok();
    let sum = summary(&s.path("flagged"));
    let p = &sum["parameters"];
    assert_eq!((p["min_count"].as_u64(), p["steps"].as_u64()), (Some(7), None), "--since replaces the file's steps");
    assert_eq!(p["since"], "2026-08-03");
    let st = &p["statistics"];
    assert_eq!((st["k"].as_u64(), st["fdr"].as_bool()), (Some(1), Some(false)), "--no-fdr turns the file's fdr off");
    assert_eq!(
        (st["time_window"].as_u64(), st["alpha"].as_f64()),
        (Some(2), Some(0.1)),
        "the file's other values stay"
    );
    assert_eq!(sum["window"]["start"], "2026-08-03");
    assert_eq!(p["districts"], "<built-in districts>", "the file's districts stay");
    // The last of --fdr and --no-fdr wins, as for any switch with its opposite.
    s.run(&["analyze", "--config", "conf/nightly.toml", "--out", "both", "--no-fdr", "--fdr", "-q"]).ok();
    assert_eq!(summary(&s.path("both"))["parameters"]["statistics"]["fdr"], true);
}

/// The global window and the neighbourhood by distance, from the file or from flags: a flag wins
/// (`--k` over the file's distance too), a file with both `k` and `neighborhood_m` is refused, as
/// are permutations with a window other than the whole cube and a distance out of range.
#[test]
fn the_global_window_and_the_distance_neighbourhood_come_from_a_flag_or_the_file() {
    let s = Scratch::new();
    std::fs::create_dir(s.path("conf")).unwrap();
    s.run(&["synth", "--events", "3000", "--weeks", "12", "--seed", "3", "--out", "conf/e.parquet", "-q"]).ok();
    let toml = "inputs = [\"e.parquet\"]\nglobal_window = \"individual\"\nneighborhood_m = 900\n";
    std::fs::write(s.path("conf/a.toml"), toml).unwrap();
    s.run(&["analyze", "--config", "conf/a.toml", "--out", "file", "-q"]).ok();
    let st = summary(&s.path("file"))["parameters"]["statistics"].clone();
    assert_eq!((st["global_window"].as_str(), st["neighborhood_m"].as_f64()), (Some("individual"), Some(900.0)));
    s.run(&["analyze", "--config", "conf/a.toml", "--out", "flags", "--k", "2", "--global-window", "cube", "-q"]).ok();
    let st = summary(&s.path("flags"))["parameters"]["statistics"].clone();
    assert_eq!((st["global_window"].as_str(), st["k"].as_u64()), (Some("cube"), Some(2)));
    assert!(st["neighborhood_m"].is_null(), "--k replaces the file's distance");
    s.run(&["analyze", "--config", "conf/a.toml", "--out", "m", "--neighborhood-m", "1500", "-q"]).ok();
    assert_eq!(summary(&s.path("m"))["parameters"]["statistics"]["neighborhood_m"], 1500.0);
    // The scan from the file, its replicates from a flag.
    std::fs::write(
        s.path("conf/scan.toml"),
        "inputs = [\"e.parquet\"]\nscan = true\nscan_replicates = 19\nscan_max_bins = 2\n",
    )
    .unwrap();
    s.run(&["analyze", "--config", "conf/scan.toml", "--out", "scan", "--scan-replicates", "29", "-q"]).ok();
    let p = summary(&s.path("scan"))["scan"]["parameters"].clone();
    assert_eq!(
        (p["replicates"].as_u64(), p["max_bins"].as_u64(), p["max_km"].as_f64()),
        (Some(29), Some(2), Some(2.0))
    );
    assert!(s.path("scan/public/clusters.geojson").is_file());

    std::fs::write(s.path("conf/both.toml"), format!("{toml}k = 2\n")).unwrap();
    let r = s.run(&["analyze", "--config", "conf/both.toml", "--out", "x", "-q"]);
    assert!(r.code() != 0 && r.stderr().contains("set one of them"), "{}", r.stderr());
    let r = s.run(&["analyze", "--config", "conf/a.toml", "--out", "x", "--permutations", "99", "-q"]);
    assert!(r.code() != 0 && r.stderr().contains("--permutations"), "{}", r.stderr());
    let r = s.run(&["analyze", "--config", "conf/a.toml", "--out", "x", "--neighborhood-m", "60000", "-q"]);
    assert!(
        r.code() != 0 && r.stderr().contains("--neighborhood-m 60000: must be 0 to 50000 metres"),
        "{}",
        r.stderr()
    );
    let r = s.run(&["analyze", "--out", "x", "--k", "1", "--neighborhood-m", "900", "-q"]);
    assert!(r.code() != 0 && r.stderr().contains("cannot be used with"), "{}", r.stderr());
    assert!(!s.path("x").exists(), "nothing written");
}

/// The prospective space-time scan on synth data (`hotspots scan`): the planted new hot spot
/// (nothing until the final week) and the consecutive one (the final four weeks) are the two
/// strongest clusters, each at the smallest p 99 replicates allow; with cylinders of the final
/// bin alone the new one is the most likely, at p = 1/200 with 199 replicates. `clusters.geojson` publishes in `public/` only the
/// observed sum and a significance class, and the run is the same on one thread.
#[test]
fn the_scan_finds_the_planted_new_hot_spot_alive_in_the_final_week() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "20000", "--weeks", "26", "--seed", "1", "--out", "e.parquet", "-q"]).ok();
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path("e.truth.json")).unwrap()).unwrap();
    let planted = |name: &str| {
        let p = truth["patterns"].as_array().unwrap().iter().find(|p| p["name"] == name).unwrap();
        LatLng::new(p["lat"].as_f64().unwrap(), p["lon"].as_f64().unwrap())
            .unwrap()
            .to_cell(Resolution::Eight)
            .to_string()
    };
    let (new, consecutive) = (planted("new"), planted("consecutive"));
    let holds = |c: &serde_json::Value, cell: &str| c["cells"].as_array().unwrap().iter().any(|h| h == cell);
    let out = s.run(&["scan", "e.parquet", "--out", "o", "--scan-replicates", "99"]).ok();
    assert!(out.contains("space-time scan: 10 clusters alive in the final bin (99 replicates)"), "{out}");
    let scan = summary(&s.path("o"))["scan"].clone();
    let clusters = scan["clusters"].as_array().unwrap();
    let top_two: Vec<&serde_json::Value> = clusters.iter().take(2).collect();
    assert!(top_two.iter().any(|c| holds(c, &new) && c["bins"] == 1), "{top_two:?}");
    assert!(top_two.iter().any(|c| holds(c, &consecutive)), "{top_two:?}");
    for c in &top_two {
        assert_eq!((c["p"].as_f64(), c["recurrence_bins"].as_f64()), (Some(0.01), Some(100.0)));
        assert!(c["observed"].as_f64().unwrap() > 3.0 * c["expected"].as_f64().unwrap());
        assert_eq!(c["end"], "2026-11-02");
    }
    // Public: the protected observed sum and the class, no exact statistics.
    let public = crate::harness::read_json(&s.path("o/public/clusters.geojson"));
    let first = &public["features"][0]["properties"];
    assert_eq!(first["significance"], "p ≤ 0.01");
    for key in ["p", "llr", "expected", "relative_risk", "recurrence_bins"] {
        assert!(first.get(key).is_none(), "{key} in public: {first}");
    }
    let internal = crate::harness::read_json(&s.path("o/internal/clusters.geojson"));
    assert_eq!(internal["features"][0]["properties"]["p"], 0.01);
    assert!(std::fs::read_to_string(s.path("o/public/report.html")).unwrap().contains("Clusters alive this bin"));
    // The final bin alone: the new hot spot is the most likely cluster, p < 0.01 (199 replicates).
    s.run(&["scan", "e.parquet", "--out", "one", "--scan-replicates", "199", "--scan-max-bins", "1", "-q"]).ok();
    let top = summary(&s.path("one"))["scan"]["clusters"][0].clone();
    assert!(holds(&top, &new) && top["p"] == 0.005, "{top}");
    // One thread: the same clusters.
    s.run_env(&["scan", "e.parquet", "--out", "t1", "--scan-replicates", "99", "-q"], &[("RAYON_NUM_THREADS", "1")])
        .ok();
    assert_eq!(summary(&s.path("t1"))["scan"], scan);
}
