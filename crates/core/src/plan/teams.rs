//! Teams: the top `4 · teams` patrol areas shared among the outreach pairs, near one another and
//! with fair loads (see [`assign_teams`]).

use super::patrol::PatrolArea;

/// Shares the top `4 · teams` areas among the teams (see the module documentation).
pub fn assign_teams(areas: &mut [PatrolArea], teams: usize) {
    if teams == 0 || areas.is_empty() {
        return;
    }
    let top = areas.len().min(4 * teams);
    let km = |a: &PatrolArea| (a.centre.0 * 111.32 * 60.2f64.to_radians().cos(), a.centre.1 * 110.57);
    let pos: Vec<(f64, f64)> = areas[..top].iter().map(km).collect();
    let work: Vec<f64> = areas[..top].iter().map(|a| a.expected_per_week.max(0.1)).collect();
    let dist = |a: (f64, f64), b: (f64, f64)| ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
    let k = teams.min(top);
    let mut centres = vec![pos[0]];
    while centres.len() < k {
        let far = (0..top)
            .max_by(|&i, &j| {
                let di = centres.iter().map(|&c| dist(pos[i], c)).fold(f64::INFINITY, f64::min);
                let dj = centres.iter().map(|&c| dist(pos[j], c)).fold(f64::INFINITY, f64::min);
                di.total_cmp(&dj).then(j.cmp(&i))
            })
            .expect("areas");
        centres.push(pos[far]);
    }
    let fair = work.iter().sum::<f64>() / k as f64;
    let mut assigned = vec![0usize; top];
    for _ in 0..10 {
        let mut load = vec![0.0; k];
        for i in 0..top {
            let team = (0..k)
                .min_by(|&a, &b| {
                    let ca = (dist(pos[i], centres[a]) + 0.05) * (1.0 + load[a] / fair);
                    let cb = (dist(pos[i], centres[b]) + 0.05) * (1.0 + load[b] / fair);
                    ca.total_cmp(&cb).then(a.cmp(&b))
                })
                .expect("teams");
            assigned[i] = team;
            load[team] += work[i];
        }
        for (t, centre) in centres.iter_mut().enumerate() {
            let (mut x, mut y, mut w) = (0.0, 0.0, 0.0);
            for i in (0..top).filter(|&i| assigned[i] == t) {
                x += pos[i].0 * work[i];
                y += pos[i].1 * work[i];
                w += work[i];
            }
            if w > 0.0 {
                *centre = (x / w, y / w);
            }
        }
    }
    // Number the teams by their best-ranked area.
    let mut order: Vec<usize> = Vec::new();
    for &t in &assigned {
        if !order.contains(&t) {
            order.push(t);
        }
    }
    for (i, a) in areas[..top].iter_mut().enumerate() {
        a.team = Some(order.iter().position(|&t| t == assigned[i]).expect("listed") + 1);
    }
}
