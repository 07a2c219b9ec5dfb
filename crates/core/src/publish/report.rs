//! `report.html`: one self-contained page a planner opens in a browser, with no network at all
//! (no scripts, fonts, images or styles from elsewhere), in the run's language ([`Lang`]):
//!
//! - what changed since the last run ([`Changes`]);
//! - next week's plan (ISO week and dates): a map (inline SVG drawn here) of the cells coloured
//!   by pattern, the patrol areas outlined in their team's colour with their rank, the districts
//!   with their names, the landmarks and a scale bar, with a legend; then the areas ranked, each
//!   with where it is (nearest landmark, its districts), why, when (the busiest 2–3 hours) and
//!   the nearest service;
//! - the blind spots (with an effort log: places with concern reports and little or no patrol,
//!   and which the plan explores), or, without a log, that the plan may follow past patrols;
//! - the districts ranked by emerging activity with a sparkline of their counts per bin, the
//!   backtest, the scan's clusters and the run's parameters;
//! - one page per team (a page of its own on A4 when printed): its areas in order and a map of
//!   them.
//!
//! The layout stacks its cards on a narrow screen (tables scroll inside their card). The report
//! is public: every number on it comes from the publishing policy's public figures
//! (`disclosure`) and the public summary, never from exact counts.

use std::fmt::Write as _;

use chrono::NaiveDate;
use h3o::CellIndex;

use crate::error::Result;
use crate::plan::patrol::{PatrolArea, PatrolParams, in_office_hours};
use crate::publish::changes::{Change, Changes};
use crate::publish::disclosure::Figures;
use crate::publish::lang::Lang;
use crate::publish::public_summary::PublicSummary;
use crate::publish::qgis_style::team_colour;
use crate::space::districts::Districts;
use crate::space::landmarks::Landmarks;
use crate::stats::analysis::JobStats;
use crate::stats::patterns::Pattern;

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An inline SVG line chart of the hit rate per held-out bin: the plan (solid, on top) against a
/// baseline (dashed), on a y axis fitted to both series, with the first and last bins' dates.
/// `labels`: the plan's name, the baseline's, the chart's description.
fn hit_rate_chart(plan: &[f64], baseline: &[f64], labels: &[&str; 3], (first, last): (&str, &str)) -> String {
    let [plan_name, name, aria] = *labels;
    let (w, h, left, right, top, bottom) = (560.0, 170.0, 44.0, 12.0, 22.0, 24.0);
    let all = plan.iter().chain(baseline).copied();
    let lo = all.clone().fold(f64::INFINITY, f64::min);
    let hi = all.fold(f64::NEG_INFINITY, f64::max);
    // Whole percentage points around both series, at least 4 points apart.
    let (lo, hi) = ((lo * 100.0 - 1.0).floor().max(0.0), (hi * 100.0 + 1.0).ceil().min(100.0));
    let (lo, hi) = if hi - lo < 4.0 { ((hi - 4.0).max(0.0), (hi - 4.0).max(0.0) + 4.0) } else { (lo, hi) };
    let n = plan.len().max(2) as f64 - 1.0;
    let x = |i: usize| left + (w - left - right) * i as f64 / n;
    let y = |v: f64| top + (h - top - bottom) * (1.0 - (v * 100.0 - lo) / (hi - lo));
    let line = |values: &[f64]| -> String {
        values.iter().enumerate().map(|(i, &v)| format!("{:.1},{:.1}", x(i), y(v))).collect::<Vec<_>>().join(" ")
    };
    format!(
        concat!(
            "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"{aria}\">",
            "<line x1=\"{left}\" y1=\"{ylo:.1}\" x2=\"{xr:.1}\" y2=\"{ylo:.1}\" stroke=\"#999\"/>",
            "<line x1=\"{left}\" y1=\"{yhi:.1}\" x2=\"{xr:.1}\" y2=\"{yhi:.1}\" stroke=\"#ddd\"/>",
            "<line x1=\"{left}\" y1=\"{yhi:.1}\" x2=\"{left}\" y2=\"{ylo:.1}\" stroke=\"#999\"/>",
            "<text x=\"{lt:.1}\" y=\"{yhi:.1}\" font-size=\"10\" text-anchor=\"end\" dy=\"3\">{hi:.0} %</text>",
            "<text x=\"{lt:.1}\" y=\"{ylo:.1}\" font-size=\"10\" text-anchor=\"end\" dy=\"3\">{lo:.0} %</text>",
            "<text x=\"{left}\" y=\"{yb:.1}\" font-size=\"10\">{first}</text>",
            "<text x=\"{xr:.1}\" y=\"{yb:.1}\" font-size=\"10\" text-anchor=\"end\">{last}</text>",
            "<polyline fill=\"none\" stroke=\"#2166ac\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\" points=\"{base}\"/>",
            "<polyline fill=\"none\" stroke=\"#b2182b\" stroke-width=\"2.5\" points=\"{plan}\"/>",
            "<text x=\"{left}\" y=\"13\" font-size=\"11\" fill=\"#b2182b\">— {plan_name}</text>",
            "<text x=\"{lx:.1}\" y=\"13\" font-size=\"11\" fill=\"#2166ac\">- - {name}</text>",
            "</svg>\n"
        ),
        w = w,
        h = h,
        left = left,
        lt = left - 4.0,
        xr = w - right,
        ylo = y(lo / 100.0),
        yhi = y(hi / 100.0),
        yb = h - 6.0,
        lo = lo,
        hi = hi,
        first = escape(first),
        last = escape(last),
        base = line(baseline),
        plan = line(plan),
        // After the plan's label: about 6.2 px a character at 11 px, plus a gap.
        lx = (left + 16.0 + 6.2 * (plan_name.chars().count() + 2) as f64).max(left + 60.0),
        name = escape(name),
        plan_name = escape(plan_name),
        aria = escape(aria),
    )
}

/// What the report shows.
pub struct Report<'a> {
    /// The job's public summary.
    pub summary: &'a PublicSummary,
    /// The cells, in H3 order.
    pub cells: &'a [CellIndex],
    /// The district of each cell (layer order), as `cells`.
    pub cell_districts: &'a [Option<usize>],
    /// The statistics.
    pub stats: &'a JobStats,
    /// The districts layer, if any.
    pub districts: Option<&'a Districts>,
    /// The job's public figures.
    pub figures: &'a Figures,
    /// The ranked patrol areas.
    pub patrol: &'a [PatrolArea],
    /// The plan's parameters.
    pub patrol_params: &'a PatrolParams,
    /// District names (layer order).
    pub district_names: &'a [String],
    /// The backtest, when one was run.
    pub backtest: Option<&'a crate::plan::backtest::Backtest>,
    /// The forecast model's name.
    pub forecast_model: &'a str,
    /// What changed since the previous run.
    pub changes: &'a Changes,
    /// Landmarks for orientation, when the run has them.
    pub landmarks: Option<&'a Landmarks>,
    /// The language of every visible text.
    pub lang: Lang,
    /// What is known of patrol effort, with an effort log.
    pub effort: Option<&'a crate::plan::effort::EffortView>,
    /// The plan's chosen cells (cube positions).
    pub plan_cells: &'a [usize],
}

/// An equirectangular projection of a lon/lat box onto the map's pixels, shrunk in longitude by
/// the cosine of the middle latitude so shapes look right at Helsinki's latitude.
struct Projection {
    west: f64,
    north: f64,
    scale_x: f64,
    scale_y: f64,
    width: f64,
    height: f64,
}

impl Projection {
    /// Fits `bbox` (west, south, east, north) into `width` × at most `max_height` pixels.
    fn fit(bbox: [f64; 4], width: f64, max_height: f64) -> Projection {
        let [west, south, east, north] = bbox;
        let k = ((south + north) / 2.0).to_radians().cos();
        let w = ((east - west) * k).max(1e-9);
        let h = (north - south).max(1e-9);
        let s = (width / w).min(max_height / h);
        Projection { west, north, scale_x: s * k, scale_y: s, width: w * s, height: h * s }
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        ((lon - self.west) * self.scale_x, (self.north - lat) * self.scale_y)
    }

    fn inside(&self, (x, y): (f64, f64)) -> bool {
        (-20.0..=self.width + 20.0).contains(&x) && (-20.0..=self.height + 20.0).contains(&y)
    }

    fn path(&self, ring: impl Iterator<Item = (f64, f64)>) -> String {
        let mut d = String::new();
        for (i, (lon, lat)) in ring.enumerate() {
            let (x, y) = self.xy(lon, lat);
            let _ = write!(d, "{}{x:.1},{y:.1}", if i == 0 { "M" } else { "L" });
        }
        d.push('Z');
        d
    }

    /// Metres per pixel (along a parallel at the box's middle latitude).
    fn metres_per_pixel(&self) -> f64 {
        111_320.0 / self.scale_y
    }
}

fn sparkline(values: &[Option<u64>], label: &str) -> String {
    // A series with fewer than two published values draws no line (a lone dot says nothing).
    if values.iter().flatten().count() < 2 {
        return "–".into();
    }
    let (w, h) = (120.0, 26.0);
    let max = values.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let n = values.len().max(2) as f64 - 1.0;
    let mut segments = Vec::new();
    let mut current = String::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let (x, y) = (i as f64 / n * w, h - 2.0 - (*v as f64 / max) * (h - 4.0));
                // A point between two suppressed bins still shows, as a dot.
                let lone = current.is_empty() && !matches!(values.get(i + 1), Some(Some(_)));
                let _ = write!(
                    current,
                    "{}{x:.1},{y:.1}{}",
                    if current.is_empty() { "M" } else { "L" },
                    if lone { "l0.1,0" } else { "" }
                );
            }
            None => {
                if !current.is_empty() {
                    segments.push(std::mem::take(&mut current));
                }
            }
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    format!(
        r##"<svg class="spark" viewBox="0 0 {w} {h}" preserveAspectRatio="none" role="img" aria-label="{}"><path d="{}" fill="none" stroke="#444" stroke-width="1.4" stroke-linecap="round" stroke-linejoin="round" vector-effect="non-scaling-stroke"/></svg>"##,
        escape(label),
        segments.join(" ")
    )
}

/// The busiest window of 2 or 3 consecutive hours of a weekday × hour profile (168 slots, Monday
/// 00 first), from the published slots only (a hidden slot counts as nothing, so the window says
/// nothing about it): the 3-hour window with the most events (the earliest of equals, running
/// past midnight into the next day), trimmed to 2 hours when its weaker end hour holds under a
/// sixth of it. Returns (first slot, hours); `None` when no slot is published.
pub fn busiest_window(profile: &[Option<u64>]) -> Option<(usize, usize)> {
    let n = profile.len();
    if n == 0 || profile.iter().flatten().all(|&v| v == 0) {
        return None;
    }
    let at = |i: usize| profile[i % n].unwrap_or(0);
    let (start, sum) =
        (0..n).map(|s| (s, at(s) + at(s + 1) + at(s + 2))).fold((0, 0), |best, x| if x.1 > best.1 { x } else { best });
    let (first, last) = (at(start), at(start + 2));
    if first.min(last) * 6 < sum {
        Some(if first < last { ((start + 1) % n, 2) } else { (start, 2) })
    } else {
        Some((start, 3))
    }
}

/// Whether a window of `hours` from slot `start` lies at all outside office hours
/// ([`in_office_hours`]).
fn outside_office_hours(start: usize, hours: usize) -> bool {
    (start..start + hours).any(|s| !in_office_hours((s % 168) / 24, s % 24))
}

/// A round length for a scale bar about `target` metres long.
fn scale_length(target: f64) -> f64 {
    [50.0, 100.0, 200.0, 500.0, 1_000.0, 2_000.0, 5_000.0, 10_000.0, 20_000.0, 50_000.0, 100_000.0]
        .into_iter()
        .rev()
        .find(|&l| l <= target)
        .unwrap_or(50.0)
}

/// Where a patrol area is, as a person would say it: its nearest landmark (with the distance
/// when over 400 m: "0.8 km from Kivistö station") and the districts its cells lie in, the one
/// holding most of them first ("Keskinen / Eteläinen"). `cells` are the cube's cells in H3 order
/// and `cell_districts` their districts. Empty without landmarks and districts.
pub(super) fn place_of(
    a: &PatrolArea,
    landmarks: Option<&Landmarks>,
    cells: &[CellIndex],
    cell_districts: &[Option<usize>],
    district_names: &[String],
    lang: Lang,
) -> String {
    let mut parts = Vec::new();
    if let Some(landmarks) = landmarks
        && let Some((i, metres)) = landmarks.nearest(a.centre.0, a.centre.1)
    {
        let name = landmarks.name(i, lang.code());
        if metres <= 400.0 {
            parts.push(name.to_string());
        } else {
            parts.push(lang.f("{} km from {}", &[&lang.decimal(metres / 1000.0, 1), &name]));
        }
    }
    let mut counts: Vec<(usize, usize)> = Vec::new();
    for c in &a.cells {
        if let Some(d) = cells.binary_search(c).ok().and_then(|i| cell_districts.get(i).copied().flatten()) {
            match counts.iter_mut().find(|(x, _)| *x == d) {
                Some(e) => e.1 += 1,
                None => counts.push((d, 1)),
            }
        }
    }
    counts.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
    let names: Vec<&str> = counts.iter().filter_map(|(d, _)| district_names.get(*d)).map(String::as_str).collect();
    if !names.is_empty() {
        parts.push(names.join(" / "));
    }
    parts.join(", ")
}

/// What a map draws: which cells, which areas get outlines and ranks, and its size.
struct MapSpec<'s> {
    /// Map id prefix (unique on the page).
    id: &'s str,
    /// The areas outlined and labelled (indices into the plan).
    areas: Vec<usize>,
    /// The box to show, (west, south, east, north).
    bbox: [f64; 4],
    /// Width and largest height in pixels.
    width: f64,
    max_height: f64,
}

fn grow(bbox: &mut [f64; 4], lon: f64, lat: f64) {
    bbox[0] = bbox[0].min(lon);
    bbox[1] = bbox[1].min(lat);
    bbox[2] = bbox[2].max(lon);
    bbox[3] = bbox[3].max(lat);
}

const EMPTY_BOX: [f64; 4] = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];

/// Whether a `#rrggbb` colour is light enough that text on it should be black.
fn is_light(hex: &str) -> bool {
    let (r, g, b) = crate::publish::qgis_style::rgb(hex);
    0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b) > 150.0
}

/// The boxes already taken on a map (x0, y0, x1, y1 in pixels), for placing labels greedily
/// where they cover nothing else and stay inside the map.
struct Labels {
    taken: Vec<[f64; 4]>,
    width: f64,
    height: f64,
}

impl Labels {
    fn free(&self, b: [f64; 4]) -> bool {
        b[0] >= 0.0
            && b[1] >= 0.0
            && b[2] <= self.width
            && b[3] <= self.height
            && self.taken.iter().all(|t| b[2] <= t[0] || b[0] >= t[2] || b[3] <= t[1] || b[1] >= t[3])
    }

    /// The first of the badge centres `spots` (a 22 px circle) that is free, else the first;
    /// taken either way.
    fn place_badge(&mut self, spots: &[(f64, f64)]) -> (f64, f64) {
        let boxed = |&(x, y): &(f64, f64)| [x - 11.0, y - 11.0, x + 11.0, y + 11.0];
        let (x, y) = spots.iter().copied().find(|s| self.free(boxed(s))).unwrap_or(spots[0]);
        self.taken.push(boxed(&(x, y)));
        (x, y)
    }

    /// The first of the text spots (x, baseline y, width, anchored at its end) whose box of
    /// `height` is free, taken; `None` when none is.
    fn place_text(&mut self, spots: &[(f64, f64, f64, bool)], height: f64) -> Option<(f64, f64, bool)> {
        for &(x, y, width, end) in spots {
            let left = if end { x - width } else { x };
            let b = [left, y - height + 2.0, left + width, y + 3.0];
            if self.free(b) {
                self.taken.push(b);
                return Some((x, y, end));
            }
        }
        None
    }
}

impl Report<'_> {
    fn t(&self, en: &'static str) -> &'static str {
        self.lang.t(en)
    }

    /// The local date of `text` (`YYYY-MM-DD`), in this language.
    fn date(&self, text: &str) -> String {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").map_or_else(|_| escape(text), |d| self.lang.date(d))
    }

    fn number(&self, v: f64, places: usize) -> String {
        self.lang.decimal(v, places)
    }

    /// The job's selection (`all events`, `concern reports, category x` …) in this language.
    fn selection(&self) -> String {
        let text = &self.summary.selection;
        let (kind, category) = match text.split_once(", category ") {
            Some((kind, category)) => (kind, Some(category)),
            None => (text.as_str(), None),
        };
        let kind = match kind {
            "all events" => self.t("all events"),
            "encounters" => self.t("encounters"),
            "concern reports" => self.t("concern reports"),
            other => other,
        };
        match category {
            Some(c) => escape(&self.lang.f("{}, category {}", &[&kind, &c])),
            None => escape(kind),
        }
    }

    /// `daily`, `weekly` or `monthly`.
    fn bin_word(&self) -> &'static str {
        match self.summary.parameters.bin.as_str() {
            "day" => self.t("daily"),
            "week" => self.t("weekly"),
            _ => self.t("monthly"),
        }
    }

    fn hidden(&self) -> String {
        format!("&lt;&nbsp;{}", self.figures.disclosure.min_count())
    }

    fn team_name(&self, number: usize) -> String {
        match self.summary.teams.iter().find(|t| t.number == number) {
            Some(t) => format!(
                "{} {number} · {} {}",
                self.t("Team"),
                escape(&t.municipality),
                escape(&self.lang.direction(&t.direction))
            ),
            None => format!("{} {number}", self.t("Team")),
        }
    }

    /// Where area `a` is (see [`place_of`]), for HTML.
    fn where_is(&self, a: &PatrolArea) -> String {
        let place = place_of(a, self.landmarks, self.cells, self.cell_districts, self.district_names, self.lang);
        if place.is_empty() { "–".into() } else { escape(&place) }
    }

    /// When to go to area `i`: the busiest 2–3 hour window, with a tag when it falls outside
    /// office hours.
    fn when(&self, i: usize) -> String {
        let f = &self.figures.areas[i];
        if !f.peak_shown {
            return "–".into();
        }
        match busiest_window(&f.profile) {
            Some((start, hours)) => {
                let (d, h) = (start / 24, start % 24);
                let office = if outside_office_hours(start, hours) {
                    format!(" <span class=\"tag\">{}</span>", self.t("outside office hours"))
                } else {
                    String::new()
                };
                format!("{} {h:02}–{:02}{office}", self.lang.weekday_short(d), (h + hours) % 24)
            }
            None => "–".into(),
        }
    }

    fn why(&self, a: &PatrolArea) -> String {
        let mut why: Vec<String> = a
            .reasons
            .iter()
            .map(|r| match *r {
                "forecast" => self.t("forecast").to_string(),
                "unmet_concern" => self.t("unmet concern").to_string(),
                "blind_spot" if !self.figures.disclosure.shows_blind_spot(a) => String::new(),
                "blind_spot" => self.t("blind spot").to_string(),
                // Finnish and Swedish write a pattern's name in lower case inside a sentence.
                name => Pattern::from_name(name).map_or(escape(name), |p| match self.lang {
                    Lang::En => escape(self.lang.pattern(p)),
                    _ => escape(&self.lang.pattern(p).to_lowercase()),
                }),
            })
            .filter(|w| !w.is_empty())
            .collect();
        if why.is_empty() && a.explore {
            why.push(self.t("explore").to_string());
        }
        why.join(", ")
    }

    fn flags(&self, a: &PatrolArea) -> String {
        let mut flags = Vec::new();
        if a.service_gap(self.patrol_params.service_gap_m) == Some(true) {
            flags.push(format!("<span class=\"tag\">{}</span>", self.t("service gap")));
        }
        if a.unmet_concern {
            flags.push(format!("<span class=\"tag\">{}</span>", self.t("unmet concern")));
        }
        if self.effort.is_some() && a.explore {
            flags.push(format!("<span class=\"tag explore\">{}</span>", self.t("explore")));
        } else if self.figures.disclosure.shows_blind_spot(a) {
            flags.push(format!("<span class=\"tag explore\">{}</span>", self.t("blind spot")));
        }
        flags.join(" ")
    }

    fn service(&self, a: &PatrolArea) -> String {
        match &a.nearest_service {
            Some((name, d)) => {
                let distance = if *d >= 1000.0 {
                    format!("{}&nbsp;km", self.number(d / 1000.0, 1))
                } else {
                    format!("{d:.0}&nbsp;m")
                };
                format!("{distance}<br><span class=\"muted\">{}</span>", escape(name))
            }
            None => "–".into(),
        }
    }

    /// The mix of needs of area `i` (last 84 days): the share of each published category among
    /// the published ones, whole per cent, largest first; a note when some are hidden. Shares
    /// are of the published counts only, so no hidden count enters them.
    fn needs(&self, i: usize) -> String {
        let mix = &self.figures.areas[i].needs;
        let shown: u64 = mix.iter().filter_map(|m| m.1).sum();
        let mut parts: Vec<String> = mix
            .iter()
            .filter_map(|(label, n)| {
                let n = (*n)?;
                let share = self.number(100.0 * n as f64 / shown.max(1) as f64, 0);
                Some(format!("{} {share}&nbsp;%", escape(&self.lang.category(label.as_deref()))))
            })
            .collect();
        if parts.is_empty() {
            parts.push("–".into());
        }
        let mut text = parts.join(" · ");
        if mix.iter().any(|m| m.1.is_none()) {
            let _ = write!(
                text,
                " <span class=\"muted\">{}</span>",
                self.lang.f("(+ needs under {})", &[&self.figures.disclosure.min_count()])
            );
        }
        text
    }

    /// The window's last day (its end is exclusive).
    fn last_day(&self) -> String {
        NaiveDate::parse_from_str(&self.summary.window.end, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.pred_opt())
            .map_or_else(|| escape(&self.summary.window.end), |d| self.lang.date(d))
    }

    /// A table that scrolls sideways inside its card, with a hint on a narrow screen.
    fn scroll(&self) -> String {
        format!("<div class=\"scroll\" data-hint=\"{}\">", self.t("Swipe sideways for more columns →"))
    }

    /// The first and last day of the week after the window, and its ISO week.
    fn next_week(&self) -> String {
        match NaiveDate::parse_from_str(&self.summary.window.end, "%Y-%m-%d") {
            Ok(start) => {
                let end = start + chrono::Days::new(6);
                format!("{}, {} – {}", self.lang.week(start), self.lang.date(start), self.lang.date(end))
            }
            Err(_) => escape(&self.summary.window.end),
        }
    }

    /// The page.
    pub fn to_html(&self) -> String {
        let s = self.summary;
        let mut html = String::new();
        let title = format!("{} — {}", self.t("Emerging hot spots"), self.selection());
        let bins = self.bin_word();
        let _ = write!(
            html,
            r#"<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
* {{ box-sizing: border-box; }}
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #222; background: #fafafa; }}
header {{ background: #263238; color: #fff; padding: 18px 28px; }}
header h1 {{ margin: 0 0 4px; font-size: 22px; font-weight: 600; }}
header p {{ margin: 0; opacity: .85; }}
main {{ display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 480px), 1fr)); gap: 20px; padding: 20px 24px; }}
section {{ background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; padding: 16px 18px; min-width: 0; }}
h2 {{ font-size: 17px; margin: 0 0 12px; }}
h3 {{ font-size: 15px; margin: 14px 0 6px; }}
.scroll {{ overflow-x: auto; max-width: 100%; }}
.scroll::before {{ display: none; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
th, td {{ text-align: left; padding: 5px 6px; border-bottom: 1px solid #eee; vertical-align: middle; }}
th {{ font-weight: 600; color: #555; }}
th.n, td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.nw {{ white-space: nowrap; }}
.legend {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(200px, 1fr)); gap: 4px 16px; font-size: 13px; margin-top: 10px; break-inside: avoid; }}
.swatch {{ display: inline-block; width: 14px; height: 14px; border-radius: 2px; margin-right: 6px; vertical-align: -2px; border: 1px solid rgba(0,0,0,.15); }}
.line {{ display: inline-block; width: 18px; height: 0; border-top: 3px solid; margin-right: 6px; vertical-align: 3px; }}
.tag {{ display: inline-block; background: #c62828; color: #fff; border-radius: 3px; padding: 0 5px; font-size: 11px; white-space: nowrap; }}
.tag.explore {{ background: #0d47a1; }}
.muted {{ color: #666; font-size: 12px; }}
svg.map {{ width: 100%; height: auto; background: #eef3f6; border-radius: 4px; display: block; }}
svg.chart {{ max-width: 100%; height: auto; display: block; margin: 0.5em 0; }}
svg.spark {{ width: 120px; max-width: 100%; height: 26px; display: block; }}
.full {{ grid-column: 1 / -1; }}
.counts td, .counts th {{ text-align: right; }}
.counts td:first-child, .counts th:first-child {{ text-align: left; }}
.area {{ border-top: 1px solid #e0e0e0; padding: 8px 0 4px; break-inside: avoid; }}
.area h3 {{ margin: 0 0 4px; }}
.area dl {{ display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; font-size: 13px; }}
.area dt {{ color: #555; }}
.area dd {{ margin: 0; }}
.teammap {{ max-width: 560px; }}
@media (max-width: 600px) {{
  .scroll::before {{ content: attr(data-hint); display: block; font-size: 11px; color: #666; margin-bottom: 4px; }}
  header {{ padding: 14px 16px; }}
  main {{ padding: 12px; gap: 12px; }}
  section {{ padding: 12px; }}
}}
@page {{ size: A4; margin: 12mm; }}
@media print {{
  body {{ background: #fff; font-size: 11px; }}
  header {{ background: #fff; color: #000; padding: 0 0 6px; border-bottom: 2px solid #263238; }}
  main {{ display: block; padding: 0; }}
  section {{ border: none; padding: 6px 0; margin: 0 0 8px; }}
  .scroll {{ overflow: visible; }}
  table {{ font-size: 10px; }}
  tr {{ break-inside: avoid; }}
  .team {{ break-before: page; }}
  .teammap {{ max-width: 120mm; }}
  svg.map {{ max-height: 150mm; }}
}}
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p>{job} <b>{job_name}</b> · {bins_text} · {res} · {generated} {version}</p>
</header>
<main>
"#,
            lang = self.lang.code(),
            job = self.t("Job"),
            job_name = escape(&s.job),
            bins_text = self
                .lang
                .f("{} {} bins from {} to {}", &[&s.window.bins, &bins, &self.date(&s.window.start), &self.last_day()]),
            res = self.lang.f("H3 resolution {}", &[&s.parameters.resolution]),
            generated = self.t("generated by hotspots"),
            version = escape(&s.version),
        );
        self.changes_section(&mut html);
        self.patrol_section(&mut html);
        self.effort_section(&mut html);
        self.districts_section(&mut html);
        self.backtest_section(&mut html);
        self.scan_section(&mut html);
        self.run_section(&mut html);
        self.team_pages(&mut html);
        html.push_str("</main>\n</body>\n</html>\n");
        html
    }

    /// Patrol effort: without a log, that the plan may follow past patrols; with one, what
    /// exploring means and the blind spots with at least the small-count threshold of concern
    /// reports (being listed with fewer would tell that a hidden count is not zero), best first,
    /// where they are, their patrol hours and the area that explores them. No count is shown: a
    /// cell's concern reports beside its published counts would give its encounters back.
    fn effort_section(&self, html: &mut String) {
        let Some(view) = self.effort else {
            let _ = writeln!(
                html,
                "<section class=\"full\" id=\"effort\"><h2>{}</h2><p>{}</p></section>",
                self.t("Blind spots: not checked (no patrol log)"),
                self.t("No patrol log was given. Encounters are recorded only where pairs walk, so this plan, made from where events were recorded, may send pairs only where they have already been: a place where people are in need but no pair has walked is unlikely to become a hot spot. Ask the analyst to add the patrol log (--effort) to find the blind spots.")
            );
            return;
        };
        let _ = writeln!(
            html,
            "<section class=\"full\" id=\"effort\"><h2>{}</h2>",
            self.t("Blind spots: concern without patrols")
        );
        let shown = self.figures.disclosure.blind_spots(view);
        let explore_areas = self.patrol.iter().filter(|a| a.explore).count();
        let _ = writeln!(
            html,
            "<p>{}</p>",
            self.lang.f(
                "Explore: residents report concern but pairs have hardly walked there (under {} patrol hours in the last {} bins, against {} in a typical patrolled place). {}\u{a0}% of each municipality's patrol budget goes to such places; the plan has {} areas marked explore. Walk them to see what is there: they have no busiest hours yet.",
                &[
                    &self.number(crate::plan::effort::LOW_EFFORT_SHARE * view.typical_hours, 1),
                    &view.recent_bins,
                    &self.number(view.typical_hours, 1),
                    &self.number(self.patrol_params.explore_share * 100.0, 0),
                    &explore_areas,
                ]
            )
        );
        if !shown.is_empty() {
            let _ = writeln!(
                html,
                "<table><thead><tr><th class=\"n\">#</th><th>{}</th><th class=\"n\">{}</th><th>{}</th></tr></thead><tbody>",
                self.t("Where"),
                self.t("Hours"),
                self.t("In the plan"),
            );
            for (i, &c) in shown.iter().enumerate() {
                let cell = self.cells[c];
                let area = PatrolArea {
                    cells: vec![cell],
                    centre: crate::space::study_area::cell_centre(cell),
                    district: self.cell_districts.get(c).copied().flatten(),
                    ..Default::default()
                };
                let area_rank = self.patrol.iter().find(|a| a.cells.contains(&cell)).map(|a| a.rank);
                let _ = writeln!(
                    html,
                    "<tr><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"nw\">{}</td></tr>",
                    i + 1,
                    self.where_is(&area),
                    self.number(view.cells[c].hours, 1),
                    area_rank
                        .map_or(self.t("no: the share is used up").to_string(), |r| self.lang.f("area\u{a0}{}", &[&r])),
                );
            }
            html.push_str("</tbody></table>\n");
        }
        let _ = writeln!(
            html,
            "<p class=\"muted\">{}</p></section>",
            self.lang.f(
                "Places with fewer than {} concern reports are not listed in the shared files (the internal files list every one). Residents' concern reports arrive whether or not a pair walks there, so they show need the encounter record cannot. Hours: patrol hours there in the last {} bins.",
                &[&self.figures.disclosure.min_count(), &view.recent_bins]
            )
        );
    }

    fn changes_section(&self, html: &mut String) {
        let c = self.changes;
        let _ = writeln!(html, "<section class=\"full\" id=\"changes\"><h2>{}</h2>", self.t("Since the last run"));
        if !c.compared {
            let _ = writeln!(
                html,
                "<p class=\"muted\">{}</p></section>",
                self.t("This is the first run in this folder: there is nothing to compare with yet.")
            );
            return;
        }
        let when = c
            .previous_end
            .as_deref()
            .map_or_else(String::new, |end| format!(" {}", self.lang.f("(its window ended {})", &[&self.date(end)])));
        let _ = writeln!(html, "<p>{}{when}.</p>", self.t("Compared with the previous run"));
        let _ = write!(html, "{}<table class=\"counts\"><thead><tr><th></th>", self.scroll());
        for change in Change::ALL {
            let _ = write!(html, "<th>{}</th>", change.label(self.lang));
        }
        html.push_str("</tr></thead><tbody>\n");
        let _ = write!(html, "<tr><td>{}</td>", self.t("Hot-spot cells"));
        for change in Change::ALL {
            let _ = write!(html, "<td data-change=\"cells-{}\">{}</td>", change.name(), c.cells_with(change));
        }
        let _ = write!(html, "</tr>\n<tr><td>{}</td>", self.t("Patrol areas"));
        for change in Change::ALL {
            let _ = write!(html, "<td data-change=\"areas-{}\">{}</td>", change.name(), c.areas_with(change));
        }
        html.push_str("</tr>\n</tbody></table></div>\n");
        let listed: Vec<String> = c
            .areas
            .iter()
            .map(|a| {
                let rank = a.rank_now.or(a.rank_before).unwrap_or(0);
                let was = match (a.change, a.rank_before) {
                    (Change::Gone, _) | (_, None) => String::new(),
                    (_, Some(b)) => format!(" ({})", self.lang.f("was {}", &[&b])),
                };
                format!("{} {rank}: {}{was}", self.t("Area"), a.change.label(self.lang))
            })
            .collect();
        if !listed.is_empty() {
            let _ = writeln!(html, "<p class=\"muted\">{}.</p>", listed.join(" · "));
        }
        let _ = writeln!(
            html,
            "<p class=\"muted\">{}</p></section>",
            self.t("A cell is new when it became a hot spot, gone when it no longer is one, escalated when a hot spot became emerging (new, consecutive or intensifying) and calmer when it stopped being emerging. Patrol areas are matched by their area id; they escalate or calm down when their rank rises or falls. The map layer is changes.geojson.")
        );
    }

    fn patrol_section(&self, html: &mut String) {
        let params = self.patrol_params;
        let _ = writeln!(
            html,
            "<section class=\"full\" id=\"plan\"><h2>{} — {}</h2>",
            self.t("Next week's patrol areas"),
            self.next_week()
        );
        let mut bbox = EMPTY_BOX;
        for c in self.cells {
            for ll in c.boundary().iter() {
                grow(&mut bbox, ll.lng(), ll.lat());
            }
        }
        if let Some(d) = self.districts {
            for p in d.all().iter().flat_map(|d| d.shape.0.iter()) {
                for c in p.exterior().coords() {
                    grow(&mut bbox, c.x, c.y);
                }
            }
        }
        if bbox[0].is_finite() {
            let spec =
                MapSpec { id: "map", areas: (0..self.patrol.len()).collect(), bbox, width: 900.0, max_height: 640.0 };
            html.push_str(&self.map(&spec));
            self.legend(html);
        }
        if self.patrol.is_empty() {
            let _ = writeln!(
                html,
                "<p class=\"muted\">{}</p></section>",
                self.t("No cell has a hot-spot pattern: no patrol area to propose.")
            );
            return;
        }
        let _ = writeln!(
            html,
            "{}<table><thead><tr><th class=\"n\">#</th><th>{}</th><th>{}</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th>{}</th><th class=\"n\">{}</th><th>{}</th></tr></thead><tbody>",
            self.scroll(),
            self.t("Team"),
            self.t("Where"),
            self.t("Why"),
            self.t("Expected / week"),
            self.t("Last bin"),
            self.t("When (busiest hours)"),
            self.t("Nearest service"),
            self.t("Flags"),
        );
        for (i, (a, f)) in self.patrol.iter().zip(&self.figures.areas).enumerate() {
            let expected = f.expected_per_week.map_or(self.hidden(), |v| self.number(v, 1));
            let last_bin = f.last_bin.map_or(self.hidden(), |v| v.to_string());
            let team = a.team.map_or("–".to_string(), |t| {
                format!("<span class=\"line\" style=\"border-color:{}\"></span>{}", team_colour(t), self.team_name(t))
            });
            let _ = writeln!(
                html,
                "<tr><td class=\"n\">{}</td><td class=\"nw\">{team}</td><td>{}</td><td>{}</td><td class=\"n\">{expected}</td><td class=\"n\">{last_bin}</td><td class=\"nw\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                a.rank,
                self.where_is(a),
                self.why(a),
                self.when(i),
                self.service(a),
                self.flags(a),
            );
        }
        html.push_str("</tbody></table></div>\n");
        let _ = writeln!(
            html,
            "<p class=\"muted\">{}</p></section>",
            self.lang.f(
                "Each municipality's teams walk the cells with the highest forecast of next bin's events, a share of {} % kept for new and intensifying hot spots; the cells are joined into walkable areas of at most {} km², shared among the municipality's own teams by compass direction. Expected events are the forecast ({}). The busiest hours come from the last 84 days. Office hours: Monday–Friday 08–16. Service gap: nearest service farther than {} m. Landmarks and districts are approximate.",
                &[
                    &self.number(params.watch_share * 100.0, 0),
                    &self.number(params.max_area_km2, 1),
                    &escape(self.lang.term(self.forecast_model)),
                    &params.service_gap_m
                ]
            )
        );
    }

    /// The map legend: patterns present, teams, landmarks.
    fn legend(&self, html: &mut String) {
        html.push_str("<div class=\"legend\">\n");
        let counts = self.stats.pattern_counts();
        for p in Pattern::ALL {
            let n = counts.get(p.name()).copied().unwrap_or(0);
            if n == 0 && p != Pattern::NoPatternDetected {
                continue;
            }
            let _ = writeln!(
                html,
                r#"<div title="{}"><span class="swatch" style="background:{}"></span>{} <span class="muted">({})</span></div>"#,
                escape(self.lang.pattern_explained(p)),
                p.colour(),
                escape(self.lang.pattern(p)),
                self.lang.f("{} cells", &[&n])
            );
        }
        for t in &self.summary.teams {
            let _ = writeln!(
                html,
                r#"<div><span class="line" style="border-color:{}"></span>{}</div>"#,
                team_colour(t.number),
                self.team_name(t.number)
            );
        }
        if self.landmarks.is_some() {
            let _ = writeln!(
                html,
                r##"<div><svg width="14" height="14" viewBox="-7 -7 14 14" style="vertical-align:-2px;margin-right:6px"><path d="M0,-5L5,0L0,5L-5,0Z" fill="#263238" stroke="#fff"/></svg>{}</div>"##,
                self.t("Landmark (approximate)")
            );
        }
        html.push_str("</div>\n");
    }

    /// An inline SVG map: the cells in the box coloured by pattern, the district outlines and
    /// names, the outlined patrol areas of `spec` with their ranks in their team's colour, the
    /// landmarks in the box, and a scale bar.
    fn map(&self, spec: &MapSpec<'_>) -> String {
        let proj = Projection::fit(spec.bbox, spec.width, spec.max_height);
        let (w, h) = (proj.width, proj.height);
        let mut svg = String::new();
        let _ = writeln!(
            svg,
            r#"<svg class="map" id="{id}" viewBox="-4 -4 {:.0} {:.0}" role="img" aria-label="{}">"#,
            w + 8.0,
            h + 8.0,
            self.t("map of emerging hot spots and patrol areas"),
            id = spec.id,
        );
        for (c, cell) in self.cells.iter().enumerate() {
            let ll = h3o::LatLng::from(*cell);
            if !proj.inside(proj.xy(ll.lng(), ll.lat())) {
                continue;
            }
            let p = self.stats.cells[c].pattern;
            // A team's map leaves the cells without a pattern out (the page is for its areas).
            if p == Pattern::NoPatternDetected && spec.id != "map" {
                continue;
            }
            let d = proj.path(cell.boundary().iter().map(|ll| (ll.lng(), ll.lat())));
            let opacity = if p == Pattern::NoPatternDetected { 0.35 } else { 0.92 };
            let _ = writeln!(
                svg,
                r#"<path d="{d}" fill="{}" fill-opacity="{opacity}"><title>{}</title></path>"#,
                p.colour(),
                escape(self.lang.pattern(p))
            );
        }
        if let Some(districts) = self.districts {
            for d in districts.all() {
                for polygon in &d.shape.0 {
                    let path = proj.path(polygon.exterior().coords().map(|c| (c.x, c.y)));
                    let _ = writeln!(
                        svg,
                        r##"<path class="district" d="{path}" fill="none" stroke="#37474f" stroke-width="1.2" stroke-dasharray="4 2"><title>{}</title></path>"##,
                        escape(&d.name)
                    );
                }
            }
        }
        // The scale bar, bottom left: a round length near a fifth of the width. Its box is
        // kept free of labels.
        let metres = scale_length(proj.metres_per_pixel() * w / 5.0);
        let px = metres / proj.metres_per_pixel();
        let (x0, y0) = (8.0, h - 10.0);
        let mut labels = Labels { taken: vec![[x0 - 4.0, y0 - 16.0, x0 + px + 4.0, y0 + 6.0]], width: w, height: h };
        let solvent = h3o::geom::SolventBuilder::new().build();
        let mut badges = String::new();
        for &i in &spec.areas {
            let a = &self.patrol[i];
            let colour = a.team.map_or("#606060", team_colour);
            let Ok(shape) = solvent.dissolve(a.cells.iter().copied()) else { continue };
            let mut d = String::new();
            for polygon in &shape.0 {
                d.push_str(&proj.path(polygon.exterior().coords().map(|c| (c.x, c.y))));
            }
            let _ = writeln!(
                svg,
                r##"<path class="area" data-rank="{rank}" d="{d}" fill="none" stroke="#fff" stroke-width="5" stroke-linejoin="round"/><path class="area-line" d="{d}" fill="none" stroke="{colour}" stroke-width="2.5" stroke-linejoin="round"><title>{} {rank}</title></path>"##,
                self.t("Area"),
                rank = a.rank,
            );
            // The badge sits just above the area's northernmost corner, or below its southernmost
            // one, or beside it, wherever no other badge is.
            let corners = || shape.0.iter().flat_map(|p| p.exterior().coords());
            let top = corners().max_by(|p, q| p.y.total_cmp(&q.y)).map_or(a.centre, |c| (c.x, c.y));
            let bottom = corners().min_by(|p, q| p.y.total_cmp(&q.y)).map_or(a.centre, |c| (c.x, c.y));
            let (tx, ty) = proj.xy(top.0, top.1);
            let (bx, by) = proj.xy(bottom.0, bottom.1);
            let spots = [(tx, ty - 11.0), (bx, by + 11.0), (tx - 22.0, ty - 4.0), (tx + 22.0, ty - 4.0)];
            let (x, y) = labels.place_badge(&spots);
            let text = if is_light(colour) { "#000" } else { "#fff" };
            let _ = writeln!(
                badges,
                r##"<g class="rank" data-rank="{rank}"><circle cx="{x:.1}" cy="{y:.1}" r="10" fill="{colour}" stroke="#fff" stroke-width="2"/><text x="{x:.1}" y="{y:.1}" dy="4" font-size="12" font-weight="700" text-anchor="middle" fill="{text}">{rank}</text></g>"##,
                rank = a.rank,
            );
        }
        // Landmark names, then district names, where they do not cover a badge or another name
        // (the landmark keeps its mark and its name on hover where its label does not fit).
        if let Some(landmarks) = self.landmarks {
            for (i, l) in landmarks.all().iter().enumerate() {
                let (x, y) = proj.xy(l.lon, l.lat);
                if !proj.inside((x, y)) {
                    continue;
                }
                let local = landmarks.name(i, self.lang.code());
                let name = escape(local);
                let width = local.chars().count() as f64 * 5.6;
                let label = labels
                    .place_text(&[(x + 7.0, y + 3.0, width, false), (x - 7.0, y + 3.0, width, true), (x - width / 2.0, y - 8.0, width, false), (x - width / 2.0, y + 15.0, width, false)], 11.0)
                    .map_or(String::new(), |(tx, ty, end)| {
                        format!(
                            r##"<text x="{tx:.1}" y="{ty:.1}" font-size="10"{} fill="#263238" stroke="#fff" stroke-width="2.5" paint-order="stroke">{name}</text>"##,
                            if end { r#" text-anchor="end""# } else { "" }
                        )
                    });
                let _ = writeln!(
                    svg,
                    r##"<g class="landmark"><path d="M{x:.1},{:.1}L{:.1},{y:.1}L{x:.1},{:.1}L{:.1},{y:.1}Z" fill="#263238" stroke="#fff" stroke-width="1"/>{label}<title>{name}</title></g>"##,
                    y - 5.0,
                    x + 5.0,
                    y + 5.0,
                    x - 5.0,
                );
            }
        }
        if let Some(districts) = self.districts {
            for d in districts.all() {
                if let Some(c) = geo::Centroid::centroid(&d.shape) {
                    let (x, y) = proj.xy(c.x(), c.y());
                    let width = d.name.chars().count() as f64 * 6.8;
                    let spots: Vec<(f64, f64, f64, bool)> =
                        [(0.0, 4.0), (0.0, -14.0), (0.0, 22.0), (0.0, -32.0), (0.0, 40.0), (-40.0, 4.0), (40.0, 4.0)]
                            .iter()
                            .map(|&(dx, dy)| (x - width / 2.0 + dx, y + dy, width, false))
                            .collect();
                    if let Some((tx, ty, _)) = labels.place_text(&spots, 13.0) {
                        let _ = writeln!(
                            svg,
                            r##"<text class="district-name" x="{tx:.1}" y="{ty:.1}" font-size="12" font-style="italic" fill="#37474f" stroke="#fff" stroke-width="3" paint-order="stroke">{}</text>"##,
                            escape(&d.name)
                        );
                    }
                }
            }
        }
        svg.push_str(&badges);
        let label =
            if metres >= 1000.0 { format!("{} km", self.number(metres / 1000.0, 0)) } else { format!("{metres:.0} m") };
        let _ = writeln!(
            svg,
            r##"<g class="scale"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="22" fill="#fff" fill-opacity="0.8"/><path d="M{x0:.1},{:.1}V{y0:.1}H{:.1}V{:.1}" fill="none" stroke="#222" stroke-width="1.5"/><text x="{:.1}" y="{:.1}" font-size="10" text-anchor="middle" fill="#222">{label}</text></g>"##,
            x0 - 4.0,
            y0 - 16.0,
            px + 8.0,
            y0 - 5.0,
            x0 + px,
            y0 - 5.0,
            x0 + px / 2.0,
            y0 - 7.0,
        );
        svg.push_str("</svg>\n");
        svg
    }

    fn districts_section(&self, html: &mut String) {
        let _ = writeln!(
            html,
            "<section class=\"full\" id=\"districts\"><h2>{}</h2>",
            self.t("Districts ranked by emerging activity")
        );
        let s = self.summary;
        if s.districts.is_empty() {
            let _ = writeln!(
                html,
                "<p class=\"muted\">{}</p></section>",
                self.t("No districts layer was given (use --districts).")
            );
            return;
        }
        let hot = |d: &crate::publish::public_summary::PublicDistrict, emerging_only: bool| -> u64 {
            d.patterns
                .iter()
                .filter(|(name, _)| {
                    Pattern::from_name(name).is_some_and(|p| if emerging_only { p.is_emerging() } else { p.code() > 0 })
                })
                .map(|(_, n)| *n)
                .sum()
        };
        let mut order: Vec<usize> = (0..s.districts.len()).filter(|&i| s.districts[i].cells > 0).collect();
        order.sort_by_key(|&i| {
            (std::cmp::Reverse(hot(&s.districts[i], true)), std::cmp::Reverse(hot(&s.districts[i], false)), i)
        });
        let _ = writeln!(
            html,
            "{}<table><thead><tr><th class=\"n\">#</th><th>{}</th><th class=\"n\">{}</th><th class=\"n\">{}</th><th>{}</th><th class=\"n\">{}</th><th>{}</th></tr></thead><tbody>",
            self.scroll(),
            self.t("District"),
            self.t("Emerging cells"),
            self.t("Hot cells"),
            self.t("Trend"),
            self.t("Events"),
            self.t("Per bin"),
        );
        for (rank, &i) in order.iter().enumerate() {
            let d = &s.districts[i];
            let events = d.events.map_or(self.hidden(), |v| v.to_string());
            let series: Vec<Option<u64>> = self.figures.districts.get(i).map(|f| f.series.clone()).unwrap_or_default();
            let emerging = hot(d, true);
            let _ = writeln!(
                html,
                "<tr><td class=\"n\">{}</td><td>{}{} <span class=\"muted\">{}</span></td><td class=\"n\">{emerging}</td><td class=\"n\">{}</td><td class=\"nw\">{}</td><td class=\"n\">{events}</td><td>{}</td></tr>",
                rank + 1,
                escape(&d.name),
                if d.emerging { format!(" <span class=\"tag\">{}</span>", self.t("emerging")) } else { String::new() },
                escape(&d.municipality),
                hot(d, false),
                match d.trend {
                    "up" => format!("▲ {}", self.t("rising")),
                    "down" => format!("▼ {}", self.t("falling")),
                    _ => format!("– {}", self.t("steady")),
                },
                sparkline(&series, self.t("events per bin"))
            );
        }
        let _ = writeln!(
            html,
            "</tbody></table></div>\n<p class=\"muted\">{}</p>\n</section>",
            self.t("Emerging = new, consecutive or intensifying hot-spot cells. Counts under the small-count threshold are hidden; sums leave out what could tell a hidden count (README, Privacy).")
        );
    }

    fn backtest_section(&self, html: &mut String) {
        let Some(b) = self.backtest else { return };
        let Some(team) = b.budgets.first() else { return };
        let _ = writeln!(
            html,
            "<section class=\"full\" id=\"backtest\"><h2>{}</h2>\n{}<table><thead><tr><th>{}</th><th class=\"n\">{}</th><th class=\"n\">PAI</th><th class=\"n\">PEI</th><th class=\"n\">RRI</th></tr></thead><tbody>",
            self.lang.f("Would the plan have worked? Backtest over the last {} bins", &[&b.bins.len()]),
            self.scroll(),
            self.t("Method"),
            self.t("Hit rate"),
        );
        for m in &team.methods {
            let label = match m.method.as_str() {
                "plan" => self.t("This plan").to_string(),
                "serve" => self.t("This plan without exploring (the whole budget by the forecast)").to_string(),
                "last_bin" => self.t("Busiest cells of the previous bin").to_string(),
                "last_4" => self.t("Busiest cells of the previous four bins").to_string(),
                "history" => self.t("Busiest cells of all earlier bins").to_string(),
                "ewma" => self.lang.f("Highest exponentially weighted average (α = {})", &[&b.ewma_alpha]),
                "public" => self.t("The plan's forecast from the public counts only").to_string(),
                _ => self.t("The best possible choice (oracle)").to_string(),
            };
            let opt = |v: Option<f64>| v.map_or("–".into(), |r| self.number(r, 2));
            let _ = writeln!(
                html,
                "<tr><td>{label}</td><td class=\"n\">{}&nbsp;%</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                self.number(m.hit_rate * 100.0, 1),
                self.number(m.pai, 2),
                opt(m.pei),
                opt(m.rri)
            );
        }
        html.push_str("</tbody></table></div>\n");
        if let (Some(plan), Some(base)) = (b.team(&b.difference.method), b.team(&b.difference.baseline)) {
            let first = b.bins.first().map_or(String::new(), |d| self.date(d));
            let last = b.bins.last().map_or(String::new(), |d| self.date(d));
            html.push_str(&hit_rate_chart(
                &plan.hit_rates,
                &base.hit_rates,
                &[
                    if b.difference.method == "serve" { self.t("plan without exploring") } else { self.t("plan") },
                    self.lang.term(&b.difference.baseline),
                    self.t("Hit rate per held-out bin"),
                ],
                (&first, &last),
            ));
        }
        let others: Vec<String> = b.budgets[1..]
            .iter()
            .map(|s| {
                let hit = |name: &str| s.methods.iter().find(|m| m.method == name).map_or(0.0, |m| m.hit_rate * 100.0);
                let best = ["last_bin", "last_4", "history", "ewma"].iter().map(|n| hit(n)).fold(0.0, f64::max);
                // The method judged (the plan, or without its explore share) against the naive.
                let text = if b.difference.method == "serve" {
                    "{} of the area: plan without exploring {} %, best naive {} %"
                } else {
                    "{} of the area: plan {} %, best naive {} %"
                };
                self.lang.f(text, &[&s.budget, &self.number(hit(&b.difference.method), 1), &self.number(best, 1)])
            })
            .collect();
        let d = &b.difference;
        let signed = |v: f64| {
            let text = self.number(v * 100.0, 1);
            if v >= 0.0 { format!("+{text}") } else { text }
        };
        let _ = writeln!(
            html,
            "<p class=\"muted\">{} {}</p></section>",
            self.lang.f(
                "Each method chooses {} cells ({} % of the study area, what the teams can walk) from the bins before each held-out bin and is scored on it. {} − {}: {} points (95 % interval {} … {}).",
                &[
                    &team.cells,
                    &self.number(team.area_share * 100.0, 1),
                    &if d.method == "serve" { self.t("Plan without exploring") } else { self.t("Plan") },
                    &escape(self.lang.term(&d.baseline)),
                    &signed(d.mean),
                    &signed(d.ci95[0]),
                    &signed(d.ci95[1])
                ]
            ),
            b.explore_cost.map_or(String::new(), |cost| {
                let (plan, serve) = (b.team("plan").map_or(0.0, |m| m.hit_rate), b.team("serve").map_or(0.0, |m| m.hit_rate));
                self.lang.f(
                    if cost >= 0.0 {
                        "Sending pairs to blind spots lowered the hit rate by {} percentage points ({}\u{a0}% against {}\u{a0}%): what they find there was not yet in the record, so this test cannot credit it. "
                    } else {
                        "Sending pairs to blind spots raised the hit rate by {} percentage points ({}\u{a0}% against {}\u{a0}%). "
                    },
                    &[&self.number(cost.abs() * 100.0, 1), &self.number(plan * 100.0, 1), &self.number(serve * 100.0, 1)],
                )
            }) + &others.join("; ")
                + if others.is_empty() { "" } else { ". " }
                + self.t("Hit rate: share of the bin's events in the chosen cells. PAI: hit rate ÷ area share. PEI: hit rate ÷ the oracle's. RRI: the chosen cells' change in events over the city's change.")
        );
    }

    /// With `--scan`: the clusters alive in the final bin, as the public summary lists them.
    fn scan_section(&self, html: &mut String) {
        let Some(clusters) = &self.summary.scan else { return };
        let _ = writeln!(
            html,
            "<section class=\"full\" id=\"scan\"><h2>{}</h2>",
            self.t("Clusters alive this bin (space-time scan)")
        );
        let significant = clusters.iter().filter(|c| c.significance != "not significant").count();
        let _ = writeln!(
            html,
            "<p>{}</p>",
            self.lang.f(
                "{} of {} clusters are significant (p ≤ 0.05). A cluster is a circle of cells whose events in its last bins (ending now) are more than the place and the time alone would make expected; the prospective space-time permutation scan (Kulldorff et al. 2005) looks at every size at once. A cluster at p ≤ 0.01 would turn up by chance in fewer than one in a hundred runs.",
                &[&significant, &clusters.len()]
            )
        );
        if clusters.is_empty() {
            html.push_str("</section>\n");
            return;
        }
        let _ = writeln!(
            html,
            "{}<table><thead><tr><th class=\"n\">#</th><th class=\"n\">{}</th><th>{}</th><th class=\"n\">{}</th><th>{}</th></tr></thead><tbody>",
            self.scroll(),
            self.t("Cells"),
            self.t("Since"),
            self.t("Events"),
            self.t("Significance"),
        );
        for c in clusters {
            let significance = match c.significance {
                "not significant" => self.t("not significant"),
                s => s,
            };
            let _ = writeln!(
                html,
                "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"nw\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                c.rank,
                c.cells.len(),
                self.date(&c.start),
                c.observed,
                escape(significance)
            );
        }
        html.push_str("</tbody></table></div></section>\n");
    }

    fn run_section(&self, html: &mut String) {
        let s = self.summary;
        let p = &s.parameters;
        let st = &p.statistics;
        let _ = writeln!(html, "<section class=\"full\" id=\"run\"><h2>{}</h2>", self.t("The run"));
        let on_off = |v: bool| if v { self.t("on") } else { self.t("off") };
        let _ = writeln!(
            html,
            "<p class=\"muted\">{}</p>",
            self.lang.f(
                "Parameters: resolution {} · {} bins · {} · time window {} · global window {} · α = {} · FDR {} · permutations {} · scope {} · min count {} · time zone {} · districts {} · overall trend {} (Mann-Kendall). Row accounting, exact figures and rejects are in the internal folder.",
                &[
                    &p.resolution,
                    &self.bin_word(),
                    &match st.neighbourhood_m {
                        Some(m) => self.lang.f("neighbours within {} m", &[&m]),
                        None => format!("k = {}", st.k),
                    },
                    &st.time_window,
                    &self.lang.term(st.global_window.as_str()),
                    &self.lang.shortest(st.alpha),
                    &on_off(st.fdr),
                    &st.permutations,
                    &self.lang.term(st.scope.as_str()),
                    &p.min_count,
                    &escape(&p.tz),
                    &match p.districts.as_deref() {
                        None => "–".to_string(),
                        Some(crate::sample::DISTRICTS_NAME) => escape(self.t("the built-in districts")),
                        Some(name) => escape(name),
                    },
                    &self.lang.term(s.trend),
                ]
            )
        );
        html.push_str("</section>\n");
    }

    /// One page per team (a page of its own when printed): its areas in rank order with where,
    /// when, why, the nearest service, and a map of just its areas.
    fn team_pages(&self, html: &mut String) {
        for t in &self.summary.teams {
            let areas: Vec<usize> = (0..self.patrol.len()).filter(|&i| self.patrol[i].team == Some(t.number)).collect();
            let _ = writeln!(
                html,
                "<section class=\"full team\" id=\"team-{n}\" data-team=\"{n}\"><h2><span class=\"line\" style=\"border-color:{}\"></span>{} — {}</h2>",
                team_colour(t.number),
                self.team_name(t.number),
                self.next_week(),
                n = t.number,
            );
            let load = t.expected_per_week.map_or(self.hidden(), |v| v.to_string());
            let _ = writeln!(
                html,
                "<p>{}</p>",
                self.lang.f("Areas: {} · events expected next week: about {}.", &[&areas.len(), &load])
            );
            if areas.is_empty() {
                html.push_str("</section>\n");
                continue;
            }
            let mut bbox = EMPTY_BOX;
            for &i in &areas {
                for c in &self.patrol[i].cells {
                    for ll in c.boundary().iter() {
                        grow(&mut bbox, ll.lng(), ll.lat());
                    }
                }
            }
            // At least about 3 km across, so the landmarks around give a sense of place.
            // The box grown to the map's shape (560 × 360 px), so every team's map draws its
            // labels at the same size.
            let (mid_lon, mid_lat) = ((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0);
            let k = mid_lat.to_radians().cos();
            let half_lat = ((bbox[3] - bbox[1]) / 2.0 * 1.2).max(0.012);
            let half_lon = ((bbox[2] - bbox[0]) / 2.0 * 1.2).max(half_lat * 560.0 / 360.0 / k);
            let half_lat = half_lat.max(half_lon * k * 360.0 / 560.0);
            let spec = MapSpec {
                id: &format!("team-{}-map", t.number),
                areas: areas.clone(),
                bbox: [mid_lon - half_lon, mid_lat - half_lat, mid_lon + half_lon, mid_lat + half_lat],
                width: 560.0,
                max_height: 360.0,
            };
            let _ = writeln!(html, "<div class=\"teammap\">{}</div>", self.map(&spec));
            for &i in &areas {
                let a = &self.patrol[i];
                let f = &self.figures.areas[i];
                let expected = f.expected_per_week.map_or(self.hidden(), |v| self.number(v, 1));
                let flags = self.flags(a);
                let _ = writeln!(
                    html,
                    "<div class=\"area\" data-rank=\"{rank}\"><h3>{} {rank} · {}</h3><dl><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{expected}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd>{}</dl></div>",
                    self.t("Area"),
                    self.where_is(a),
                    self.t("When"),
                    self.when(i),
                    self.t("Why"),
                    self.why(a),
                    self.t("Expected / week"),
                    self.t("Mix of needs"),
                    self.needs(i),
                    self.t("Nearest service"),
                    self.service(a),
                    if flags.is_empty() {
                        String::new()
                    } else {
                        format!("<dt>{}</dt><dd>{flags}</dd>", self.t("Flags"))
                    },
                    rank = a.rank,
                );
            }
            html.push_str("</section>\n");
        }
    }

    /// Stages `report.html` in `set`.
    pub fn write(&self, out: &mut (dyn std::io::Write + Send)) -> std::io::Result<()> {
        out.write_all(self.to_html().as_bytes())
    }
}

/// `report.html`.
pub(super) struct ReportHtml;

impl super::Output for ReportHtml {
    fn reads_staged(&self) -> bool {
        true
    }

    fn file_name(&self) -> &'static str {
        "report.html"
    }

    fn audience(&self) -> super::Audience {
        super::Audience::Public
    }

    fn render(
        &self,
        view: &super::Published<'_>,
        out: &mut (dyn std::io::Write + Send),
    ) -> Result<(), super::BoxError> {
        let r = view.results;
        let summary = PublicSummary::of(view);
        let report = Report {
            summary: &summary,
            cells: r.job.cube.cells(),
            stats: r.stats,
            districts: r.districts,
            figures: view.figures,
            patrol: &r.plan.areas,
            forecast_model: r.forecast.model.name(),
            patrol_params: r.patrol,
            backtest: r.backtest,
            district_names: r.district_names,
            cell_districts: r.cell_districts,
            changes: r.changes,
            landmarks: r.landmarks,
            lang: r.lang,
            effort: r.effort,
            plan_cells: &r.plan.cells,
        };
        report.write(out)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_draws_gaps_for_suppressed_bins() {
        assert_eq!(
            escape("<b>\"Kallio\" & 'Sörnäinen'</b>"),
            "&lt;b&gt;&quot;Kallio&quot; &amp; &#39;Sörnäinen&#39;&lt;/b&gt;"
        );
        let line = sparkline(&[Some(5), Some(10), None, Some(5)], "x");
        assert_eq!(line.matches('M').count(), 2, "a suppressed bin breaks the line: {line}");
        assert!(line.contains("l0.1,0"), "the lone last point is drawn as a dot: {line}");
        assert!(!line.contains("http"));
        assert_eq!(sparkline(&[None, Some(7), None], "x"), "–", "one published value draws no stray dot");
    }

    #[test]
    fn the_busiest_window_is_two_or_three_hours_of_published_slots() {
        let mut profile = vec![Some(0); 168];
        // Tuesday 14, 15, 16 hold 5, 9, 6: the three hours.
        profile[24 + 14] = Some(5);
        profile[24 + 15] = Some(9);
        profile[24 + 16] = Some(6);
        assert_eq!(busiest_window(&profile), Some((24 + 14, 3)));
        // A weak end hour (1 of 16) is trimmed: Tuesday 15–17.
        profile[24 + 14] = Some(1);
        assert_eq!(busiest_window(&profile), Some((24 + 15, 2)));
        // A hidden slot counts as nothing, however large it may be.
        profile[100] = None;
        assert_eq!(busiest_window(&profile), Some((24 + 15, 2)));
        // Sunday 23 into Monday 00–01 wraps round the week.
        let mut night = vec![Some(0); 168];
        night[167] = Some(6);
        night[0] = Some(6);
        night[1] = Some(6);
        assert_eq!(busiest_window(&night), Some((167, 3)));
        assert!(outside_office_hours(167, 3));
        assert!(!outside_office_hours(24 + 13, 3));
        assert!(outside_office_hours(24 + 14, 3), "16–17 is after office hours");
        assert_eq!(busiest_window(&vec![None; 168]), None);
        assert_eq!(scale_length(1_700.0), 1_000.0);
        assert_eq!(scale_length(60_000.0), 50_000.0);
    }
}
