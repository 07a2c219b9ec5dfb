//! QGIS styles, each beside its layer so the layer opens styled (QGIS loads a `.qml` of the same
//! name automatically): `hotspots.qml`, a categorised renderer on `category` with the 17 patterns
//! in the report's colours; `patrol_areas.qml`, each team's areas outlined in the team's colour
//! and labelled with their rank; `districts.qml`, district outlines labelled with their names.

use std::fmt::Write as _;

use super::{BoxError, Output, Published};

use crate::stats::patterns::Pattern;

/// The (r, g, b) of a `#rrggbb` colour (0 for a part that does not parse).
pub(crate) fn rgb(hex: &str) -> (u8, u8, u8) {
    let v = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
    (v(1), v(3), v(5))
}

/// A fill symbol named `name`: `fill` and `outline` as (r, g, b, alpha), the outline `width` mm wide.
fn fill_symbol(name: &str, fill: (u8, u8, u8, u8), outline: (u8, u8, u8, u8), width: f64) -> String {
    let ((r, g, b, a), (or, og, ob, oa)) = (fill, outline);
    format!(
        r#"      <symbol type="fill" name="{name}" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleFill" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="color" type="QString" value="{r},{g},{b},{a}"/>
            <Option name="joinstyle" type="QString" value="bevel"/>
            <Option name="outline_color" type="QString" value="{or},{og},{ob},{oa}"/>
            <Option name="outline_style" type="QString" value="solid"/>
            <Option name="outline_width" type="QString" value="{width}"/>
            <Option name="outline_width_unit" type="QString" value="MM"/>
            <Option name="style" type="QString" value="solid"/>
          </Option>
        </layer>
      </symbol>
"#
    )
}

/// A polygon layer's style: a categorised renderer on `attr` (`categories` and `symbols` as
/// QML lines), then `labelling` (QML, or empty).
fn categorised(attr: &str, categories: &str, symbols: &str, labelling: &str) -> String {
    format!(
        r#"<qgis version="3.28.0" styleCategories="Symbology|Labeling">
  <renderer-v2 type="categorizedSymbol" attr="{attr}" symbollevels="0" enableorderby="0" forceraster="0" referencescale="-1">
    <categories>
{categories}    </categories>
    <symbols>
{symbols}    </symbols>
  </renderer-v2>
{labelling}  <layerGeometryType>2</layerGeometryType>
</qgis>
"#
    )
}

/// The QML text of `hotspots.qml`.
pub fn hotspots_qml() -> String {
    let mut categories = String::new();
    let mut symbols = String::new();
    for (i, p) in Pattern::ALL.iter().enumerate() {
        let _ = writeln!(
            categories,
            r#"      <category symbol="{i}" value="{}" label="{}" render="true" type="string"/>"#,
            p.name(),
            p.arcgis_label()
        );
        let (r, g, b) = rgb(p.colour());
        let alpha = if *p == Pattern::NoPatternDetected { 90 } else { 230 };
        symbols.push_str(&fill_symbol(&i.to_string(), (r, g, b, alpha), (255, 255, 255, 160), 0.1));
    }
    categorised("category", &categories, &symbols, "")
}

/// The colour of team `number` (1, 2, …) on the report's maps and in `patrol_areas.qml`: the
/// Okabe–Ito palette, made to stay apart for the common colour-vision deficiencies, repeating
/// after eight teams.
pub fn team_colour(number: usize) -> &'static str {
    const COLOURS: [&str; 8] = ["#0072b2", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#e69f00", "#000000", "#f0e442"];
    COLOURS[number.saturating_sub(1) % COLOURS.len()]
}

fn labelling(field: &str, size: f64) -> String {
    format!(
        r#"  <labeling type="simple">
    <settings calloutType="simple">
      <text-style fieldName="{field}" fontSize="{size}" fontWeight="75" textColor="38,50,56,255" isExpression="0">
        <text-buffer bufferDraw="1" bufferSize="1" bufferColor="255,255,255,255" bufferSizeUnits="MM"/>
      </text-style>
      <placement placement="1"/>
    </settings>
  </labeling>
"#
    )
}

/// `patrol_areas.qml` for a plan with `teams` (their numbers): categorised on `team`, each in its
/// colour, areas with no team in grey, labelled with `rank`.
pub fn patrol_areas_qml(teams: &[usize]) -> String {
    let mut categories = String::new();
    let mut symbols = String::new();
    for (i, &t) in teams.iter().enumerate() {
        let _ = writeln!(
            categories,
            r#"      <category symbol="{i}" value="{t}" label="{t}" render="true" type="integer"/>"#
        );
        let (r, g, b) = rgb(team_colour(t));
        symbols.push_str(&fill_symbol(&i.to_string(), (r, g, b, 50), (r, g, b, 255), 0.8));
    }
    let other = teams.len();
    let _ = writeln!(categories, r#"      <category symbol="{other}" value="" label="" render="true" type="string"/>"#);
    symbols.push_str(&fill_symbol(&other.to_string(), (96, 96, 96, 40), (96, 96, 96, 255), 0.6));
    categorised("team", &categories, &symbols, &labelling("rank", 12.0))
}

/// `districts.qml`: dark outlines with no fill, labelled with `name`.
pub fn districts_qml() -> String {
    format!(
        r#"<qgis version="3.28.0" styleCategories="Symbology|Labeling">
  <renderer-v2 type="singleSymbol" symbollevels="0" enableorderby="0" forceraster="0" referencescale="-1">
    <symbols>
{}    </symbols>
  </renderer-v2>
{}  <layerGeometryType>2</layerGeometryType>
</qgis>
"#,
        fill_symbol("0", (55, 71, 79, 0), (55, 71, 79, 255), 0.5),
        labelling("name", 10.0)
    )
}

/// Which layer a style is for.
#[derive(Clone, Copy)]
pub(super) enum Styled {
    /// `hotspots.geojson`.
    Hotspots,
    /// `patrol_areas.geojson`.
    PatrolAreas,
    /// `districts.geojson`.
    Districts,
}

/// A `.qml` beside its layer in each audience's folder.
pub(super) struct QgisStyle(pub Styled, pub super::Audience);

impl Output for QgisStyle {
    fn audience(&self) -> super::Audience {
        self.1
    }

    fn file_name(&self) -> &'static str {
        match self.0 {
            Styled::Hotspots => "hotspots.qml",
            Styled::PatrolAreas => "patrol_areas.qml",
            Styled::Districts => "districts.qml",
        }
    }

    fn applies(&self, results: &super::JobResults<'_>) -> bool {
        !matches!(self.0, Styled::Districts) || results.districts.is_some()
    }

    fn render(&self, view: &Published<'_>, out: &mut (dyn std::io::Write + Send)) -> Result<(), BoxError> {
        let text = match self.0 {
            Styled::Hotspots => hotspots_qml(),
            Styled::PatrolAreas => {
                patrol_areas_qml(&view.results.plan.teams.iter().map(|t| t.number).collect::<Vec<_>>())
            }
            Styled::Districts => districts_qml(),
        };
        out.write_all(text.as_bytes())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_has_a_category_and_a_symbol() {
        let qml = hotspots_qml();
        for p in Pattern::ALL {
            assert!(qml.contains(&format!(r#"value="{}""#, p.name())));
        }
        assert_eq!(qml.matches("<category ").count(), 17);
        assert_eq!(qml.matches("<symbol ").count(), 17);
        assert!(qml.contains(r#"value="233,35,129,230""#), "new hot spot in pink");
        assert!(!qml.contains("http"));
    }

    #[test]
    fn the_patrol_and_district_styles_colour_each_team_and_label() {
        let qml = patrol_areas_qml(&[1, 2, 3]);
        assert_eq!(qml.matches("<category ").count(), 4, "three teams and no team");
        assert!(qml.contains(r#"value="0,114,178,255""#), "team 1 in blue");
        assert!(qml.contains(r#"fieldName="rank""#));
        let qml = districts_qml();
        assert!(qml.contains(r#"fieldName="name""#) && qml.contains(r#"value="55,71,79,0""#), "no fill");
        assert_ne!(team_colour(1), team_colour(2));
        assert_eq!(team_colour(9), team_colour(1));
    }
}
