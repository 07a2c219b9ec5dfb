//! The disclosure attack suite: given the `public/` folder of a run (or of two consecutive
//! nights), it tries to recover a hidden count in 1 … min_count − 1 the way a short script
//! would, and checks every value it recovers against the exact counts in `internal/`. A leak
//! fails the test with the attack, the target and the value.
//!
//! The attacks:
//! - **p-value inversion**: an area's `unmet_concern_p` is a binomial tail of (events, concern
//!   reports) at the job's concern share; every (n, k) that gives the published p is tried.
//! - **Gi\* inversion**: a cell's final-bin z (or, today, its confidence bin) bounds the sum of
//!   its neighbourhood, `lag = z·s·√((n·w − w²)/(n − 1)) + x̄·w`. The attacker is given the exact
//!   mean and standard deviation of the cube (stronger than a real one, who must estimate them).
//! - **Differencing** of every published sum (cell totals, the city's total and per-bin totals,
//!   the areas' final bins over the cells inside their outlines, the districts' totals, the Gi\*
//!   neighbourhoods) over one night or two: each becomes a range for a sum of hidden
//!   counts, under the rule the files state; the ranges are narrowed against each other until
//!   nothing changes (interval propagation). A hidden count narrowed to one value is recovered.
//!
//! Rates × effort cannot be attacked yet: the engine has no effort input (issue 18).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use h3o::CellIndex;
use serde_json::Value;

use crate::harness::Scratch;

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn features(layer: &Value) -> Vec<&serde_json::Map<String, Value>> {
    layer["features"].as_array().unwrap().iter().map(|f| f["properties"].as_object().unwrap()).collect()
}

fn series(text: &str) -> Vec<Option<u64>> {
    text.split(',').map(|v| if v.is_empty() { None } else { Some(v.parse().unwrap()) }).collect()
}

/// What the attacks recovered that is a real hidden count.
#[derive(Debug)]
struct Leak {
    attack: &'static str,
    target: String,
    recovered: u64,
}

/// The exact figures of a run, from its `internal/` folder.
struct Truth {
    /// Exact count per (cell, bin start).
    counts: HashMap<(String, String), u64>,
    /// Exact (recent events, recent concern reports) per area id.
    recent: HashMap<String, (u64, u64)>,
    /// The job's concern share of the recent bins (given to the attacker).
    share: f64,
    /// The city study area's mean and standard deviation.
    moments: (f64, f64),
}

impl Truth {
    fn of(internal: &Path) -> Truth {
        let summary = read_json(&internal.join("summary.json"));
        let bins: Vec<String> = summary["window"]["bin_starts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_str().unwrap().to_string())
            .collect();
        let mut counts = HashMap::new();
        for f in features(&read_json(&internal.join("hotspots.geojson"))) {
            let h3 = f["h3"].as_str().unwrap();
            for (b, v) in series(f["series"].as_str().unwrap()).into_iter().enumerate() {
                counts.insert((h3.to_string(), bins[b].clone()), v.expect("internal counts are exact"));
            }
        }
        let recent = features(&read_json(&internal.join("patrol_areas.geojson")))
            .iter()
            .map(|f| {
                let n = |k: &str| f[k].as_u64().unwrap();
                (f["area_id"].as_str().unwrap().to_string(), (n("recent_events"), n("recent_concerns")))
            })
            .collect();
        let share = summary["concern_share"].as_f64().unwrap();
        let unit = &summary["study_areas"][0];
        Truth { counts, recent, share, moments: (unit["mean"].as_f64().unwrap(), unit["std"].as_f64().unwrap()) }
    }

    /// Adds another night's exact counts.
    fn merge(&mut self, other: Truth) {
        self.counts.extend(other.counts);
    }
}

/// P(X ≥ k) for X ~ Binomial(n, p), summed term by term.
fn binomial_tail(k: u64, n: u64, p: f64) -> f64 {
    let mut term = (1.0 - p).powi(n as i32); // P(X = 0)
    let mut tail = 0.0;
    for j in 0..=n {
        if j >= k {
            tail += term;
        }
        term *= (n - j) as f64 / (j + 1) as f64 * p / (1.0 - p);
    }
    tail.min(1.0)
}

/// Tries every (events, concern reports) of up to 300 events against each published
/// `unmet_concern_p`.
fn p_value_inversion(public: &Path, truth: &Truth, m: u64) -> Vec<Leak> {
    let mut leaks = Vec::new();
    for f in features(&read_json(&public.join("patrol_areas.geojson"))) {
        let Some(p) = f.get("unmet_concern_p").and_then(Value::as_f64) else { continue };
        let mut ns: Vec<u64> = (1..=300u64)
            .filter(|&n| (0..=n).any(|k| (binomial_tail(k, n, truth.share) - p).abs() <= 1e-9 * p.max(1e-300)))
            .collect();
        ns.dedup();
        if let [n] = ns[..] {
            let id = f["area_id"].as_str().unwrap();
            let exact = truth.recent[id].0;
            assert_eq!(
                n, exact,
                "p-value inversion of {id} found {n} events, not the true {exact}: the attack is wrong"
            );
            if (1..m).contains(&n) {
                leaks.push(Leak {
                    attack: "p-value inversion (unmet_concern_p)",
                    target: id.to_string(),
                    recovered: n,
                });
            }
        }
    }
    leaks
}

/// Ranges for sums of hidden counts, narrowed against each other.
struct Constraints {
    /// Variable per hidden (cell, bin).
    var: HashMap<(String, String), usize>,
    keys: Vec<(String, String)>,
    bounds: Vec<(f64, f64)>,
    /// (variables, lowest, highest sum).
    sums: Vec<(Vec<usize>, f64, f64, &'static str)>,
    m: u64,
}

impl Constraints {
    fn new(m: u64) -> Self {
        Constraints { var: HashMap::new(), keys: Vec::new(), bounds: Vec::new(), sums: Vec::new(), m }
    }

    fn var(&mut self, key: (String, String)) -> usize {
        if let Some(&v) = self.var.get(&key) {
            return v;
        }
        self.keys.push(key.clone());
        self.bounds.push((0.0, (self.m - 1) as f64));
        self.var.insert(key, self.keys.len() - 1);
        self.keys.len() - 1
    }

    /// Narrows until nothing changes; returns the variables pinned to one value.
    fn propagate(&mut self) -> Vec<(usize, u64)> {
        for _round in 0..200 {
            let mut changed = false;
            for (vars, lo, hi, _) in &self.sums {
                let sum_lo: f64 = vars.iter().map(|&v| self.bounds[v].0).sum();
                let sum_hi: f64 = vars.iter().map(|&v| self.bounds[v].1).sum();
                for &v in vars {
                    let (a, b) = self.bounds[v];
                    let new_a = a.max((lo - (sum_hi - b) - 1e-6).ceil());
                    let new_b = b.min((hi - (sum_lo - a) + 1e-6).floor());
                    if new_a > a || new_b < b {
                        self.bounds[v] = (new_a, new_b);
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        self.bounds.iter().enumerate().filter(|(_, (a, b))| a == b).map(|(v, (a, _))| (v, *a as u64)).collect()
    }
}

/// The rule a file's sums follow: today's protected sums (the public summary states a policy),
/// or the rounding to a multiple of the threshold of earlier versions.
#[derive(Clone, Copy, PartialEq)]
enum SumRule {
    Protected,
    Rounded,
}

/// The range of the hidden parts' total of a sum published as `published`, with `shown` the
/// total of its shown parts and `k` hidden parts.
fn hidden_range(rule: SumRule, published: Option<u64>, shown: u64, k: u64, m: u64) -> (f64, f64) {
    let most = (k * (m - 1)) as f64;
    match (rule, published) {
        (_, _) if k == 0 => (0.0, 0.0),
        (SumRule::Rounded, Some(s)) => (
            (s as f64 - (m / 2) as f64 - shown as f64).max(0.0),
            (s as f64 + (m.div_ceil(2)) as f64 - 1.0 - shown as f64).min(most),
        ),
        (SumRule::Rounded, None) => (0.0, (m as f64 - 1.0 - shown as f64).min(most)),
        (SumRule::Protected, published) => {
            let cap = (k - 1) * (m - 1) / m * m;
            let r = published.map_or(0, |s| s - shown);
            if published.is_none() && cap == 0 {
                (0.0, most)
            } else if r < cap {
                (r as f64, (r + m - 1) as f64)
            } else {
                (r as f64, most)
            }
        }
    }
}

/// One night's public figures, turned into ranges over the hidden counts.
fn add_night(c: &mut Constraints, public: &Path, truth: &Truth) {
    let summary = read_json(&public.join("summary.json"));
    let rule = if summary.get("privacy").is_some() { SumRule::Protected } else { SumRule::Rounded };
    let m = summary["parameters"]["min_count"].as_u64().unwrap();
    let bins: Vec<String> =
        summary["window"]["bin_starts"].as_array().unwrap().iter().map(|b| b.as_str().unwrap().to_string()).collect();
    let t = bins.len();
    let layer = read_json(&public.join("hotspots.geojson"));
    type Props = serde_json::Map<String, Value>;
    let cells: Vec<(String, Vec<Option<u64>>, &Props)> = features(&layer)
        .into_iter()
        .map(|f| (f["h3"].as_str().unwrap().to_string(), series(f["series"].as_str().unwrap()), f))
        .collect();
    let position: HashMap<&str, usize> = cells.iter().enumerate().map(|(i, (h, _, _))| (h.as_str(), i)).collect();
    // Hidden parts and shown total of a set of (cell position, bin).
    let parts = |c: &mut Constraints, set: &mut dyn Iterator<Item = (usize, usize)>| -> (Vec<usize>, u64) {
        let (mut vars, mut shown) = (Vec::new(), 0);
        for (i, b) in set {
            match cells[i].1[b] {
                Some(v) => shown += v,
                None => vars.push(c.var((cells[i].0.clone(), bins[b].clone()))),
            }
        }
        (vars, shown)
    };
    let push = |c: &mut Constraints, vars: Vec<usize>, lo: f64, hi: f64, what: &'static str| {
        if !vars.is_empty() {
            c.sums.push((vars, lo, hi, what));
        }
    };
    // Each cell's total.
    for (i, cell) in cells.iter().enumerate() {
        let (vars, shown) = parts(c, &mut (0..t).map(|b| (i, b)));
        let total = cell.2.get("count_total").and_then(Value::as_u64);
        let (lo, hi) = hidden_range(rule, total, shown, vars.len() as u64, m);
        push(c, vars, lo, hi, "cell total");
    }
    // The city's total per bin and over the window (exact in earlier versions).
    let cube = &summary["cube"];
    for b in 0..t {
        let (vars, shown) = parts(c, &mut (0..cells.len()).map(|i| (i, b)));
        let (lo, hi) = hidden_range(rule, cube["events_per_bin"][b].as_u64(), shown, vars.len() as u64, m);
        push(c, vars, lo, hi, "city per bin");
    }
    let (vars, shown) = parts(c, &mut (0..cells.len()).flat_map(|i| (0..t).map(move |b| (i, b))));
    let events = cube["events"].as_u64();
    let (lo, hi) = if rule == SumRule::Rounded {
        let h = (events.unwrap() - shown) as f64;
        (h, h)
    } else {
        hidden_range(rule, events, shown, vars.len() as u64, m)
    };
    push(c, vars, lo, hi, "city total");
    // Each patrol area's final bin: the sum over the cells whose centres lie in its outline.
    if rule == SumRule::Protected {
        let areas = read_json(&public.join("patrol_areas.geojson"));
        for f in areas["features"].as_array().unwrap() {
            let shape = multipolygon(&f["geometry"]);
            let inside: Vec<usize> = (0..cells.len())
                .filter(|&i| {
                    let ll = h3o::LatLng::from(cells[i].0.parse::<CellIndex>().unwrap());
                    geo::Contains::contains(&shape, &geo::Point::new(ll.lng(), ll.lat()))
                })
                .collect();
            assert_eq!(inside.len() as u64, f["properties"]["cells"].as_u64().unwrap(), "the area's cells");
            let (vars, shown) = parts(c, &mut inside.iter().map(|&i| (i, t - 1)));
            let last = f["properties"]["last_bin"].as_u64();
            let (lo, hi) = hidden_range(rule, last, shown, vars.len() as u64, m);
            push(c, vars, lo, hi, "area last bin");
        }
        // Each district's total over its own per-bin counts (the report's sparklines show them).
        for d in summary["districts"].as_array().unwrap() {
            let name = d["name"].as_str().unwrap().to_string();
            let last = d["events_last_bin"].as_u64();
            let (mut vars, mut shown) = (Vec::new(), 0);
            match last {
                Some(v) => shown += v,
                None => vars.push(c.var((format!("district {name}"), bins[t - 1].clone()))),
            }
            // The other bins are not in the public summary: each is a hidden part to the attacker.
            for b in &bins[..t - 1] {
                vars.push(c.var((format!("district {name}"), b.clone())));
            }
            let (lo, hi) = hidden_range(rule, d["events"].as_u64(), shown, vars.len() as u64, m);
            push(c, vars, lo, hi, "district total");
        }
        // Each space-time scan cluster (with --scan): its cells over its bins.
        for cluster in summary.get("scan").and_then(Value::as_array).into_iter().flatten() {
            let from = bins.iter().position(|b| b == cluster["start"].as_str().unwrap()).expect("a bin start");
            let members: Vec<usize> =
                cluster["cells"].as_array().unwrap().iter().map(|h| position[h.as_str().unwrap()]).collect();
            let (vars, shown) = parts(c, &mut members.iter().flat_map(|&i| (from..t).map(move |b| (i, b))));
            let (lo, hi) = hidden_range(rule, cluster["observed"].as_u64(), shown, vars.len() as u64, m);
            push(c, vars, lo, hi, "scan cluster");
        }
    }
    // Gi* of the final bin: the neighbourhood's sum from z, or a range from the confidence bin.
    let stats = &summary["parameters"]["statistics"];
    let (k, window) = (stats["k"].as_u64().unwrap() as u32, stats["time_window"].as_u64().unwrap() as usize);
    let (mean, s) = truth.moments;
    let n = (cells.len() * t) as f64;
    for (h3, _, f) in &cells {
        let cell: CellIndex = h3.parse().unwrap();
        let ring: Vec<usize> =
            cell.grid_disk::<Vec<_>>(k).iter().filter_map(|x| position.get(x.to_string().as_str()).copied()).collect();
        let from = (t - 1).saturating_sub(window);
        let hood: Vec<(usize, usize)> = ring.iter().flat_map(|&j| (from..t).map(move |b| (j, b))).collect();
        let w = hood.len() as f64;
        let scale = s * ((n * w - w * w) / (n - 1.0)).sqrt();
        let (z_lo, z_hi) = if let Some(z) = f.get("z").and_then(Value::as_f64) {
            (z - 1e-9, z + 1e-9)
        } else if let Some(bin) = f.get("gi_bin").and_then(Value::as_i64) {
            let edges = [0.0, 1.6448536269514722, 1.959963984540054, 2.5758293035489004, f64::INFINITY];
            let a = bin.unsigned_abs() as usize;
            let (lo, hi) = if a == 0 { (-edges[1], edges[1]) } else { (edges[a], edges[a + 1]) };
            if bin < 0 { (-hi, -lo) } else { (lo, hi) }
        } else {
            continue;
        };
        let (vars, shown) = parts(c, &mut hood.into_iter());
        let lo = z_lo * scale + mean * w - shown as f64;
        let hi = z_hi * scale + mean * w - shown as f64;
        push(c, vars, lo, hi, "Gi* neighbourhood");
    }
}

/// A GeoJSON Polygon or MultiPolygon as a `geo::MultiPolygon`.
fn multipolygon(geometry: &Value) -> geo::MultiPolygon<f64> {
    let ring = |r: &Value| -> geo::LineString<f64> {
        r.as_array().unwrap().iter().map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap())).collect()
    };
    let polygon = |p: &Value| {
        let rings = p.as_array().unwrap();
        geo::Polygon::new(ring(&rings[0]), rings[1..].iter().map(ring).collect())
    };
    match geometry["type"].as_str().unwrap() {
        "Polygon" => geo::MultiPolygon::new(vec![polygon(&geometry["coordinates"])]),
        _ => geo::MultiPolygon::new(geometry["coordinates"].as_array().unwrap().iter().map(polygon).collect()),
    }
}

/// Every attack on the nights given (public folder, internal folder), in order.
fn attack(nights: &[(&Path, &Path)]) -> Vec<Leak> {
    let mut truth = Truth::of(nights[0].1);
    for (_, internal) in &nights[1..] {
        truth.merge(Truth::of(internal));
    }
    let m = read_json(&nights[0].0.join("summary.json"))["parameters"]["min_count"].as_u64().unwrap();
    let mut leaks = Vec::new();
    for (public, _) in nights {
        leaks.extend(p_value_inversion(public, &truth, m));
    }
    let mut c = Constraints::new(m);
    for (public, internal) in nights {
        let night = Truth::of(internal);
        add_night(&mut c, public, &night);
    }
    for (v, value) in c.propagate() {
        let key = &c.keys[v];
        // A district's bin has no exact value in `internal/` to check against: a pin counts.
        if let Some(&exact) = truth.counts.get(key) {
            assert_eq!(
                value, exact,
                "differencing pinned {key:?} to {value}, not the true {exact}: the attack is wrong"
            );
        }
        if (1..m).contains(&value) {
            let mut how: Vec<&str> = c.sums.iter().filter(|s| s.0.contains(&v)).map(|s| s.3).collect();
            how.dedup();
            let how = how.join(" + ");
            leaks.push(Leak {
                attack: "differencing",
                target: format!("{} {} via {how}", key.0, key.1),
                recovered: value,
            });
        }
    }
    leaks
}

fn assert_no_leak(what: &str, leaks: &[Leak]) {
    assert!(
        leaks.is_empty(),
        "{what}: {} hidden counts recovered, e.g. {:?}",
        leaks.len(),
        &leaks[..leaks.len().min(5)]
    );
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

#[test]
fn the_suite_finds_both_leaks_of_the_outputs_before_the_policy() {
    let s = Scratch::new();
    // The outputs of ce14934 were made without an effort log.
    s.run(&["analyze", "--teams", "12", "--effort", "none", "--out", "out", "--quiet"]).ok();
    let old = fixture("disclosure-ce14934");
    let leaks = attack(&[(&old, &s.path("out/internal"))]);
    let p_leaks: Vec<&Leak> = leaks.iter().filter(|l| l.attack.starts_with("p-value")).collect();
    assert!(!p_leaks.is_empty(), "unmet_concern_p of hidden areas gives their counts back: {leaks:?}");
    eprintln!("{} leaks in the outputs before the policy: {leaks:?}", leaks.len());
    let gi = leaks.iter().find(|l| l.target.starts_with("881126d065fffff") && l.target.contains("Gi*"));
    assert!(
        gi.is_some_and(|l| l.recovered == 4),
        "the final-week count of 881126d065fffff (4) from the Gi* z: {leaks:?}"
    );
}

#[test]
fn the_public_outputs_of_the_sample_hold_at_min_count_5_and_10() {
    let s = Scratch::new();
    for m in ["5", "10"] {
        let out = format!("out{m}");
        s.run(&["analyze", "--out", &out, "--min-count", m, "--scan", "--scan-replicates", "19", "--quiet"]).ok();
        assert!(s.path(&out).join("public/clusters.geojson").is_file());
        let leaks = attack(&[(&s.path(&out).join("public"), &s.path(&out).join("internal"))]);
        assert_no_leak(&format!("sample, --min-count {m}"), &leaks);
    }
}

#[test]
fn two_nights_of_the_sample_do_not_difference_into_a_hidden_count() {
    let s = Scratch::new();
    s.run(&["analyze", "--out", "night1", "--until", "2026-10-26", "--quiet"]).ok();
    s.run(&["analyze", "--out", "night2", "--until", "2026-11-02", "--quiet"]).ok();
    let leaks = attack(&[
        (&s.path("night1/public"), &s.path("night1/internal")),
        (&s.path("night2/public"), &s.path("night2/internal")),
    ]);
    assert_no_leak("two nights", &leaks);
}

#[test]
fn synthetic_cities_hold_for_seeds_1_to_5() {
    let s = Scratch::new();
    for seed in 1..=5 {
        let input = format!("synth{seed}.parquet");
        s.run(&["synth", "--events", "20000", "--weeks", "26", "--seed", &seed.to_string(), "--out", &input]).ok();
        for m in ["5", "10"] {
            let out = format!("out{seed}-{m}");
            s.run(&["analyze", &input, "--out", &out, "--min-count", m, "--quiet"]).ok();
            let leaks = attack(&[(&s.path(&out).join("public"), &s.path(&out).join("internal"))]);
            assert_no_leak(&format!("synth seed {seed}, --min-count {m}"), &leaks);
        }
    }
}

/// Rows at a cell's centre in the final bin (local noon on its third day).
fn rows_at(cells: &[(CellIndex, usize)], day: &str) -> Vec<(f64, f64, String)> {
    let date = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap() + chrono::Days::new(2);
    cells
        .iter()
        .flat_map(|&(cell, n)| {
            let ll = h3o::LatLng::from(cell);
            (0..n).map(move |i| (ll.lat(), ll.lng(), format!("{date}T12:{:02}:00", i)))
        })
        .collect()
}

#[test]
fn adversarial_small_cells_next_to_busy_ones_and_a_lone_event_hold() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Float64Array, StringArray};

    let s = Scratch::new();
    s.run(&["synth", "--events", "20000", "--weeks", "26", "--seed", "1", "--out", "e.parquet", "-q"]).ok();
    s.run(&["analyze", "e.parquet", "--districts", "builtin", "--out", "first", "-q"]).ok();
    let exact = read_json(&s.path("first/internal/hotspots.geojson"));
    let cells: Vec<(CellIndex, u64, Option<String>)> = features(&exact)
        .iter()
        .map(|f| {
            let total = series(f["series"].as_str().unwrap()).iter().map(|v| v.unwrap()).sum();
            (f["h3"].as_str().unwrap().parse().unwrap(), total, f["district"].as_str().map(String::from))
        })
        .collect();
    let empty: Vec<CellIndex> = cells.iter().filter(|c| c.1 == 0).map(|c| c.0).collect();
    // Near the busiest cells (within two rings), four empty cells get 1, 2, 3 and 4 events.
    let mut busy: Vec<&(CellIndex, u64, Option<String>)> = cells.iter().collect();
    busy.sort_by_key(|c| std::cmp::Reverse(c.1));
    let mut planted: Vec<(CellIndex, usize)> = Vec::new();
    for b in &busy {
        if planted.len() == 4 {
            break;
        }
        let near = b.0.grid_disk::<Vec<_>>(2);
        if let Some(&n) = near.iter().find(|n| empty.contains(n) && !planted.iter().any(|p| p.0 == **n)) {
            planted.push((n, planted.len() + 1));
        }
    }
    // A lone event in the district with the fewest events (in an empty cell of it).
    let mut by_district: HashMap<&str, u64> = HashMap::new();
    for c in &cells {
        if let Some(d) = &c.2 {
            *by_district.entry(d).or_default() += c.1;
        }
    }
    let quiet = by_district.iter().min_by_key(|(d, n)| (**n, **d)).map(|(d, _)| *d).unwrap();
    let lone =
        cells.iter().find(|c| c.1 == 0 && c.2.as_deref() == Some(quiet)).expect("an empty cell in the quiet district");
    planted.push((lone.0, 1));
    assert_eq!(planted.len(), 5, "{planted:?}");
    let bins = read_json(&s.path("first/internal/summary.json"))["window"]["bin_starts"].clone();
    let last = bins.as_array().unwrap().last().unwrap().as_str().unwrap().to_string();
    let rows = rows_at(&planted, &last);
    crate::harness::write_parquet(
        &s.path("planted.parquet"),
        vec![
            ("lat", Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.0))) as ArrayRef),
            ("lon", Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.1))) as ArrayRef),
            ("occurred_at", Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.2.as_str()))) as ArrayRef),
            ("kind", Arc::new(StringArray::from(vec!["concern"; rows.len()])) as ArrayRef),
        ],
    );
    for m in ["5", "10"] {
        let out = format!("o{m}");
        s.run(&[
            "analyze",
            "e.parquet",
            "planted.parquet",
            "--districts",
            "builtin",
            "--out",
            &out,
            "--min-count",
            m,
            "-q",
        ])
        .ok();
        // The planted counts are really there, and hidden.
        let truth = Truth::of(&s.path(&out).join("internal"));
        for &(cell, n) in &planted {
            assert_eq!(truth.counts[&(cell.to_string(), last.clone())], n as u64, "{cell}");
        }
        let leaks = attack(&[(&s.path(&out).join("public"), &s.path(&out).join("internal"))]);
        assert_no_leak(&format!("adversarial, --min-count {m}"), &leaks);
    }
}

#[test]
fn every_public_file_is_listed_by_the_public_summary_and_only_publish_names_the_folders() {
    let s = Scratch::new();
    s.run(&["analyze", "--out", "o", "-q"]).ok();
    let listed = read_json(&s.path("o/public/summary.json"))["outputs"].as_object().unwrap().clone();
    let mut files: Vec<String> = s.files_under("o/public").into_iter().map(|f| format!("public/{f}")).collect();
    files.retain(|f| f != "public/summary.json");
    let keys: Vec<String> = listed.keys().cloned().collect();
    assert_eq!(files, keys, "a file in public/ the policy did not write, or one it lists that is missing");
    for (file, sha) in &listed {
        let bytes = std::fs::read(s.path(&format!("o/{file}"))).unwrap();
        assert_eq!(hotspots_core::digest::sha256_hex(&bytes[..]).unwrap(), sha.as_str().unwrap(), "{file}");
    }
    // Outside `publish/`, no code names the audience folders: every path into them comes from
    // `publish::output_path`, so nothing can write into `public/` around the policy.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut offenders = Vec::new();
    let mut stack = vec![root.join("crates")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = e.path();
            if path.is_dir() {
                if !path.ends_with("publish") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for needle in ["join(\"public", "join(\"internal", "\"public/", "\"internal/", ".folder()"] {
                    if text.contains(needle) {
                        offenders.push(format!("{} names {needle}", path.display()));
                    }
                }
            }
        }
    }
    assert!(offenders.is_empty(), "{offenders:?}");
}

#[test]
fn nested_jobs_are_not_both_published_and_disjoint_ones_are() {
    let s = Scratch::new();
    s.run(&["synth", "--events", "20000", "--weeks", "26", "--seed", "3", "--out", "e.parquet", "-q"]).ok();
    std::fs::write(
        s.path("nested.toml"),
        "inputs = [\"e.parquet\"]\nout = \"nested\"\n[[jobs]]\nname = \"all\"\n\
         [[jobs]]\nname = \"concerns\"\nkind = \"concern\"\n",
    )
    .unwrap();
    let run = s.run(&["analyze", "--config", "nested.toml", "-q"]);
    run.ok();
    assert!(run.stderr().contains("job concerns (concern reports) is not published"), "{}", run.stderr());
    assert_eq!(s.files_in("nested/public"), ["all"]);
    assert_eq!(s.files_in("nested/internal"), ["all", "concerns", "rejects.parquet"]);
    // Subtracting concern reports from all events per cell and bin would give the encounters:
    // with both published, some of them would be small counts. Check that the attack was real.
    let all = read_json(&s.path("nested/internal/all/hotspots.geojson"));
    let concerns = read_json(&s.path("nested/internal/concerns/hotspots.geojson"));
    let small_differences = features(&all)
        .iter()
        .zip(features(&concerns))
        .flat_map(|(a, b)| {
            let (a, b) = (series(a["series"].as_str().unwrap()), series(b["series"].as_str().unwrap()));
            a.into_iter().zip(b).map(|(x, y)| (x.unwrap(), y.unwrap())).collect::<Vec<_>>()
        })
        .filter(|&(x, y)| x >= 5 && y >= 5 && (1..5).contains(&(x - y)))
        .count();
    assert!(small_differences > 0, "the nested jobs would have leaked");
    // Encounters and concern reports are disjoint: neither holds the other, both are published.
    std::fs::write(
        s.path("disjoint.toml"),
        "inputs = [\"e.parquet\"]\nout = \"disjoint\"\n[[jobs]]\nname = \"encounters\"\nkind = \"encounter\"\n\
         [[jobs]]\nname = \"concerns\"\nkind = \"concern\"\n",
    )
    .unwrap();
    s.run(&["analyze", "--config", "disjoint.toml", "-q"]).ok();
    assert_eq!(s.files_in("disjoint/public"), ["concerns", "encounters"]);
}
