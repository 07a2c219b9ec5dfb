//! Diagnoses of whole-file mistakes that show up as many bad or misplaced rows: latitude and
//! longitude swapped, and coordinates in a projected system (metres) instead of WGS 84 degrees.
//! The engine says what it sees and what to do, instead of quietly producing an empty map.

use crate::space::districts::Districts;

/// Whether (x, y) look like ETRS-TM35FIN (EPSG:3067) metres: easting 50 000–750 000, northing
/// 6 600 000–7 800 000 (mainland Finland), in either order.
pub fn looks_like_tm35fin(a: f64, b: f64) -> bool {
    let easting = |v: f64| (50_000.0..=750_000.0).contains(&v);
    let northing = |v: f64| (6_600_000.0..=7_800_000.0).contains(&v);
    (easting(a) && northing(b)) || (northing(a) && easting(b))
}

/// A hint when most out-of-range coordinates look like ETRS-TM35FIN metres.
pub fn projected_hint(file: &str, sample: &[(f64, f64)]) -> Option<String> {
    if sample.len() < 3 {
        return None;
    }
    let projected = sample.iter().filter(|&&(a, b)| looks_like_tm35fin(a, b)).count();
    (2 * projected > sample.len()).then(|| {
        format!(
            "{file}: the coordinates look like ETRS-TM35FIN (EPSG:3067) metres, not WGS 84 degrees \
             (e.g. lat {}, lon {}); convert them to EPSG:4326 first (e.g. ogr2ogr -s_srs EPSG:3067 -t_srs EPSG:4326)",
            sample[0].0, sample[0].1
        )
    })
}

/// A hint when most events outside the study area would fall inside it with latitude and
/// longitude swapped.
pub fn swapped_hint(file: &str, outside: &[(f64, f64)], districts: &Districts) -> Option<String> {
    if outside.len() < 3 {
        return None;
    }
    let inside_swapped = outside.iter().filter(|&&(lat, lon)| districts.locate(lat, lon).is_some()).count();
    (2 * inside_swapped > outside.len()).then(|| {
        format!(
            "{file}: most events fall outside the study area, but {} of {} sampled would fall inside it with \
             latitude and longitude swapped: the columns look swapped (try --lat-col and --lon-col the other way round)",
            inside_swapped,
            outside.len()
        )
    })
}

/// Without a districts layer: a hint when most sampled events would fall in the built-in
/// Helsinki and Vantaa districts with latitude and longitude swapped, and none falls there as
/// given (hexagons in the Arabian Sea for an export from Helsinki).
pub fn swapped_without_districts_hint(file: &str, sample: &[(f64, f64)]) -> Option<String> {
    if sample.len() < 3 {
        return None;
    }
    let builtin = Districts::builtin();
    if sample.iter().any(|&(lat, lon)| builtin.locate(lon, lat).is_some()) {
        return None;
    }
    let swapped = sample.iter().filter(|&&(lat, lon)| builtin.locate(lat, lon).is_some()).count();
    (2 * swapped > sample.len()).then(|| {
        format!(
            "{file}: {swapped} of {} sampled events lie at latitude {:.2}, longitude {:.2} and the like, but would fall in \
             Helsinki or Vantaa with latitude and longitude swapped: the columns look swapped (try --lat-col and \
             --lon-col the other way round, or give --districts to make it an error)",
            sample.len(),
            sample[0].0,
            sample[0].1
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_tm35fin_and_swapped_helsinki() {
        // Rautatientori in ETRS-TM35FIN: N 6 672 990, E 385 860.
        assert!(looks_like_tm35fin(6_672_990.0, 385_860.0));
        assert!(looks_like_tm35fin(385_860.0, 6_672_990.0));
        assert!(!looks_like_tm35fin(60.17, 24.94));
        let sample = vec![(6_672_990.0, 385_860.0); 5];
        assert!(projected_hint("f", &sample).unwrap().contains("EPSG:3067"));
        assert!(projected_hint("f", &[(91.0, 24.0); 5]).is_none());
        let districts = crate::space::Districts::builtin();
        let swapped = vec![(24.9414, 60.1710), (25.0440, 60.2925), (24.8544, 60.2612)];
        assert!(swapped_hint("f", &swapped, &districts).unwrap().contains("swapped"));
        let tampere = vec![(61.49, 23.76); 3];
        assert!(swapped_hint("f", &tampere, &districts).is_none());
    }
}
