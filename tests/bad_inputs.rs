//! Bad input gets a clear error and loses nothing: every kind of bad row is rejected with its
//! reason and accounted for; unreadable files stop the run with one line naming the file (and
//! column) and leave no outputs.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{ArrayRef, Float64Array, Int64Array, StringArray};

use crate::harness::{Scratch, read_parquet, summary, write_parquet};

/// (id, lat, lon, time, kind, weight, expected reason or outcome)
type Row = (i64, Option<f64>, Option<f64>, Option<&'static str>, Option<&'static str>, Option<f64>, &'static str);

const ROWS: &[Row] = &[
    (1, Some(60.171), Some(24.941), Some("2026-10-05T10:00:00+03:00"), Some("encounter"), None, "accepted"),
    (2, None, Some(24.941), Some("2026-10-05T10:00:00Z"), Some("encounter"), None, "missing_coordinate"),
    (3, Some(60.171), None, Some("2026-10-05T10:00:00Z"), Some("encounter"), None, "missing_coordinate"),
    (4, Some(f64::NAN), Some(24.941), Some("2026-10-05T10:00:00Z"), Some("encounter"), None, "non_finite_coordinate"),
    (
        5,
        Some(60.171),
        Some(f64::INFINITY),
        Some("2026-10-05T10:00:00Z"),
        Some("concern"),
        None,
        "non_finite_coordinate",
    ),
    (6, Some(91.0), Some(24.941), Some("2026-10-05T10:00:00Z"), Some("encounter"), None, "latitude_out_of_range"),
    (7, Some(60.171), Some(-180.5), Some("2026-10-05T10:00:00Z"), Some("encounter"), None, "longitude_out_of_range"),
    (8, Some(0.0), Some(0.0), Some("2026-10-05T10:00:00Z"), Some("encounter"), None, "null_island"),
    (9, Some(60.171), Some(24.941), None, Some("encounter"), None, "missing_time"),
    (10, Some(60.171), Some(24.941), Some("last tuesday"), Some("encounter"), None, "unparsable_time"),
    (11, Some(60.171), Some(24.941), Some("2026-03-29T03:30:00"), Some("encounter"), None, "nonexistent_local_time"),
    (12, Some(60.171), Some(24.941), Some("2026-10-05T10:00:00Z"), Some("visit"), None, "unknown_kind"),
    (13, Some(60.171), Some(24.941), Some("2026-10-05T10:00:00Z"), None, None, "unknown_kind"),
    (14, Some(60.171), Some(24.941), Some("2026-10-05T10:00:00Z"), Some("concern"), Some(-1.0), "negative_weight"),
    (
        15,
        Some(60.171),
        Some(24.941),
        Some("2026-10-05T10:00:00Z"),
        Some("concern"),
        Some(f64::NAN),
        "non_finite_weight",
    ),
    (16, Some(61.498), Some(23.761), Some("2026-10-06T10:00:00Z"), Some("concern"), None, "outside_study_area"),
    (17, Some(60.171), Some(24.941), Some("2025-01-06T10:00:00Z"), Some("encounter"), None, "outside_window"),
    (18, Some(60.2925), Some(25.044), Some("2026-10-11 23:30"), Some(" Concern "), Some(2.5), "accepted"),
    (19, Some(61.498), Some(23.761), Some("2020-01-06T10:00:00Z"), Some("concern"), None, "outside_window"),
    // Finnish and Swedish kind labels are read as the kinds they name.
    (20, Some(60.1712), Some(24.9412), Some("2026-10-07T09:00:00Z"), Some("Kohtaaminen"), None, "accepted"),
    (21, Some(60.1712), Some(24.9412), Some("2026-10-07T09:30:00Z"), Some("orosanmälan"), None, "accepted"),
    (22, Some(60.1712), Some(24.9412), Some("2026-10-07T10:00:00Z"), Some("huoli-ilmoitus"), None, "accepted"),
    (23, Some(60.1712), Some(24.9412), Some("2026-10-07T10:30:00Z"), Some("MÖTE"), None, "accepted"),
    // The same event exported twice: the second copy is rejected, the event counts once.
    (1, Some(60.171), Some(24.941), Some("2026-10-05T10:00:00+03:00"), Some("encounter"), None, "duplicate_id"),
    // An invalid row with a seen id is rejected for what is wrong with it, not as a duplicate.
    (20, Some(60.171), Some(24.941), Some("2026-10-05T10:00:00Z"), Some("visit"), None, "unknown_kind"),
    // Before 1970, and in the future (after --until): valid events outside the window.
    (26, Some(60.171), Some(24.941), Some("1969-07-20T20:17:40Z"), Some("encounter"), None, "outside_window"),
    (27, Some(60.171), Some(24.941), Some("1965-01-01 12:00"), Some("concern"), None, "outside_window"),
    (28, Some(60.171), Some(24.941), Some("2031-01-01T00:00:00+02:00"), Some("encounter"), None, "outside_window"),
];

pub(crate) fn write_bad_rows(path: &std::path::Path) {
    let col =
        |f: fn(&Row) -> Option<f64>| Arc::new(Float64Array::from(ROWS.iter().map(f).collect::<Vec<_>>())) as ArrayRef;
    write_parquet(
        path,
        vec![
            ("id", Arc::new(Int64Array::from(ROWS.iter().map(|r| r.0).collect::<Vec<_>>())) as ArrayRef),
            ("lat", col(|r| r.1)),
            ("lon", col(|r| r.2)),
            ("occurred_at", Arc::new(StringArray::from(ROWS.iter().map(|r| r.3).collect::<Vec<_>>())) as ArrayRef),
            ("kind", Arc::new(StringArray::from(ROWS.iter().map(|r| r.4).collect::<Vec<_>>())) as ArrayRef),
            ("weight", col(|r| r.5)),
        ],
    );
}

#[test]
fn every_kind_of_bad_row_is_rejected_with_its_reason_and_accounted_for() {
    let s = Scratch::new();
    write_bad_rows(&s.path("bad.parquet"));
    let out = s
        .run(&[
            "analyze",
            "bad.parquet",
            "--districts",
            "builtin",
            "--since",
            "2026-09-28",
            "--until",
            "2026-10-19",
            "--out",
            "o",
        ])
        .ok();
    let count = |outcome: &str| ROWS.iter().filter(|r| r.6 == outcome).count() as u64;
    let (accepted, outside_area, outside_window) =
        (count("accepted"), count("outside_study_area"), count("outside_window"));
    let rejected = ROWS.len() as u64 - accepted - outside_area - outside_window;
    assert_eq!((accepted, rejected, outside_area, outside_window), (6, 16, 1, 5));
    assert!(
        out.contains(&format!(
            "bad.parquet: read {} = accepted {accepted} + rejected {rejected} + outside study area {outside_area} + outside window {outside_window}",
            ROWS.len()
        )),
        "{out}"
    );

    let sum = summary(&s.path("o"));
    let input = &sum["inputs"][0];
    assert_eq!(input["read"], ROWS.len() as u64);
    assert_eq!(input["accepted"], count("accepted"));
    assert_eq!(input["outside_study_area"], count("outside_study_area"));
    assert_eq!(input["outside_window"], count("outside_window"));
    let rejected = input["rejected"].as_u64().unwrap();
    assert_eq!(
        input["read"].as_u64().unwrap(),
        input["accepted"].as_u64().unwrap() + rejected + count("outside_study_area") + count("outside_window")
    );
    for reason in [
        "missing_coordinate",
        "non_finite_coordinate",
        "unknown_kind",
        "null_island",
        "negative_weight",
        "duplicate_id",
    ] {
        assert_eq!(input["rejected_by_reason"][reason], count(reason), "{reason}");
    }

    // The rejects file names file, row, column, reason and id for each rejected row.
    let batches = read_parquet(&s.path("o/internal/rejects.parquet"));
    let mut got = Vec::new();
    for b in &batches {
        let file = b.column_by_name("file").unwrap().as_string::<i32>();
        let row = b.column_by_name("row").unwrap().as_primitive::<Int64Type>();
        let column = b.column_by_name("column").unwrap().as_string::<i32>();
        let reason = b.column_by_name("reason").unwrap().as_string::<i32>();
        let id = b.column_by_name("id").unwrap().as_string::<i32>();
        for i in 0..b.num_rows() {
            assert_eq!(file.value(i), "bad.parquet");
            got.push((row.value(i), column.value(i).to_string(), reason.value(i).to_string(), id.value(i).to_string()));
        }
    }
    let want: Vec<(i64, String, String, String)> = ROWS
        .iter()
        .enumerate()
        .filter(|(_, r)| !matches!(r.6, "accepted" | "outside_study_area" | "outside_window"))
        .map(|(i, r)| {
            let column = match r.6 {
                "missing_coordinate" | "non_finite_coordinate" if r.1.is_some_and(f64::is_finite) => "lon",
                "missing_coordinate" | "non_finite_coordinate" | "latitude_out_of_range" | "null_island" => "lat",
                "longitude_out_of_range" => "lon",
                "missing_time" | "unparsable_time" | "nonexistent_local_time" => "occurred_at",
                "unknown_kind" => "kind",
                "duplicate_id" => "id",
                _ => "weight",
            };
            (i as i64 + 1, column.to_string(), r.6.to_string(), r.0.to_string())
        })
        .collect();
    assert_eq!(got, want);
}

fn assert_clean_failure(s: &Scratch, args: &[&str], needles: &[&str]) {
    let run = s.run(args);
    assert_eq!(run.code(), 1, "stderr: {}", run.stderr());
    let err = run.stderr();
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in: {err}");
    }
    assert!(s.files_under("o").is_empty(), "no outputs, found {:?}", s.files_under("o"));
}

#[test]
fn a_truncated_parquet_file_is_an_error_naming_the_file_and_leaves_no_outputs() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "20000", "--weeks", "4", "--out", "good.parquet", "-q"]).ok();
    let bytes = std::fs::read(s.path("good.parquet")).unwrap();
    std::fs::write(s.path("cut.parquet"), &bytes[..bytes.len() / 2]).unwrap();
    assert_clean_failure(&s, &["analyze", "cut.parquet", "--out", "o"], &["cut.parquet", "Parquet"]);
    // Good file first, then the bad one: still nothing written.
    assert_clean_failure(&s, &["analyze", "good.parquet", "cut.parquet", "--out", "o"], &["cut.parquet"]);
}

#[test]
fn a_parquet_file_with_corrupt_data_pages_is_an_error_and_leaves_no_outputs() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "20000", "--weeks", "4", "--out", "good.parquet", "-q"]).ok();
    let mut bytes = std::fs::read(s.path("good.parquet")).unwrap();
    // Scramble the middle of the data pages, keeping the footer intact.
    let n = bytes.len();
    for b in &mut bytes[n / 4..n / 2] {
        *b ^= 0x5A;
    }
    std::fs::write(s.path("corrupt.parquet"), &bytes).unwrap();
    assert_clean_failure(&s, &["analyze", "corrupt.parquet", "--out", "o"], &["corrupt.parquet"]);
}

/// What a broken input file holds.
enum Content {
    /// Nothing at all: the file is not there.
    Missing,
    /// These bytes.
    Text(&'static str),
    /// A one-row Parquet file with these columns.
    Parquet(Vec<(&'static str, ArrayRef)>),
}

fn floats(v: f64) -> ArrayRef {
    Arc::new(Float64Array::from(vec![v]))
}

fn texts(v: &str) -> ArrayRef {
    Arc::new(StringArray::from(vec![v]))
}

#[test]
fn broken_files_fail_in_one_line_naming_the_file_and_leave_no_outputs() {
    let time = || ("occurred_at", texts("2026-10-05T10:00:00Z"));
    let cases: Vec<(&str, Content, &[&str], &[&str])> = vec![
        ("notes.parquet", Content::Text("this is not a parquet file\n"), &[], &["not a readable Parquet file"]),
        ("missing.parquet", Content::Missing, &[], &["cannot read"]),
        ("empty.parquet", Content::Text(""), &[], &["not a readable Parquet file"]),
        ("header.csv", Content::Text("lat,lon,occurred_at,kind\n"), &[], &["header.csv: 0 rows read, 0 rejected"]),
        (
            "dup.csv",
            Content::Text("lat,lat,lon,occurred_at,kind\n60.17,1,24.94,2026-10-05T10:00:00Z,encounter\n"),
            &[],
            &["column `lat` appears 2 times"],
        ),
        (
            "dup.parquet",
            Content::Parquet(vec![
                ("lat", floats(60.17)),
                ("lon", floats(24.94)),
                ("kind", texts("encounter")),
                time(),
                ("kind", texts("concern")),
            ]),
            &[],
            &["column `kind` appears 2 times"],
        ),
        (
            "nokind.parquet",
            Content::Parquet(vec![("lat", floats(60.17)), ("lon", floats(24.94)), time()]),
            &[],
            &["missing required column `kind`"],
        ),
        (
            // Renaming a column by flag looks for the new name.
            "nolatitude.parquet",
            Content::Parquet(vec![
                ("lat", floats(60.17)),
                ("lon", floats(24.94)),
                time(),
                ("kind", texts("encounter")),
            ]),
            &["--lat-col", "latitude"],
            &["missing required column `latitude`"],
        ),
        (
            "textlat.parquet",
            Content::Parquet(vec![
                ("lat", texts("60.17")),
                ("lon", floats(24.94)),
                time(),
                ("kind", texts("encounter")),
            ]),
            &[],
            &["column `lat` has type Utf8"],
        ),
        (
            "intkind.parquet",
            Content::Parquet(vec![
                ("lat", floats(60.17)),
                ("lon", floats(24.94)),
                time(),
                ("kind", Arc::new(Int64Array::from(vec![1])) as ArrayRef),
            ]),
            &[],
            &["column `kind` has type Int64"],
        ),
    ];
    let s = Scratch::new();
    for (name, content, flags, needles) in cases {
        match content {
            Content::Missing => {}
            Content::Text(text) => std::fs::write(s.path(name), text).unwrap(),
            Content::Parquet(columns) => write_parquet(&s.path(name), columns),
        }
        let args = [&["analyze", name, "--out", "o"][..], flags].concat();
        assert_clean_failure(&s, &args, &[&[name][..], needles].concat());
    }
}

#[test]
fn wrong_usage_and_bad_parameters_exit_2_naming_the_flag() {
    let s = Scratch::new();
    assert_eq!(s.run(&["analyze", "--resolution", "16"]).code(), 2);
    assert_eq!(s.run(&["analyze", "--bin", "fortnight"]).code(), 2);
    assert_eq!(s.run(&["analyze", "--steps", "3", "--since", "2026-01-01"]).code(), 2);
    assert_eq!(s.run(&["frobnicate"]).code(), 2);
    assert_eq!(s.run(&["--help"]).code(), 0);
    // A parameter the library refuses is wrong usage too: exit 2, one line naming the flag.
    let run = s.run(&["analyze", "--until", "tomorrow", "--out", "o"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("--until tomorrow: expected a date as YYYY-MM-DD"), "{}", run.stderr());
    let run = s.run(&["analyze", "--tz", "Mars/Olympus", "--out", "o"]);
    assert_eq!(run.code(), 2);
    assert!(run.stderr().contains("--tz Mars/Olympus: unknown time zone"), "{}", run.stderr());
    // The README's exit-code table, row by row.
    for (args, line) in [
        (
            &["--tz", "Europe/Helsingfors"][..],
            "--tz Europe/Helsingfors: unknown time zone; did you mean Europe/Helsinki?",
        ),
        (&["--until", "2026-13-01"][..], "--until 2026-13-01: expected a date as YYYY-MM-DD"),
        (&["--teams", "0"][..], "--teams 0: must be at least 1"),
        (&["--teams", "Helsinki:4"][..], "--teams Helsinki:4: expected a number, or NAME=N pairs"),
        (&["--watch-share", "2"][..], "--watch-share 2: must be between 0 and 1"),
        (
            &["--category", "Substance"][..],
            "--category Substance: no accepted event has this category (categories present: mental_health, other, rough_sleeping, safety, substance)",
        ),
        (&["--alpha", "1.5"][..], "--alpha 1.5: must be between 0 and 1"),
        (&["--k", "51"][..], "--k 51: is too large (at most 50 rings)"),
        (&["--max-reject-share", "2"][..], "--max-reject-share 2: must be between 0 and 1"),
        (&["--service-gap-m=-1"][..], "--service-gap-m -1: must be at least 0"),
        (&["--since", "2026-05-01", "--until", "2026-04-01"][..], "--since 2026-05-01: is not before --until"),
    ] {
        let run = s.run(&[&["analyze", "--out", "o"][..], args].concat());
        assert_eq!(run.code(), 2, "{args:?}: {}", run.stderr());
        assert!(run.stderr().contains(line), "{args:?}: {}", run.stderr());
        assert_eq!(run.stderr().lines().count(), 1, "{}", run.stderr());
    }
    let run = s.run(&["backtest", "--holdout-steps", "0", "--out", "o"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains("--holdout-steps 0: must be at least 1"), "{}", run.stderr());
    assert!(s.files_under("o").is_empty(), "{:?}", s.files_under("o"));
}

#[test]
fn a_districts_layer_without_polygons_is_an_error() {
    let s = Scratch::new();
    std::fs::write(
        s.path("points.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Point","coordinates":[24.9,60.2]}}]}"#,
    )
    .unwrap();
    s.run(&["synth", "--events", "100", "--weeks", "2", "--out", "e.parquet", "-q"]).ok();
    assert_clean_failure(
        &s,
        &["analyze", "e.parquet", "--districts", "points.geojson", "--out", "o"],
        &["points.geojson", "not a Polygon or MultiPolygon"],
    );
}

#[test]
fn too_many_rejected_rows_fail_the_run_when_asked() {
    let s = Scratch::new();
    write_bad_rows(&s.path("bad.parquet"));
    // 16 of 28 rows are rejected (57.1 %).
    let run = s.run(&["analyze", "bad.parquet", "--out", "o", "--max-reject-share", "0.5"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("16 of 28 rows (57.1 %) were rejected, more than --max-reject-share 0.5"),
        "{}",
        run.stderr()
    );
    assert!(s.files_under("o").is_empty(), "{:?}", s.files_under("o"));
    s.run(&["analyze", "bad.parquet", "--out", "o", "--max-reject-share", "0.6", "-q"]).ok();
}

#[test]
fn projected_coordinates_are_detected_and_explained() {
    let s = Scratch::new();
    // Rautatientori and around in ETRS-TM35FIN metres, in the lat/lon columns.
    let n = 20;
    write_parquet(
        &s.path("tm35.parquet"),
        vec![
            ("lat", Arc::new(Float64Array::from_iter_values((0..n).map(|i| 6_672_990.0 + f64::from(i)))) as ArrayRef),
            ("lon", Arc::new(Float64Array::from_iter_values((0..n).map(|i| 385_860.0 + f64::from(i)))) as ArrayRef),
            ("occurred_at", Arc::new(StringArray::from(vec!["2026-10-05T10:00:00Z"; n as usize])) as ArrayRef),
            ("kind", Arc::new(StringArray::from(vec!["encounter"; n as usize])) as ArrayRef),
        ],
    );
    let run = s.run(&["analyze", "tm35.parquet", "--out", "o"]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("look like ETRS-TM35FIN (EPSG:3067) metres"), "{}", run.stderr());
    assert!(s.files_under("o").is_empty(), "{:?}", s.files_under("o"));
}

#[test]
fn swapped_latitude_and_longitude_are_detected_and_explained() {
    let s = Scratch::new();
    let n = 30;
    let times: Vec<String> = (0..n).map(|i| format!("2026-10-{:02}T10:00:00Z", 5 + i % 14)).collect();
    write_parquet(
        &s.path("swapped.parquet"),
        vec![
            (
                "lat",
                Arc::new(Float64Array::from_iter_values((0..n).map(|i| 24.94 + f64::from(i % 5) * 0.01))) as ArrayRef,
            ),
            (
                "lon",
                Arc::new(Float64Array::from_iter_values((0..n).map(|i| 60.17 + f64::from(i % 3) * 0.01))) as ArrayRef,
            ),
            ("occurred_at", Arc::new(StringArray::from(times)) as ArrayRef),
            ("kind", Arc::new(StringArray::from(vec!["concern"; n as usize])) as ArrayRef),
        ],
    );
    // Every event falls outside the study area: the guard refuses the run, and the diagnosis is
    // printed once.
    let run = s.run(&["analyze", "swapped.parquet", "--districts", "builtin", "--out", "o"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let hint = "warning: swapped.parquet: most events fall outside the study area";
    assert_eq!(run.stderr().matches(hint).count(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("look swapped"));
    assert!(run.stderr().contains("the run was refused: no event was accepted"), "{}", run.stderr());
    assert!(s.files_under("o").is_empty(), "{:?}", s.files_under("o"));
    // A user who knows better can publish it.
    let run = s.run(&["analyze", "swapped.parquet", "--districts", "builtin", "--out", "o", "--accept-change"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let sum = summary(&s.path("o"));
    assert_eq!(sum["inputs"][0]["outside_study_area"], 30);
    assert!(sum["warnings"][0].as_str().unwrap().contains("swapped"));
}

#[test]
fn ragged_rows_read_their_missing_fields_as_empty() {
    let s = Scratch::new();
    // A short row reads its missing fields as empty (and is rejected for them); extra fields are ignored.
    std::fs::write(
        s.path("ragged.csv"),
        "lat,lon,occurred_at,kind\n60.17,24.94,2026-10-05T10:00:00Z,encounter\n60.17,24.94\n\
         60.17,24.94,2026-10-06T10:00:00Z,concern,extra,fields\n",
    )
    .unwrap();
    let out = s.run(&["analyze", "ragged.csv", "--out", "r", "--until", "2026-10-12", "--steps", "1"]).ok();
    assert!(out.contains("ragged.csv: read 3 = accepted 2 + rejected 1 + outside study area 0 + outside window 0 (rejected: missing_time 1)"), "{out}");
}

#[test]
fn a_stray_future_event_that_empties_the_final_bin_is_flagged() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "5000", "--weeks", "10", "--seed", "3", "--out", "e.parquet", "-q"]).ok();
    // One more event, dated a month after the export's last day.
    std::fs::write(s.path("late.csv"), "lat,lon,occurred_at,kind\n60.17,24.94,2026-12-01T10:00:00Z,encounter\n")
        .unwrap();
    let run = s.run(&["analyze", "e.parquet", "late.csv", "--out", "o", "-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stderr().contains("warning: the final bin holds 1 events against a median of"), "{}", run.stderr());
    assert!(summary(&s.path("o"))["warnings"][0].as_str().unwrap().contains("--until"));
    // With --until the window ends where the export does, and nothing is flagged.
    let run = s.run(&["analyze", "e.parquet", "late.csv", "--out", "p", "--until", "2026-11-02", "-q"]);
    assert_eq!(run.code(), 0);
    assert!(!run.stderr().contains("warning"), "{}", run.stderr());
    assert_eq!(summary(&s.path("p"))["inputs"][1]["outside_window"], 1);
}

#[test]
fn invalid_and_overlapping_districts() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "3000", "--weeks", "6", "--seed", "2", "--out", "e.parquet", "-q"]).ok();
    let feature = |name: &str, ring: &str| {
        format!(
            r#"{{"type":"Feature","properties":{{"name":"{name}"}},"geometry":{{"type":"Polygon","coordinates":[{ring}]}}}}"#
        )
    };
    let bowtie = feature("Bowtie", "[[24.9,60.1],[25.0,60.2],[25.0,60.1],[24.9,60.2],[24.9,60.1]]");
    std::fs::write(s.path("bowtie.geojson"), format!(r#"{{"type":"FeatureCollection","features":[{bowtie}]}}"#))
        .unwrap();
    assert_clean_failure(
        &s,
        &["analyze", "e.parquet", "--districts", "bowtie.geojson", "--out", "o"],
        &["bowtie.geojson", "feature 1 (Bowtie) is not a valid polygon"],
    );
    let a = feature("Centre", "[[24.85,60.14],[25.00,60.14],[25.00,60.22],[24.85,60.22],[24.85,60.14]]");
    let b = feature("North", "[[24.95,60.20],[25.10,60.20],[25.10,60.30],[24.95,60.30],[24.95,60.20]]");
    std::fs::write(s.path("overlap.geojson"), format!(r#"{{"type":"FeatureCollection","features":[{a},{b}]}}"#))
        .unwrap();
    // The two small districts leave most events outside: --accept-change publishes anyway.
    let run = s.run(&["analyze", "e.parquet", "--districts", "overlap.geojson", "--out", "o", "-q", "--accept-change"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stderr().contains("warning: districts Centre and North overlap by"), "{}", run.stderr());
    let warnings = summary(&s.path("o"))["warnings"].clone();
    assert!(warnings[0].as_str().unwrap().contains("count for Centre, the first in the file"), "{warnings}");
}

#[test]
fn duplicate_ids_across_files_count_once_and_are_reported() {
    let s = Scratch::new();
    // The same events exported again in the next night's file (CSV text "2" and Parquet 2 are
    // the same id), and a text id repeated inside one file.
    std::fs::write(
        s.path("monday.csv"),
        "id,lat,lon,occurred_at,kind\n1,60.171,24.941,2026-10-05T10:00:00Z,encounter\n\
         2,60.172,24.942,2026-10-06T10:00:00Z,concern\nA-7,60.173,24.943,2026-10-06T11:00:00Z,encounter\n\
         A-7,60.173,24.943,2026-10-06T11:00:00Z,encounter\n",
    )
    .unwrap();
    write_parquet(
        &s.path("tuesday.parquet"),
        vec![
            ("id", Arc::new(Int64Array::from(vec![2, 3])) as ArrayRef),
            ("lat", Arc::new(Float64Array::from(vec![60.172, 60.174])) as ArrayRef),
            ("lon", Arc::new(Float64Array::from(vec![24.942, 24.944])) as ArrayRef),
            (
                "occurred_at",
                Arc::new(StringArray::from(vec!["2026-10-06T10:00:00Z", "2026-10-07T10:00:00Z"])) as ArrayRef,
            ),
            ("kind", Arc::new(StringArray::from(vec!["concern", "concern"])) as ArrayRef),
        ],
    );
    let args = ["analyze", "monday.csv", "tuesday.parquet", "--until", "2026-10-12", "--steps", "2", "--out", "o"];
    let out = s.run(&args).ok();
    assert!(out.contains("monday.csv: read 4 = accepted 3 + rejected 1 + outside study area 0 + outside window 0 (rejected: duplicate_id 1)"), "{out}");
    assert!(out.contains("tuesday.parquet: read 2 = accepted 1 + rejected 1 + outside study area 0 + outside window 0 (rejected: duplicate_id 1)"), "{out}");
    let sum = summary(&s.path("o"));
    assert_eq!(sum["cube"]["events"], 4, "{}", sum["cube"]);
    let mut listed = Vec::new();
    for b in read_parquet(&s.path("o/internal/rejects.parquet")) {
        let file = b.column_by_name("file").unwrap().as_string::<i32>();
        let row = b.column_by_name("row").unwrap().as_primitive::<Int64Type>();
        let id = b.column_by_name("id").unwrap().as_string::<i32>();
        let reason = b.column_by_name("reason").unwrap().as_string::<i32>();
        for i in 0..b.num_rows() {
            listed.push(format!("{}:{}:{}:{}", file.value(i), row.value(i), id.value(i), reason.value(i)));
        }
    }
    assert_eq!(listed, ["monday.csv:4:A-7:duplicate_id", "tuesday.parquet:1:2:duplicate_id"]);
    // Reading the files the other way round keeps the other copy: the same counts.
    let out = s
        .run(&["analyze", "tuesday.parquet", "monday.csv", "--until", "2026-10-12", "--steps", "2", "--out", "p"])
        .ok();
    assert!(out.contains("tuesday.parquet: read 2 = accepted 2 + rejected 0"), "{out}");
    assert!(out.contains("monday.csv: read 4 = accepted 2 + rejected 2"), "{out}");
}

#[test]
fn output_folders_missing_in_the_way_read_only_or_full() {
    let s = Scratch::new();
    // A folder that does not exist yet is made, with its parents.
    s.run(&["analyze", "--out", "new/nested/out", "-q"]).ok();
    assert!(s.path("new/nested/out/internal/hotspots.geojson").is_file());
    // A file where the folder should be.
    std::fs::write(s.path("taken"), "not a folder").unwrap();
    let run = s.run(&["analyze", "--out", "taken", "-q"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert_eq!(run.stderr().trim().lines().count(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("taken"), "{}", run.stderr());
    assert_eq!(std::fs::read_to_string(s.path("taken")).unwrap(), "not a folder");

    // A read-only file system, and a full one (needs a tmpfs: root in CI; elsewhere the two
    // cases are covered by the unit tests of `output` and are reported as not run here).
    match crate::harness::SmallMount::new(&s.path("ro"), "ro,size=1m") {
        Some(_ro) => {
            let run = s.run(&["analyze", "--out", "ro/o", "-q"]);
            assert_eq!(run.code(), 1, "{}", run.stderr());
            assert_eq!(run.stderr().trim().lines().count(), 1, "{}", run.stderr());
            assert!(
                run.stderr().contains("ro/o") && run.stderr().contains("Read-only file system"),
                "{}",
                run.stderr()
            );
        }
        None => crate::harness::not_mounted("a read-only tmpfs"),
    }
    match crate::harness::SmallMount::new(&s.path("full"), "size=96k") {
        Some(_full) => {
            // Yesterday's layers are there; today's run does not fit.
            std::fs::create_dir_all(s.path("full/o/internal")).unwrap();
            std::fs::write(s.path("full/o/internal/hotspots.geojson"), "yesterday").unwrap();
            let run = s.run(&["analyze", "--out", "full/o", "-q"]);
            assert_eq!(run.code(), 1, "{}", run.stderr());
            assert_eq!(run.stderr().trim().lines().count(), 1, "{}", run.stderr());
            assert!(run.stderr().contains("No space left on device"), "{}", run.stderr());
            assert!(run.stderr().contains("full/o/"), "{}", run.stderr());
            assert_eq!(s.files_under("full/o"), ["internal/hotspots.geojson"], "no partial or temporary files");
            assert_eq!(std::fs::read_to_string(s.path("full/o/internal/hotspots.geojson")).unwrap(), "yesterday");
        }
        None => crate::harness::not_mounted("a small tmpfs"),
    }
}

#[test]
fn a_parquet_footer_that_lies_is_an_error_and_leaves_no_outputs() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "20000", "--weeks", "4", "--out", "good.parquet", "-q"]).ok();
    let bytes = std::fs::read(s.path("good.parquet")).unwrap();
    let n = bytes.len();
    // The footer claims to be longer than the whole file.
    let mut long = bytes.clone();
    long[n - 8..n - 4].copy_from_slice(&(n as u32 * 4).to_le_bytes());
    std::fs::write(s.path("long_footer.parquet"), &long).unwrap();
    assert_clean_failure(&s, &["analyze", "long_footer.parquet", "--out", "o"], &["long_footer.parquet", "Parquet"]);
    // Every column chunk is 4 KiB later than the footer says (bytes added after the magic).
    let mut shifted = bytes[..4].to_vec();
    shifted.extend(std::iter::repeat_n(0u8, 4096));
    shifted.extend_from_slice(&bytes[4..]);
    std::fs::write(s.path("shifted.parquet"), &shifted).unwrap();
    assert_clean_failure(&s, &["analyze", "shifted.parquet", "--out", "o"], &["shifted.parquet"]);
}

#[test]
fn a_parquet_file_that_crashes_the_decoder_is_an_error_in_one_line() {
    // Found by the parquet fuzz target: corrupt BYTE_STREAM_SPLIT pages make parquet 60's decoder
    // panic; the engine turns that into an error on the file.
    let s = Scratch::new();
    let crash = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz_corpus/parquet/crash-byte-stream-split.parquet");
    std::fs::copy(crash, s.path("crash.parquet")).unwrap();
    assert_clean_failure(
        &s,
        &["analyze", "crash.parquet", "--out", "o"],
        &["crash.parquet: not a readable Parquet file", "the Parquet decoder failed on corrupt data"],
    );
}

#[test]
fn swapped_coordinates_without_districts_and_a_projected_geojson_crs_are_explained() {
    let s = Scratch::new();
    // Helsinki with latitude and longitude swapped, no districts layer: hexagons in the Arabian Sea
    // unless the user is told.
    let rows: String = (0..30)
        .map(|i| {
            format!("{},{},2026-10-{:02}T10:00:00Z,encounter\n", 24.94 + f64::from(i % 5) * 0.01, 60.17, 5 + i % 14)
        })
        .collect();
    std::fs::write(s.path("swapped.csv"), format!("lat,lon,occurred_at,kind\n{rows}")).unwrap();
    let run = s.run(&["analyze", "swapped.csv", "--out", "sw", "-q"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(run.stderr().matches("would fall in Helsinki or Vantaa with latitude and longitude swapped").count(), 1);
    assert!(summary(&s.path("sw"))["warnings"][0].as_str().unwrap().contains("swapped"));
    // The same rows the right way round: no hint.
    let rows: String = (0..30)
        .map(|i| format!("60.17,{},2026-10-{:02}T10:00:00Z,encounter\n", 24.94 + f64::from(i % 5) * 0.01, 5 + i % 14))
        .collect();
    std::fs::write(s.path("right.csv"), format!("lat,lon,occurred_at,kind\n{rows}")).unwrap();
    let run = s.run(&["analyze", "right.csv", "--out", "r", "-q"]);
    assert!(!run.stderr().contains("swapped"), "{}", run.stderr());
    // A GeoJSON export that declares ETRS-TM35FIN in a `crs` member.
    std::fs::write(
        s.path("tm35.geojson"),
        r#"{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::3067"}},"features":[{"type":"Feature","properties":{"occurred_at":"2026-10-05T10:00:00Z","kind":"encounter"},"geometry":{"type":"Point","coordinates":[385860,6672990]}}]}"#,
    )
    .unwrap();
    assert_clean_failure(&s, &["analyze", "tm35.geojson", "--out", "o"], &["tm35.geojson", "EPSG::3067", "ogr2ogr"]);
}
