//! The promises every reader keeps on arbitrary bytes, checked in one place for the fuzz targets
//! (`fuzz/`, run with `cargo fuzz`) and for the regression tests over the inputs they found
//! (`tests/fuzz_corpus/`): a reader never panics; it either fails with an error, or reads rows of
//! which each is a valid event or a reject, with `read = valid + rejected`, every reject pointing
//! at a row that exists, and every valid event inside the ranges validation promises. A districts
//! layer either loads, with named, valid polygons that answer lookups, or is an error.
//!
//! [`check`] panics when a promise is broken: that is how a fuzzer notices. This module is not
//! part of the library's API: it exists only with the `fuzzing` feature.

use std::io::Write;

use crate::ingest::event::Reject;
use crate::ingest::{Categories, IngestOptions, InputSource, SeenIds, ValidBatch, read_input};
use crate::space::districts::Districts;

/// Which reader to feed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    /// Events as CSV.
    Csv,
    /// Events as GeoJSON points.
    GeoJson,
    /// Events as Parquet.
    Parquet,
    /// A districts layer (GeoJSON polygons).
    Districts,
}

impl Reader {
    /// The reader for a corpus folder or fuzz target name (`csv`, `geojson`, `parquet`,
    /// `districts`).
    pub fn from_name(name: &str) -> Option<Reader> {
        match name {
            "csv" => Some(Reader::Csv),
            "geojson" => Some(Reader::GeoJson),
            "parquet" => Some(Reader::Parquet),
            "districts" => Some(Reader::Districts),
            _ => None,
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Reader::Csv => "csv",
            Reader::GeoJson | Reader::Districts => "geojson",
            Reader::Parquet => "parquet",
        }
    }
}

/// Feeds `bytes` to `reader` and panics if any promise in the module comment is broken.
/// Returns whether the input was read (as opposed to refused with an error).
pub fn check(reader: Reader, bytes: &[u8]) -> bool {
    if reader == Reader::Districts {
        return check_districts(bytes);
    }
    let mut file = tempfile::Builder::new()
        .suffix(&format!(".{}", reader.extension()))
        .tempfile()
        .expect("a temporary file for the input");
    file.write_all(bytes).expect("write the input");
    file.flush().expect("flush the input");
    let source = InputSource::File(file.path().to_path_buf());
    let mut options = IngestOptions::new(chrono_tz::Europe::Helsinki);
    options.batch_rows = 7; // several batches even for small inputs
    let (mut valid, mut rejects) = (0u64, Vec::<Reject>::new());
    let mut sink = |batch: ValidBatch, r: Vec<Reject>, _: &Categories| {
        assert_eq!(batch.rows.len(), batch.events.len());
        for e in &batch.events {
            assert!(e.lat.is_finite() && (-90.0..=90.0).contains(&e.lat), "latitude {}", e.lat);
            assert!(e.lon.is_finite() && (-180.0..=180.0).contains(&e.lon), "longitude {}", e.lon);
            assert!(!(e.lat == 0.0 && e.lon == 0.0), "(0, 0) accepted");
            assert!(e.weight.is_finite() && e.weight >= 0.0, "weight {}", e.weight);
        }
        valid += batch.events.len() as u64;
        rejects.extend(r);
        Ok(())
    };
    let counts = read_input(&source, &options, &mut Categories::default(), &mut SeenIds::new(), &mut sink);
    match counts {
        Err(e) => {
            assert!(!e.to_string().is_empty());
            false
        }
        Ok(counts) => {
            assert_eq!(counts.valid, valid);
            assert_eq!(counts.rejected(), rejects.len() as u64);
            assert_eq!(counts.read, counts.valid + counts.rejected(), "every row accepted or rejected");
            for r in &rejects {
                assert!(r.row >= 1 && r.row <= counts.read, "reject row {} of {}", r.row, counts.read);
                assert!(!r.column.is_empty());
            }
            true
        }
    }
}

fn check_districts(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    match Districts::from_geojson(text, "fuzz.geojson") {
        Err(e) => {
            assert!(e.to_string().contains("fuzz.geojson"), "{e}");
            false
        }
        Ok(layer) => {
            assert!(!layer.is_empty());
            for (i, d) in layer.all().iter().enumerate() {
                let _ = layer.overlaps(0.0);
                if let Some(p) = geo::InteriorPoint::interior_point(&d.shape) {
                    assert!(layer.locate(p.x(), p.y()).is_some(), "district {i}'s interior point is in no district");
                }
            }
            true
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_and_bad_inputs_keep_the_promises() {
        assert!(check(Reader::Csv, b"lat,lon,occurred_at,kind\n60.17,24.94,2026-10-05T10:00:00Z,encounter\nx,,,\n"));
        assert!(check(Reader::Parquet, crate::sample::EVENTS_PARQUET));
        assert!(!check(Reader::Parquet, b"PAR1 not really"));
        assert!(check(Reader::Districts, crate::sample::DISTRICTS_GEOJSON.as_bytes()));
        assert!(!check(Reader::Districts, br#"{"type":"FeatureCollection","features":[]}"#));
    }
}
