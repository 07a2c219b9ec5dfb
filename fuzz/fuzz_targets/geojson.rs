//! Fuzzes the geojson reader: any bytes either fail with an error or are read keeping every promise
//! of `hotspots_core::fuzzing`.
#![no_main]

use hotspots_core::fuzzing::{Reader, check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    check(Reader::GeoJson, data);
});
