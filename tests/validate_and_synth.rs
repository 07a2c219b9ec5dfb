//! `hotspots validate` prints the row accounting and writes the rejects; `hotspots synth` is
//! seeded and writes its ground truth.

use crate::harness::Scratch;

#[test]
fn validate_prints_the_accounting_and_writes_rejects_as_csv() {
    let s = Scratch::new();
    std::fs::write(
        s.path("mixed.csv"),
        "id,lat,lon,occurred_at,kind\n\
         a,60.17,24.94,2026-10-05T10:00:00Z,encounter\n\
         b,abc,24.94,2026-10-05T10:00:00Z,encounter\n\
         c,60.17,24.94,,concern\n\
         d,60.17,24.94,2026-10-05T10:00:00Z,huoli\n\
         e,60.17\n",
    )
    .unwrap();
    let out = s.run(&["validate", "mixed.csv", "--rejects", "r.csv"]).ok();
    assert!(
        out.contains(
            "mixed.csv: read 5 = accepted 1 + rejected 4 \
             (rejected: missing_coordinate 1, unparsable_coordinate 1, missing_time 1, unknown_kind 1)"
        ),
        "{out}"
    );
    let rejects = std::fs::read_to_string(s.path("r.csv")).unwrap();
    assert_eq!(
        rejects,
        "file,row,column,reason,id,value\n\
         mixed.csv,2,lat,unparsable_coordinate,b,\n\
         mixed.csv,3,occurred_at,missing_time,c,\n\
         mixed.csv,4,kind,unknown_kind,d,huoli\n\
         mixed.csv,5,lon,missing_coordinate,e,\n"
    );
}

#[test]
fn synth_is_seeded_and_writes_ground_truth() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "5000", "--weeks", "30", "--seed", "11", "--out", "a.parquet", "-q"]).ok();
    s.run(&["synth", "--events", "5000", "--weeks", "30", "--seed", "11", "--out", "b.parquet", "-q"]).ok();
    s.run(&["synth", "--events", "5000", "--weeks", "30", "--seed", "12", "--out", "c.parquet", "-q"]).ok();
    let a = std::fs::read(s.path("a.parquet")).unwrap();
    assert_eq!(a, std::fs::read(s.path("b.parquet")).unwrap());
    assert_ne!(a, std::fs::read(s.path("c.parquet")).unwrap());
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path("a.truth.json")).unwrap()).unwrap();
    let categories: Vec<&str> =
        truth["patterns"].as_array().unwrap().iter().map(|p| p["category"].as_str().unwrap()).collect();
    for c in [
        "new_hot_spot",
        "intensifying_hot_spot",
        "diminishing_hot_spot",
        "persistent_hot_spot",
        "sporadic_hot_spot",
        "historical_hot_spot",
    ] {
        assert!(categories.contains(&c), "{c} missing from {categories:?}");
    }
    let new = truth["patterns"].as_array().unwrap().iter().find(|p| p["name"] == "new").unwrap();
    assert_eq!(new["start"], "2026-10-26");
    assert_eq!(new["end"], "2026-11-02");
    assert_eq!(s.run(&["synth", "--events", "10", "--weeks", "0", "--out", "z.parquet"]).code(), 1);
}

#[test]
fn validate_counts_rows_outside_the_study_area_and_fails_when_nothing_is_valid() {
    let s = Scratch::new();
    std::fs::write(
        s.path("two.csv"),
        "lat,lon,occurred_at,kind\n60.17,24.94,2026-10-05T10:00:00Z,encounter\n24.94,60.17,2026-10-05T10:00:00Z,encounter\n",
    )
    .unwrap();
    let out = s.run(&["validate", "two.csv", "--districts", "builtin"]).ok();
    assert!(
        out.contains("two.csv: read 2 = accepted 2 + rejected 0; of the accepted, 1 outside the study area"),
        "{out}"
    );
    std::fs::write(s.path("bad.csv"), "lat,lon,occurred_at,kind\n60.17,24.94,eilen,encounter\n").unwrap();
    let run = s.run(&["validate", "bad.csv"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stdout().contains("rejected: unparsable_time 1"), "{}", run.stdout());
    assert!(run.stderr().contains("every row of the inputs was rejected"), "{}", run.stderr());
}
