//! `report.html`: one self-contained page a planner opens in a browser, with no network at all
//! (no scripts, fonts, images or styles from elsewhere): a map of the cells coloured by pattern
//! over the district outlines (inline SVG drawn here), a legend, the districts ranked by
//! emerging activity with a sparkline of their counts per bin, and the run's parameters. The
//! report is public: every number on it comes from the publishing policy's public figures
//! (`disclosure`) and the public summary, never from exact counts.

use std::fmt::Write as _;

use h3o::CellIndex;

use crate::error::Result;
use crate::plan::patrol::{PatrolArea, PatrolParams, WEEKDAYS};
use crate::publish::disclosure::Figures;
use crate::publish::public_summary::PublicSummary;
use crate::space::districts::Districts;
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
fn hit_rate_chart(plan: &[f64], baseline: &[f64], name: &str, bins: &[String]) -> String {
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
    let first = bins.first().map_or("", String::as_str);
    let last = bins.last().map_or("", String::as_str);
    format!(
        concat!(
            "<svg class=\"chart\" viewBox=\"0 0 {w} {h}\" width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"Hit rate per held-out bin\">",
            "<line x1=\"{left}\" y1=\"{ylo:.1}\" x2=\"{xr:.1}\" y2=\"{ylo:.1}\" stroke=\"#999\"/>",
            "<line x1=\"{left}\" y1=\"{yhi:.1}\" x2=\"{xr:.1}\" y2=\"{yhi:.1}\" stroke=\"#ddd\"/>",
            "<line x1=\"{left}\" y1=\"{yhi:.1}\" x2=\"{left}\" y2=\"{ylo:.1}\" stroke=\"#999\"/>",
            "<text x=\"{lt:.1}\" y=\"{yhi:.1}\" font-size=\"10\" text-anchor=\"end\" dy=\"3\">{hi:.0} %</text>",
            "<text x=\"{lt:.1}\" y=\"{ylo:.1}\" font-size=\"10\" text-anchor=\"end\" dy=\"3\">{lo:.0} %</text>",
            "<text x=\"{left}\" y=\"{yb:.1}\" font-size=\"10\">{first}</text>",
            "<text x=\"{xr:.1}\" y=\"{yb:.1}\" font-size=\"10\" text-anchor=\"end\">{last}</text>",
            "<polyline fill=\"none\" stroke=\"#2166ac\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\" points=\"{base}\"/>",
            "<polyline fill=\"none\" stroke=\"#b2182b\" stroke-width=\"2.5\" points=\"{plan}\"/>",
            "<text x=\"{left}\" y=\"13\" font-size=\"11\" fill=\"#b2182b\">— plan</text>",
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
        lx = left + 60.0,
        name = escape(name),
    )
}

/// What the report shows.
pub struct Report<'a> {
    /// The job's public summary.
    pub summary: &'a PublicSummary,
    /// The cells, in H3 order.
    pub cells: &'a [CellIndex],
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
}

/// An equirectangular projection of a lon/lat box onto the map's pixels, shrunk in longitude by
/// the cosine of the middle latitude so shapes look right at Helsinki's latitude.
struct Projection {
    west: f64,
    north: f64,
    scale_x: f64,
    scale_y: f64,
}

impl Projection {
    fn fit(bbox: [f64; 4], width: f64, height: f64) -> (Projection, f64) {
        let [west, south, east, north] = bbox;
        let k = ((south + north) / 2.0).to_radians().cos();
        let w = ((east - west) * k).max(1e-9);
        let h = (north - south).max(1e-9);
        let s = (width / w).min(height / h);
        (Projection { west, north, scale_x: s * k, scale_y: s }, h * s)
    }

    fn xy(&self, lon: f64, lat: f64) -> (f64, f64) {
        ((lon - self.west) * self.scale_x, (self.north - lat) * self.scale_y)
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
}

fn sparkline(values: &[Option<u64>]) -> String {
    let (w, h) = (120.0, 26.0);
    let max = values.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let n = values.len().max(2) as f64 - 1.0;
    let mut segments = Vec::new();
    let mut current = String::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => {
                let (x, y) = (i as f64 / n * w, h - 2.0 - (*v as f64 / max) * (h - 4.0));
                // A lone point (its neighbours suppressed) still shows, as a dot.
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
        r##"<svg class="spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="events per bin"><path d="{}" fill="none" stroke="#444" stroke-width="1.4" stroke-linecap="round" stroke-linejoin="round"/></svg>"##,
        segments.join(" ")
    )
}

impl Report<'_> {
    /// The page.
    pub fn to_html(&self) -> String {
        let s = self.summary;
        let mut html = String::new();
        let title = format!("Emerging hot spots — {}", escape(&s.selection));
        let _ = write!(
            html,
            r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #222; background: #fafafa; }}
header {{ background: #263238; color: #fff; padding: 18px 28px; }}
header h1 {{ margin: 0 0 4px; font-size: 22px; font-weight: 600; }}
header p {{ margin: 0; opacity: .85; }}
main {{ display: grid; grid-template-columns: minmax(520px, 3fr) minmax(300px, 2fr); gap: 24px; padding: 24px 28px; }}
section {{ background: #fff; border: 1px solid #e0e0e0; border-radius: 6px; padding: 16px 18px; }}
h2 {{ font-size: 16px; margin: 0 0 12px; }}
table {{ border-collapse: collapse; width: 100%; font-size: 13px; }}
th, td {{ text-align: left; padding: 5px 6px; border-bottom: 1px solid #eee; vertical-align: middle; }}
th {{ font-weight: 600; color: #555; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
td.nw {{ white-space: nowrap; }}
.legend {{ display: grid; grid-template-columns: repeat(auto-fill, minmax(220px, 1fr)); gap: 4px 16px; font-size: 13px; margin-top: 12px; }}
.swatch {{ display: inline-block; width: 14px; height: 14px; border-radius: 2px; margin-right: 6px; vertical-align: -2px; border: 1px solid rgba(0,0,0,.15); }}
.tag {{ display: inline-block; background: #c62828; color: #fff; border-radius: 3px; padding: 0 5px; font-size: 11px; }}
.muted {{ color: #777; font-size: 12px; }}
svg.map {{ width: 100%; height: auto; background: #eef3f6; border-radius: 4px; }}
svg.chart {{ max-width: 100%; height: auto; display: block; margin: 0.5em 0; }}
.full {{ grid-column: 1 / -1; }}
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p>Job <b>{job}</b> · {bins} {bin} bins from {start} to {end} (exclusive) · H3 resolution {res} · {scope} scope · generated by hotspots {version}</p>
</header>
<main>
"#,
            job = escape(&s.job),
            bins = s.window.bins,
            bin = match s.parameters.bin.as_str() {
                "day" => "daily",
                "week" => "weekly",
                _ => "monthly",
            },
            start = escape(&s.window.start),
            end = escape(&s.window.end),
            res = s.parameters.resolution,
            scope = s.parameters.statistics.scope.as_str(),
            version = escape(&s.version),
        );
        self.patrol_section(&mut html);
        self.map_section(&mut html);
        self.districts_section(&mut html);
        self.backtest_section(&mut html);
        self.scan_section(&mut html);
        self.run_section(&mut html);
        html.push_str("</main>\n</body>\n</html>\n");
        html
    }

    fn patrol_section(&self, html: &mut String) {
        let params = self.patrol_params;
        html.push_str("<section class=\"full\"><h2>Next week's patrol areas</h2>\n");
        if self.patrol.is_empty() {
            html.push_str(
                "<p class=\"muted\">No cell has a hot-spot pattern: no patrol area to propose.</p></section>\n",
            );
            return;
        }
        html.push_str("<table><thead><tr><th>#</th><th>Team</th><th>District</th><th>Why</th><th class=\"n\">Expected / week</th><th class=\"n\">Last bin</th><th>When (peak)</th><th class=\"n\">Nearest service</th><th>Flags</th></tr></thead><tbody>\n");
        let min_count = self.figures.disclosure.min_count();
        for (a, f) in self.patrol.iter().zip(&self.figures.areas) {
            let shown = f.peak_shown;
            let why: Vec<String> = a
                .reasons
                .iter()
                .map(|r| match *r {
                    "forecast" => "forecast".to_string(),
                    "unmet_concern" => "unmet concern".to_string(),
                    name => Pattern::ALL
                        .iter()
                        .find(|p| p.name() == name)
                        .map_or(name.to_string(), |p| escape(p.arcgis_label())),
                })
                .collect();
            let when = match (shown, a.peak_weekday, a.peak_hour) {
                (true, Some(d), Some(h)) => {
                    let office = if a.peak_outside_office_hours() == Some(true) {
                        " <span class=\"tag\">outside office hours</span>"
                    } else {
                        ""
                    };
                    format!("{} {h:02}–{:02}{office}", WEEKDAYS[d], (h + 1) % 24)
                }
                _ => "–".into(),
            };
            let expected = f.expected_per_week.map_or(format!("&lt;&nbsp;{min_count}"), |v| format!("{:.1}", v));
            let last_bin = f.last_bin.map_or(format!("&lt;&nbsp;{min_count}"), |v| v.to_string());
            let service = match &a.nearest_service {
                Some((name, d)) => format!("{:.0} m <span class=\"muted\">{}</span>", d, escape(name)),
                None => "–".into(),
            };
            let mut flags = Vec::new();
            if a.service_gap(params.service_gap_m) == Some(true) {
                flags.push("<span class=\"tag\">service gap</span>");
            }
            if a.unmet_concern {
                flags.push("<span class=\"tag\">unmet concern</span>");
            }
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{expected}</td><td class=\"n\">{last_bin}</td><td class=\"nw\">{when}</td><td class=\"n\">{service}</td><td>{}</td></tr>",
                a.rank,
                a.team.and_then(|t| self.summary.teams.iter().find(|x| x.number == t)).map_or("–".to_string(), |t| {
                    escape(format!("{} {} ({})", t.municipality, t.direction, t.number).trim())
                }),
                escape(a.district.and_then(|d| self.district_names.get(d)).map(String::as_str).unwrap_or("–")),
                why.join(", "),
                flags.join(" ")
            );
        }
        html.push_str("</tbody></table>\n");
        let mut teams = String::new();
        // The teams as the public summary.json publishes them.
        for t in &self.summary.teams {
            let ranks: Vec<String> =
                self.patrol.iter().filter(|a| a.team == Some(t.number)).map(|a| a.rank.to_string()).collect();
            let load = t.expected_per_week;
            let _ = write!(
                teams,
                "Team {} ({} {}): areas {} (≈ {} events a week). ",
                t.number,
                escape(&t.municipality),
                t.direction,
                ranks.join(", "),
                load.map_or(format!("&lt; {min_count}"), |v| v.to_string())
            );
        }
        let _ = writeln!(
            html,
            "<p class=\"muted\">{teams}Each municipality's teams walk the cells with the highest forecast of next bin's events, a share {:.0} % kept for new and intensifying hot spots; the cells are joined into walkable areas of at most {} km², shared among the municipality's own teams by compass direction. Expected events are the forecast ({}). The peak comes from the last 84 days. Office hours: Monday–Friday 08–16. Service gap: nearest service farther than {} m.</p></section>",
            params.watch_share * 100.0,
            params.max_area_km2,
            escape(self.forecast_model),
            params.service_gap_m
        );
    }

    fn map_section(&self, html: &mut String) {
        let mut bbox = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
        let mut grow = |lon: f64, lat: f64| {
            bbox[0] = bbox[0].min(lon);
            bbox[1] = bbox[1].min(lat);
            bbox[2] = bbox[2].max(lon);
            bbox[3] = bbox[3].max(lat);
        };
        for c in self.cells {
            for ll in c.boundary().iter() {
                grow(ll.lng(), ll.lat());
            }
        }
        if let Some(d) = self.districts {
            for p in d.all().iter().flat_map(|d| d.shape.0.iter()) {
                for c in p.exterior().coords() {
                    grow(c.x, c.y);
                }
            }
        }
        let width = 900.0;
        let (proj, height) = Projection::fit(bbox, width, 640.0);
        let _ = write!(
            html,
            r#"<section><h2>Map: the pattern of every cell</h2>
<svg class="map" viewBox="-4 -4 {w:.0} {h:.0}" role="img" aria-label="map of emerging hot spots">
"#,
            w = width + 8.0,
            h = height + 8.0
        );
        for (c, cell) in self.cells.iter().enumerate() {
            let p = self.stats.cells[c].pattern;
            let d = proj.path(cell.boundary().iter().map(|ll| (ll.lng(), ll.lat())));
            let opacity = if p == Pattern::NoPatternDetected { 0.35 } else { 0.92 };
            let _ = writeln!(
                html,
                r#"<path d="{d}" fill="{}" fill-opacity="{opacity}"><title>{}: {}</title></path>"#,
                p.colour(),
                cell,
                escape(p.label_en())
            );
        }
        if let Some(districts) = self.districts {
            for d in districts.all() {
                for polygon in &d.shape.0 {
                    let path = proj.path(polygon.exterior().coords().map(|c| (c.x, c.y)));
                    let _ = writeln!(
                        html,
                        r##"<path d="{path}" fill="none" stroke="#37474f" stroke-width="1.2"><title>{}</title></path>"##,
                        escape(&d.name)
                    );
                }
            }
            for d in districts.all() {
                if let Some(c) = geo::Centroid::centroid(&d.shape) {
                    let (x, y) = proj.xy(c.x(), c.y());
                    let _ = writeln!(
                        html,
                        r##"<text x="{x:.1}" y="{y:.1}" font-size="11" text-anchor="middle" fill="#263238" stroke="#fff" stroke-width="3" paint-order="stroke">{}</text>"##,
                        escape(&d.name)
                    );
                }
            }
        }
        html.push_str("</svg>\n<div class=\"legend\">\n");
        let counts = self.stats.pattern_counts();
        for p in Pattern::ALL {
            let n = counts.get(p.name()).copied().unwrap_or(0);
            if n == 0 && p != Pattern::NoPatternDetected {
                continue;
            }
            let _ = writeln!(
                html,
                r#"<div title="{} / {}"><span class="swatch" style="background:{}"></span>{} <span class="muted">({n} cells)</span></div>"#,
                escape(p.label_fi()),
                escape(p.label_sv()),
                p.colour(),
                escape(p.arcgis_label())
            );
        }
        html.push_str(
            "</div>\n<p class=\"muted\">Hover a cell or a legend entry for its meaning (Finnish and Swedish in the legend's tooltip).</p>\n</section>\n",
        );
    }

    fn districts_section(&self, html: &mut String) {
        html.push_str("<section><h2>Districts ranked by emerging activity</h2>\n");
        let s = self.summary;
        if s.districts.is_empty() {
            html.push_str("<p class=\"muted\">No districts layer was given (use --districts).</p></section>\n");
            return;
        }
        let hot = |d: &crate::publish::public_summary::PublicDistrict, emerging_only: bool| -> u64 {
            d.patterns
                .iter()
                .filter(|(name, _)| {
                    let p = Pattern::from_name(name).expect("known pattern");
                    if emerging_only { p.is_emerging() } else { p.code() > 0 }
                })
                .map(|(_, n)| *n)
                .sum()
        };
        let mut order: Vec<usize> = (0..s.districts.len()).filter(|&i| s.districts[i].cells > 0).collect();
        order.sort_by_key(|&i| {
            (std::cmp::Reverse(hot(&s.districts[i], true)), std::cmp::Reverse(hot(&s.districts[i], false)), i)
        });
        html.push_str("<table><thead><tr><th>#</th><th>District</th><th class=\"n\">Emerging cells</th><th class=\"n\">Hot cells</th><th>Trend</th><th class=\"n\">Events</th><th>Per bin</th></tr></thead><tbody>\n");
        for (rank, &i) in order.iter().enumerate() {
            let d = &s.districts[i];
            let events =
                d.events.map_or(format!("&lt;&nbsp;{}", self.figures.disclosure.min_count()), |v| v.to_string());
            let series: Vec<Option<u64>> = self.figures.districts.get(i).map(|f| f.series.clone()).unwrap_or_default();
            let emerging = hot(d, true);
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}{} <span class=\"muted\">{}</span></td><td class=\"n\">{emerging}</td><td class=\"n\">{}</td><td class=\"nw\">{}</td><td class=\"n\">{events}</td><td>{}</td></tr>",
                rank + 1,
                escape(&d.name),
                if d.emerging { " <span class=\"tag\">emerging</span>" } else { "" },
                escape(&d.municipality),
                hot(d, false),
                match d.trend {
                    "up" => "▲ rising",
                    "down" => "▼ falling",
                    _ => "– steady",
                },
                sparkline(&series)
            );
        }
        html.push_str("</tbody></table>\n<p class=\"muted\">Emerging = new, consecutive or intensifying hot spot cells. Counts under the small-count threshold are hidden; sums leave out what could tell a hidden count (README, Privacy).</p>\n</section>\n");
    }

    fn backtest_section(&self, html: &mut String) {
        let Some(b) = self.backtest else { return };
        let _ = write!(
            html,
            "<section class=\"full\"><h2>Would the plan have worked? Backtest over the last {} bins</h2>\n<table><thead><tr><th>Method</th><th class=\"n\">Hit rate</th><th class=\"n\">PAI</th><th class=\"n\">PEI</th><th class=\"n\">RRI</th></tr></thead><tbody>\n",
            b.bins.len()
        );
        let Some(team) = b.budgets.first() else { return };
        for m in &team.methods {
            let label = match m.method.as_str() {
                "plan" => "This plan".to_string(),
                "last_bin" => "Busiest cells of the previous bin".to_string(),
                "last_4" => "Busiest cells of the previous four bins".to_string(),
                "history" => "Busiest cells of all earlier bins".to_string(),
                "ewma" => format!("Highest exponentially weighted average (α = {})", b.ewma_alpha),
                "public" => "The plan's forecast from the public counts only".to_string(),
                _ => "The best possible choice (oracle)".to_string(),
            };
            let opt = |v: Option<f64>| v.map_or("–".into(), |r| format!("{r:.2}"));
            let _ = writeln!(
                html,
                "<tr><td>{label}</td><td class=\"n\">{:.1} %</td><td class=\"n\">{:.2}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                m.hit_rate * 100.0,
                m.pai,
                opt(m.pei),
                opt(m.rri)
            );
        }
        html.push_str("</tbody></table>\n");
        if let (Some(plan), Some(base)) = (b.team("plan"), b.team(&b.difference.baseline)) {
            html.push_str(&hit_rate_chart(&plan.hit_rates, &base.hit_rates, &b.difference.baseline, &b.bins));
        }
        let others: Vec<String> = b.budgets[1..]
            .iter()
            .map(|s| {
                let hit = |name: &str| s.methods.iter().find(|m| m.method == name).map_or(0.0, |m| m.hit_rate * 100.0);
                let best = ["last_bin", "last_4", "history", "ewma"].iter().map(|n| hit(n)).fold(0.0, f64::max);
                format!("{} of the area: plan {:.1} %, best naive {:.1} %", s.budget, hit("plan"), best)
            })
            .collect();
        let d = &b.difference;
        let _ = writeln!(
            html,
            "<p class=\"muted\">Each method chooses {} cells ({:.1} % of the study area, what the teams can walk) from the bins before each held-out bin and is scored on it. Plan − {}: {:+.1} points (95 % interval {:+.1} … {:+.1}). {}. Hit rate: share of the bin's events in the chosen cells. PAI: hit rate ÷ area share. PEI: hit rate ÷ the oracle's. RRI: the chosen cells' change in events over the city's change.</p></section>",
            team.cells,
            team.area_share * 100.0,
            d.baseline,
            d.mean * 100.0,
            d.ci95[0] * 100.0,
            d.ci95[1] * 100.0,
            others.join("; ")
        );
    }

    /// With `--scan`: the clusters alive in the final bin, as the public summary lists them.
    fn scan_section(&self, html: &mut String) {
        let Some(clusters) = &self.summary.scan else { return };
        html.push_str("<section class=\"full\"><h2>Clusters alive this bin (space-time scan)</h2>\n");
        let significant = clusters.iter().filter(|c| c.significance != "not significant").count();
        let _ = writeln!(
            html,
            "<p>{significant} of {} clusters are significant (p ≤ 0.05). A cluster is a circle of cells whose events \
             in its last bins (ending now) are more than the place and the time alone would make expected; the \
             prospective space-time permutation scan (Kulldorff et al. 2005) looks at every size at once. A \
             cluster at p ≤ 0.01 would turn up by chance in fewer than one in a hundred runs.</p>",
            clusters.len()
        );
        if clusters.is_empty() {
            html.push_str("</section>\n");
            return;
        }
        html.push_str("<table><tr><th>#</th><th>cells</th><th>since</th><th>events</th><th>significance</th></tr>\n");
        for c in clusters {
            let _ = writeln!(
                html,
                "<tr><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"nw\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                c.rank,
                c.cells.len(),
                escape(&c.start),
                c.observed,
                escape(c.significance)
            );
        }
        html.push_str("</table></section>\n");
    }

    fn run_section(&self, html: &mut String) {
        let s = self.summary;
        let p = &s.parameters;
        let st = &p.statistics;
        html.push_str("<section class=\"full\"><h2>The run</h2>\n");
        let _ = writeln!(
            html,
            "<p class=\"muted\">Parameters: resolution {} · {} bins · {} · time window {} · global window {} · α = {} · FDR {} · permutations {} · scope {} · min count {} · time zone {} · districts {} · overall trend {} (Mann-Kendall). Row accounting, exact figures and rejects are in the internal folder.</p>",
            p.resolution,
            escape(&p.bin),
            match st.neighbourhood_m {
                Some(m) => format!("neighbours within {m} m"),
                None => format!("k = {}", st.k),
            },
            st.time_window,
            st.global_window.as_str(),
            st.alpha,
            if st.fdr { "on" } else { "off" },
            st.permutations,
            st.scope.as_str(),
            p.min_count,
            escape(&p.tz),
            escape(p.districts.as_deref().unwrap_or("none")),
            s.trend,
        );
        html.push_str("</section>\n");
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
        let line = sparkline(&[Some(5), Some(10), None, Some(5)]);
        assert_eq!(line.matches('M').count(), 2, "a suppressed bin breaks the line: {line}");
        assert!(line.contains("l0.1,0"), "the lone last point is drawn as a dot: {line}");
        assert!(!line.contains("http"));
    }
}
