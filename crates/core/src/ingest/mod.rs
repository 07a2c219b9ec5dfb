//! Ingest: reads event exports (Parquet, CSV, GeoJSON points), maps columns by name, validates
//! every row and hands validated events on in batches. Nothing is dropped silently: each row
//! either becomes an [`Event`] or a [`Reject`] with file, row, column and reason.
//!
//! Parquet is read one record batch at a time (never the whole file); CSV in chunks of rows;
//! GeoJSON, a format for hand-made extracts, is parsed whole.

mod arrow_columns;
mod csv_reader;
pub mod effort;
pub mod event;
mod geojson_reader;
mod number_set;
mod parquet_reader;
#[cfg(test)]
mod properties;
pub mod time_text;
pub mod wkb;

use rustc_hash::FxHashMap as HashMap;
use std::path::{Path, PathBuf};

use chrono::DateTime;
use chrono_tz::Tz;

use crate::digest::sha256_hex;
use crate::error::{Error, Result};
use crate::ingest::event::{Event, Kind, Reject, RejectReason};
use time_text::{local_to_instant, parse_time_text};

/// Column names of the input, each renamable by a command-line flag. Defaults follow DESIGN.md.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnMapping {
    /// Latitude column (`--lat-col`, default `lat`).
    pub lat: String,
    /// Longitude column (`--lon-col`, default `lon`).
    pub lon: String,
    /// WKB point geometry column (`--geometry-col`). `None`: use `lat`/`lon` when the file has
    /// them, else the GeoParquet primary geometry column, else a column named `geometry`.
    pub geometry: Option<String>,
    /// Time column (`--time-col`, default `occurred_at`).
    pub time: String,
    /// Kind column (`--kind-col`, default `kind`).
    pub kind: String,
    /// Optional category column (`--category-col`, default `category`).
    pub category: String,
    /// Optional id column, used only in the rejects file (`--id-col`, default `id`).
    pub id: String,
    /// Optional weight column (`--weight-col`, default `weight`).
    pub weight: String,
}

impl Default for ColumnMapping {
    fn default() -> Self {
        ColumnMapping {
            lat: "lat".into(),
            lon: "lon".into(),
            geometry: None,
            time: "occurred_at".into(),
            kind: "kind".into(),
            category: "category".into(),
            id: "id".into(),
            weight: "weight".into(),
        }
    }
}

impl ColumnMapping {
    /// The mapping as `summary.json` records it: field → column name (`geometry` only when set).
    pub fn record(&self) -> std::collections::BTreeMap<String, String> {
        let mut c = std::collections::BTreeMap::new();
        c.insert("lat".into(), self.lat.clone());
        c.insert("lon".into(), self.lon.clone());
        if let Some(g) = &self.geometry {
            c.insert("geometry".into(), g.clone());
        }
        c.insert("time".into(), self.time.clone());
        c.insert("kind".into(), self.kind.clone());
        c.insert("category".into(), self.category.clone());
        c.insert("id".into(), self.id.clone());
        c.insert("weight".into(), self.weight.clone());
        c
    }

    /// Every mapped column name, required and optional.
    pub fn names(&self) -> Vec<&str> {
        let mut names = vec![&self.lat[..], &self.lon, &self.time, &self.kind, &self.category, &self.id, &self.weight];
        names.extend(self.geometry.as_deref());
        names
    }
}

/// An error when a mapped column appears more than once among `columns`: which copy is meant
/// cannot be known, so nothing is guessed.
pub(crate) fn check_duplicates<'a>(
    mapping: &ColumnMapping,
    columns: impl Iterator<Item = &'a str> + Clone,
    path: &str,
) -> Result<()> {
    for name in mapping.names() {
        let n = columns.clone().filter(|c| c.trim() == name).count();
        if n > 1 {
            return Err(Error::Format {
                path: path.to_string(),
                message: format!("column `{name}` appears {n} times; rename or drop the copies"),
            });
        }
    }
    Ok(())
}

/// How to read inputs.
#[derive(Clone, Debug)]
pub struct IngestOptions {
    /// Column names.
    pub columns: ColumnMapping,
    /// Zone of times written without one (`--tz`).
    pub tz: Tz,
    /// Rows per batch handed to the sink.
    pub batch_rows: usize,
    /// A strftime pattern for text times (`--time-format`); `None`: ISO-8601, then day-first.
    pub time_format: Option<String>,
}

impl IngestOptions {
    /// The default zone of times written without one, and of the bins' calendar (`--tz`).
    pub const DEFAULT_TIME_ZONE: &str = "Europe/Helsinki";

    /// Default columns, the given zone, 64 Ki rows per batch.
    pub fn new(tz: Tz) -> Self {
        IngestOptions { columns: ColumnMapping::default(), tz, batch_rows: 65_536, time_format: None }
    }
}

/// Where an input's bytes come from.
#[derive(Clone, Debug)]
pub enum InputSource {
    /// A file on disk; its format follows the extension (`.csv`/`.tsv`/`.txt`: CSV;
    /// `.geojson`/`.json`: GeoJSON; anything else: Parquet).
    File(PathBuf),
    /// A Parquet file held in memory, e.g. the sample built into the binary.
    Embedded {
        /// The name shown in messages and `summary.json`.
        name: String,
        /// The Parquet bytes.
        bytes: &'static [u8],
    },
}

impl InputSource {
    /// The built-in sample ([`crate::sample::EVENTS_PARQUET`]) as an input.
    pub fn sample() -> Self {
        InputSource::Embedded { name: crate::sample::EVENTS_NAME.to_string(), bytes: crate::sample::EVENTS_PARQUET }
    }

    /// The name used in messages, rejects and `summary.json`.
    pub fn name(&self) -> String {
        match self {
            InputSource::File(p) => p.display().to_string(),
            InputSource::Embedded { name, .. } => name.clone(),
        }
    }

    fn format(&self) -> InputFormat {
        match self {
            InputSource::Embedded { .. } => InputFormat::Parquet,
            InputSource::File(p) => InputFormat::of_path(p),
        }
    }

    /// SHA-256 of the input's bytes, as lowercase hex.
    pub fn sha256(&self) -> Result<String> {
        match self {
            InputSource::Embedded { bytes, .. } => Ok(sha256_hex(*bytes).expect("reading memory cannot fail")),
            InputSource::File(p) => {
                let err = |source| Error::Read { path: p.display().to_string(), source };
                sha256_hex(std::fs::File::open(p).map_err(err)?).map_err(err)
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum InputFormat {
    Parquet,
    Csv,
    GeoJson,
}

impl InputFormat {
    fn of_path(path: &Path) -> InputFormat {
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        match ext.as_str() {
            "csv" | "tsv" | "txt" => InputFormat::Csv,
            "geojson" | "json" => InputFormat::GeoJson,
            _ => InputFormat::Parquet,
        }
    }
}

/// Interns category labels so events carry a small integer. Ids are given in order of first
/// appearance, so they are the same for the same inputs on any number of threads.
#[derive(Clone, Debug, Default)]
pub struct Categories {
    names: Vec<String>,
    ids: HashMap<String, u32>,
}

impl Categories {
    /// The id of `label`, adding it if new. Labels are trimmed; an empty label is no category.
    pub fn intern(&mut self, label: &str) -> Option<u32> {
        let label = label.trim();
        if label.is_empty() {
            return None;
        }
        if let Some(&id) = self.ids.get(label) {
            return Some(id);
        }
        let id = self.names.len() as u32;
        self.names.push(label.to_string());
        self.ids.insert(label.to_string(), id);
        Some(id)
    }

    /// The id of an existing label.
    pub fn get(&self, label: &str) -> Option<u32> {
        self.ids.get(label.trim()).copied()
    }

    /// The label of an id.
    pub fn name(&self, id: u32) -> Option<&str> {
        self.names.get(id as usize).map(String::as_str)
    }

    /// All labels, by id.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// Validated events of one batch, with their 1-based row numbers in the file.
#[derive(Clone, Debug, Default)]
pub struct ValidBatch {
    /// Row number of each event in its file.
    pub rows: Vec<u64>,
    /// The events.
    pub events: Vec<Event>,
}

/// Row counts of one input after validation (study area and window come later).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadCounts {
    /// Rows read.
    pub read: u64,
    /// Rows that passed validation.
    pub valid: u64,
    /// Rejected rows per reason, indexed by [`RejectReason::index`].
    pub rejected_by_reason: [u64; RejectReason::ALL.len()],
    /// The first few (lat, lon) values rejected as out of range, for diagnosing projected
    /// coordinates.
    pub out_of_range_sample: Vec<(f64, f64)>,
    /// The first offending value seen per reason (indexed like `rejected_by_reason`), with its
    /// column, for error messages.
    pub examples: Vec<Option<(String, String)>>,
}

impl ReadCounts {
    /// All rejected rows.
    pub fn rejected(&self) -> u64 {
        self.rejected_by_reason.iter().sum()
    }
}

/// Receives what ingest produces, one batch at a time, in file order.
pub trait IngestSink {
    /// A batch of valid events and the rows rejected in the same stretch of the file, with the
    /// category labels known so far (every category id in the batch is among them).
    fn batch(&mut self, valid: ValidBatch, rejects: Vec<Reject>, categories: &Categories) -> Result<()>;
}

impl<F: FnMut(ValidBatch, Vec<Reject>, &Categories) -> Result<()>> IngestSink for F {
    fn batch(&mut self, valid: ValidBatch, rejects: Vec<Reject>, categories: &Categories) -> Result<()> {
        self(valid, rejects, categories)
    }
}

/// Reads one input, validating every row, and hands batches to `sink`. `ids` carries the event
/// ids seen in earlier inputs of the run (give the same one to every input of a run).
///
/// Errors (file unreadable, not the format its name says, a required column missing or of the
/// wrong type) stop the read; row-level problems become rejects and the read goes on.
pub fn read_input(
    source: &InputSource,
    options: &IngestOptions,
    categories: &mut Categories,
    ids: &mut SeenIds,
    sink: &mut dyn IngestSink,
) -> Result<ReadCounts> {
    let mut counts = ReadCounts { examples: vec![None; RejectReason::ALL.len()], ..ReadCounts::default() };
    let name = source.name();
    let mut ctx = ChunkContext {
        file: &name,
        tz: &options.tz,
        time_format: options.time_format.as_deref(),
        categories,
        counts: &mut counts,
        ids,
        sink,
    };
    match source.format() {
        InputFormat::Parquet => parquet_reader::read(source, options, &mut ctx)?,
        InputFormat::Csv => match source {
            InputSource::File(p) => csv_reader::read(p, &name, options, &mut ctx)?,
            InputSource::Embedded { .. } => unreachable!("embedded inputs are Parquet"),
        },
        InputFormat::GeoJson => match source {
            InputSource::File(p) => geojson_reader::read(p, &name, options, &mut ctx)?,
            InputSource::Embedded { .. } => unreachable!("embedded inputs are Parquet"),
        },
    }
    Ok(counts)
}

/// A numeric cell after decoding.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Num {
    Null,
    Val(f64),
    Bad,
}

impl Num {
    /// Parses text; `decimal_comma` accepts `60,17` for 60.17.
    pub(crate) fn parse(text: Option<&str>, decimal_comma: bool) -> Num {
        let Some(t) = text.map(str::trim) else { return Num::Null };
        if t.is_empty() {
            return Num::Null;
        }
        let parsed = if decimal_comma && t.contains(',') { t.replace(',', ".").parse() } else { t.parse() };
        parsed.map_or(Num::Bad, Num::Val)
    }
}

/// A time cell after decoding.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TimeCell<'a> {
    Null,
    /// An instant, µs since the epoch (UTC).
    Instant(i64),
    /// A wall-clock time in `--tz`, µs since 1970-01-01T00:00 local.
    Local(i64),
    Text(&'a str),
    Bad,
}

/// The location of a row: either two numeric columns or one point geometry.
pub(crate) enum Coords {
    LatLon {
        lat: Vec<Num>,
        lon: Vec<Num>,
    },
    /// (lon, lat) per row from a geometry; `Bad` when it is not a point.
    Points(Vec<Result<Option<(f64, f64)>, ()>>),
}

/// The id column of a chunk, rendered to text only for rejected rows.
pub(crate) type IdFn<'a> = Box<dyn Fn(usize) -> Option<String> + 'a>;

/// The id column of a chunk as duplicate-check keys (faster than going through text).
pub(crate) type IdKeyFn<'a> = Box<dyn Fn(usize) -> Option<IdKey> + 'a>;

/// An event id as compared for duplicates. Integers, and text that reads as an integer (so a
/// CSV `"42"` and a Parquet `42` are the same id), exactly. Text that ends in a run of 1–13
/// digits (`syn-4242-000000001`, `CASE/2026/00017`: what case systems write) as its prefix and
/// that number, exactly too: the prefix (with the number of digits, so `a-01` and `a-1` differ)
/// is kept as a 64-bit SipHash, and distinct prefixes collide with odds of about p² / 2⁶⁵ for p
/// prefixes. Other text by a 64-bit SipHash of the trimmed text (two different ids collide with
/// odds of about n² / 2⁶⁵: 1 in 15 000 at 50 M distinct text ids).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdKey {
    Int(u64),
    Prefixed { prefix: u64, number: u64 },
    Text(u64),
}

/// The most digits a prefixed id's number may have (10¹³ < 2⁴⁴).
const MAX_SUFFIX_DIGITS: usize = 13;

fn siphash(bytes: &[u8], digits: usize) -> u64 {
    use std::hash::Hasher;
    let mut h = std::hash::DefaultHasher::new();
    h.write(bytes);
    h.write_usize(digits);
    h.finish()
}

impl IdKey {
    pub(crate) fn of_text(text: &str) -> IdKey {
        Self::key_of(text, None)
    }

    /// As [`IdKey::of_text`], remembering the last prefix's hash in `cache` (ids of one export
    /// mostly share it).
    pub(crate) fn of_text_with(text: &str, cache: &mut PrefixCache) -> IdKey {
        Self::key_of(text, Some(cache))
    }

    fn key_of(text: &str, cache: Option<&mut PrefixCache>) -> IdKey {
        let raw = text.as_bytes();
        // `trim` only where there may be something to trim: most ids have no blanks.
        let blank = |b: Option<&u8>| b.is_some_and(|&b| b.is_ascii_whitespace() || b >= 0x80);
        let t = if blank(raw.first()) || blank(raw.last()) { text.trim() } else { text };
        let bytes = t.as_bytes();
        // Text that reads as an integer is that integer (only text that starts like a number
        // can).
        if bytes.first().is_some_and(|&b| b.is_ascii_digit() || b == b'-' || b == b'+') {
            if let Ok(v) = t.parse::<i64>() {
                return IdKey::Int(v as u64);
            }
            if let Ok(v) = t.parse::<u64>() {
                return IdKey::Int(v);
            }
        }
        // The trailing run of digits, read as a number on the way.
        let (mut digits, mut number, mut scale) = (0usize, 0u64, 1u64);
        for &b in bytes.iter().rev() {
            if !b.is_ascii_digit() || digits == MAX_SUFFIX_DIGITS + 1 {
                break;
            }
            if digits < MAX_SUFFIX_DIGITS {
                number += u64::from(b - b'0') * scale;
                scale *= 10;
            }
            digits += 1;
        }
        if digits == bytes.len() || digits == 0 || digits > MAX_SUFFIX_DIGITS {
            return IdKey::Text(siphash(bytes, usize::MAX));
        }
        let head = &bytes[..bytes.len() - digits];
        let prefix = match cache {
            Some(cache) if cache.digits == digits && cache.head == head => cache.hash,
            Some(cache) => {
                let hash = siphash(head, digits);
                cache.head.clear();
                cache.head.extend_from_slice(head);
                cache.digits = digits;
                cache.hash = hash;
                hash
            }
            None => siphash(head, digits),
        };
        IdKey::Prefixed { prefix, number }
    }
}

/// The last prefix an id column's text had, and its hash.
#[derive(Default)]
pub(crate) struct PrefixCache {
    head: Vec<u8>,
    digits: usize,
    hash: u64,
}

/// The event ids a run has seen, across all its inputs, so a row whose id came earlier (in
/// input order, then row order) is rejected as `duplicate_id` and the event counts once.
/// Integer ids, and the numbers of prefixed text ids (one number space per prefix), go into
/// paged sets (`ingest/number_set.rs`): 2 bytes per id at most in sparse pages, under 2 bits per id in
/// runs of consecutive ids, so memory stays near a run without ids. Other text ids, and prefixed ids past [`SeenIds::MAX_PREFIXES`]
/// distinct prefixes (UUIDs that end in digits), go into a set of 64-bit hashes (about 9 bytes
/// per id).
#[derive(Default)]
pub struct SeenIds {
    ints: number_set::NumberSet,
    prefixed: number_set::NumberSet,
    prefixes: rustc_hash::FxHashMap<u64, u64>,
    last_prefix: Option<(u64, u64)>,
    text: rustc_hash::FxHashSet<u64>,
}

impl SeenIds {
    /// How many distinct prefixes get a number space of their own.
    pub const MAX_PREFIXES: usize = 1 << 16;

    /// No ids yet.
    pub fn new() -> Self {
        SeenIds::default()
    }

    /// Records `key`; `false` when it was already there.
    pub(crate) fn first_time(&mut self, key: IdKey) -> bool {
        match key {
            IdKey::Int(v) => self.ints.insert(v),
            IdKey::Text(h) => self.text.insert(h),
            IdKey::Prefixed { prefix, number } => {
                let index = match self.last_prefix {
                    Some((p, i)) if p == prefix => Some(i),
                    _ => {
                        let next = self.prefixes.len() as u64;
                        let index = match self.prefixes.get(&prefix) {
                            Some(&i) => Some(i),
                            None if self.prefixes.len() < Self::MAX_PREFIXES => {
                                self.prefixes.insert(prefix, next);
                                Some(next)
                            }
                            None => None,
                        };
                        if let Some(i) = index {
                            self.last_prefix = Some((prefix, i));
                        }
                        index
                    }
                };
                match index {
                    Some(i) => self.prefixed.insert(i << 44 | number),
                    // The whole id's hash, from its prefix's and its number.
                    None => self.text.insert(prefix ^ number.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29)),
                }
            }
        }
    }

    /// How many distinct ids were seen.
    pub fn len(&self) -> u64 {
        self.ints.len() + self.prefixed.len() + self.text.len() as u64
    }

    /// Whether no id was seen.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A stretch of rows of one file, decoded column by column, ready for validation.
pub(crate) struct Chunk<'a> {
    pub(crate) first_row: u64,
    pub(crate) len: usize,
    pub(crate) coords: Coords,
    pub(crate) time: Vec<TimeCell<'a>>,
    pub(crate) kind: Vec<Option<&'a str>>,
    pub(crate) category: Option<Vec<Option<&'a str>>>,
    pub(crate) weight: Option<Vec<Num>>,
    pub(crate) id: Option<IdFn<'a>>,
    /// Duplicate-check keys of the id column; when absent, keys come from `id`'s text.
    pub(crate) id_key: Option<IdKeyFn<'a>>,
}

/// The column names rejects refer to, as they are called in the file.
pub(crate) struct ColumnNames {
    pub(crate) lat: String,
    pub(crate) lon: String,
    pub(crate) geometry: String,
    pub(crate) time: String,
    pub(crate) kind: String,
    pub(crate) weight: String,
    pub(crate) id: String,
}

impl ColumnNames {
    pub(crate) fn new(mapping: &ColumnMapping, geometry: Option<&str>) -> Self {
        ColumnNames {
            lat: mapping.lat.clone(),
            lon: mapping.lon.clone(),
            geometry: geometry.unwrap_or("geometry").to_string(),
            time: mapping.time.clone(),
            kind: mapping.kind.clone(),
            weight: mapping.weight.clone(),
            id: mapping.id.clone(),
        }
    }
}

pub(crate) struct ChunkContext<'s> {
    pub(crate) file: &'s str,
    pub(crate) tz: &'s Tz,
    pub(crate) time_format: Option<&'s str>,
    pub(crate) categories: &'s mut Categories,
    pub(crate) counts: &'s mut ReadCounts,
    pub(crate) ids: &'s mut SeenIds,
    pub(crate) sink: &'s mut dyn IngestSink,
}

#[derive(Clone, Copy)]
enum Field {
    Lat,
    Lon,
    Geometry,
    Time,
    Kind,
    Weight,
    Id,
}

fn check_coordinates(lat: Num, lon: Num) -> Result<(f64, f64), (RejectReason, Field)> {
    let lat = match lat {
        Num::Null => return Err((RejectReason::MissingCoordinate, Field::Lat)),
        Num::Bad => return Err((RejectReason::UnparsableCoordinate, Field::Lat)),
        Num::Val(v) => v,
    };
    let lon = match lon {
        Num::Null => return Err((RejectReason::MissingCoordinate, Field::Lon)),
        Num::Bad => return Err((RejectReason::UnparsableCoordinate, Field::Lon)),
        Num::Val(v) => v,
    };
    if !lat.is_finite() {
        return Err((RejectReason::NonFiniteCoordinate, Field::Lat));
    }
    if !lon.is_finite() {
        return Err((RejectReason::NonFiniteCoordinate, Field::Lon));
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err((RejectReason::LatitudeOutOfRange, Field::Lat));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err((RejectReason::LongitudeOutOfRange, Field::Lon));
    }
    if lat == 0.0 && lon == 0.0 {
        return Err((RejectReason::NullIsland, Field::Lat));
    }
    Ok((lat, lon))
}

pub(crate) fn check_time(cell: TimeCell<'_>, tz: &Tz, format: Option<&str>) -> Result<i64, RejectReason> {
    match cell {
        TimeCell::Null => Err(RejectReason::MissingTime),
        TimeCell::Bad => Err(RejectReason::UnparsableTime),
        TimeCell::Instant(t) => Ok(t),
        TimeCell::Local(local_us) => {
            let naive = DateTime::from_timestamp_micros(local_us).ok_or(RejectReason::UnparsableTime)?.naive_utc();
            local_to_instant(naive, tz)
        }
        TimeCell::Text(text) => parse_time_text(text, tz, format),
    }
}

fn check_weight(weight: Num) -> Result<f64, RejectReason> {
    match weight {
        Num::Null => Ok(1.0),
        Num::Bad => Err(RejectReason::UnparsableWeight),
        Num::Val(w) if !w.is_finite() => Err(RejectReason::NonFiniteWeight),
        Num::Val(w) if w < 0.0 => Err(RejectReason::NegativeWeight),
        Num::Val(w) => Ok(w),
    }
}

/// Validates every row of `chunk` (checks in column order: location, time, kind, weight, then
/// whether a valid row's id was seen before; the first failing check names the reason) and hands
/// the result to the sink.
pub(crate) fn validate_chunk(chunk: Chunk<'_>, names: &ColumnNames, ctx: &mut ChunkContext<'_>) -> Result<()> {
    let mut valid = ValidBatch { rows: Vec::with_capacity(chunk.len), events: Vec::with_capacity(chunk.len) };
    let mut rejects = Vec::new();
    for i in 0..chunk.len {
        let row = chunk.first_row + i as u64;
        let outcome = (|| {
            let (lat, lon) = match &chunk.coords {
                Coords::LatLon { lat, lon } => check_coordinates(lat[i], lon[i])?,
                Coords::Points(points) => match points[i] {
                    Err(()) => return Err((RejectReason::InvalidGeometry, Field::Geometry)),
                    Ok(None) => return Err((RejectReason::MissingCoordinate, Field::Geometry)),
                    Ok(Some((x, y))) => {
                        check_coordinates(Num::Val(y), Num::Val(x)).map_err(|(reason, _)| (reason, Field::Geometry))?
                    }
                },
            };
            let time_us = check_time(chunk.time[i], ctx.tz, ctx.time_format).map_err(|r| (r, Field::Time))?;
            let kind = chunk.kind[i].and_then(Kind::parse).ok_or((RejectReason::UnknownKind, Field::Kind))?;
            let weight = match &chunk.weight {
                Some(w) => check_weight(w[i]).map_err(|r| (r, Field::Weight))?,
                None => 1.0,
            };
            // A valid row whose id came before is the same event again: it counts once.
            let key = match (&chunk.id_key, &chunk.id) {
                (Some(key), _) => key(i),
                (None, Some(text)) => text(i).as_deref().map(IdKey::of_text),
                (None, None) => None,
            };
            if let Some(key) = key
                && !ctx.ids.first_time(key)
            {
                return Err((RejectReason::DuplicateId, Field::Id));
            }
            Ok((lat, lon, time_us, kind, weight))
        })();
        match outcome {
            Ok((lat, lon, time_us, kind, weight)) => {
                let category = chunk.category.as_ref().and_then(|c| c[i]).and_then(|c| ctx.categories.intern(c));
                valid.rows.push(row);
                valid.events.push(Event { lat, lon, time_us, kind, category, weight });
            }
            Err((reason, field)) => {
                if matches!(reason, RejectReason::LatitudeOutOfRange | RejectReason::LongitudeOutOfRange)
                    && ctx.counts.out_of_range_sample.len() < 100
                    && let Coords::LatLon { lat, lon } = &chunk.coords
                    && let (Num::Val(a), Num::Val(b)) = (lat[i], lon[i])
                {
                    ctx.counts.out_of_range_sample.push((a, b));
                }
                let column = match field {
                    Field::Lat => &names.lat,
                    Field::Lon => &names.lon,
                    Field::Geometry => &names.geometry,
                    Field::Time => &names.time,
                    Field::Kind => &names.kind,
                    Field::Weight => &names.weight,
                    Field::Id => &names.id,
                };
                ctx.counts.rejected_by_reason[reason.index()] += 1;
                let num = |n: Num| match n {
                    Num::Val(v) => Some(v.to_string()),
                    _ => None,
                };
                let value = match field {
                    Field::Time => match chunk.time[i] {
                        TimeCell::Text(t) => Some(t.to_string()),
                        TimeCell::Instant(t) | TimeCell::Local(t) => Some(t.to_string()),
                        _ => None,
                    },
                    Field::Kind => chunk.kind[i].map(str::to_string),
                    Field::Lat | Field::Lon => match &chunk.coords {
                        Coords::LatLon { lat, lon } => num(if matches!(field, Field::Lat) { lat[i] } else { lon[i] }),
                        Coords::Points(_) => None,
                    },
                    Field::Weight => chunk.weight.as_ref().and_then(|w| num(w[i])),
                    Field::Geometry => None,
                    Field::Id => chunk.id.as_ref().and_then(|f| f(i)),
                }
                .map(|v| crate::ingest::event::truncated(&v));
                let example = &mut ctx.counts.examples[reason.index()];
                if example.is_none() {
                    *example = Some((column.clone(), value.clone().unwrap_or_default()));
                }
                rejects.push(Reject {
                    file: ctx.file.to_string(),
                    row,
                    column: column.clone(),
                    reason,
                    id: chunk.id.as_ref().and_then(|f| f(i)),
                    value,
                });
            }
        }
    }
    ctx.counts.read += chunk.len as u64;
    ctx.counts.valid += valid.events.len() as u64;
    ctx.sink.batch(valid, rejects, ctx.categories)
}

/// Receives rejected rows as ingest finds them.
pub trait RejectSink {
    /// Takes a batch of rejects, in file order.
    fn push(&mut self, rejects: Vec<Reject>) -> Result<()>;
}

/// Discards rejects (they are still counted in the row accounting).
pub struct DiscardRejects;

impl RejectSink for DiscardRejects {
    fn push(&mut self, _rejects: Vec<Reject>) -> Result<()> {
        Ok(())
    }
}

impl RejectSink for Vec<Reject> {
    fn push(&mut self, rejects: Vec<Reject>) -> Result<()> {
        self.extend(rejects);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_ids_read_as_integers_prefixes_with_numbers_or_hashes() {
        let k = IdKey::of_text;
        assert_eq!(k("42"), IdKey::Int(42));
        assert_eq!(k(" 0042 "), IdKey::Int(42), "text that reads as an integer is that integer");
        assert_eq!(k("-5"), IdKey::Int(-5i64 as u64));
        let a = k("syn-7-000000017");
        assert!(matches!(a, IdKey::Prefixed { number: 17, .. }), "{a:?}");
        assert_eq!(k(" syn-7-000000017\t"), a, "blanks around an id do not make another id");
        assert_ne!(k("syn-7-000000018"), a);
        assert_ne!(k("syn-7-00000017"), a, "leading zeros count: a-01 is not a-1");
        assert_ne!(k("syn-8-000000017"), a);
        assert!(matches!(k("550e8400-e29b-41d4-a716-446655440000"), IdKey::Prefixed { .. }));
        assert!(matches!(k("CASE-1234567890123456"), IdKey::Text(_)), "more than 13 digits");
        assert!(matches!(k("no digits"), IdKey::Text(_)));
        assert_eq!(k("no digits"), k("no digits"));
        // The cache of the last prefix gives the same keys as none.
        let mut cache = PrefixCache::default();
        for id in ["syn-7-000000017", "syn-7-000000018", "x-1", "syn-7-000000017", "x-01"] {
            assert_eq!(IdKey::of_text_with(id, &mut cache), k(id), "{id}");
        }
    }

    #[test]
    fn seen_ids_find_repeats_of_every_form_and_past_the_prefix_limit() {
        let mut seen = SeenIds::new();
        let ids: Vec<String> = (0..3000).map(|i| format!("p{}-{i}", i % 7)).collect();
        for id in &ids {
            assert!(seen.first_time(IdKey::of_text(id)), "{id}");
        }
        for id in ids.iter().step_by(13) {
            assert!(!seen.first_time(IdKey::of_text(id)), "{id} again");
        }
        assert!(seen.first_time(IdKey::of_text("42")) && !seen.first_time(IdKey::Int(42)));
        assert!(seen.first_time(IdKey::of_text("abc")) && !seen.first_time(IdKey::of_text("abc")));
        assert_eq!(seen.len(), 3002);
        // More distinct prefixes than get a number space: the rest are hashed, still exact here.
        let mut seen = SeenIds::new();
        let many: Vec<String> = (0..SeenIds::MAX_PREFIXES + 500).map(|i| format!("u{i}x-{}", i % 3)).collect();
        for id in &many {
            assert!(seen.first_time(IdKey::of_text(id)), "{id}");
        }
        for id in many.iter().rev().step_by(97) {
            assert!(!seen.first_time(IdKey::of_text(id)), "{id} again");
        }
        assert_eq!(seen.len(), many.len() as u64);
    }

    #[test]
    fn coordinate_checks_follow_design_order() {
        use RejectReason::*;
        let c = |a, b| check_coordinates(a, b).map_err(|(r, _)| r);
        assert_eq!(c(Num::Null, Num::Val(1.0)), Err(MissingCoordinate));
        assert_eq!(c(Num::Val(1.0), Num::Null), Err(MissingCoordinate));
        assert_eq!(c(Num::Bad, Num::Val(1.0)), Err(UnparsableCoordinate));
        assert_eq!(c(Num::Val(f64::NAN), Num::Val(1.0)), Err(NonFiniteCoordinate));
        assert_eq!(c(Num::Val(1.0), Num::Val(f64::INFINITY)), Err(NonFiniteCoordinate));
        assert_eq!(c(Num::Val(90.5), Num::Val(1.0)), Err(LatitudeOutOfRange));
        assert_eq!(c(Num::Val(60.0), Num::Val(-180.5)), Err(LongitudeOutOfRange));
        assert_eq!(c(Num::Val(0.0), Num::Val(0.0)), Err(NullIsland));
        assert_eq!(c(Num::Val(-0.0), Num::Val(0.0)), Err(NullIsland));
        assert_eq!(c(Num::Val(0.0), Num::Val(24.9)), Ok((0.0, 24.9)));
        assert_eq!(c(Num::Val(90.0), Num::Val(180.0)), Ok((90.0, 180.0)));
    }

    #[test]
    fn weight_checks() {
        assert_eq!(check_weight(Num::Null), Ok(1.0));
        assert_eq!(check_weight(Num::Val(0.0)), Ok(0.0));
        assert_eq!(check_weight(Num::Val(-0.5)), Err(RejectReason::NegativeWeight));
        assert_eq!(check_weight(Num::Val(f64::NAN)), Err(RejectReason::NonFiniteWeight));
        assert_eq!(check_weight(Num::Bad), Err(RejectReason::UnparsableWeight));
    }

    #[test]
    fn numbers_parse_with_decimal_comma_only_when_asked() {
        assert_eq!(Num::parse(Some(" 60.17 "), false), Num::Val(60.17));
        assert_eq!(Num::parse(Some("60,17"), true), Num::Val(60.17));
        assert_eq!(Num::parse(Some("60,17"), false), Num::Bad);
        assert_eq!(Num::parse(Some(""), false), Num::Null);
        assert_eq!(Num::parse(None, false), Num::Null);
        assert!(matches!(Num::parse(Some("NaN"), false), Num::Val(v) if v.is_nan()));
    }
}
