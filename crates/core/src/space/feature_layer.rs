//! Reading a GeoJSON layer of features (districts, service points): the file's text, the
//! FeatureCollection it must hold, and a feature's text properties. The layers differ only in
//! the geometry they take and the error they name.

use geojson::{Feature, GeoJson};

use crate::error::{Error, Result};

/// Reads a layer file as text; `Err` names the file. Returns (name for messages, text).
pub(crate) fn read_text(path: &std::path::Path) -> Result<(String, String)> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: name.clone(), source })?;
    Ok((name, text))
}

/// The features of a GeoJSON FeatureCollection; `err` turns a message into the layer's error and
/// `expected` says what the collection should hold (`polygons`, `points`).
pub(crate) fn features(text: &str, expected: &str, err: impl Fn(String) -> Error) -> Result<Vec<Feature>> {
    let geojson: GeoJson = text.parse().map_err(|e: geojson::Error| err(format!("not valid GeoJSON: {e}")))?;
    let GeoJson::FeatureCollection(fc) = geojson else {
        return Err(err(format!("expected a FeatureCollection of {expected}")));
    };
    Ok(fc.features)
}

/// A feature's text property `key`.
pub(crate) fn text_property(feature: &Feature, key: &str) -> Option<String> {
    feature.property(key).and_then(|v| v.as_str()).map(str::to_string)
}
