//! Landmarks: named places a person recognises (stations, shopping centres, parks, squares), for
//! orientation only. The report draws them on its maps and says where a patrol area is by the
//! nearest one ("Maunula park, Pohjoinen"); they take no part in the statistics. The built-in
//! layer holds the activity places of the bundled sample (`data/landmarks.geojson`, approximate
//! positions); `--landmarks FILE` replaces it with the user's own points. A landmark may carry
//! its name in Finnish and Swedish too (`name_fi`, `name_sv`), which the report uses in those
//! languages; `name` otherwise.

use super::services::{Service, Services, read_points};
use crate::error::Result;

/// A landmark layer: points with a `name` and a `type`, indexed for the nearest one.
pub struct Landmarks {
    points: Services,
    /// Per landmark, its `name_fi` and `name_sv` when given.
    local_names: Vec<[Option<String>; 2]>,
}

impl Landmarks {
    /// Reads a GeoJSON FeatureCollection of Point features with `name` and `type` properties.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Format`] naming `path` when the text is not such a collection, a feature
    /// is not a valid point, or there is none.
    pub fn from_geojson(text: &str, path: &str) -> Result<Self> {
        let read = read_points(text, path, ("landmarks layer", "landmark"), &["name_fi", "name_sv"])?;
        let mut points = Vec::with_capacity(read.len());
        let mut local_names = Vec::with_capacity(read.len());
        for (point, mut names) in read {
            points.push(point);
            let sv = names.pop().flatten();
            local_names.push([names.pop().flatten(), sv]);
        }
        Ok(Landmarks { points: Services::new(points), local_names })
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

    /// The nearest landmark to (`lon`, `lat`): its position in [`Landmarks::all`] and its
    /// geodesic distance in metres.
    pub fn nearest(&self, lon: f64, lat: f64) -> Option<(usize, f64)> {
        self.points.nearest_index(lon, lat)
    }

    /// Landmark `i`'s name in language `code` (ISO 639-1): `name_fi` for `fi` or `name_sv` for
    /// `sv` where the layer gives one, else `name`.
    pub fn name(&self, i: usize, code: &str) -> &str {
        let local = match code {
            "fi" => self.local_names.get(i).and_then(|n| n[0].as_deref()),
            "sv" => self.local_names.get(i).and_then(|n| n[1].as_deref()),
            _ => None,
        };
        local.unwrap_or_else(|| self.points.all().get(i).map_or("", |s| s.name.as_str()))
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
        let (i, metres) = builtin.nearest(24.9262, 60.2312).unwrap();
        let place = &builtin.all()[i];
        assert_eq!(place.name, "Maunula park");
        assert_eq!(place.kind, "park");
        assert!(metres < 30.0, "{metres}");
        assert_eq!(builtin.name(i, "fi"), "Maunulan puisto");
        assert_eq!(builtin.name(i, "sv"), "Månsas park");
        assert_eq!(builtin.name(i, "en"), "Maunula park");
        // Harjutori has no Swedish name in the layer: `name` stands in.
        let h = builtin.all().iter().position(|l| l.name == "Harjutori").unwrap();
        assert_eq!(builtin.name(h, "sv"), "Harjutori");
        let empty = Landmarks::from_geojson(r#"{"type":"FeatureCollection","features":[]}"#, "lm.geojson");
        let message = empty.err().unwrap().to_string();
        assert!(message.contains("lm.geojson") && message.contains("landmarks layer"), "{message}");
    }
}
