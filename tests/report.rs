//! The report a planner opens: the plan on the map (one outlined path per patrol area with its
//! rank, the landmarks), one printed A4 page per team with that team's areas only (rendered by
//! Chromium, read back with pdftotext), Finnish and Swedish with no English interface text, and
//! what changed since the last run, checked against the two runs' own layers.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use hotspots_core::publish::lang::TEXTS;

use crate::harness::{Scratch, read_json};

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The `name` of every feature of a bundled GeoJSON layer.
fn names_in(layer: &str) -> Vec<String> {
    let layer: serde_json::Value = serde_json::from_str(&repo_file(layer)).unwrap();
    layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["name"].as_str().unwrap().to_string())
        .collect()
}

/// The text a reader sees: the page without its style, tags and entities.
fn visible_text(html: &str) -> String {
    let body = &html[html.find("<body>").unwrap()..];
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// (rank, team) of every feature of a `patrol_areas.geojson`.
fn areas(path: &Path) -> Vec<(u64, Option<u64>)> {
    read_json(path)["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["properties"]["rank"].as_u64().unwrap(), f["properties"]["team"].as_u64()))
        .collect()
}

/// The part of the report holding the main map.
fn main_map(html: &str) -> &str {
    let start = html.find(r#"<svg class="map" id="map""#).expect("the main map");
    &html[start..start + html[start..].find("</svg>").unwrap()]
}

#[test]
fn the_map_outlines_every_patrol_area_with_its_rank_and_marks_the_landmarks() {
    let s = Scratch::new();
    s.run(&["analyze", "--out", "o", "-q"]).ok();
    let html = std::fs::read_to_string(s.path("o/public/report.html")).unwrap();
    let map = main_map(&html);
    let ranks: Vec<u64> = areas(&s.path("o/public/patrol_areas.geojson")).iter().map(|a| a.0).collect();
    assert!(ranks.len() >= 10, "{ranks:?}");
    assert_eq!(map.matches(r#"<path class="area" "#).count(), ranks.len(), "one outlined path per area");
    for rank in &ranks {
        assert_eq!(map.matches(&format!(r#"<path class="area" data-rank="{rank}""#)).count(), 1, "area {rank}");
        let badge = map.find(&format!(r#"<g class="rank" data-rank="{rank}">"#)).expect("a rank badge");
        assert!(map[badge..].split("</g>").next().unwrap().contains(&format!(">{rank}</text>")), "area {rank}");
    }
    // Every bundled landmark lies in the sample's city and is on the map with its name (as a
    // label where one fits clear of the badges and other names; on hover always).
    let landmarks = names_in("data/landmarks.geojson");
    assert_eq!(map.matches(r#"<g class="landmark">"#).count(), landmarks.len());
    for name in &landmarks {
        assert!(map.contains(&format!("<title>{name}</title></g>")), "landmark {name}");
    }
    let labelled = landmarks.iter().filter(|name| map.contains(&format!(">{name}</text>"))).count();
    assert!(labelled * 3 >= landmarks.len() * 2, "{labelled} of {} landmark names shown", landmarks.len());
    assert!(map.contains(r#"<g class="scale">"#), "a scale bar");
    // Area 1 of the sample is the planted Kivistö cluster: named by its landmark.
    assert!(html.contains("Kivistö station"), "where the areas are");
    // Each area on its team's page has its mix of needs: shares of the published categories,
    // which add up to 100 % but for rounding.
    // Areas there to explore a blind spot have few events, often none published: their mix may
    // be a dash.
    let layer = read_json(&s.path("o/public/patrol_areas.geojson"));
    let exploring: Vec<u64> = layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["properties"]["purpose"] == "explore")
        .map(|f| f["properties"]["rank"].as_u64().unwrap())
        .collect();
    assert!(!exploring.is_empty(), "the sample's effort log gives blind spots to explore");
    let cards: Vec<&str> = html.split(r#"<div class="area" data-rank=""#).skip(1).collect();
    assert_eq!(cards.len(), ranks.len());
    for card in cards {
        let rank: u64 = card.split('"').next().unwrap().parse().unwrap();
        if exploring.contains(&rank) {
            continue;
        }
        let mix =
            card.split("<dt>Mix of needs</dt><dd>").nth(1).expect("a mix of needs").split("</dd>").next().unwrap();
        let shares: Vec<f64> = mix
            .split(" · ")
            .map(|part| part.split("&nbsp;%").next().unwrap().rsplit(' ').next().unwrap().parse().unwrap())
            .collect();
        let sum: f64 = shares.iter().sum();
        assert!((97.0..=103.0).contains(&sum), "{mix}");
        assert!(mix.contains("substance use"), "{mix}");
    }

    // A user's own landmarks replace the bundled ones; `none` draws none.
    std::fs::write(
        s.path("mine.geojson"),
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"Testitori","type":"square"},"geometry":{"type":"Point","coordinates":[24.9414,60.1710]}}]}"#,
    )
    .unwrap();
    s.run(&["analyze", "--out", "m", "-q", "--landmarks", "mine.geojson"]).ok();
    let html = std::fs::read_to_string(s.path("m/public/report.html")).unwrap();
    let map = main_map(&html);
    assert_eq!(map.matches(r#"<g class="landmark">"#).count(), 1);
    assert!(map.contains(">Testitori</text>") && !map.contains("Maunula park"));
    s.run(&["analyze", "--out", "n", "-q", "--landmarks", "none"]).ok();
    let html = std::fs::read_to_string(s.path("n/public/report.html")).unwrap();
    assert_eq!(main_map(&html).matches(r#"<g class="landmark">"#).count(), 0);
    let bad = s.run(&["analyze", "--out", "b", "-q", "--landmarks", "o/public/summary.json"]);
    assert_ne!(bad.code(), 0);
    assert!(bad.stderr().contains("summary.json") && bad.stderr().contains("landmarks layer"), "{}", bad.stderr());
}

/// Chromium and pdftotext, or `None` (CI installs both and sets `HOTSPOTS_REQUIRE_CHROMIUM`).
fn pdf_tools() -> Option<()> {
    let found = |tool: &str, flag: &str| Command::new(tool).arg(flag).output().is_ok_and(|o| o.status.success());
    if found("chromium", "--version") && found("pdftotext", "-v") {
        return Some(());
    }
    assert!(std::env::var_os("HOTSPOTS_REQUIRE_CHROMIUM").is_none(), "chromium and pdftotext are required");
    eprintln!("skipped: chromium or pdftotext (poppler-utils) is not installed");
    None
}

#[test]
fn each_team_prints_on_a_page_of_its_own_with_its_areas_only() {
    if pdf_tools().is_none() {
        return;
    }
    let s = Scratch::new();
    s.run(&["analyze", "--out", "o", "-q", "--teams", "Helsinki=2,Vantaa=2"]).ok();
    let report = s.path("o/public/report.html");
    let pdf = s.path("report.pdf");
    let status = Command::new("chromium")
        .args(["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-pdf-header-footer"])
        .arg(format!("--user-data-dir={}", s.path("chromium").display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", report.display()))
        .output()
        .unwrap();
    assert!(pdf.is_file(), "chromium wrote no PDF: {}", String::from_utf8_lossy(&status.stderr));
    let out = Command::new("pdftotext").arg("-layout").arg(&pdf).arg(s.path("report.txt")).output().unwrap();
    assert!(out.status.success());
    let text = std::fs::read_to_string(s.path("report.txt")).unwrap();
    let pages: Vec<&str> = text.split('\u{c}').collect();
    // Each team's page starts with its heading (a page break before it).
    let first_line = |page: &str| page.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("").to_string();
    let starts: Vec<(usize, u64)> = pages
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let line = first_line(p);
            let n = line.strip_prefix("Team ")?.split(" · ").next()?.parse().ok()?;
            Some((i, n))
        })
        .collect();
    assert_eq!(starts.iter().map(|s| s.1).collect::<Vec<_>>(), [1, 2, 3, 4], "{text}");
    let mut want: BTreeMap<u64, BTreeSet<u64>> = BTreeMap::new();
    for (rank, team) in areas(&s.path("o/public/patrol_areas.geojson")) {
        want.entry(team.expect("every area has a team")).or_default().insert(rank);
    }
    for (k, &(first, team)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(pages.len(), |s| s.0);
        let body: String = pages[first..end].concat();
        assert!(!body.trim().is_empty());
        // Nothing of the team's spills past its page (the last page may be the empty tail).
        assert!(pages[first + 1..end].iter().all(|p| p.trim().is_empty()), "team {team} takes more than a page");
        let got: BTreeSet<u64> = body
            .match_indices("Area ")
            .filter_map(|(i, _)| {
                let rest = &body[i + 5..];
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                rest[digits.len()..].starts_with(" ·").then(|| digits.parse().ok()).flatten()
            })
            .collect();
        assert_eq!(got, want[&team], "team {team}'s page:\n{}", pages[first]);
    }
}

#[test]
fn finnish_and_swedish_reports_hold_no_english_interface_text() {
    let s = Scratch::new();
    let mut names: Vec<String> = ["data/districts.geojson", "data/landmarks.geojson", "data/services.geojson"]
        .iter()
        .flat_map(|l| names_in(l))
        .collect();
    // Longest first, so a name inside another goes with it.
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    for (lang, column, week) in [("fi", 1, "viikko 45"), ("sv", 2, "vecka 45")] {
        let out = format!("o-{lang}");
        // Finnish from the flag, Swedish from the configuration file.
        if lang == "fi" {
            s.run(&["analyze", "--out", &out, "-q", "--lang", lang, "--backtest-steps", "4", "--scan"]).ok();
        } else {
            std::fs::write(
                s.path("sv.toml"),
                format!("lang = \"sv\"\nout = \"{out}\"\nbacktest_steps = 4\nscan = true\n"),
            )
            .unwrap();
            s.run(&["analyze", "--config", "sv.toml", "-q"]).ok();
        }
        let html = std::fs::read_to_string(s.path(&format!("{out}/public/report.html"))).unwrap();
        assert!(html.contains(&format!("<html lang=\"{lang}\">")));
        let mut text = visible_text(&html);
        for name in &names {
            text = text.replace(name.as_str(), " ");
        }
        // The interface texts that read differently in this language must not show in English.
        for row in TEXTS.iter().filter(|row| row[column] != row[0]) {
            let wordy = |f: &&str| f.split(|c: char| !c.is_ascii_alphabetic()).any(|w| w.len() >= 4);
            for fragment in row[0].split("{}").map(str::trim).filter(wordy) {
                assert!(!text.contains(fragment), "{lang} report shows English `{fragment}`");
            }
        }
        // Nor common English words, wherever they might come from.
        let words: BTreeSet<&str> = text.split(|c: char| !c.is_alphanumeric()).collect();
        for english in
            ["the", "and", "with", "from", "week", "events", "cells", "areas", "Next", "Area", "Where", "Why"]
        {
            assert!(!words.contains(english), "{lang} report shows the English word `{english}`");
        }
        // Next week is the week after the window (which ends on Monday 2 November 2026).
        assert!(text.contains(week), "{lang}: {week}");
        assert!(text.contains(if lang == "fi" { "ma 2.11.2026" } else { "mån 2.11.2026" }), "{lang}: the local date");
        // The patrol areas' label field follows the language too.
        let layer = read_json(&s.path(&format!("{out}/public/patrol_areas.geojson")));
        let label = layer["features"][0]["properties"]["label"].as_str().unwrap().to_string();
        let area = if lang == "fi" { "Alue 1 · " } else { "Område 1 · " };
        assert!(label.starts_with(area), "{label}");
    }
}

/// A cell's hot-spot level from its `category`: 0 not hot, 1 hot, 2 emerging.
fn level(category: &str) -> u8 {
    match category {
        "new_hot_spot" | "consecutive_hot_spot" | "intensifying_hot_spot" => 2,
        c if c.ends_with("_hot_spot") => 1,
        _ => 0,
    }
}

fn cell_levels(layer: &serde_json::Value) -> BTreeMap<String, u8> {
    layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = &f["properties"];
            (p["h3"].as_str().unwrap().to_string(), level(p["category"].as_str().unwrap()))
        })
        .collect()
}

fn area_ranks(layer: &serde_json::Value) -> BTreeMap<String, u64> {
    layer["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["properties"]["area_id"].as_str().unwrap().to_string(), f["properties"]["rank"].as_u64().unwrap()))
        .collect()
}

#[test]
fn two_runs_a_week_apart_report_what_changed() {
    let s = Scratch::new();
    s.run(&["analyze", "--out", "o", "-q", "--until", "2026-10-26"]).ok();
    let first = read_json(&s.path("o/public/changes.geojson"));
    assert!(first["compared_with"].is_null());
    assert_eq!(first["features"].as_array().unwrap().len(), 0);
    let html = std::fs::read_to_string(s.path("o/public/report.html")).unwrap();
    assert!(html.contains("This is the first run in this folder"));
    let before = read_json(&s.path("o/public/hotspots.geojson"));
    let areas_before = read_json(&s.path("o/public/patrol_areas.geojson"));

    s.run(&["analyze", "--out", "o", "-q", "--until", "2026-11-02"]).ok();
    let after = read_json(&s.path("o/public/hotspots.geojson"));
    let areas_after = read_json(&s.path("o/public/patrol_areas.geojson"));
    let changes = read_json(&s.path("o/public/changes.geojson"));
    assert_eq!(changes["compared_with"], "2026-10-26");

    // What changed, worked out here from the two runs' own layers.
    let (was, is) = (cell_levels(&before), cell_levels(&after));
    let mut want_cells: BTreeMap<String, &str> = BTreeMap::new();
    for h3 in was.keys().chain(is.keys()) {
        let (b, n) = (was.get(h3).copied().unwrap_or(0), is.get(h3).copied().unwrap_or(0));
        let change = match (b, n) {
            (0, 1..) => "new",
            (1.., 0) => "gone",
            (b, n) if n > b => "escalated",
            (b, n) if n < b => "calmer",
            _ => continue,
        };
        want_cells.insert(h3.clone(), change);
    }
    let (ranks_was, ranks_is) = (area_ranks(&areas_before), area_ranks(&areas_after));
    let mut want_areas: BTreeMap<String, &str> = BTreeMap::new();
    for (id, &rank) in &ranks_is {
        match ranks_was.get(id) {
            None => want_areas.insert(id.clone(), "new"),
            Some(&b) if rank < b => want_areas.insert(id.clone(), "escalated"),
            Some(&b) if rank > b => want_areas.insert(id.clone(), "calmer"),
            Some(_) => None,
        };
    }
    for id in ranks_was.keys().filter(|id| !ranks_is.contains_key(*id)) {
        want_areas.insert(id.clone(), "gone");
    }
    let mut got_cells = BTreeMap::new();
    let mut got_areas = BTreeMap::new();
    for f in changes["features"].as_array().unwrap() {
        let p = &f["properties"];
        let change = p["change"].as_str().unwrap().to_string();
        match p["kind"].as_str().unwrap() {
            "hot_spot" => got_cells.insert(p["h3"].as_str().unwrap().to_string(), change),
            _ => got_areas.insert(p["area_id"].as_str().unwrap().to_string(), change),
        };
    }
    let owned =
        |m: &BTreeMap<String, &str>| m.iter().map(|(k, v)| (k.clone(), v.to_string())).collect::<BTreeMap<_, _>>();
    assert_eq!(got_cells, owned(&want_cells));
    assert_eq!(got_areas, owned(&want_areas));
    assert!(!want_cells.is_empty(), "a week later some cells changed");

    // The report's counts are the same.
    let html = std::fs::read_to_string(s.path("o/public/report.html")).unwrap();
    for change in ["new", "escalated", "calmer", "gone"] {
        let cells = want_cells.values().filter(|c| **c == change).count();
        let areas = want_areas.values().filter(|c| **c == change).count();
        assert!(html.contains(&format!(r#"data-change="cells-{change}">{cells}<"#)), "cells {change}: {cells}");
        assert!(html.contains(&format!(r#"data-change="areas-{change}">{areas}<"#)), "areas {change}: {areas}");
    }

    // `--previous DIR` compares with another folder's run: the same run, so nothing changed.
    s.run(&["analyze", "--out", "p", "-q", "--until", "2026-11-02", "--previous", "o"]).ok();
    let same = read_json(&s.path("p/public/changes.geojson"));
    assert_eq!(same["compared_with"], "2026-11-02");
    assert_eq!(same["features"].as_array().unwrap().len(), 0);
    let wrong = s.run(&["analyze", "--out", "q", "-q", "--previous", "nowhere"]);
    assert_eq!(wrong.code(), 2, "{}", wrong.stderr());
    assert!(wrong.stderr().contains("--previous nowhere: is not a folder"), "{}", wrong.stderr());
}
