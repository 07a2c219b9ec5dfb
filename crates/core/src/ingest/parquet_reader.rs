//! Parquet (and GeoParquet) input, read one record batch at a time with only the mapped columns
//! projected.

use std::fs::File;

use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, Schema};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::errors::ParquetError;
use parquet::file::reader::ChunkReader;

use super::arrow_columns as cols;
use super::{Chunk, ChunkContext, ColumnNames, Coords, IngestOptions, InputSource, validate_chunk};
use crate::error::{Error, Result};

/// How the location is stored in this file.
enum Location {
    LatLon { lat: String, lon: String },
    Geometry(String),
}

/// The resolved columns of one file: name of each field present.
struct Plan {
    location: Location,
    time: String,
    kind: String,
    category: Option<String>,
    id: Option<String>,
    weight: Option<String>,
}

pub(crate) fn read(source: &InputSource, options: &IngestOptions, ctx: &mut ChunkContext<'_>) -> Result<()> {
    let name = source.name();
    match source {
        InputSource::File(path) => {
            let file = File::open(path).map_err(|source| Error::Read { path: name.clone(), source })?;
            read_from(file, &name, options, ctx)
        }
        InputSource::Embedded { bytes, .. } => read_from(bytes::Bytes::from_static(bytes), &name, options, ctx),
    }
}

fn read_from<R: ChunkReader + 'static>(
    reader: R,
    name: &str,
    options: &IngestOptions,
    ctx: &mut ChunkContext<'_>,
) -> Result<()> {
    let parquet_err = |source| Error::Parquet { path: name.to_string(), source };
    let builder = ParquetRecordBatchReaderBuilder::try_new(reader).map_err(parquet_err)?;
    let geo_metadata = builder
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|e| e.key == "geo").and_then(|e| e.value.clone()));
    let schema = builder.schema().clone();
    super::check_duplicates(&options.columns, schema.fields().iter().map(|f| f.name().as_str()), name)?;
    let plan = plan(&schema, name, options, geo_metadata.as_deref())?;

    let mut wanted: Vec<&str> = match &plan.location {
        Location::LatLon { lat, lon } => vec![lat, lon],
        Location::Geometry(g) => vec![g],
    };
    wanted.push(&plan.time);
    wanted.push(&plan.kind);
    wanted.extend(plan.category.as_deref());
    wanted.extend(plan.id.as_deref());
    wanted.extend(plan.weight.as_deref());
    let mut roots: Vec<usize> = wanted.iter().filter_map(|w| schema.index_of(w).ok()).collect();
    roots.sort_unstable();
    roots.dedup();
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder.with_projection(mask).with_batch_size(options.batch_rows).build().map_err(parquet_err)?;

    let geometry_name = match &plan.location {
        Location::Geometry(g) => Some(g.as_str()),
        Location::LatLon { .. } => None,
    };
    let mut names = ColumnNames::new(&options.columns, geometry_name);
    names.time = plan.time.clone();
    names.kind = plan.kind.clone();
    let mut next_row = 1u64;
    // Decoding runs on its own thread, one batch ahead of validation (which must go in
    // order: the duplicate-id check), so the two overlap; the batches arrive in file order.
    std::thread::scope(|s| {
        let (sender, batches) = std::sync::mpsc::sync_channel(1);
        s.spawn(move || {
            let mut reader = reader;
            while let Some(batch) = next_batch(&mut reader) {
                let failed = batch.is_err();
                // A closed channel: validation stopped on an error.
                if sender.send(batch).is_err() || failed {
                    break;
                }
            }
        });
        for batch in batches {
            let batch = batch.map_err(|e| Error::Parquet { path: name.to_string(), source: e })?;
            let chunk = chunk_of(&batch, &plan, next_row);
            next_row += batch.num_rows() as u64;
            validate_chunk(chunk, &names, ctx)?;
        }
        Ok(())
    })
}

/// The next batch, with a panic of the decoder on corrupt data (the fuzz target found one in
/// parquet 60's BYTE_STREAM_SPLIT decoder) turned into an error on the file.
fn next_batch(reader: &mut ParquetRecordBatchReader) -> Option<std::result::Result<RecordBatch, ParquetError>> {
    match crate::panic_guard::contain(|| reader.next()) {
        Ok(batch) => batch.map(|b| b.map_err(Into::into)),
        Err(what) => Some(Err(ParquetError::General(format!("the Parquet decoder failed on corrupt data ({what})")))),
    }
}

fn column<'b>(batch: &'b RecordBatch, name: &str) -> &'b dyn Array {
    batch.column_by_name(name).expect("projected column present").as_ref()
}

fn chunk_of<'b>(batch: &'b RecordBatch, plan: &Plan, first_row: u64) -> Chunk<'b> {
    let coords = match &plan.location {
        Location::LatLon { lat, lon } => {
            Coords::LatLon { lat: cols::numeric(column(batch, lat)), lon: cols::numeric(column(batch, lon)) }
        }
        Location::Geometry(g) => Coords::Points(cols::points(column(batch, g))),
    };
    // Rendered only for a rejected row.
    let id: Option<super::IdFn<'b>> = plan.id.as_deref().map(|id| {
        let a = column(batch, id);
        Box::new(move |i: usize| cols::id_text(a, i)) as super::IdFn<'b>
    });
    let id_key: Option<super::IdKeyFn<'b>> = plan.id.as_deref().map(|id| cols::id_keys(column(batch, id)));
    Chunk {
        first_row,
        len: batch.num_rows(),
        coords,
        time: cols::time(column(batch, &plan.time)),
        kind: cols::text(column(batch, &plan.kind)),
        category: plan.category.as_deref().map(|c| cols::text(column(batch, c))),
        weight: plan.weight.as_deref().map(|w| cols::numeric(column(batch, w))),
        id,
        id_key,
    }
}

fn describe(t: &DataType) -> String {
    format!("{t}")
}

/// Finds the mapped columns and checks their types, before any data is read.
fn plan(schema: &Schema, path: &str, options: &IngestOptions, geo_metadata: Option<&str>) -> Result<Plan> {
    let m = &options.columns;
    let present = || schema.fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ");
    let find = |name: &str| schema.field_with_name(name).ok();
    let check = |name: &str, ok: fn(&DataType) -> bool, expected: &str| -> Result<()> {
        let field = find(name).expect("checked present");
        if ok(field.data_type()) {
            Ok(())
        } else {
            Err(Error::ColumnType {
                path: path.to_string(),
                column: name.to_string(),
                found: describe(field.data_type()),
                expected: expected.to_string(),
            })
        }
    };
    let missing =
        |column: &str| Error::MissingColumn { path: path.to_string(), column: column.to_string(), present: present() };

    let geometry_column = m.geometry.clone().or_else(|| {
        if find(&m.lat).is_some() || find(&m.lon).is_some() {
            return None;
        }
        let primary = geo_metadata
            .and_then(|g| serde_json::from_str::<serde_json::Value>(g).ok())
            .and_then(|v| v.get("primary_column").and_then(|p| p.as_str()).map(str::to_string));
        primary.or_else(|| find("geometry").map(|_| "geometry".to_string()))
    });
    let location = match geometry_column {
        Some(g) => {
            if find(&g).is_none() {
                return Err(missing(&g));
            }
            check(&g, cols::is_binary, "WKB binary (GeoParquet point geometry)")?;
            check_geoparquet_crs(geo_metadata, &g, path)?;
            Location::Geometry(g)
        }
        None => {
            for c in [&m.lat, &m.lon] {
                if find(c).is_none() {
                    return Err(missing(c));
                }
                check(c, cols::is_numeric, "a floating-point number (WGS 84 degrees)")?;
            }
            Location::LatLon { lat: m.lat.clone(), lon: m.lon.clone() }
        }
    };
    for required in [&m.time, &m.kind] {
        if find(required).is_none() {
            return Err(missing(required));
        }
    }
    check(&m.time, cols::is_time, "a timestamp, date or ISO-8601 text")?;
    check(&m.kind, cols::is_text, "text (`encounter` or `concern`)")?;
    let optional = |name: &str, ok: fn(&DataType) -> bool, expected: &str| -> Result<Option<String>> {
        if find(name).is_none() {
            return Ok(None);
        }
        check(name, ok, expected)?;
        Ok(Some(name.to_string()))
    };
    Ok(Plan {
        location,
        time: m.time.clone(),
        kind: m.kind.clone(),
        category: optional(&m.category, cols::is_text, "text")?,
        id: optional(&m.id, cols::is_id, "text or integer")?,
        weight: optional(&m.weight, cols::is_numeric, "a number ≥ 0")?,
    })
}

/// GeoParquet geometry must be WKB in WGS 84 longitude/latitude (the default CRS when absent).
fn check_geoparquet_crs(geo_metadata: Option<&str>, column: &str, path: &str) -> Result<()> {
    let Some(meta) = geo_metadata.and_then(|g| serde_json::from_str::<serde_json::Value>(g).ok()) else {
        return Ok(());
    };
    let Some(col) = meta.get("columns").and_then(|c| c.get(column)) else { return Ok(()) };
    let bad = |what: String| Error::ColumnType {
        path: path.to_string(),
        column: column.to_string(),
        found: what,
        expected: "WKB points in WGS 84 longitude/latitude (OGC:CRS84 / EPSG:4326)".to_string(),
    };
    if let Some(enc) = col.get("encoding").and_then(|e| e.as_str())
        && !enc.eq_ignore_ascii_case("WKB")
    {
        return Err(bad(format!("GeoParquet encoding {enc}")));
    }
    match col.get("crs") {
        None | Some(serde_json::Value::Null) => Ok(()),
        Some(crs) => {
            let id = crs.get("id");
            let authority = id.and_then(|i| i.get("authority")).and_then(|a| a.as_str()).unwrap_or("");
            let code =
                id.and_then(|i| i.get("code")).map(|c| c.to_string().trim_matches('"').to_string()).unwrap_or_default();
            let wgs84 = (authority.eq_ignore_ascii_case("EPSG") && code == "4326")
                || (authority.eq_ignore_ascii_case("OGC") && code.eq_ignore_ascii_case("CRS84"));
            if wgs84 { Ok(()) } else { Err(bad(format!("GeoParquet CRS {authority}:{code}"))) }
        }
    }
}
