//! The 17 emerging-hotspot patterns (ArcGIS Pro's categories) and the rules that assign one to a
//! cell from its per-bin significance and its Mann-Kendall trend, exactly as DESIGN.md's table.
//!
//! With T bins, a bin is *hot* (*cold*) when it is a significant hot (cold) spot; "≥ 90 %" means
//! `10 · hot_bins ≥ 9 · T`; the trend is *up* (*down*) when the Mann-Kendall p < α and S > 0
//! (S < 0). The final bin decides the side; the first rule that matches wins:
//!
//! | final bin | rule | pattern |
//! |---|---|---|
//! | hot | ≥ 90 % hot and trend up | intensifying hot spot |
//! | hot | ≥ 90 % hot and trend down | diminishing hot spot |
//! | hot | ≥ 90 % hot | persistent hot spot |
//! | hot | it is the only hot bin | new hot spot |
//! | hot | the hot bins are one uninterrupted run of ≥ 2 ending at the final bin | consecutive hot spot |
//! | hot | at least one cold bin | oscillating hot spot |
//! | hot | otherwise | sporadic hot spot |
//! | cold | the same seven with hot and cold swapped; a *down* trend intensifies a cold spot | … cold spot |
//! | neither | ≥ 90 % hot | historical hot spot |
//! | neither | ≥ 90 % cold | historical cold spot |
//! | neither | otherwise | no pattern detected |
//!
//! New and consecutive look only at the earlier bins of their own side: a cell cold early and hot
//! only at the end is a new (or consecutive) hot spot, not an oscillating one.

use serde::Serialize;

/// An emerging-hotspot pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    /// Hot in the final bin only.
    NewHotSpot,
    /// Hot in an unbroken run of ≥ 2 bins ending at the final one, never before the run.
    ConsecutiveHotSpot,
    /// Hot in ≥ 90 % of bins, final included, with a significant upward trend.
    IntensifyingHotSpot,
    /// Hot in ≥ 90 % of bins, final included, no significant trend.
    PersistentHotSpot,
    /// Hot in ≥ 90 % of bins, final included, with a significant downward trend.
    DiminishingHotSpot,
    /// Hot in the final bin and on and off before, never cold.
    SporadicHotSpot,
    /// Hot in the final bin, cold in some earlier bin.
    OscillatingHotSpot,
    /// Hot in ≥ 90 % of bins but not in the final one.
    HistoricalHotSpot,
    /// Cold in the final bin only.
    NewColdSpot,
    /// Cold in an unbroken run of ≥ 2 bins ending at the final one.
    ConsecutiveColdSpot,
    /// Cold in ≥ 90 % of bins with a significant downward trend.
    IntensifyingColdSpot,
    /// Cold in ≥ 90 % of bins, no significant trend.
    PersistentColdSpot,
    /// Cold in ≥ 90 % of bins with a significant upward trend.
    DiminishingColdSpot,
    /// Cold in the final bin and on and off before, never hot.
    SporadicColdSpot,
    /// Cold in the final bin, hot in some earlier bin.
    OscillatingColdSpot,
    /// Cold in ≥ 90 % of bins but not in the final one.
    HistoricalColdSpot,
    /// None of the above.
    NoPatternDetected,
}

impl Pattern {
    /// All 17 patterns: hot (codes 1…8), cold (−1…−8), none (0).
    pub const ALL: [Pattern; 17] = [
        Pattern::NewHotSpot,
        Pattern::ConsecutiveHotSpot,
        Pattern::IntensifyingHotSpot,
        Pattern::PersistentHotSpot,
        Pattern::DiminishingHotSpot,
        Pattern::SporadicHotSpot,
        Pattern::OscillatingHotSpot,
        Pattern::HistoricalHotSpot,
        Pattern::NewColdSpot,
        Pattern::ConsecutiveColdSpot,
        Pattern::IntensifyingColdSpot,
        Pattern::PersistentColdSpot,
        Pattern::DiminishingColdSpot,
        Pattern::SporadicColdSpot,
        Pattern::OscillatingColdSpot,
        Pattern::HistoricalColdSpot,
        Pattern::NoPatternDetected,
    ];

    /// ArcGIS's integer code: 1…8 new, consecutive, intensifying, persistent, diminishing,
    /// sporadic, oscillating, historical hot spot; −1…−8 the cold ones; 0 no pattern.
    pub fn code(self) -> i8 {
        let i = Pattern::ALL.iter().position(|&p| p == self).expect("listed") as i8;
        match i {
            0..=7 => i + 1,
            8..=15 => -(i - 7),
            _ => 0,
        }
    }

    /// The pattern of an ArcGIS code.
    pub fn from_code(code: i8) -> Option<Pattern> {
        Pattern::ALL.iter().copied().find(|p| p.code() == code)
    }

    /// The snake_case name used in every output (`new_hot_spot`, …).
    pub fn name(self) -> &'static str {
        self.texts().0
    }

    /// ArcGIS's text (`New Hot Spot`, …), so ArcGIS renderers work unchanged.
    pub fn arcgis_label(self) -> &'static str {
        self.texts().1
    }

    /// A one-line plain-language explanation in English.
    pub fn label_en(self) -> &'static str {
        self.texts().2
    }

    /// A one-line plain-language explanation in Finnish.
    pub fn label_fi(self) -> &'static str {
        self.texts().3
    }

    /// A one-line plain-language explanation in Swedish.
    pub fn label_sv(self) -> &'static str {
        self.texts().4
    }

    /// The map colour, `#rrggbb`, used by the QGIS style and the report: warm colours for hot
    /// spots (pink new, orange consecutive, wine intensifying, red persistent, light orange
    /// diminishing, beige sporadic, violet oscillating, brown historical), blues and cyans for
    /// cold spots, light grey for no pattern. Unlike ArcGIS's reds, every hot-spot colour stays
    /// apart from every other hot-spot colour, every cold-spot colour and the grey for the
    /// common colour-vision deficiencies: simulated with Machado, Oliveira & Fernandes (2009) at
    /// full severity (protanopia, deuteranopia, tritanopia) in linear sRGB, the smallest CIE76
    /// ΔE between such a pair is 15.7 (deuteranopia, oscillating against persistent cold); the
    /// test `hot_spot_colours_stay_apart_under_colour_vision_deficiencies` holds it above 15.
    /// Cold spots among themselves are not held apart.
    pub fn colour(self) -> &'static str {
        use Pattern::*;
        match self {
            NewHotSpot => "#e92381",
            ConsecutiveHotSpot => "#f58001",
            IntensifyingHotSpot => "#83003d",
            PersistentHotSpot => "#c70900",
            DiminishingHotSpot => "#ffaa67",
            SporadicHotSpot => "#f0cda4",
            OscillatingHotSpot => "#a06dea",
            HistoricalHotSpot => "#9d7c4a",
            NewColdSpot => "#00a7c0",
            ConsecutiveColdSpot => "#40a9bd",
            IntensifyingColdSpot => "#122053",
            PersistentColdSpot => "#30b6d7",
            DiminishingColdSpot => "#57d1e4",
            SporadicColdSpot => "#68bae4",
            OscillatingColdSpot => "#06cde2",
            HistoricalColdSpot => "#95cdce",
            NoPatternDetected => "#d9d9d9",
        }
    }

    /// Parses a snake_case name.
    pub fn from_name(name: &str) -> Option<Pattern> {
        Pattern::ALL.iter().copied().find(|p| p.name() == name)
    }

    /// Whether this is one of the patterns DESIGN.md calls emerging: new, consecutive or
    /// intensifying hot spot.
    pub fn is_emerging(self) -> bool {
        matches!(self, Pattern::NewHotSpot | Pattern::ConsecutiveHotSpot | Pattern::IntensifyingHotSpot)
    }

    fn texts(self) -> (&'static str, &'static str, &'static str, &'static str, &'static str) {
        use Pattern::*;
        match self {
            NewHotSpot => (
                "new_hot_spot",
                "New Hot Spot",
                "New hot spot: significantly more events than expected in the latest period, never before.",
                "Uusi kuuma piste: merkitsevästi odotettua enemmän tapahtumia viimeisimmällä jaksolla, ei koskaan aiemmin.",
                "Ny het punkt: signifikant fler händelser än väntat under den senaste perioden, aldrig tidigare.",
            ),
            ConsecutiveHotSpot => (
                "consecutive_hot_spot",
                "Consecutive Hot Spot",
                "Consecutive hot spot: more events than expected in every recent period without a break, not before.",
                "Yhtäjaksoinen kuuma piste: odotettua enemmän tapahtumia jokaisella viimeisimmällä jaksolla katkeamatta, ei sitä ennen.",
                "Sammanhängande het punkt: fler händelser än väntat under varje period på senare tid utan avbrott, inte tidigare.",
            ),
            IntensifyingHotSpot => (
                "intensifying_hot_spot",
                "Intensifying Hot Spot",
                "Intensifying hot spot: more events than expected in at least 90% of periods, and growing.",
                "Voimistuva kuuma piste: odotettua enemmän tapahtumia vähintään 90 %:lla jaksoista, ja määrä kasvaa.",
                "Förstärkt het punkt: fler händelser än väntat under minst 90 % av perioderna, och antalet växer.",
            ),
            PersistentHotSpot => (
                "persistent_hot_spot",
                "Persistent Hot Spot",
                "Persistent hot spot: more events than expected in at least 90% of periods, with no clear trend.",
                "Pysyvä kuuma piste: odotettua enemmän tapahtumia vähintään 90 %:lla jaksoista, ilman selvää suuntaa.",
                "Beständig het punkt: fler händelser än väntat under minst 90 % av perioderna, utan tydlig trend.",
            ),
            DiminishingHotSpot => (
                "diminishing_hot_spot",
                "Diminishing Hot Spot",
                "Diminishing hot spot: more events than expected in at least 90% of periods, but declining.",
                "Hiipuva kuuma piste: odotettua enemmän tapahtumia vähintään 90 %:lla jaksoista, mutta määrä vähenee.",
                "Avtagande het punkt: fler händelser än väntat under minst 90 % av perioderna, men antalet minskar.",
            ),
            SporadicHotSpot => (
                "sporadic_hot_spot",
                "Sporadic Hot Spot",
                "Sporadic hot spot: more events than expected now and on and off before, never fewer.",
                "Ajoittainen kuuma piste: odotettua enemmän tapahtumia nyt ja ajoittain aiemmin, ei koskaan vähemmän.",
                "Sporadisk het punkt: fler händelser än väntat nu och då och då tidigare, aldrig färre.",
            ),
            OscillatingHotSpot => (
                "oscillating_hot_spot",
                "Oscillating Hot Spot",
                "Oscillating hot spot: more events than expected now, but fewer than expected at some earlier time.",
                "Vaihteleva kuuma piste: odotettua enemmän tapahtumia nyt, mutta joskus aiemmin odotettua vähemmän.",
                "Oscillerande het punkt: fler händelser än väntat nu, men färre än väntat vid någon tidigare period.",
            ),
            HistoricalHotSpot => (
                "historical_hot_spot",
                "Historical Hot Spot",
                "Historical hot spot: more events than expected in at least 90% of periods, but not in the latest.",
                "Historiallinen kuuma piste: odotettua enemmän tapahtumia vähintään 90 %:lla jaksoista, mutta ei viimeisimmällä.",
                "Historisk het punkt: fler händelser än väntat under minst 90 % av perioderna, men inte under den senaste.",
            ),
            NewColdSpot => (
                "new_cold_spot",
                "New Cold Spot",
                "New cold spot: significantly fewer events than expected in the latest period, never before.",
                "Uusi kylmä piste: merkitsevästi odotettua vähemmän tapahtumia viimeisimmällä jaksolla, ei koskaan aiemmin.",
                "Ny kall punkt: signifikant färre händelser än väntat under den senaste perioden, aldrig tidigare.",
            ),
            ConsecutiveColdSpot => (
                "consecutive_cold_spot",
                "Consecutive Cold Spot",
                "Consecutive cold spot: fewer events than expected in every recent period without a break, not before.",
                "Yhtäjaksoinen kylmä piste: odotettua vähemmän tapahtumia jokaisella viimeisimmällä jaksolla katkeamatta, ei sitä ennen.",
                "Sammanhängande kall punkt: färre händelser än väntat under varje period på senare tid utan avbrott, inte tidigare.",
            ),
            IntensifyingColdSpot => (
                "intensifying_cold_spot",
                "Intensifying Cold Spot",
                "Intensifying cold spot: fewer events than expected in at least 90% of periods, and falling further.",
                "Voimistuva kylmä piste: odotettua vähemmän tapahtumia vähintään 90 %:lla jaksoista, ja määrä vähenee yhä.",
                "Förstärkt kall punkt: färre händelser än väntat under minst 90 % av perioderna, och antalet minskar ytterligare.",
            ),
            PersistentColdSpot => (
                "persistent_cold_spot",
                "Persistent Cold Spot",
                "Persistent cold spot: fewer events than expected in at least 90% of periods, with no clear trend.",
                "Pysyvä kylmä piste: odotettua vähemmän tapahtumia vähintään 90 %:lla jaksoista, ilman selvää suuntaa.",
                "Beständig kall punkt: färre händelser än väntat under minst 90 % av perioderna, utan tydlig trend.",
            ),
            DiminishingColdSpot => (
                "diminishing_cold_spot",
                "Diminishing Cold Spot",
                "Diminishing cold spot: fewer events than expected in at least 90% of periods, but rising.",
                "Hiipuva kylmä piste: odotettua vähemmän tapahtumia vähintään 90 %:lla jaksoista, mutta määrä kasvaa.",
                "Avtagande kall punkt: färre händelser än väntat under minst 90 % av perioderna, men antalet ökar.",
            ),
            SporadicColdSpot => (
                "sporadic_cold_spot",
                "Sporadic Cold Spot",
                "Sporadic cold spot: fewer events than expected now and on and off before, never more.",
                "Ajoittainen kylmä piste: odotettua vähemmän tapahtumia nyt ja ajoittain aiemmin, ei koskaan enemmän.",
                "Sporadisk kall punkt: färre händelser än väntat nu och då och då tidigare, aldrig fler.",
            ),
            OscillatingColdSpot => (
                "oscillating_cold_spot",
                "Oscillating Cold Spot",
                "Oscillating cold spot: fewer events than expected now, but more than expected at some earlier time.",
                "Vaihteleva kylmä piste: odotettua vähemmän tapahtumia nyt, mutta joskus aiemmin odotettua enemmän.",
                "Oscillerande kall punkt: färre händelser än väntat nu, men fler än väntat vid någon tidigare period.",
            ),
            HistoricalColdSpot => (
                "historical_cold_spot",
                "Historical Cold Spot",
                "Historical cold spot: fewer events than expected in at least 90% of periods, but not in the latest.",
                "Historiallinen kylmä piste: odotettua vähemmän tapahtumia vähintään 90 %:lla jaksoista, mutta ei viimeisimmällä.",
                "Historisk kall punkt: färre händelser än väntat under minst 90 % av perioderna, men inte under den senaste.",
            ),
            NoPatternDetected => (
                "no_pattern_detected",
                "No Pattern Detected",
                "No pattern detected: no significant emerging hot or cold spot.",
                "Ei havaittua kehityskulkua: ei merkitsevää kuumaa tai kylmää pistettä.",
                "Inget mönster upptäckt: ingen signifikant het eller kall punkt.",
            ),
        }
    }
}

/// The side-specific rules: `sig` is +1 for bins on the side being classified, −1 for the other
/// side, 0 for neither; `trend` is +1 when the trend *intensifies* this side.
fn classify_side(sig: &[i8], trend: i8) -> usize {
    let t = sig.len();
    let same = sig.iter().filter(|&&s| s == 1).count();
    let other = sig.iter().filter(|&&s| s == -1).count();
    if 10 * same >= 9 * t {
        return match trend {
            1 => 2,  // intensifying
            -1 => 4, // diminishing
            _ => 3,  // persistent
        };
    }
    if same == 1 {
        return 0; // new
    }
    let run = sig.iter().rev().take_while(|&&s| s == 1).count();
    if run >= 2 && run == same {
        return 1; // consecutive
    }
    if other > 0 {
        return 6; // oscillating
    }
    5 // sporadic
}

/// Classifies a cell. `significance` holds one value per bin, oldest first: +1 significant hot,
/// −1 significant cold, 0 neither. `trend` is the Mann-Kendall direction at α (+1 up, −1 down,
/// 0 none; see [`crate::stats::mann_kendall::MannKendall::direction`]).
///
/// ```
/// use hotspots_core::stats::patterns::{classify, Pattern};
/// assert_eq!(classify(&[0, 0, 0, 1], 0), Pattern::NewHotSpot);
/// assert_eq!(classify(&[-1, 0, 1, 1], 0), Pattern::ConsecutiveHotSpot);
/// assert_eq!(classify(&[1; 10], 1), Pattern::IntensifyingHotSpot);
/// assert_eq!(classify(&[-1; 10], 1), Pattern::DiminishingColdSpot);
/// ```
pub fn classify(significance: &[i8], trend: i8) -> Pattern {
    let t = significance.len();
    let Some(&last) = significance.last() else { return Pattern::NoPatternDetected };
    match last {
        1 => Pattern::ALL[classify_side(significance, trend)],
        -1 => {
            let flipped: Vec<i8> = significance.iter().map(|s| -s).collect();
            Pattern::ALL[8 + classify_side(&flipped, -trend)]
        }
        _ => {
            let hot = significance.iter().filter(|&&s| s == 1).count();
            let cold = significance.iter().filter(|&&s| s == -1).count();
            if 10 * hot >= 9 * t {
                Pattern::HistoricalHotSpot
            } else if 10 * cold >= 9 * t {
                Pattern::HistoricalColdSpot
            } else {
                Pattern::NoPatternDetected
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of
    /// color vision deficiency", severity 1.0 matrices (applied to linear sRGB), and CIE76 ΔE in
    /// CIELAB (D65): every hot-spot colour against every other hot-spot colour, every cold-spot
    /// colour and the no-pattern grey, for normal vision and the three dichromacies.
    #[test]
    fn hot_spot_colours_stay_apart_under_colour_vision_deficiencies() {
        const VISIONS: [(&str, [[f64; 3]; 3]); 4] = [
            ("normal", [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]),
            (
                "protanopia",
                [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
            ),
            (
                "deuteranopia",
                [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
            ),
            (
                "tritanopia",
                [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]],
            ),
        ];
        let lab = |hex: &str, m: &[[f64; 3]; 3]| -> [f64; 3] {
            let channel = |i: usize| {
                let c = f64::from(u8::from_str_radix(&hex[1 + 2 * i..3 + 2 * i], 16).unwrap()) / 255.0;
                if c <= 0.04045 { c / 12.92 } else { ((c + 0.055) / 1.055).powf(2.4) }
            };
            let rgb = [channel(0), channel(1), channel(2)];
            let sim: Vec<f64> =
                m.iter().map(|r| (r[0] * rgb[0] + r[1] * rgb[1] + r[2] * rgb[2]).clamp(0.0, 1.0)).collect();
            let xyz = [
                (0.4124564 * sim[0] + 0.3575761 * sim[1] + 0.1804375 * sim[2]) / 0.95047,
                0.2126729 * sim[0] + 0.7151522 * sim[1] + 0.0721750 * sim[2],
                (0.0193339 * sim[0] + 0.1191920 * sim[1] + 0.9503041 * sim[2]) / 1.08883,
            ];
            let d: f64 = 6.0 / 29.0;
            let f = |t: f64| if t > d.powi(3) { t.cbrt() } else { t / (3.0 * d * d) + 4.0 / 29.0 };
            let (fx, fy, fz) = (f(xyz[0]), f(xyz[1]), f(xyz[2]));
            [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
        };
        let hot: Vec<Pattern> = Pattern::ALL.iter().copied().filter(|p| p.code() > 0).collect();
        let mut smallest = (f64::INFINITY, "", Pattern::NoPatternDetected, Pattern::NoPatternDetected);
        for (vision, m) in &VISIONS {
            for (i, &a) in hot.iter().enumerate() {
                for &b in Pattern::ALL.iter().filter(|b| b.code() <= 0).chain(&hot[i + 1..]) {
                    let (x, y) = (lab(a.colour(), m), lab(b.colour(), m));
                    let de = ((x[0] - y[0]).powi(2) + (x[1] - y[1]).powi(2) + (x[2] - y[2]).powi(2)).sqrt();
                    if de < smallest.0 {
                        smallest = (de, vision, a, b);
                    }
                }
            }
        }
        assert!(smallest.0 > 15.0, "{smallest:?}");
        // ArcGIS's reds, which this palette replaced, fail: new and persistent are 10.2 apart
        // for normal vision, and some hot pairs under 3 for protanopia.
        let (new, persistent) = (lab("#e31a1c", &VISIONS[0].1), lab("#cb181d", &VISIONS[0].1));
        let de =
            ((new[0] - persistent[0]).powi(2) + (new[1] - persistent[1]).powi(2) + (new[2] - persistent[2]).powi(2))
                .sqrt();
        assert!(de < 15.0, "{de}");
    }

    /// The 3,030 `classify` cases of the shared fixtures (an independent Python implementation
    /// of DESIGN.md's rules), copied to `testdata/`.
    #[test]
    fn agrees_with_the_shared_fixture_vectors() {
        let text = include_str!("../../testdata/pattern-and-trend-vectors.json");
        let fixtures: serde_json::Value = serde_json::from_str(text).unwrap();
        let cases = fixtures["classify"].as_array().unwrap();
        assert_eq!(cases.len(), 3030);
        let mut seen = std::collections::BTreeSet::new();
        for (k, case) in cases.iter().enumerate() {
            let sig: Vec<i8> = case["pattern"]
                .as_str()
                .unwrap()
                .chars()
                .map(|c| match c {
                    'H' => 1,
                    'C' => -1,
                    _ => 0,
                })
                .collect();
            let tau = case["mk_tau"].as_f64().unwrap();
            let p = case["mk_p"].as_f64().unwrap();
            let alpha = case["alpha"].as_f64().unwrap();
            let trend = if p < alpha && tau > 0.0 {
                1
            } else if p < alpha && tau < 0.0 {
                -1
            } else {
                0
            };
            let got = classify(&sig, trend);
            assert_eq!(got.name(), case["expected"].as_str().unwrap(), "case {k}: {case}");
            seen.insert(got);
        }
        assert_eq!(seen.len(), 17, "the fixtures cover every pattern");
    }

    /// Table-driven: each pattern and the precedence edge cases, worked out from DESIGN.md.
    #[test]
    fn each_pattern_and_the_precedence_edges() {
        use Pattern::*;
        let parse = |s: &str| -> Vec<i8> {
            s.chars()
                .map(|c| match c {
                    'H' => 1,
                    'C' => -1,
                    _ => 0,
                })
                .collect()
        };
        let cases: &[(&str, i8, Pattern)] = &[
            ("....H", 0, NewHotSpot),
            ("C...H", 0, NewHotSpot), // earlier cold does not make it oscillating
            ("...HH", 0, ConsecutiveHotSpot),
            ("C..HH", 0, ConsecutiveHotSpot), // a final run after an earlier cold bin
            ("H..HH", 0, SporadicHotSpot),    // an earlier hot bin outside the final run
            ("HC.HH", 0, OscillatingHotSpot),
            ("HHHHHHHHHH", 1, IntensifyingHotSpot),
            ("HHHHHHHHHH", -1, DiminishingHotSpot),
            ("HHHHHHHHHH", 0, PersistentHotSpot),
            (".HHHHHHHHH", 0, PersistentHotSpot),  // 9/10 = 90 %
            ("..HHHHHHHH", 0, ConsecutiveHotSpot), // 8/10 < 90 %
            ("HHHHHHHHH.", 0, HistoricalHotSpot),  // ≥ 90 % hot but not in the final bin
            ("HHHHHHHH..", 0, NoPatternDetected),
            ("H", 0, PersistentHotSpot), // T = 1: 100 % hot comes first
            ("HH", 1, IntensifyingHotSpot),
            ("HH.HH", 0, SporadicHotSpot),                   // T = 5: 4/5 = 80 % < 90 %
            ("HHHHHHHHHHHHHHHHHHH.H", 0, PersistentHotSpot), // T = 21: 20/21, 90 % rounds up to 19
            ("....C", 0, NewColdSpot),
            ("H..CC", 0, ConsecutiveColdSpot),
            ("H.C.C", 0, OscillatingColdSpot),
            (".CC.C", 0, SporadicColdSpot),
            ("CCCCCCCCCC", -1, IntensifyingColdSpot), // a down trend intensifies a cold spot
            ("CCCCCCCCCC", 1, DiminishingColdSpot),
            ("CCCCCCCCCC", 0, PersistentColdSpot),
            ("CCCCCCCCC.", 0, HistoricalColdSpot),
            ("HHHHHHHHHC", 0, NewColdSpot), // the final bin picks the side
            ("", 0, NoPatternDetected),
        ];
        for (sig, trend, want) in cases {
            assert_eq!(classify(&parse(sig), *trend), *want, "{sig} trend {trend}");
        }
    }

    #[test]
    fn codes_names_and_labels() {
        assert_eq!(Pattern::NewHotSpot.code(), 1);
        assert_eq!(Pattern::HistoricalHotSpot.code(), 8);
        assert_eq!(Pattern::NewColdSpot.code(), -1);
        assert_eq!(Pattern::HistoricalColdSpot.code(), -8);
        assert_eq!(Pattern::NoPatternDetected.code(), 0);
        for p in Pattern::ALL {
            assert_eq!(Pattern::from_code(p.code()), Some(p));
            assert_eq!(Pattern::from_name(p.name()), Some(p));
            assert_eq!(serde_json::to_value(p).unwrap(), p.name());
            assert_eq!(p.arcgis_label().to_lowercase().replace(' ', "_"), p.name());
            for label in [p.label_en(), p.label_fi(), p.label_sv()] {
                assert!(!label.is_empty() && !label.contains('\n'));
            }
        }
    }

    /// The texts of one pattern in every language, the three emerging patterns, and that every
    /// pattern has its own text in each language.
    #[test]
    fn texts_and_the_emerging_patterns() {
        let p = Pattern::NewHotSpot;
        assert_eq!((p.name(), p.arcgis_label()), ("new_hot_spot", "New Hot Spot"));
        assert!(p.label_en().starts_with("New hot spot: significantly more events"));
        assert!(p.label_fi().starts_with("Uusi kuuma piste: merkitsevästi"));
        assert!(p.label_sv().starts_with("Ny het punkt: signifikant"));
        for label in [Pattern::label_en, Pattern::label_fi, Pattern::label_sv, Pattern::arcgis_label, Pattern::colour] {
            let mut all: Vec<&str> = Pattern::ALL.iter().map(|&q| label(q)).collect();
            all.sort_unstable();
            all.dedup();
            assert_eq!(all.len(), 17);
        }
        let emerging: Vec<Pattern> = Pattern::ALL.iter().copied().filter(|q| q.is_emerging()).collect();
        assert_eq!(emerging, vec![Pattern::NewHotSpot, Pattern::ConsecutiveHotSpot, Pattern::IntensifyingHotSpot]);
        assert_eq!(Pattern::from_name("persistent_cold_spot"), Some(Pattern::PersistentColdSpot));
        assert_eq!(Pattern::from_name("warm_spot"), None);
    }
}
