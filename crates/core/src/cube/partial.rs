//! Partial cubes: the seam where the work up to the cube is split, stored and done elsewhere.
//!
//! Every stage up to the cube is a sum, so a partial cube holds exactly what the later stages
//! need from a set of inputs, aggregated, with no raw point: per H3 cell, local day and local
//! hour, per kind, category and district, the events and their weight sum. Its footer holds the
//! contract version, the resolution, the zone, the districts layer's SHA-256, and per input the
//! row accounting (read, rejected per reason, valid events per local day in and outside the study
//! area), the diagnoses and the rejected rows. Partial cubes merge by addition: this module
//! writes them (`hotspots cube`), reads them and feeds them to the cube builder
//! (`analyze --cube`), which then gives the same cube, byte for byte, as the raw events.
//!
//! The contract (version [`CONTRACT_VERSION`]), as the README documents it: one Parquet file,
//! rows sorted by every key column in order, columns
//!
//! | column | type | meaning |
//! |---|---|---|
//! | `h3` | int64 | H3 cell at the file's resolution (in the study area) |
//! | `day` | date32 | local date in the file's zone |
//! | `hour` | int8 | local hour 0–23 |
//! | `kind` | utf8 | `encounter` or `concern` |
//! | `category` | utf8, null | category label (trimmed), null for none |
//! | `district` | int32, null | position of the event's district in the districts layer, null for none |
//! | `events` | int64 | events (≥ 1) |
//! | `weight_units` | decimal(38, 0) | their weight sum × 2⁴⁰, each weight rounded half away from zero |
//!
//! and the footer key [`METADATA_KEY`] holding [`PartialMeta`] as JSON.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Decimal128Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt64Type};
use arrow_array::{
    Array, ArrayRef, Date32Array, Decimal128Array, Int8Array, Int32Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};
use h3o::CellIndex;
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::cube::build::{
    Aggregates, CubeConfig, CubeRun, DayTally, EventGroup, Ingested, MaskList, finish_cube, ingest_inputs, study_mask,
};
use crate::cube::jobs::{JobMatcher, check_jobs};
use crate::error::{Error, Result};
use crate::ingest::event::{Kind, Reject, RejectReason};
use crate::ingest::{Categories, InputSource, ReadCounts, RejectSink};
use crate::progress::Progress;
use crate::time::local_time::day_number;

/// The version of the partial-cube contract this engine writes and reads.
pub const CONTRACT_VERSION: u32 = 1;

/// The Parquet footer key that holds [`PartialMeta`] (JSON).
pub const METADATA_KEY: &str = "hotspots.partial_cube";

/// Prefix of the temporary files a partial is written to before it is renamed into place.
pub const TEMP_PREFIX: &str = ".partial-";

/// Bits of the fixed point of `weight_units`: a weight sum `w` is stored as `round(w × 2⁴⁰)`.
pub const WEIGHT_BITS: u32 = 40;

/// The districts layer a partial cube was built with.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DistrictsStamp {
    /// Its name (path, or `<built-in districts>`), for messages.
    pub name: String,
    /// Districts in the layer.
    pub districts: usize,
    /// SHA-256 of its GeoJSON text ([`crate::space::Districts::sha256`]): what must match.
    pub sha256: String,
}

/// A rejected row, as a partial cube keeps it (its file is the input's path).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredReject {
    /// Row number in the file, 1-based.
    pub row: u64,
    /// The column that failed.
    pub column: String,
    /// The reason code (`latitude_out_of_range`, …).
    pub reason: String,
    /// The row's id, when the file has an id column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The offending value (at most 100 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// One input's row accounting as a partial cube records it. The study area is known when the
/// partial is built, the time window only when the partials are analysed: so valid events are
/// kept per local day, in and outside the study area.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PartialInput {
    /// The input, as it was named.
    pub path: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
    /// Rows read.
    pub read: u64,
    /// Rows that passed validation (`read` − the rejected rows).
    pub valid: u64,
    /// Rejected rows per reason code (only reasons that occurred).
    pub rejected_by_reason: BTreeMap<String, u64>,
    /// Per reason code, the first offending value seen and its column (for error messages).
    #[serde(default)]
    pub examples: BTreeMap<String, (String, String)>,
    /// Per local day (`YYYY-MM-DD`) with valid events: (in the study area, outside it).
    pub days: BTreeMap<String, (u64, u64)>,
    /// Diagnoses of whole-file mistakes found in it (swapped or projected coordinates).
    #[serde(default)]
    pub diagnoses: Vec<String>,
    /// Every rejected row, in file order. A producer that keeps only the counts leaves this empty
    /// and says so in `rejects_listed`.
    #[serde(default)]
    pub rejects: Vec<StoredReject>,
    /// Whether `rejects` lists every rejected row.
    #[serde(default = "yes")]
    pub rejects_listed: bool,
}

fn yes() -> bool {
    true
}

/// A partial cube's footer: what the rows are, and what they came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartialMeta {
    /// The contract version ([`CONTRACT_VERSION`]).
    pub contract: u32,
    /// H3 resolution of `h3`.
    pub resolution: u8,
    /// IANA zone of `day` and `hour`.
    pub tz: String,
    /// Fixed-point bits of `weight_units` ([`WEIGHT_BITS`]).
    pub weight_bits: u32,
    /// The districts layer (study area and `district`), or none.
    pub districts: Option<DistrictsStamp>,
    /// What wrote the file (`hotspots 0.1.0`, `spark/cube.py …`).
    pub producer: String,
    /// Every category label of the inputs' valid events, in the order first seen, those of
    /// events outside the study area too (a run lists them all); a producer that leaves it out
    /// gives the labels of the rows only.
    #[serde(default)]
    pub categories: Vec<String>,
    /// The inputs, in order.
    pub inputs: Vec<PartialInput>,
}

/// One row of a partial cube.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PartialRow {
    /// The cell.
    pub cell: u64,
    /// Local day, days since 1970-01-01.
    pub day: i32,
    /// Local hour.
    pub hour: u8,
    /// Kind ([`Kind::index`]).
    pub kind: u8,
    /// Category, as a position in [`PartialCube::categories`].
    pub category: Option<u32>,
    /// District, as a position in the layer.
    pub district: Option<u32>,
    /// Events.
    pub events: u64,
    /// Weight sum × 2⁴⁰.
    pub weight_units: i128,
}

/// A partial cube in memory.
#[derive(Clone, Debug, PartialEq)]
pub struct PartialCube {
    /// The footer.
    pub meta: PartialMeta,
    /// Category labels, sorted (the rows refer to them by position).
    pub categories: Vec<String>,
    /// The rows, sorted by (cell, day, hour, kind, category label, district).
    pub rows: Vec<PartialRow>,
}

/// The stamp of the districts layer of `config`.
fn districts_stamp(config: &CubeConfig) -> Option<DistrictsStamp> {
    config.districts.as_ref().map(|d| DistrictsStamp {
        name: config.districts_name.clone(),
        districts: d.len(),
        sha256: d.sha256().to_string(),
    })
}

/// A local day as `YYYY-MM-DD`.
fn day_text(day: i32) -> String {
    chrono::NaiveDate::from_num_days_from_ce_opt(day + 719_163).map_or_else(|| day.to_string(), |d| d.to_string())
}

/// `inputs` read, validated, indexed and summed into one partial cube, with the columns, zone,
/// resolution and districts of `config` (its inputs, bins and jobs are not used: the time window
/// is fixed when the partials are analysed).
///
/// # Errors
///
/// As [`crate::cube::build_cube`] for reading the inputs. A partial with no valid event is not
/// an error: its accounting still counts.
pub fn build_partial(config: &CubeConfig, inputs: &[InputSource], progress: &dyn Progress) -> Result<PartialCube> {
    build_partial_in(config, inputs, study_mask(config)?.as_ref(), progress)
}

/// [`build_partial`] with the study area already worked out (the store builds many partials).
pub(crate) fn build_partial_in(
    config: &CubeConfig,
    inputs: &[InputSource],
    mask: Option<&MaskList>,
    progress: &dyn Progress,
) -> Result<PartialCube> {
    let mut agg = Aggregates::new(config, &[], true, mask);
    let mut rejects: Vec<Reject> = Vec::new();
    let ingested = ingest_inputs(config, inputs, &mut agg, &[], progress, &mut rejects)?;
    let Ingested { names, per_file, file_diagnoses, categories } = ingested;
    let mut sorted_labels: Vec<(String, u32)> =
        categories.names().iter().enumerate().map(|(id, n)| (n.clone(), id as u32)).collect();
    sorted_labels.sort();
    let mut position = vec![0u32; sorted_labels.len()];
    for (p, (_, id)) in sorted_labels.iter().enumerate() {
        position[*id as usize] = p as u32;
    }
    let record = agg.record.take().unwrap_or_default();
    let mut rows: Vec<PartialRow> = record
        .into_iter()
        .map(|(k, (events, weight_units))| PartialRow {
            cell: u64::from(agg.slot_cell(k.slot)),
            day: k.day,
            hour: k.hour,
            kind: k.kind,
            category: (k.category != u32::MAX).then(|| position[k.category as usize]),
            district: (k.district != u32::MAX).then_some(k.district),
            events,
            weight_units,
        })
        .collect();
    rows.sort_unstable();
    let mut rejects = rejects.into_iter().peekable();
    let inputs = names
        .into_iter()
        .zip(per_file)
        .zip(file_diagnoses)
        .map(|((path, (counts, days, sha256)), diagnoses)| {
            let mut stored = Vec::new();
            while let Some(r) = rejects.next_if(|r| r.file == path) {
                stored.push(StoredReject {
                    row: r.row,
                    column: r.column,
                    reason: r.reason.code().to_string(),
                    id: r.id,
                    value: r.value,
                });
            }
            PartialInput {
                sha256,
                read: counts.read,
                valid: counts.valid,
                rejected_by_reason: RejectReason::ALL
                    .iter()
                    .filter(|r| counts.rejected_by_reason[r.index()] > 0)
                    .map(|r| (r.code().to_string(), counts.rejected_by_reason[r.index()]))
                    .collect(),
                examples: RejectReason::ALL
                    .iter()
                    .filter_map(|r| {
                        counts.examples.get(r.index()).cloned().flatten().map(|e| (r.code().to_string(), e))
                    })
                    .collect(),
                days: days.into_iter().map(|(d, t)| (day_text(d), (t.in_area, t.out_area))).collect(),
                diagnoses,
                rejects: stored,
                rejects_listed: true,
                path,
            }
        })
        .collect();
    let meta = PartialMeta {
        contract: CONTRACT_VERSION,
        resolution: u8::from(config.resolution),
        tz: config.ingest.tz.name().to_string(),
        weight_bits: WEIGHT_BITS,
        districts: districts_stamp(config),
        producer: format!("hotspots {}", env!("CARGO_PKG_VERSION")),
        categories: categories.names().to_vec(),
        inputs,
    };
    Ok(PartialCube { meta, categories: sorted_labels.into_iter().map(|(n, _)| n).collect(), rows })
}

/// The Arrow schema of the contract.
pub fn schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("h3", DataType::Int64, false),
        Field::new("day", DataType::Date32, false),
        Field::new("hour", DataType::Int8, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("category", DataType::Utf8, true),
        Field::new("district", DataType::Int32, true),
        Field::new("events", DataType::Int64, false),
        Field::new("weight_units", DataType::Decimal128(38, 0), false),
    ]))
}

/// Rows per record batch (and row group) written.
const WRITE_BATCH: usize = 1 << 17;

/// Writes `partial` to `path` atomically (a temporary file beside it, renamed into place).
///
/// # Errors
///
/// [`Error::Write`] naming `path`.
pub fn write_partial(partial: &PartialCube, path: &Path) -> Result<()> {
    let err =
        |e: Box<dyn std::error::Error + Send + Sync>| Error::Write { path: path.display().to_string(), source: e };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let temp =
        tempfile::Builder::new().prefix(TEMP_PREFIX).suffix(".tmp").tempfile_in(dir).map_err(|e| err(e.into()))?;
    let meta = serde_json::to_string(&partial.meta).map_err(|e| err(e.into()))?;
    let props = WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .set_max_row_group_row_count(Some(WRITE_BATCH))
        .set_key_value_metadata(Some(vec![KeyValue::new(METADATA_KEY.to_string(), meta)]))
        .build();
    let file = std::io::BufWriter::new(temp.reopen().map_err(|e| err(e.into()))?);
    let mut writer = ArrowWriter::try_new(file, schema(), Some(props)).map_err(|e| err(e.into()))?;
    for chunk in partial.rows.chunks(WRITE_BATCH) {
        let kinds: Vec<&str> = chunk.iter().map(|r| Kind::ALL[usize::from(r.kind.min(1))].as_str()).collect();
        let columns: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from_iter_values(chunk.iter().map(|r| r.cell as i64))),
            Arc::new(Date32Array::from_iter_values(chunk.iter().map(|r| r.day))),
            Arc::new(Int8Array::from_iter_values(chunk.iter().map(|r| r.hour as i8))),
            Arc::new(StringArray::from_iter_values(kinds)),
            Arc::new(StringArray::from_iter(
                chunk.iter().map(|r| r.category.map(|c| partial.categories[c as usize].as_str())),
            )),
            Arc::new(Int32Array::from_iter(chunk.iter().map(|r| r.district.map(|d| d as i32)))),
            Arc::new(Int64Array::from_iter_values(chunk.iter().map(|r| r.events as i64))),
            Arc::new(
                Decimal128Array::from_iter_values(chunk.iter().map(|r| r.weight_units))
                    .with_precision_and_scale(38, 0)
                    .map_err(|e| err(e.into()))?,
            ),
        ];
        let batch = RecordBatch::try_new(schema(), columns).map_err(|e| err(e.into()))?;
        writer.write(&batch).map_err(|e| err(e.into()))?;
    }
    writer.close().map_err(|e| err(e.into()))?;
    #[cfg(unix)]
    {
        // Readable as the engine's other outputs are (a temporary file is private).
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(0o644)).map_err(|e| err(e.into()))?;
    }
    temp.as_file().sync_all().map_err(|e| err(e.into()))?;
    temp.persist(path).map_err(|e| err(e.error.into()))?;
    Ok(())
}

/// The partial-cube files named by `paths`: files as given, folders as their `*.parquet` files
/// in name order.
///
/// # Errors
///
/// [`Error::Read`] for a path that cannot be listed; [`Error::Data`] when a folder holds no
/// partial cube.
pub fn partial_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let read = |e| Error::Read { path: path.display().to_string(), source: e };
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(read)?
                .map(|e| e.map(|e| e.path()).map_err(read))
                .collect::<Result<Vec<_>>>()?
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "parquet") && p.is_file())
                .collect();
            if found.is_empty() {
                return Err(Error::Data(format!("{}: the folder holds no partial cube (*.parquet)", path.display())));
            }
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// A partial-cube file opened for reading: its footer checked against the contract.
struct PartialFile {
    name: String,
    meta: PartialMeta,
    reader: parquet::arrow::arrow_reader::ParquetRecordBatchReader,
    /// Rows in the file, and rows decoded so far.
    rows: i64,
    rows_read: u64,
}

impl PartialFile {
    fn open(path: &Path) -> Result<PartialFile> {
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| Error::Read { path: name.clone(), source: e })?;
        let parquet = |e| Error::Parquet { path: name.clone(), source: e };
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(parquet)?;
        let format = |message: String| Error::Format { path: name.clone(), message };
        let text = builder
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .and_then(|kv| kv.iter().find(|k| k.key == METADATA_KEY))
            .and_then(|k| k.value.clone())
            .ok_or_else(|| {
                format(format!(
                    "not a partial cube: the footer has no `{METADATA_KEY}` (make one with `hotspots cube INPUT… --out \
                     PART.parquet`)"
                ))
            })?;
        let probe: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format(format!("the partial cube's footer is not JSON: {e}")))?;
        let contract = probe.get("contract").and_then(serde_json::Value::as_u64);
        if contract != Some(u64::from(CONTRACT_VERSION)) {
            return Err(format(format!(
                "partial-cube contract version {} but this engine reads version {CONTRACT_VERSION}: rebuild it with \
                 this version's `hotspots cube`",
                contract.map_or("(none)".to_string(), |c| c.to_string())
            )));
        }
        let meta: PartialMeta = serde_json::from_value(probe)
            .map_err(|e| format(format!("the partial cube's footer does not follow the contract: {e}")))?;
        if meta.weight_bits != WEIGHT_BITS {
            return Err(format(format!("weight_bits {} (the contract has {WEIGHT_BITS})", meta.weight_bits)));
        }
        let rows = builder.metadata().file_metadata().num_rows();
        let batch = usize::try_from(rows).unwrap_or(0).clamp(1, 1 << 16);
        let reader = builder.with_batch_size(batch).build().map_err(parquet)?;
        Ok(PartialFile { name, meta, reader, rows, rows_read: 0 })
    }

    /// Fails unless the file was built as `config` would build it.
    fn check(&self, config: &CubeConfig) -> Result<()> {
        let format = |message: String| Error::Format { path: self.name.clone(), message };
        let resolution = u8::from(config.resolution);
        if self.meta.resolution != resolution {
            return Err(format(format!(
                "partial cube at H3 resolution {} but this run is at {resolution}: give --resolution {} (or rebuild \
                 the partial)",
                self.meta.resolution, self.meta.resolution
            )));
        }
        let tz = config.ingest.tz.name();
        if self.meta.tz != tz {
            return Err(format(format!(
                "partial cube in zone {} but this run is in {tz}: give --tz {} (or rebuild the partial)",
                self.meta.tz, self.meta.tz
            )));
        }
        match (&self.meta.districts, districts_stamp(config)) {
            (None, None) => {}
            (Some(a), Some(b)) if a.sha256 == b.sha256 => {}
            (Some(a), Some(b)) => {
                return Err(format(format!(
                    "partial cube built with the districts layer {} (SHA-256 {}…) but this run has {} ({}…): the \
                     study area differs; give the same --districts",
                    a.name,
                    &a.sha256[..a.sha256.len().min(12)],
                    b.name,
                    &b.sha256[..b.sha256.len().min(12)]
                )));
            }
            (Some(a), None) => {
                return Err(format(format!(
                    "partial cube built with the districts layer {}; give --districts {} to analyse it",
                    a.name,
                    if a.name == crate::sample::DISTRICTS_NAME { "builtin" } else { a.name.as_str() }
                )));
            }
            (None, Some(b)) => {
                return Err(format(format!(
                    "partial cube built without a districts layer but this run has {}: leave out --districts (or \
                     rebuild the partial with it)",
                    b.name
                )));
            }
        }
        Ok(())
    }
}

/// An integer column of any width, read as i64 (producers differ: Spark writes `hour` as int32).
enum Ints<'a> {
    I8(&'a arrow_array::Int8Array),
    I16(&'a arrow_array::Int16Array),
    I32(&'a arrow_array::Int32Array),
    I64(&'a arrow_array::Int64Array),
    U64(&'a arrow_array::UInt64Array),
    Date(&'a arrow_array::Date32Array),
}

impl Ints<'_> {
    #[inline]
    fn get(&self, i: usize) -> Option<i64> {
        match self {
            Ints::I8(a) => a.is_valid(i).then(|| i64::from(a.value(i))),
            Ints::I16(a) => a.is_valid(i).then(|| i64::from(a.value(i))),
            Ints::I32(a) => a.is_valid(i).then(|| i64::from(a.value(i))),
            Ints::I64(a) => a.is_valid(i).then(|| a.value(i)),
            Ints::U64(a) => a.is_valid(i).then(|| a.value(i) as i64),
            Ints::Date(a) => a.is_valid(i).then(|| i64::from(a.value(i))),
        }
    }
}

fn int_column<'a>(batch: &'a RecordBatch, name: &str, file: &str) -> Result<Ints<'a>> {
    let column = batch.column_by_name(name).ok_or_else(|| missing(batch, name, file))?;
    Ok(match column.data_type() {
        DataType::Int8 => Ints::I8(column.as_primitive::<Int8Type>()),
        DataType::Int16 => Ints::I16(column.as_primitive::<Int16Type>()),
        DataType::Int32 => Ints::I32(column.as_primitive::<Int32Type>()),
        DataType::Int64 => Ints::I64(column.as_primitive::<Int64Type>()),
        DataType::UInt64 => Ints::U64(column.as_primitive::<UInt64Type>()),
        DataType::Date32 => Ints::Date(column.as_primitive::<Date32Type>()),
        other => {
            return Err(Error::ColumnType {
                path: file.to_string(),
                column: name.to_string(),
                found: other.to_string(),
                expected: "an integer (date32 for `day`)".into(),
            });
        }
    })
}

/// Partial files holding at most this many rows are decoded whole, several at once (rayon); a
/// larger one is read and merged batch by batch, so memory stays bounded (about 64 bytes a row
/// of the files decoded at once).
const DECODE_WHOLE_ROWS: i64 = 1 << 20;

/// Rows of one partial file decoded so far, their categories as positions in `labels`.
#[derive(Default)]
struct Decoded {
    labels: Vec<String>,
    label_ids: rustc_hash::FxHashMap<String, u32>,
    rows: Vec<PartialRow>,
}

impl PartialFile {
    /// Decodes the next batch of rows into `into` (checked against the contract); `false` when
    /// the file is done.
    fn decode_batch(&mut self, into: &mut Decoded, districts: usize) -> Result<bool> {
        let name = self.name.clone();
        let Some(batch) = self.reader.next() else { return Ok(false) };
        let batch = batch.map_err(|e| Error::Parquet { path: name.clone(), source: e.into() })?;
        let bad = |message: String| Error::Format { path: name.clone(), message };
        let (cells, days, hours) =
            (int_column(&batch, "h3", &name)?, int_column(&batch, "day", &name)?, int_column(&batch, "hour", &name)?);
        let (district_ids, events) = (int_column(&batch, "district", &name)?, int_column(&batch, "events", &name)?);
        let kinds = text_column(&batch, "kind", &name)?;
        let labels = text_column(&batch, "category", &name)?;
        let weights = batch.column_by_name("weight_units").ok_or_else(|| missing(&batch, "weight_units", &name))?;
        let (decimals, longs) = match weights.data_type() {
            DataType::Decimal128(_, 0) => (Some(weights.as_primitive::<Decimal128Type>()), None),
            DataType::Int64 => (None, Some(weights.as_primitive::<Int64Type>())),
            other => {
                return Err(Error::ColumnType {
                    path: name.clone(),
                    column: "weight_units".into(),
                    found: other.to_string(),
                    expected: "decimal(38, 0)".into(),
                });
            }
        };
        let first_row = self.rows_read;
        self.rows_read += batch.num_rows() as u64;
        // The few labels met lately, looked up without hashing (rows come sorted by category
        // within an hour, so the labels cycle).
        let mut recent: Vec<(&str, u32)> = Vec::with_capacity(16);
        into.rows.reserve(batch.num_rows());
        for i in 0..batch.num_rows() {
            let row = || format!("row {}", first_row + i as u64 + 1);
            let cell = cells.get(i).ok_or_else(|| bad(format!("{}: `h3` is null", row())))? as u64;
            let day = days
                .get(i)
                .and_then(|d| i32::try_from(d).ok())
                .ok_or_else(|| bad(format!("{}: `day` is null", row())))?;
            let hour = hours
                .get(i)
                .and_then(|h| u8::try_from(h).ok())
                .filter(|h| *h < 24)
                .ok_or_else(|| bad(format!("{}: `hour` is not 0–23", row())))?;
            let kind = match kinds.value(i) {
                Some("encounter") => Kind::Encounter,
                Some("concern") => Kind::Concern,
                _ => return Err(bad(format!("{}: `kind` is neither encounter nor concern", row()))),
            };
            let events = events
                .get(i)
                .and_then(|n| u64::try_from(n).ok())
                .filter(|n| *n > 0)
                .ok_or_else(|| bad(format!("{}: `events` is not a positive count", row())))?;
            let weight = match (decimals, longs) {
                (Some(a), _) => a.is_valid(i).then(|| a.value(i)),
                (_, Some(a)) => a.is_valid(i).then(|| i128::from(a.value(i))),
                _ => None,
            };
            let weight_units = weight
                .filter(|w| *w >= 0)
                .ok_or_else(|| bad(format!("{}: `weight_units` is null or negative", row())))?;
            let district = match district_ids.get(i) {
                None => None,
                Some(d) => Some(
                    u32::try_from(d)
                        .ok()
                        .filter(|d| (*d as usize) < districts)
                        .ok_or_else(|| bad(format!("{}: `district` {d} is not in the layer", row())))?,
                ),
            };
            let category = match labels.value(i) {
                None => None,
                Some(label) => Some(match recent.iter().find(|(l, _)| *l == label) {
                    Some(&(_, id)) => id,
                    None => {
                        let id = match into.label_ids.get(label) {
                            Some(&id) => id,
                            None => {
                                let id = into.labels.len() as u32;
                                into.labels.push(label.to_string());
                                into.label_ids.insert(label.to_string(), id);
                                id
                            }
                        };
                        if recent.len() == 16 {
                            recent.remove(0);
                        }
                        recent.push((label, id));
                        id
                    }
                }),
            };
            into.rows.push(PartialRow {
                cell,
                day,
                hour,
                kind: kind.index() as u8,
                category,
                district,
                events,
                weight_units,
            });
        }
        Ok(true)
    }
}

/// A text column of the contract (utf8, large utf8 or utf8 view, as producers write it).
enum TextColumn<'a> {
    Utf8(&'a arrow_array::StringArray),
    Large(&'a arrow_array::LargeStringArray),
    View(&'a arrow_array::StringViewArray),
}

impl TextColumn<'_> {
    fn value(&self, i: usize) -> Option<&str> {
        match self {
            TextColumn::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            TextColumn::Large(a) => a.is_valid(i).then(|| a.value(i)),
            TextColumn::View(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

fn missing(batch: &RecordBatch, column: &str, file: &str) -> Error {
    Error::MissingColumn {
        path: file.to_string(),
        column: column.to_string(),
        present: batch.schema().fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", "),
    }
}

fn text_column<'a>(batch: &'a RecordBatch, name: &str, file: &str) -> Result<TextColumn<'a>> {
    let a = batch.column_by_name(name).ok_or_else(|| missing(batch, name, file))?;
    match a.data_type() {
        DataType::Utf8 => Ok(TextColumn::Utf8(a.as_string::<i32>())),
        DataType::LargeUtf8 => Ok(TextColumn::Large(a.as_string::<i64>())),
        DataType::Utf8View => Ok(TextColumn::View(a.as_string_view())),
        other => Err(Error::ColumnType {
            path: file.to_string(),
            column: name.to_string(),
            found: other.to_string(),
            expected: "text".into(),
        }),
    }
}

/// Merges the partial cubes `paths` (files, or folders of them) by addition and fills the jobs'
/// cubes of `config`: the same cube, accounting and rejects as reading the raw inputs they came
/// from in one run. Small files are decoded several at once; the merge itself runs in file
/// order, so the result does not depend on the number of threads.
///
/// Duplicate ids are removed within each partial (as in one run over its inputs), not across
/// partials: the README says how to keep that exact.
pub(crate) fn cube_from_partials(
    config: &CubeConfig,
    paths: &[PathBuf],
    progress: &dyn Progress,
    rejects: &mut dyn RejectSink,
) -> Result<CubeRun> {
    check_jobs(&config.jobs)?;
    let started = std::time::Instant::now();
    let mask_list = study_mask(config)?;
    let agg = Aggregates::new(config, &config.jobs, false, mask_list.as_ref());
    let timings = vec![("study_area".to_string(), started.elapsed().as_millis() as u64)];
    let started = std::time::Instant::now();
    let mut merge = Merge {
        agg,
        matcher: JobMatcher::new(&config.jobs),
        ingested: Ingested {
            names: Vec::new(),
            per_file: Vec::new(),
            file_diagnoses: Vec::new(),
            categories: Categories::default(),
        },
        last_cell: None,
        expected: BTreeMap::new(),
        config,
    };
    let districts = config.districts.as_ref().map_or(0, |d| d.len());
    let files = partial_files(paths)?;
    let chunk = 2 * rayon::current_num_threads().max(1);
    for group in files.chunks(chunk) {
        let mut opened: Vec<PartialFile> = group.iter().map(|p| PartialFile::open(p)).collect::<Result<_>>()?;
        for file in &opened {
            file.check(config)?;
        }
        let small: Vec<bool> = opened.iter().map(|f| f.rows <= DECODE_WHOLE_ROWS).collect();
        // The small files decoded at once; the large ones are merged batch by batch below.
        let decoded: Vec<Option<Decoded>> = opened
            .par_iter_mut()
            .zip(small)
            .map(|(file, small)| -> Result<Option<Decoded>> {
                if !small {
                    return Ok(None);
                }
                let mut d = Decoded::default();
                while file.decode_batch(&mut d, districts)? {}
                Ok(Some(d))
            })
            .collect::<Result<_>>()?;
        for (mut file, decoded) in opened.into_iter().zip(decoded) {
            progress.begin(&file.name, Some(file.rows.max(0) as u64));
            merge.inputs(&mut file, rejects)?;
            match decoded {
                Some(d) => merge.rows(&d, &file.name)?,
                None => {
                    let mut d = Decoded::default();
                    while file.decode_batch(&mut d, districts)? {
                        merge.rows(&d, &file.name)?;
                        progress.advance(d.rows.len() as u64);
                        d.rows.clear();
                    }
                }
            }
            if let Some((&day, _)) = merge.expected.iter().find(|(_, left)| **left > 0) {
                return Err(Error::Format {
                    path: file.name.clone(),
                    message: format!(
                        "the rows hold fewer events on {} than the footer's accounting counts in the study area",
                        day_text(day)
                    ),
                });
            }
            merge.agg.prune_profiles();
            progress.end();
        }
    }
    let Merge { agg, ingested, .. } = merge;
    let mut timings = timings;
    timings.push(("ingest_and_index".to_string(), started.elapsed().as_millis() as u64));
    finish_cube(config, agg, ingested, mask_list, timings)
}

/// The merge of partial cubes into the cube builder's aggregates, file by file in order.
struct Merge<'a> {
    agg: Aggregates,
    matcher: JobMatcher<'a>,
    ingested: Ingested,
    /// The last cell merged and its slot (rows come sorted by cell).
    last_cell: Option<(u64, u32)>,
    /// Per local day, the events in the study area that the current file's footer counts; its
    /// rows must hold exactly these.
    expected: BTreeMap<i32, u64>,
    config: &'a CubeConfig,
}

impl Merge<'_> {
    /// The accounting, diagnoses and rejected rows of `file`'s inputs.
    fn inputs(&mut self, file: &mut PartialFile, rejects: &mut dyn RejectSink) -> Result<()> {
        for label in &file.meta.categories {
            self.ingested.categories.intern(label);
        }
        self.matcher.resolve(&self.ingested.categories);
        self.expected.clear();
        for input in std::mem::take(&mut file.meta.inputs) {
            let (counts, days) = input_counts(&input, &file.name)?;
            for (day, tally) in &days {
                let n = self.expected.entry(*day).or_insert(0);
                *n = n.checked_add(tally.in_area).ok_or_else(|| overflow(&file.name))?;
            }
            let stored: Vec<Reject> = input
                .rejects
                .iter()
                .map(|r| {
                    Ok(Reject {
                        file: input.path.clone(),
                        row: r.row,
                        column: r.column.clone(),
                        reason: reason_of(&r.reason, &file.name)?,
                        id: r.id.clone(),
                        value: r.value.clone(),
                    })
                })
                .collect::<Result<_>>()?;
            rejects.push(stored)?;
            self.ingested.names.push(input.path);
            self.ingested.per_file.push((counts, days, input.sha256));
            self.ingested.file_diagnoses.push(input.diagnoses);
        }
        Ok(())
    }

    /// Adds decoded rows to the aggregates.
    fn rows(&mut self, decoded: &Decoded, file: &str) -> Result<()> {
        let bad = |message: String| Error::Format { path: file.to_string(), message };
        // The file's category positions as the run's ids.
        let categories = &mut self.ingested.categories;
        let ids: Vec<Option<u32>> = decoded.labels.iter().map(|l| categories.intern(l)).collect();
        self.matcher.resolve(categories);
        for r in &decoded.rows {
            let slot = match self.last_cell {
                Some((cell, slot)) if cell == r.cell => slot,
                _ => {
                    let cell = CellIndex::try_from(r.cell)
                        .ok()
                        .filter(|c| c.resolution() == self.config.resolution)
                        .ok_or_else(|| bad(format!("`h3` {:#x} is not a cell at the file's resolution", r.cell)))?;
                    if !self.agg.in_area(cell) {
                        return Err(bad(format!("cell {cell} is outside the study area")));
                    }
                    let slot = self.agg.slot_of(cell);
                    self.last_cell = Some((r.cell, slot));
                    slot
                }
            };
            // Every row's events must be counted by the footer on its day (so a row's count or
            // day cannot run past what the accounting says).
            match self.expected.get_mut(&r.day) {
                Some(left) if *left >= r.events => *left -= r.events,
                _ => {
                    return Err(bad(format!(
                        "the rows hold more events on {} than the footer's accounting counts in the study area",
                        day_text(r.day)
                    )));
                }
            }
            self.agg.latest_day = self.agg.latest_day.max(r.day);
            let group = EventGroup {
                day: r.day,
                hour: r.hour,
                kind: Kind::ALL[usize::from(r.kind)],
                category: r.category.and_then(|c| ids[c as usize]),
                district: r.district.map(|d| d as usize),
                n: r.events,
                weight: r.weight_units,
            };
            self.agg.add_group(slot, &group, &self.matcher);
        }
        Ok(())
    }
}

/// The error for counts in a footer too large to add up.
fn overflow(file: &str) -> Error {
    Error::Format { path: file.to_string(), message: "the footer's counts are too large to add up".into() }
}

/// A reason code read back.
fn reason_of(code: &str, file: &str) -> Result<RejectReason> {
    RejectReason::ALL
        .iter()
        .copied()
        .find(|r| r.code() == code)
        .ok_or_else(|| Error::Format { path: file.to_string(), message: format!("unknown reject reason `{code}`") })
}

/// An input's counts and days, as the cube builder keeps them.
fn input_counts(input: &PartialInput, file: &str) -> Result<(ReadCounts, BTreeMap<i32, DayTally>)> {
    let mut counts = ReadCounts {
        read: input.read,
        valid: input.valid,
        examples: vec![None; RejectReason::ALL.len()],
        ..Default::default()
    };
    for (code, n) in &input.rejected_by_reason {
        let slot = &mut counts.rejected_by_reason[reason_of(code, file)?.index()];
        *slot = slot.checked_add(*n).ok_or_else(|| overflow(file))?;
    }
    for (code, example) in &input.examples {
        counts.examples[reason_of(code, file)?.index()] = Some(example.clone());
    }
    let mut days = BTreeMap::new();
    for (text, &(in_area, out_area)) in &input.days {
        let date = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| Error::Format {
            path: file.to_string(),
            message: format!("input {}: `{text}` is not a date", input.path),
        })?;
        days.insert(day_number(date), DayTally { in_area, out_area });
    }
    let valid = days
        .values()
        .try_fold(0u64, |sum, t| t.in_area.checked_add(t.out_area).and_then(|n| sum.checked_add(n)))
        .ok_or_else(|| overflow(file))?;
    let rejected =
        counts.rejected_by_reason.iter().try_fold(0u64, |sum, n| sum.checked_add(*n)).ok_or_else(|| overflow(file))?;
    if Some(counts.read) != counts.valid.checked_add(rejected) || valid != counts.valid {
        return Err(Error::Format {
            path: file.to_string(),
            message: format!(
                "input {}: the accounting does not add up (read {} ≠ valid {} + rejected {}, or the days hold {valid})",
                input.path, counts.read, counts.valid, rejected
            ),
        });
    }
    Ok((counts, days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::IngestOptions;
    use crate::time::bins::{BinSpec, WindowStart};

    fn config() -> CubeConfig {
        let tz = chrono_tz::Europe::Helsinki;
        CubeConfig {
            inputs: Vec::new(),
            ingest: IngestOptions::new(tz),
            districts: None,
            districts_name: String::new(),
            resolution: h3o::Resolution::Eight,
            bins: BinSpec::new(BinSpec::DEFAULT_STEP, WindowStart::Auto, None, tz).unwrap(),
            jobs: Vec::new(),
            partials: Vec::new(),
            store: None,
        }
    }

    /// Five rows of a CSV, summed by hand: two events share a cell, local day, hour, kind and
    /// category (one row, events 2, their weights added in 2⁻⁴⁰ units); a third differs by
    /// category only; a fourth is the next local day (22:30 UTC is 00:30 in Helsinki in winter);
    /// the fifth is rejected and kept with its row and reason.
    #[test]
    fn a_partial_sums_events_by_cell_local_day_and_hour_kind_and_category() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("e.csv");
        std::fs::write(
            &csv,
            "lat,lon,occurred_at,kind,category,weight\n\
             60.17,24.94,2026-01-05T10:05:00Z,encounter,substance,0.5\n\
             60.17,24.94,2026-01-05T10:55:00Z,encounter,substance,0.25\n\
             60.17,24.94,2026-01-05T10:30:00Z,encounter,,1\n\
             60.17,24.94,2026-01-05T22:30:00Z,concern,substance,\n\
             91,24.94,2026-01-05T10:00:00Z,encounter,substance,1\n",
        )
        .unwrap();
        let partial = build_partial(&config(), &[InputSource::File(csv)], &crate::progress::NoProgress).unwrap();
        let cell = u64::from(h3o::LatLng::new(60.17, 24.94).unwrap().to_cell(h3o::Resolution::Eight));
        let day = day_number(chrono::NaiveDate::from_ymd_opt(2026, 1, 5).unwrap());
        let unit = 1i128 << 40;
        assert_eq!(partial.categories, ["substance"]);
        let row = |day, hour, kind, category, events, weight_units| PartialRow {
            cell,
            day,
            hour,
            kind,
            category,
            district: None,
            events,
            weight_units,
        };
        assert_eq!(
            partial.rows,
            [
                row(day, 12, 0, None, 1, unit),
                row(day, 12, 0, Some(0), 2, unit * 3 / 4),
                row(day + 1, 0, 1, Some(0), 1, unit)
            ]
        );
        let input = &partial.meta.inputs[0];
        assert_eq!((input.read, input.valid), (5, 4));
        assert_eq!(input.rejected_by_reason["latitude_out_of_range"], 1);
        assert_eq!(input.days["2026-01-05"], (3, 0));
        assert_eq!(input.days["2026-01-06"], (1, 0));
        assert_eq!((input.rejects[0].row, input.rejects[0].reason.as_str()), (5, "latitude_out_of_range"));
    }

    /// Written and read back: the same rows (a weight sum past an i64, no category, a district)
    /// and footer.
    #[test]
    fn a_written_partial_reads_back_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.parquet");
        let cell = u64::from(h3o::LatLng::new(60.2, 25.0).unwrap().to_cell(h3o::Resolution::Eight));
        let rows = vec![
            PartialRow {
                cell,
                day: 20_000,
                hour: 3,
                kind: 0,
                category: None,
                district: Some(2),
                events: 7,
                weight_units: 7 << 40,
            },
            PartialRow {
                cell,
                day: 20_001,
                hour: 23,
                kind: 1,
                category: Some(1),
                district: None,
                events: 1,
                weight_units: i128::from(i64::MAX) * 4,
            },
        ];
        let meta = PartialMeta {
            contract: CONTRACT_VERSION,
            resolution: 8,
            tz: "Europe/Helsinki".into(),
            weight_bits: WEIGHT_BITS,
            districts: None,
            producer: "test".into(),
            categories: Vec::new(),
            inputs: vec![PartialInput { path: "x".into(), read: 8, valid: 8, ..Default::default() }],
        };
        let partial = PartialCube { meta: meta.clone(), categories: vec!["a".into(), "b".into()], rows: rows.clone() };
        write_partial(&partial, &path).unwrap();
        let mut file = PartialFile::open(&path).unwrap();
        assert_eq!(file.meta, meta);
        let mut decoded = Decoded::default();
        while file.decode_batch(&mut decoded, 3).unwrap() {}
        assert_eq!(decoded.labels, ["b"]);
        let mut back = decoded.rows.clone();
        back[1].category = Some(1); // "b" is the file's first label read, position 0 here
        assert_eq!(back, rows);
        // District 2 is not in a layer of 2.
        let mut file = PartialFile::open(&path).unwrap();
        assert!(file.decode_batch(&mut Decoded::default(), 2).is_err());
    }

    /// A footer whose accounting does not add up is refused.
    #[test]
    fn an_accounting_that_does_not_add_up_is_refused() {
        let mut input = PartialInput { path: "x".into(), read: 3, valid: 2, ..Default::default() };
        input.days.insert("2026-01-05".into(), (2, 0));
        assert!(input_counts(&input, "p").is_err(), "3 read, 2 valid, none rejected");
        input.rejected_by_reason.insert("missing_time".into(), 1);
        assert!(input_counts(&input, "p").is_ok());
        input.days.insert("2026-01-06".into(), (0, 1));
        assert!(input_counts(&input, "p").is_err(), "the days hold 3 valid events");
        input.days.remove("2026-01-06");
        input.rejected_by_reason.insert("no_such_reason".into(), 0);
        assert!(input_counts(&input, "p").is_err());
    }
}
