//! Teams: each municipality's patrol cells are shared among that municipality's own outreach
//! pairs (the two cities' teams are separate organisations), each pair taking one compass
//! direction from the municipality's centre; the areas are then drawn within each team's cells.
//!
//! The plan's cells of a municipality are ordered by their bearing from its centre (the mean of its
//! study-area cell centres; 0° is north, clockwise) and cut into as many contiguous arcs as it has
//! teams. Of every way to cut the circle, the one with the most even expected workload wins
//! (smallest max/min of the teams' `expected_per_week`; ties to the narrowest arcs). A team's
//! label is the compass direction of its workload-weighted centre: with up to four teams, the
//! assignment of north, east, south and west that fits the arcs' bearings best; a fifth team
//! whose areas lie nearest the centre is `centre`; more teams repeat the nearest direction with a
//! number. Teams are numbered over the whole plan: municipalities by name, then north, east,
//! south, west, centre. Cells, not whole areas, are shared, so the balance is as fine as
//! one cell's expected events allow: where one cell alone expects more than a fair share, no
//! cut reaches 1.3, and `summary.json`'s `team_balance` shows the figure reached.

use serde::Serialize;

use super::patrol::TeamCounts;

/// One outreach pair's share of the plan.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Team {
    /// Its number (as in [`super::PatrolArea::team`]).
    pub number: usize,
    /// Its municipality (empty without one).
    pub municipality: String,
    /// `north`, `east`, `south`, `west` or `centre` (with a number beyond five teams).
    pub direction: String,
    /// Its areas.
    pub areas: usize,
    /// Expected events per week over its areas.
    pub expected_per_week: f64,
}

const DIRECTIONS: [(&str, f64); 4] = [("north", 0.0), ("east", 90.0), ("south", 180.0), ("west", 270.0)];

/// Kilometres east and north of `centre` (lon, lat) at that latitude.
fn km(p: (f64, f64), centre: (f64, f64)) -> (f64, f64) {
    let k = centre.1.to_radians().cos();
    ((p.0 - centre.0) * 111.32 * k, (p.1 - centre.1) * 110.57)
}

/// Bearing in degrees, 0 north, clockwise.
fn bearing(v: (f64, f64)) -> f64 {
    v.0.atan2(v.1).to_degrees().rem_euclid(360.0)
}

fn angle_between(a: f64, b: f64) -> f64 {
    let d = (a - b).rem_euclid(360.0);
    d.min(360.0 - d)
}

/// Cut points: every way to choose `k − 1` of `1..n` in ascending order (the arcs start at 0 and
/// at each cut), up to `limit` ways.
fn cut_sets(n: usize, k: usize, limit: usize) -> Vec<Vec<usize>> {
    fn walk(from: usize, n: usize, left: usize, current: &mut Vec<usize>, out: &mut Vec<Vec<usize>>, limit: usize) {
        if out.len() >= limit {
            return;
        }
        if left == 0 {
            out.push(current.clone());
            return;
        }
        for c in from..=n - left {
            current.push(c);
            walk(c + 1, n, left - 1, current, out, limit);
            current.pop();
        }
    }
    let mut out = Vec::new();
    walk(1, n, k - 1, &mut Vec::new(), &mut out, limit);
    out
}

/// Splits `order` (areas by bearing) into `k` contiguous arcs of the circle with the most even
/// `load`; returns each area's arc (0-based) by position in `order`.
fn arcs(bearings: &[f64], load: &[f64], k: usize) -> Vec<usize> {
    let n = bearings.len();
    if k >= n {
        return (0..n).collect();
    }
    let cuts = cut_sets(n, k, 200_000 / n.max(1));
    // The best (rotation, cut) by (balance, span); its arcs are written out once at the end.
    let mut best: Option<((f64, f64), usize, usize)> = None;
    let mut loads = vec![0.0; k];
    let mut bounds = vec![0usize; k + 1];
    bounds[k] = n;
    for rotation in 0..n {
        for (which, cut) in cuts.iter().enumerate() {
            bounds[1..k].copy_from_slice(cut);
            loads.iter_mut().for_each(|l| *l = 0.0);
            let mut span = 0.0;
            for (a, w) in bounds.windows(2).enumerate() {
                for i in w[0]..w[1] {
                    loads[a] += load[(i + rotation) % n];
                }
                let (first, last) = ((w[0] + rotation) % n, (w[1] - 1 + rotation) % n);
                span += (bearings[last] - bearings[first]).rem_euclid(360.0);
            }
            let max = loads.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let min = loads.iter().cloned().fold(f64::INFINITY, f64::min).max(1e-9);
            let key = (max / min, span);
            if best.as_ref().is_none_or(|(b, _, _)| key.0 < b.0 - 1e-12 || (key.0 <= b.0 + 1e-12 && key.1 < b.1)) {
                best = Some((key, rotation, which));
            }
        }
    }
    best.map(|(_, rotation, which)| {
        let mut arc = vec![0usize; n];
        let cut = &cuts[which];
        for a in 0..k {
            let (from, to) = (if a == 0 { 0 } else { cut[a - 1] }, if a + 1 == k { n } else { cut[a] });
            for i in from..to {
                arc[(i + rotation) % n] = a;
            }
        }
        arc
    })
    .unwrap_or_else(|| vec![0; n])
}

/// Labels `k` teams from their weighted centres (km from the municipality's centre).
fn labels(centres: &[(f64, f64)]) -> Vec<String> {
    let k = centres.len();
    let bearings: Vec<f64> = centres.iter().map(|&c| bearing(c)).collect();
    let mut out = vec![String::new(); k];
    let mut rest: Vec<usize> = (0..k).collect();
    if k == 5 {
        let nearest = (0..k)
            .min_by(|&a, &b| {
                let d = |c: (f64, f64)| c.0.hypot(c.1);
                d(centres[a]).total_cmp(&d(centres[b])).then(a.cmp(&b))
            })
            .expect("teams");
        out[nearest] = "centre".into();
        rest.retain(|&t| t != nearest);
    }
    if rest.len() <= 4 {
        // The assignment of distinct directions with the least total angle.
        let mut best: Option<(f64, Vec<usize>)> = None;
        let mut perm: Vec<usize> = (0..4).collect();
        permutations(&mut perm, 0, &mut |p: &[usize]| {
            let cost: f64 = rest.iter().zip(p).map(|(&t, &d)| angle_between(bearings[t], DIRECTIONS[d].1)).sum();
            if best.as_ref().is_none_or(|(c, _)| cost < *c - 1e-12) {
                best = Some((cost, p[..rest.len()].to_vec()));
            }
        });
        for (&t, &d) in rest.iter().zip(&best.expect("directions").1) {
            out[t] = DIRECTIONS[d].0.to_string();
        }
    } else {
        let mut used: Vec<String> = Vec::new();
        for &t in &rest {
            let d = DIRECTIONS
                .iter()
                .min_by(|a, b| angle_between(bearings[t], a.1).total_cmp(&angle_between(bearings[t], b.1)))
                .expect("directions")
                .0;
            let n = used.iter().filter(|u| u.starts_with(d)).count();
            let label = if n == 0 { d.to_string() } else { format!("{d} {}", n + 1) };
            used.push(label.clone());
            out[t] = label;
        }
    }
    out
}

/// Calls `visit` with every ordering of `items[at..]` after `items[..at]`.
fn permutations(items: &mut Vec<usize>, at: usize, visit: &mut dyn FnMut(&[usize])) {
    if at == items.len() {
        visit(items);
        return;
    }
    for i in at..items.len() {
        items.swap(at, i);
        permutations(items, at + 1, visit);
        items.swap(at, i);
    }
}

/// The order labels are numbered in.
fn label_rank(label: &str) -> (usize, String) {
    let base = label.split(' ').next().unwrap_or("");
    let r = ["north", "east", "south", "west", "centre"].iter().position(|d| *d == base).unwrap_or(5);
    (r, label.to_string())
}

/// One piece of work to share: where it is (lon, lat), its municipality and its expected events
/// a week.
pub struct Unit<'a> {
    /// Position (lon, lat).
    pub position: (f64, f64),
    /// Municipality (empty without one).
    pub municipality: &'a str,
    /// Expected events a week.
    pub load: f64,
}

/// Shares `units` among each municipality's teams (see the module documentation). Returns each
/// unit's team number (1-based; `None` where its municipality has no team) and the teams, with
/// their expected events a week (and `areas` left at 0 for the caller). `centres` gives each
/// municipality's centre (lon, lat).
pub fn assign_teams(
    units: &[Unit<'_>],
    counts: &TeamCounts,
    centres: &std::collections::BTreeMap<String, (f64, f64)>,
) -> (Vec<Option<usize>>, Vec<Team>) {
    let mut municipalities: Vec<&str> = units.iter().map(|u| u.municipality).collect();
    municipalities.sort_unstable();
    municipalities.dedup();
    let mut team_of = vec![None; units.len()];
    let mut teams = Vec::new();
    for m in municipalities {
        let k = counts.of(m);
        let members: Vec<usize> = (0..units.len()).filter(|&i| units[i].municipality == m).collect();
        if k == 0 || members.is_empty() {
            continue;
        }
        let centre = centres.get(m).copied().unwrap_or_else(|| {
            let n = members.len() as f64;
            (
                members.iter().map(|&i| units[i].position.0).sum::<f64>() / n,
                members.iter().map(|&i| units[i].position.1).sum::<f64>() / n,
            )
        });
        let bearing_of = |i: usize| bearing(km(units[i].position, centre));
        let mut order = members.clone();
        order.sort_by(|&a, &b| bearing_of(a).total_cmp(&bearing_of(b)).then(a.cmp(&b)));
        let bearings: Vec<f64> = order.iter().map(|&i| bearing_of(i)).collect();
        let load: Vec<f64> = order.iter().map(|&i| units[i].load.max(0.1)).collect();
        let k = k.min(order.len());
        let arc = arcs(&bearings, &load, k);
        let weighted: Vec<(f64, f64)> = (0..k)
            .map(|a| {
                let (mut x, mut y, mut w) = (0.0, 0.0, 0.0);
                for (p, &i) in order.iter().enumerate().filter(|&(p, _)| arc[p] == a) {
                    let v = km(units[i].position, centre);
                    x += v.0 * load[p];
                    y += v.1 * load[p];
                    w += load[p];
                }
                (x / w, y / w)
            })
            .collect();
        let names = labels(&weighted);
        let mut numbered: Vec<usize> = (0..k).collect();
        numbered.sort_by_key(|&a| label_rank(&names[a]));
        for a in numbered {
            let number = teams.len() + 1;
            let mut expected = 0.0;
            for (p, &i) in order.iter().enumerate() {
                if arc[p] == a {
                    team_of[i] = Some(number);
                    expected += units[i].load;
                }
            }
            teams.push(Team {
                number,
                municipality: m.to_string(),
                direction: names[a].clone(),
                areas: 0,
                expected_per_week: expected,
            });
        }
    }
    (team_of, teams)
}

/// Per municipality, the largest team workload over the smallest (`None` with one team or a team
/// without expected events).
pub fn balance(teams: &[Team]) -> Vec<(String, Option<f64>)> {
    let mut names: Vec<&str> = teams.iter().map(|t| t.municipality.as_str()).collect();
    names.dedup();
    names
        .into_iter()
        .map(|m| {
            let loads: Vec<f64> = teams.iter().filter(|t| t.municipality == m).map(|t| t.expected_per_week).collect();
            let max = loads.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let min = loads.iter().cloned().fold(f64::INFINITY, f64::min);
            (m.to_string(), (loads.len() > 1 && min > 0.0).then(|| max / min))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(lon: f64, lat: f64, municipality: &str, load: f64) -> Unit<'_> {
        Unit { position: (lon, lat), municipality, load }
    }

    /// Two hand-made clusters of one municipality and two teams: the northern three units (10
    /// events each) go to team 1, "north", the southern two (20 each) to team 2, "south"; a
    /// municipality without teams gets none; the balance is 40 / 30.
    #[test]
    fn two_clusters_go_to_two_teams_by_direction() {
        let units = [
            unit(24.90, 60.26, "A", 10.0),
            unit(24.92, 60.27, "A", 10.0),
            unit(24.88, 60.27, "A", 10.0),
            unit(24.91, 60.13, "A", 20.0),
            unit(24.89, 60.12, "A", 20.0),
            unit(25.20, 60.30, "B", 50.0),
        ];
        let centres = std::collections::BTreeMap::from([("A".to_string(), (24.90, 60.20))]);
        let counts = crate::plan::patrol::TeamCounts::Named(vec![("A".into(), 2)]);
        let (team_of, teams) = assign_teams(&units, &counts, &centres);
        assert_eq!(team_of, [Some(1), Some(1), Some(1), Some(2), Some(2), None]);
        assert_eq!(teams.len(), 2);
        assert_eq!((teams[0].direction.as_str(), teams[0].expected_per_week), ("north", 30.0));
        assert_eq!((teams[1].direction.as_str(), teams[1].expected_per_week), ("south", 40.0));
        assert!(teams.iter().all(|t| t.municipality == "A"));
        let ratio = balance(&teams)[0].1.unwrap();
        assert!((ratio - 40.0 / 30.0).abs() < 1e-12, "{ratio}");
        // One team takes everything of its municipality.
        let (team_of, teams) = assign_teams(&units, &crate::plan::patrol::TeamCounts::Each(1), &centres);
        assert_eq!(team_of, [Some(1), Some(1), Some(1), Some(1), Some(1), Some(2)]);
        assert_eq!(teams[0].expected_per_week, 70.0);
        assert_eq!(balance(&teams), [("A".to_string(), None), ("B".to_string(), None)]);
    }

    /// Without a given centre a municipality's centre is the mean of its units: four units in a
    /// row, two west and two east of 24.91°, make a west and an east team. A team's label follows
    /// its load-weighted centre: one team with 10 a week 5.5 km north and 1 a week 4.4 km east
    /// is `north`.
    #[test]
    fn the_centre_defaults_to_the_units_mean_and_loads_weigh_the_label() {
        let row = [
            unit(24.80, 60.20, "C", 5.0),
            unit(24.82, 60.20, "C", 5.0),
            unit(25.00, 60.20, "C", 5.0),
            unit(25.02, 60.20, "C", 5.0),
        ];
        let (team_of, teams) =
            assign_teams(&row, &crate::plan::patrol::TeamCounts::Each(2), &std::collections::BTreeMap::new());
        assert_eq!(team_of, [Some(2), Some(2), Some(1), Some(1)]);
        let directions: Vec<&str> = teams.iter().map(|t| t.direction.as_str()).collect();
        assert_eq!(directions, ["east", "west"]);
        let pair = [unit(24.90, 60.25, "D", 10.0), unit(24.98, 60.20, "D", 1.0)];
        let centres = std::collections::BTreeMap::from([("D".to_string(), (24.90, 60.20))]);
        let (_, teams) = assign_teams(&pair, &crate::plan::patrol::TeamCounts::Each(1), &centres);
        assert_eq!(teams[0].direction, "north");
    }

    #[test]
    fn bearings_and_labels() {
        assert_eq!(bearing((0.0, 1.0)), 0.0);
        assert_eq!(bearing((1.0, 0.0)), 90.0);
        assert_eq!(bearing((0.0, -1.0)), 180.0);
        assert_eq!(bearing((-1.0, 0.0)), 270.0);
        let l = labels(&[(0.1, 5.0), (5.0, 0.2), (0.0, -4.0), (-3.0, 0.5)]);
        assert_eq!(l, ["north", "east", "south", "west"]);
        let l = labels(&[(0.1, 5.0), (0.0, -4.0)]);
        assert_eq!(l, ["north", "south"]);
        let l = labels(&[(0.1, 5.0), (5.0, 0.2), (0.0, -4.0), (-3.0, 0.5), (0.1, 0.1)]);
        assert_eq!(l[4], "centre");
    }

    #[test]
    fn arcs_balance_the_load_and_stay_contiguous() {
        // Eight areas around the circle; loads 8, 1, 1, 6, 2, 2, 2, 2: two arcs of 12 each.
        let bearings: Vec<f64> = (0..8).map(|i| f64::from(i) * 45.0).collect();
        let load = [8.0, 1.0, 1.0, 6.0, 2.0, 2.0, 2.0, 2.0];
        let arc = arcs(&bearings, &load, 2);
        let loads: Vec<f64> = (0..2).map(|a| (0..8).filter(|&i| arc[i] == a).map(|i| load[i]).sum()).collect();
        assert_eq!(loads[0] + loads[1], 24.0);
        assert_eq!(loads[0].max(loads[1]) / loads[0].min(loads[1]), 1.0, "{arc:?}");
        // Contiguous around the circle: the arc changes at most twice going round.
        let changes = (0..8).filter(|&i| arc[i] != arc[(i + 1) % 8]).count();
        assert!(changes <= 2, "{arc:?}");
    }

    /// Five teams: the one nearest the centre is `centre`, the others take the four directions;
    /// six: each takes its nearest direction, repeats numbered in order.
    #[test]
    fn five_teams_have_a_centre_and_more_number_their_directions() {
        let five = [(0.0, 5.0), (5.0, 0.0), (0.0, -5.0), (-5.0, 0.0), (0.5, 0.5)];
        assert_eq!(labels(&five), vec!["north", "east", "south", "west", "centre"]);
        let at = |deg: f64| (deg.to_radians().sin() * 3.0, deg.to_radians().cos() * 3.0);
        let six: Vec<(f64, f64)> = [0.0, 10.0, 90.0, 180.0, 270.0, 350.0].iter().map(|&d| at(d)).collect();
        assert_eq!(labels(&six), vec!["north", "north 2", "east", "south", "west", "north 3"]);
        let mut sorted = labels(&six);
        sorted.sort_by_key(|l| label_rank(l));
        assert_eq!(sorted, vec!["north", "north 2", "north 3", "east", "south", "west"]);
        assert_eq!(label_rank("elsewhere").0, 5);
    }

    /// Four units of equal load at 0°, 10°, 180° and 190°, two teams: every two-and-two cut is
    /// even, and the narrowest (0–10° and 180–190°, 20° in all, against 340° for 10–180° and
    /// 190–0°) wins, though the wide cut comes later in the search.
    #[test]
    fn even_cuts_tie_to_the_narrowest_arcs() {
        let arc = arcs(&[0.0, 10.0, 180.0, 190.0], &[1.0; 4], 2);
        assert!(arc[0] == arc[1] && arc[2] == arc[3] && arc[0] != arc[2], "{arc:?}");
        // The span only breaks ties: at 0°, 90° and 100° with loads 1, 1, 2 the even cut (0–90°
        // against 100°, 90° wide) wins over the narrower uneven one (90–100° against 0°, 3 : 1).
        let arc = arcs(&[0.0, 90.0, 100.0], &[1.0, 1.0, 2.0], 2);
        assert!(arc[0] == arc[1] && arc[1] != arc[2], "{arc:?}");
    }

    /// Four units at 10°, 100°, 190° and 280° with loads 3, 1, 1, 1, two teams: only the unit
    /// at 10° alone against the other three balances the load (3 against 3); every other cut of
    /// the circle into two arcs gives 4 : 2 or 5 : 1.
    #[test]
    fn arcs_find_the_only_even_cut() {
        let arc = arcs(&[10.0, 100.0, 190.0, 280.0], &[3.0, 1.0, 1.0, 1.0], 2);
        assert_ne!(arc[0], arc[1]);
        assert!(arc[1] == arc[2] && arc[2] == arc[3], "{arc:?}");
        // As many teams as units: one each.
        assert_eq!(arcs(&[10.0, 100.0], &[1.0, 1.0], 3), vec![0, 1]);
        assert_eq!(cut_sets(4, 2, 100), vec![vec![1], vec![2], vec![3]]);
        assert_eq!(cut_sets(4, 3, 100), vec![vec![1, 2], vec![1, 3], vec![2, 3]]);
        assert_eq!(cut_sets(5, 3, 2).len(), 2, "the limit");
        // Bearings: north 0°, east 90°, south 180°, west 270°; angles the short way round.
        assert_eq!(
            (bearing((0.0, 1.0)), bearing((1.0, 0.0)), bearing((0.0, -1.0)), bearing((-1.0, 0.0))),
            (0.0, 90.0, 180.0, 270.0)
        );
        assert_eq!(
            (angle_between(350.0, 10.0), angle_between(10.0, 350.0), angle_between(90.0, 270.0)),
            (20.0, 20.0, 180.0)
        );
        // One degree of latitude is 110.57 km; of longitude at 60° N, 111.32 · cos 60° km.
        let (east, north) = km((25.0, 61.0), (24.0, 60.0));
        assert!((north - 110.57).abs() < 1e-9 && (east - 111.32 * 0.5).abs() < 1e-9, "{east} {north}");
    }

    #[test]
    fn balance_is_the_largest_load_over_the_smallest_per_municipality() {
        let team = |m: &str, load: f64| Team {
            number: 0,
            municipality: m.into(),
            direction: String::new(),
            areas: 0,
            expected_per_week: load,
        };
        let teams =
            [team("A", 30.0), team("A", 45.0), team("A", 40.0), team("B", 10.0), team("C", 0.0), team("C", 5.0)];
        assert_eq!(
            balance(&teams),
            vec![("A".to_string(), Some(1.5)), ("B".to_string(), None), ("C".to_string(), None)]
        );
    }
}
