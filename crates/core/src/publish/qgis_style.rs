//! `hotspots.qml`: a QGIS style for `hotspots.geojson`, a categorised renderer on `category` with
//! the 17 patterns coloured as ArcGIS users know them, so the layer opens styled when the file
//! sits beside it (QGIS loads a `.qml` of the same name automatically).

use std::fmt::Write as _;

use super::{BoxError, Output, Published};

use crate::stats::patterns::Pattern;

fn rgb(hex: &str) -> (u8, u8, u8) {
    let v = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0);
    (v(1), v(3), v(5))
}

/// The QML text.
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
        let _ = write!(
            symbols,
            r#"      <symbol type="fill" name="{i}" alpha="1" clip_to_extent="1" force_rhr="0">
        <layer class="SimpleFill" enabled="1" locked="0" pass="0">
          <Option type="Map">
            <Option name="color" type="QString" value="{r},{g},{b},{alpha}"/>
            <Option name="joinstyle" type="QString" value="bevel"/>
            <Option name="outline_color" type="QString" value="255,255,255,160"/>
            <Option name="outline_style" type="QString" value="solid"/>
            <Option name="outline_width" type="QString" value="0.1"/>
            <Option name="outline_width_unit" type="QString" value="MM"/>
            <Option name="style" type="QString" value="solid"/>
          </Option>
        </layer>
      </symbol>
"#
        );
    }
    format!(
        r#"<qgis version="3.28.0" styleCategories="Symbology">
  <renderer-v2 type="categorizedSymbol" attr="category" symbollevels="0" enableorderby="0" forceraster="0" referencescale="-1">
    <categories>
{categories}    </categories>
    <symbols>
{symbols}    </symbols>
  </renderer-v2>
  <layerGeometryType>2</layerGeometryType>
</qgis>
"#
    )
}

/// `hotspots.qml`, beside each `hotspots.geojson` (the style reads `category`, which both have).
pub(super) struct QgisStyle(pub super::Audience);

impl Output for QgisStyle {
    fn audience(&self) -> super::Audience {
        self.0
    }

    fn file_name(&self) -> &'static str {
        "hotspots.qml"
    }

    fn render(&self, _view: &Published<'_>, out: &mut (dyn std::io::Write + Send)) -> Result<(), BoxError> {
        out.write_all(hotspots_qml().as_bytes())?;
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
        assert!(qml.contains(r#"value="227,26,28,230""#), "new hot spot in red");
        assert!(!qml.contains("http"));
    }
}
