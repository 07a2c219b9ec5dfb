//! Landmarks: named places a person recognises (stations, shopping centres, parks, squares), for
//! orientation only. The report draws them on its maps and says where a patrol area is by the
//! nearest one ("Maunula park, Pohjoinen"); they take no part in the statistics. The built-in
//! layer holds the activity places of the bundled sample (`data/landmarks.geojson`, approximate
//! positions); `--landmarks FILE` replaces it with the user's own points.

use super::services::{Service, Services, read_points};
use crate::error::Result;

/// A landmark layer: points with a `name` and a `type`, indexed for the nearest one.
pub struct Landmarks {
    points: Services,
}

impl Landmarks {
    /// Reads a GeoJSON FeatureCollection of Point features with `name` and `type` properties.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Format`] naming `path` when the text is not such a collection, a feature
    /// is not a valid point, or there is none.
    pub fn from_geojson(text: &str, path: &str) -> Result<Self> {
        Ok(Landmarks { points: Services::new(read_points(text, path, "landmarks layer", "landmark")?) })
    }

    /// Reads a landmarks GeoJSON file.
    ///
    /// # Errors
    ///
    /// As [`Landmarks::from_geojson`], and [`crate::Error::Read`] when the file cannot be read.
    pub fn from_path(path: &std::path::Path) -> Result<Self> {
        let (name, text) = super::feature_layer::read_text(path)?;
        Landmarks::from_geojson(&text, &name)
    }

    /// The built-in landmarks of the sample's city ([`crate::sample::LANDMARKS_GEOJSON`]).
    pub fn builtin() -> Self {
        Landmarks::from_geojson(crate::sample::LANDMARKS_GEOJSON, crate::sample::LANDMARKS_NAME)
            .expect("the built-in landmarks are valid")
    }

    /// The landmarks, in file order (`kind` is the `type` property).
    pub fn all(&self) -> &[Service] {
        self.points.all()
    }

    /// The nearest landmark to (`lon`, `lat`) and its geodesic distance in metres.
    pub fn nearest(&self, lon: f64, lat: f64) -> Option<(&Service, f64)> {
        self.points.nearest(lon, lat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_landmarks_name_the_sample_places_and_a_bad_layer_is_an_error() {
        let builtin = Landmarks::builtin();
        assert_eq!(builtin.all().len(), 19);
        // The planted "new" hot spot of the sample lies at Maunula park.
        let (place, metres) = builtin.nearest(24.9262, 60.2312).unwrap();
        assert_eq!(place.name, "Maunula park");
        assert_eq!(place.kind, "park");
        assert!(metres < 30.0, "{metres}");
        let empty = Landmarks::from_geojson(r#"{"type":"FeatureCollection","features":[]}"#, "lm.geojson");
        let message = empty.err().unwrap().to_string();
        assert!(message.contains("lm.geojson") && message.contains("landmarks layer"), "{message}");
    }
}
