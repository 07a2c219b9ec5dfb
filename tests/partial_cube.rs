//! Partial cubes and the nightly store: `cube` on parts of an export, then `analyze --cube` on
//! the parts, gives the same outputs byte for byte as `analyze` on the whole export; the store
//! matches a full run night after night, also after a run killed mid-way.

use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::TimestampMicrosecondType;
use arrow_array::{BooleanArray, RecordBatch};

use crate::harness::{Scratch, read_json, read_parquet};

/// Writes `batches` to a Parquet file.
fn write_batches(path: &Path, batches: &[RecordBatch]) {
    let schema = batches[0].schema();
    let mut w = parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, None).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
}

/// Writes `batches` to a Parquet file whose footer holds `meta` as the partial cube's metadata.
fn write_with_footer(path: &Path, batches: &[RecordBatch], meta: &str) {
    let footer = parquet::file::metadata::KeyValue::new("hotspots.partial_cube".into(), meta.to_string());
    let props =
        parquet::file::properties::WriterProperties::builder().set_key_value_metadata(Some(vec![footer])).build();
    let file = std::fs::File::create(path).unwrap();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, batches[0].schema(), Some(props)).unwrap();
    for b in batches {
        w.write(b).unwrap();
    }
    w.close().unwrap();
}

/// The rows of `batches` that `keep` (row index over all batches, event time µs) selects.
fn select(batches: &[RecordBatch], keep: impl Fn(usize, i64) -> bool) -> Vec<RecordBatch> {
    let mut offset = 0;
    batches
        .iter()
        .map(|b| {
            let t = b.column_by_name("occurred_at").unwrap().as_primitive::<TimestampMicrosecondType>();
            let mask: BooleanArray = (0..b.num_rows()).map(|i| Some(keep(offset + i, t.value(i)))).collect();
            offset += b.num_rows();
            arrow_select::filter::filter_record_batch(b, &mask).unwrap()
        })
        .collect()
}

/// Asserts that two output folders hold the same files with the same bytes, except the wall
/// times in `summary.json` and, where `inputs_may_differ`, its list of inputs.
fn assert_same_outputs(a: &Path, b: &Path, inputs_may_differ: bool) {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.push(p.strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    let (mut fa, mut fb) = (Vec::new(), Vec::new());
    walk(a, a, &mut fa);
    walk(b, b, &mut fb);
    fa.sort();
    fb.sort();
    assert_eq!(fa, fb, "the same files");
    assert!(fa.iter().any(|f| f.ends_with("hotspots.geojson")) && fa.iter().any(|f| f.ends_with("cube.parquet")));
    for f in &fa {
        let (x, y) = (a.join(f), b.join(f));
        if f.ends_with("summary.json") {
            let (mut x, mut y) = (read_json(&x), read_json(&y));
            for s in [&mut x, &mut y] {
                let s = s.as_object_mut().unwrap();
                s.remove("timings_ms");
                if inputs_may_differ {
                    s.remove("inputs");
                }
            }
            assert_eq!(x, y, "{f}");
        } else {
            assert!(std::fs::read(&x).unwrap() == std::fs::read(&y).unwrap(), "{f} differs");
        }
    }
}

/// A 200k-event synthetic export split three ways by time and two ways by rows (alternate rows,
/// so both parts hold the same cells and days): `cube` on each part and `analyze --cube` on the
/// parts equal `analyze` on the whole, with default flags, with the built-in districts and
/// services, for a two-job configuration file, and with daily bins.
#[test]
fn partial_cubes_of_split_exports_give_the_outputs_of_the_whole() {
    let s = Scratch::new();
    s.run(&["synth", "-q", "--events", "200000", "--weeks", "30", "--seed", "5", "--out", "all.parquet"]).ok();
    let batches = read_parquet(&s.path("all.parquet"));
    let times: Vec<i64> = select(&batches, |_, _| true)
        .iter()
        .flat_map(|b| {
            let t = b.column_by_name("occurred_at").unwrap().as_primitive::<TimestampMicrosecondType>();
            t.values().to_vec()
        })
        .collect();
    let (lo, hi) = (*times.iter().min().unwrap(), *times.iter().max().unwrap());
    let cut = |k: i64| lo + (hi - lo) * k / 3;
    for (name, part) in [
        ("t1", select(&batches, |_, t| t < cut(1))),
        ("t2", select(&batches, |_, t| t >= cut(1) && t < cut(2))),
        ("t3", select(&batches, |_, t| t >= cut(2))),
        ("r1", select(&batches, |i, _| i % 2 == 0)),
        ("r2", select(&batches, |i, _| i % 2 == 1)),
    ] {
        assert!(part.iter().map(RecordBatch::num_rows).sum::<usize>() > 50_000, "{name}");
        write_batches(&s.path(&format!("{name}.parquet")), &part);
    }
    std::fs::write(
        s.path("jobs.toml"),
        "min_count = 3\nbacktest_steps = 2\n[[jobs]]\nname = \"concerns\"\nkind = \"concern\"\n[[jobs]]\nname = \"everything\"\n",
    )
    .unwrap();
    std::fs::create_dir(s.path("by_time")).unwrap();
    for part in ["t1", "t2", "t3"] {
        s.run(&["cube", "-q", &format!("{part}.parquet"), "--out", &format!("by_time/{part}.parquet")]).ok();
    }
    for part in ["r1", "r2"] {
        s.run(&["cube", "-q", &format!("{part}.parquet"), "--out", &format!("{part}.cube.parquet")]).ok();
    }
    let whole = s.run(&["analyze", "all.parquet", "--out", "whole"]).ok();
    // A folder of partials, and partials named one by one.
    s.run(&["analyze", "-q", "--cube", "by_time", "--out", "cube_time"]).ok();
    assert_same_outputs(&s.path("whole"), &s.path("cube_time"), true);
    let rows = s.run(&["analyze", "--cube", "r1.cube.parquet", "r2.cube.parquet", "--out", "cube_rows"]).ok();
    assert_same_outputs(&s.path("whole"), &s.path("cube_rows"), true);
    // The accounting adds up to the whole's.
    let accepted = |text: &str| -> u64 {
        text.lines()
            .filter_map(|l| l.split("accepted ").nth(1))
            .map(|rest| rest.split(' ').next().unwrap().parse::<u64>().unwrap())
            .sum()
    };
    assert_eq!(accepted(&whole), accepted(&rows), "{whole}\n{rows}");
    assert_eq!(accepted(&whole), 200_000);

    for (label, flags) in [("jobs", vec!["--config", "jobs.toml"]), ("daily", vec!["--bin", "day", "--steps", "60"])] {
        let mut direct = vec!["analyze", "-q", "all.parquet", "--out"];
        let out = format!("{label}_whole");
        direct.push(&out);
        direct.extend(&flags);
        s.run(&direct).ok();
        let out_cube = format!("{label}_cube");
        let mut via = vec!["analyze", "-q", "--cube", "by_time", "--out", &out_cube];
        via.extend(&flags);
        s.run(&via).ok();
        assert_same_outputs(&s.path(&out), &s.path(&out_cube), true);
    }

    // With the built-in districts and services: the study area and each event's district come
    // from the layer given to `cube`.
    let layers = ["--districts", "builtin", "--services", "builtin"];
    for part in ["t1", "t2", "t3"] {
        s.run(&[
            "cube",
            "-q",
            &format!("{part}.parquet"),
            "--districts",
            "builtin",
            "--out",
            &format!("{part}.d.parquet"),
        ])
        .ok();
    }
    let mut direct = vec!["analyze", "-q", "all.parquet", "--out", "layers_whole"];
    direct.extend(layers);
    s.run(&direct).ok();
    let mut via =
        vec!["analyze", "-q", "--cube", "t1.d.parquet", "t2.d.parquet", "t3.d.parquet", "--out", "layers_cube"];
    via.extend(layers);
    s.run(&via).ok();
    assert_same_outputs(&s.path("layers_whole"), &s.path("layers_cube"), true);
}

/// Partials that do not fit the run are refused with the file named and the flag to give.
#[test]
fn a_partial_cube_that_does_not_fit_the_run_is_a_clear_error() {
    let s = Scratch::new();
    s.run(&["synth", "-q", "--events", "5000", "--weeks", "10", "--seed", "2", "--out", "e.parquet"]).ok();
    s.run(&["cube", "-q", "e.parquet", "--out", "plain.parquet"]).ok();
    s.run(&["cube", "-q", "e.parquet", "--resolution", "9", "--out", "r9.parquet"]).ok();
    s.run(&["cube", "-q", "e.parquet", "--tz", "UTC", "--out", "utc.parquet"]).ok();
    s.run(&["cube", "-q", "e.parquet", "--districts", "builtin", "--out", "districts.parquet"]).ok();
    let fails = |args: &[&str], wants: &[&str]| {
        let run = s.run(args);
        assert_eq!(run.code(), 1, "{args:?}: {}", run.stderr());
        for w in wants {
            assert!(run.stderr().contains(w), "{args:?}: `{w}` not in {}", run.stderr());
        }
    };
    fails(&["analyze", "--cube", "plain.parquet", "r9.parquet"], &["r9.parquet", "resolution 9", "--resolution 9"]);
    fails(&["analyze", "--cube", "utc.parquet"], &["utc.parquet", "zone UTC", "--tz UTC"]);
    fails(&["analyze", "--cube", "districts.parquet"], &["districts.parquet", "--districts builtin"]);
    fails(
        &["analyze", "--cube", "plain.parquet", "--districts", "builtin"],
        &["plain.parquet", "without a districts layer"],
    );
    fails(&["analyze", "--cube", "e.parquet"], &["e.parquet", "not a partial cube"]);

    // Another contract version: the same file with its footer's version changed.
    let batches = read_parquet(&s.path("plain.parquet"));
    let reader =
        parquet::file::reader::SerializedFileReader::new(std::fs::File::open(s.path("plain.parquet")).unwrap())
            .unwrap();
    use parquet::file::reader::FileReader;
    let kv = reader.metadata().file_metadata().key_value_metadata().unwrap().clone();
    let meta = kv.iter().find(|k| k.key == "hotspots.partial_cube").unwrap().value.clone().unwrap();
    let future = meta.replacen("\"contract\":1", "\"contract\":2", 1);
    assert_ne!(meta, future);
    write_with_footer(&s.path("v2.parquet"), &batches, &future);
    fails(&["analyze", "--cube", "v2.parquet"], &["v2.parquet", "contract version 2", "version 1"]);
    // Rows that the footer's accounting does not count: every row twice under the same footer.
    let twice: Vec<RecordBatch> = batches.iter().chain(&batches).cloned().collect();
    write_with_footer(&s.path("twice.parquet"), &twice, &meta);
    fails(&["analyze", "--cube", "twice.parquet"], &["twice.parquet", "more events on", "footer's accounting"]);
    // Partials and event exports together are refused.
    let both = s.run(&["analyze", "e.parquet", "--cube", "plain.parquet"]);
    assert_eq!(both.code(), 2, "{}", both.stderr());
}

/// Seven nightly exports, one a night, one old file changed on night 5 and one deleted on night
/// 7: each night `analyze --store` reads only what is new or changed and its outputs equal a
/// full run's.
#[test]
fn the_store_matches_a_full_run_night_after_night() {
    let s = Scratch::new();
    s.run(&["synth", "-q", "--events", "60000", "--weeks", "12", "--seed", "9", "--out", "all.parquet"]).ok();
    let batches = read_parquet(&s.path("all.parquet"));
    let max = select(&batches, |_, _| true)
        .iter()
        .map(|b| {
            let t = b.column_by_name("occurred_at").unwrap().as_primitive::<TimestampMicrosecondType>();
            *t.values().iter().max().unwrap()
        })
        .max()
        .unwrap();
    const DAY: i64 = 86_400_000_000;
    let first_night = max - 7 * DAY;
    std::fs::create_dir(s.path("exports")).unwrap();
    write_batches(&s.path("exports/history.parquet"), &select(&batches, |_, t| t <= first_night));
    let night_file = |n: i64| format!("exports/day{n}.parquet");
    for n in 1..=7 {
        let lo = first_night + (n - 1) * DAY;
        write_batches(&s.path(&night_file(n)), &select(&batches, |_, t| t > lo && t <= lo + DAY));
    }
    let mut present: Vec<String> = vec!["exports/history.parquet".into()];
    for night in 1..=7 {
        present.push(night_file(night));
        let mut expect_built = vec![night_file(night)];
        if night == 1 {
            expect_built.insert(0, "exports/history.parquet".into());
        }
        if night == 5 {
            // A corrected re-export of day 2: every third row dropped.
            let day2 = read_parquet(&s.path(&night_file(2)));
            write_batches(&s.path(&night_file(2)), &select(&day2, |i, _| i % 3 != 0));
            expect_built.push(night_file(2));
        }
        expect_built.sort();
        if night == 7 {
            present.retain(|p| p != &night_file(3));
            std::fs::remove_file(s.path(&night_file(3))).unwrap();
        }
        let mut store = vec!["analyze".to_string(), "--store".into(), "store".into(), "--out".into()];
        store.push(format!("night{night}"));
        store.extend(present.iter().cloned());
        let store: Vec<&str> = store.iter().map(String::as_str).collect();
        let printed = s.run(&store).ok();
        let mut full = vec!["analyze".to_string(), "-q".into(), "--out".into(), format!("full{night}")];
        full.extend(present.iter().cloned());
        s.run(&full.iter().map(String::as_str).collect::<Vec<_>>()).ok();
        assert_same_outputs(&s.path(&format!("full{night}")), &s.path(&format!("night{night}")), false);
        let line = printed.lines().find(|l| l.starts_with("store:")).unwrap_or_else(|| panic!("{printed}"));
        let mut built: Vec<String> =
            line.split_once('(').unwrap().1.split_once(')').unwrap().0.split(", ").map(str::to_string).collect();
        built.sort();
        assert_eq!(built, expect_built, "night {night}: {line}");
        let removed = if night == 5 || night == 7 { 1 } else { 0 };
        assert!(line.ends_with(&format!("{removed} removed")), "night {night}: {line}");
        assert_eq!(s.files_in("store").iter().filter(|f| f.ends_with(".parquet")).count(), present.len());
    }
}

/// A nightly run killed at any moment leaves the store usable: the next run is still a full
/// run's equal. The kills land while a partial is being written (its temporary file is there),
/// between two partials, while the outputs are being written, and early; the temporary file a
/// kill leaves is cleared by the next run.
#[test]
fn a_store_run_killed_midway_leaves_the_next_run_correct() {
    let s = Scratch::new();
    s.run(&["synth", "-q", "--events", "120000", "--weeks", "20", "--seed", "4", "--out", "all.parquet"]).ok();
    let batches = read_parquet(&s.path("all.parquet"));
    let n: usize = batches.iter().map(RecordBatch::num_rows).sum();
    let files: Vec<String> = (0..4).map(|k| format!("part{k}.parquet")).collect();
    for (k, f) in files.iter().enumerate() {
        write_batches(&s.path(f), &select(&batches, |i, _| i * 4 / n == k));
    }
    let mut full = vec!["analyze", "-q", "--out", "full"];
    full.extend(files.iter().map(String::as_str));
    s.run(&full).ok();
    std::fs::create_dir(s.path("no_previous_run")).unwrap();
    let count = |dir: &str, pick: &dyn Fn(&str) -> bool| s.files_in(dir).iter().filter(|f| pick(f)).count();
    type Trigger<'a> = (&'a str, Box<dyn Fn() -> bool + 'a>);
    let triggers: Vec<Trigger> = vec![
        ("while a partial is written", Box::new(|| count("store", &|f| f.starts_with(".partial-")) > 0)),
        ("between two partials", Box::new(|| count("store", &|f| f.ends_with(".parquet")) >= 2)),
        ("while the outputs are written", Box::new(|| count("night2/internal", &|f| f.ends_with(".tmp")) > 0)),
        ("early", Box::new(|| false)),
    ];
    for (attempt, (when, fired)) in triggers.iter().enumerate() {
        let out = format!("night{attempt}");
        let mut args = vec!["analyze", "-q", "--store", "store", "--out", &out];
        args.extend(files.iter().map(String::as_str));
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_hotspots"))
            .args(&args)
            .current_dir(s.root())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let limit = if *when == "early" { 100 } else { 60_000 };
        while !fired() && started.elapsed().as_millis() < limit && child.try_wait().unwrap().is_none() {
            std::thread::sleep(std::time::Duration::from_micros(500));
        }
        assert!(child.try_wait().unwrap().is_none(), "the run ended before the kill {when}");
        assert!(*when == "early" || fired(), "no kill {when}");
        child.kill().unwrap();
        child.wait().unwrap();
        let stored = count("store", &|f| f.ends_with(".parquet"));
        eprintln!("killed {when}: {stored} of {} partials stored", files.len());
        // The next night runs into the same folder; `--previous` names an empty one, so its
        // "since the last run" is the full run's whether or not the killed run got to publish.
        args.extend(["--previous", "no_previous_run"]);
        s.run(&args).ok();
        assert_same_outputs(&s.path("full"), &s.path(&out), false);
        assert_eq!(count("store", &|f| f.starts_with(".partial-")), 0, "temporary files cleared");
        assert_eq!(count(&format!("{out}/internal"), &|f| f.ends_with(".tmp")), 0, "temporary outputs cleared");
        // The next attempt starts from an empty store.
        std::fs::remove_dir_all(s.path("store")).unwrap();
    }
}

/// Rejected rows, events outside the study area and outside the window travel in the partial:
/// the rejects file, the accounting and every other output equal the direct run's, and so does
/// `summary.json` (the partial was built from the same file, so even its list of inputs is the
/// same).
#[test]
fn rejects_and_the_accounting_travel_in_the_partial() {
    let s = Scratch::new();
    crate::bad_inputs::write_bad_rows(&s.path("bad.parquet"));
    let window = ["--districts", "builtin", "--since", "2026-09-28", "--until", "2026-10-19"];
    let mut direct = vec!["analyze", "bad.parquet", "--out", "direct"];
    direct.extend(window);
    let printed = s.run(&direct).ok();
    s.run(&["cube", "-q", "bad.parquet", "--districts", "builtin", "--out", "bad.cube.parquet"]).ok();
    let mut via = vec!["analyze", "--cube", "bad.cube.parquet", "--out", "via"];
    via.extend(window);
    let printed_via = s.run(&via).ok();
    assert_same_outputs(&s.path("direct"), &s.path("via"), false);
    let account = |text: &str| text.lines().find(|l| l.starts_with("bad.parquet: read")).map(str::to_string);
    assert!(
        account(&printed).is_some_and(|l| l.contains("rejected 16") && l.contains("outside window 5")),
        "{printed}"
    );
    assert_eq!(account(&printed), account(&printed_via));
    assert!(
        read_parquet(&s.path("via/internal/rejects.parquet")).iter().map(RecordBatch::num_rows).sum::<usize>() == 16
    );
}

/// The categories a run lists include those of events outside the study area (they travel in the
/// partial's footer); the store refuses one file given twice and leaves files of its folder that
/// are not its partials alone.
#[test]
fn categories_outside_the_area_travel_and_the_store_guards_its_inputs() {
    let s = Scratch::new();
    s.run(&["synth", "-q", "--events", "20000", "--weeks", "20", "--seed", "3", "--out", "e.parquet"]).ok();
    // One event far outside every district, with a category no other event has.
    std::fs::write(
        s.path("far.csv"),
        "lat,lon,occurred_at,kind,category\n61.5,23.8,2026-10-01T12:00:00Z,encounter,only-far-away\n",
    )
    .unwrap();
    s.run(&["analyze", "-q", "e.parquet", "far.csv", "--districts", "builtin", "--out", "direct"]).ok();
    assert!(read_json(&s.path("direct/internal/summary.json"))["categories"].to_string().contains("only-far-away"));
    s.run(&["cube", "-q", "e.parquet", "far.csv", "--districts", "builtin", "--out", "p.parquet"]).ok();
    s.run(&["analyze", "-q", "--cube", "p.parquet", "--districts", "builtin", "--out", "via"]).ok();
    assert_same_outputs(&s.path("direct"), &s.path("via"), false);

    std::fs::create_dir(s.path("store")).unwrap();
    std::fs::copy(s.path("e.parquet"), s.path("store/keep.parquet")).unwrap();
    let twice = s.run(&["analyze", "--store", "store", "e.parquet", "./e.parquet", "--out", "o"]);
    assert_eq!(twice.code(), 2, "{}", twice.stderr());
    assert!(twice.stderr().contains("same file"), "{}", twice.stderr());
    s.run(&["analyze", "-q", "--store", "store", "e.parquet", "--out", "o"]).ok();
    s.run(&["analyze", "-q", "--store", "store", "far.csv", "e.parquet", "--out", "o2"]).ok();
    assert!(s.path("store/keep.parquet").exists(), "a file of the folder that is not a partial stays");
}
