//! The sample data built into the library (and so into the binary), so `hotspots analyze` with no
//! input shows the whole product from any folder. The same files are under `data/` with READMEs
//! saying what they are. The bytes only: `InputSource::sample`, `Districts::builtin` and
//! `Services::builtin` (in the ingest and space stages) read them.

/// A year of synthetic weekly-patterned outreach events (`data/sample_events.parquet`).
pub const EVENTS_PARQUET: &[u8] = include_bytes!("../../../data/sample_events.parquet");

/// The synthetic patrol-effort log behind the sample's encounters (`data/sample_effort.parquet`).
pub const EFFORT_PARQUET: &[u8] = include_bytes!("../../../data/sample_effort.parquet");

/// The name the built-in effort log goes by.
pub const EFFORT_NAME: &str = "<built-in effort log>";

/// Approximate, hand-drawn major districts of Helsinki and Vantaa (`data/districts.geojson`).
pub const DISTRICTS_GEOJSON: &str = include_str!("../../../data/districts.geojson");

/// Example service points (`data/services.geojson`).
pub const SERVICES_GEOJSON: &str = include_str!("../../../data/services.geojson");

/// Approximate positions of the sample city's activity places: stations, shopping centres,
/// parks (`data/landmarks.geojson`).
pub const LANDMARKS_GEOJSON: &str = include_str!("../../../data/landmarks.geojson");

/// The name the built-in landmarks go by.
pub const LANDMARKS_NAME: &str = "<built-in landmarks>";

/// The name the built-in sample goes by in messages and `summary.json`.
pub const EVENTS_NAME: &str = "<built-in sample>";

/// The name the built-in districts go by.
pub const DISTRICTS_NAME: &str = "<built-in districts>";

/// The name the built-in services go by.
pub const SERVICES_NAME: &str = "<built-in services>";
