//! The same six events written as Parquet (every timestamp unit, with and without zone, text
//! times, dictionary-encoded kinds), GeoParquet WKB points, CSV (comma, and semicolon with
//! decimal commas) and GeoJSON points all give the same cube, byte for byte.

use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, BinaryArray, DictionaryArray, Float32Array, Float64Array, RecordBatch, StringArray,
    TimestampMicrosecondArray, TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray,
};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use crate::harness::{Scratch, summary, write_parquet};

struct Ev {
    lat: f64,
    lon: f64,
    /// Seconds since the epoch (UTC).
    utc: i64,
    kind: &'static str,
    weight: f64,
}

/// Early October 2026: Helsinki is UTC+3.
const OFFSET: i64 = 3 * 3600;

fn events() -> Vec<Ev> {
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
    vec![
        Ev { lat: 60.1710, lon: 24.9414, utc: t("2026-10-05T10:00:00Z"), kind: "encounter", weight: 1.0 },
        Ev { lat: 60.1841, lon: 24.9497, utc: t("2026-10-06T12:30:00+03:00"), kind: "concern", weight: 1.0 },
        Ev { lat: 60.2925, lon: 25.0440, utc: t("2026-10-08T08:00:00Z"), kind: "encounter", weight: 2.5 },
        // Local 23:59:59 on Sunday 11 October: the final bin.
        Ev { lat: 60.2925, lon: 25.0440, utc: t("2026-10-11T20:59:59Z"), kind: "encounter", weight: 1.0 },
        // Local midnight starting 12 October: outside a window that ends there.
        Ev { lat: 60.2100, lon: 25.0814, utc: t("2026-10-11T21:00:00Z"), kind: "concern", weight: 1.0 },
        // Local 00:30 on Monday 28 September: the first bin.
        Ev { lat: 60.1710, lon: 24.9414, utc: t("2026-09-27T21:30:00Z"), kind: "concern", weight: 0.5 },
    ]
}

const ANALYZE: &[&str] = &["--until", "2026-10-12", "--steps", "2", "-q"];

fn analyze(s: &Scratch, input: &str, extra: &[&str]) -> Vec<u8> {
    let out = format!("out-{input}");
    let mut args = vec!["analyze", input, "--out", &out];
    args.extend_from_slice(ANALYZE);
    args.extend_from_slice(extra);
    s.run(&args).ok();
    let sum = summary(&s.path(&out));
    let input = &sum["inputs"][0];
    assert_eq!(input["read"], 6, "{input}");
    assert_eq!(input["accepted"], 5, "{input}");
    assert_eq!(input["outside_window"], 1, "{input}");
    std::fs::read(s.path(&format!("{out}/internal/cube.parquet"))).unwrap()
}

fn f64s(v: impl Iterator<Item = f64>) -> ArrayRef {
    Arc::new(Float64Array::from_iter_values(v))
}

fn base_columns(time: ArrayRef, kind: ArrayRef) -> Vec<(&'static str, ArrayRef)> {
    let ev = events();
    vec![
        ("lat", f64s(ev.iter().map(|e| e.lat))),
        ("lon", f64s(ev.iter().map(|e| e.lon))),
        ("occurred_at", time),
        ("kind", kind),
        ("weight", f64s(ev.iter().map(|e| e.weight))),
    ]
}

fn kinds() -> ArrayRef {
    Arc::new(StringArray::from_iter_values(events().iter().map(|e| e.kind)))
}

#[test]
fn every_input_form_gives_the_same_cube() {
    let s = Scratch::new();
    let ev = events();
    let utc_us: Vec<i64> = ev.iter().map(|e| e.utc * 1_000_000).collect();
    write_parquet(
        &s.path("us.parquet"),
        base_columns(Arc::new(TimestampMicrosecondArray::from(utc_us.clone()).with_timezone("UTC")), kinds()),
    );
    let reference = analyze(&s, "us.parquet", &[]);

    // Every unit, zoned (any zone: the values are instants).
    let zoned: Vec<(&str, ArrayRef)> = vec![
        (
            "s.parquet",
            Arc::new(TimestampSecondArray::from(ev.iter().map(|e| e.utc).collect::<Vec<_>>()).with_timezone("+02:00")),
        ),
        (
            "ms.parquet",
            Arc::new(
                TimestampMillisecondArray::from(ev.iter().map(|e| e.utc * 1000).collect::<Vec<_>>())
                    .with_timezone("UTC"),
            ),
        ),
        (
            "ns.parquet",
            Arc::new(
                TimestampNanosecondArray::from(ev.iter().map(|e| e.utc * 1_000_000_000).collect::<Vec<_>>())
                    .with_timezone("Europe/Helsinki"),
            ),
        ),
    ];
    for (name, time) in zoned {
        write_parquet(&s.path(name), base_columns(time, kinds()));
        assert_eq!(analyze(&s, name, &[]), reference, "{name}");
    }

    // No zone: wall-clock time in --tz.
    let local_ms: Vec<i64> = ev.iter().map(|e| (e.utc + OFFSET) * 1000).collect();
    write_parquet(&s.path("naive.parquet"), base_columns(Arc::new(TimestampMillisecondArray::from(local_ms)), kinds()));
    assert_eq!(analyze(&s, "naive.parquet", &[]), reference);

    // ISO-8601 text, some with offsets, some local; float32 coordinates would lose precision, so
    // only the weight is float32; kinds dictionary-encoded as pandas writes categoricals.
    let texts: Vec<String> = ev
        .iter()
        .enumerate()
        .map(|(i, e)| {
            if i % 2 == 0 {
                chrono::DateTime::from_timestamp(e.utc, 0).unwrap().format("%Y-%m-%dT%H:%M:%SZ").to_string()
            } else {
                chrono::DateTime::from_timestamp(e.utc + OFFSET, 0).unwrap().format("%Y-%m-%d %H:%M:%S").to_string()
            }
        })
        .collect();
    let dict: DictionaryArray<Int32Type> = ev.iter().map(|e| e.kind).collect();
    let mut cols = base_columns(Arc::new(StringArray::from(texts.clone())), Arc::new(dict));
    cols[4].1 = Arc::new(Float32Array::from_iter_values(ev.iter().map(|e| e.weight as f32)));
    write_parquet(&s.path("text.parquet"), cols);
    assert_eq!(analyze(&s, "text.parquet", &[]), reference);

    // Renamed columns.
    let ev_cols = base_columns(Arc::new(TimestampMicrosecondArray::from(utc_us).with_timezone("UTC")), kinds());
    let renamed: Vec<(&str, ArrayRef)> =
        ["latitude", "longitude", "time", "type", "w"].into_iter().zip(ev_cols.into_iter().map(|(_, a)| a)).collect();
    write_parquet(&s.path("renamed.parquet"), renamed);
    let flags = [
        "--lat-col",
        "latitude",
        "--lon-col",
        "longitude",
        "--time-col",
        "time",
        "--kind-col",
        "type",
        "--weight-col",
        "w",
    ];
    assert_eq!(analyze(&s, "renamed.parquet", &flags), reference);

    // CSV with a comma, and the Finnish spreadsheet form: semicolons, decimal commas, a BOM.
    let mut csv = String::from("id,lat,lon,occurred_at,kind,weight\n");
    let mut fi = String::from("\u{feff}id;lat;lon;occurred_at;kind;weight\n");
    for (i, e) in ev.iter().enumerate() {
        csv.push_str(&format!("{i},{},{},{},{},{}\n", e.lat, e.lon, texts[i], e.kind, e.weight));
        let dc = |v: f64| v.to_string().replace('.', ",");
        fi.push_str(&format!("{i};{};{};{};{};{}\n", dc(e.lat), dc(e.lon), texts[i], e.kind, dc(e.weight)));
    }
    std::fs::write(s.path("events.csv"), csv).unwrap();
    assert_eq!(analyze(&s, "events.csv", &[]), reference);
    std::fs::write(s.path("finnish.csv"), fi).unwrap();
    assert_eq!(analyze(&s, "finnish.csv", &[]), reference);

    // GeoJSON points.
    let features: Vec<serde_json::Value> = ev
        .iter()
        .enumerate()
        .map(|(i, e)| {
            serde_json::json!({
                "type": "Feature", "id": i,
                "geometry": {"type": "Point", "coordinates": [e.lon, e.lat]},
                "properties": {"occurred_at": texts[i], "kind": e.kind, "weight": e.weight}
            })
        })
        .collect();
    let fc = serde_json::json!({"type": "FeatureCollection", "features": features});
    std::fs::write(s.path("events.geojson"), fc.to_string()).unwrap();
    assert_eq!(analyze(&s, "events.geojson", &[]), reference);

    // GeoParquet: WKB points in a `geometry` column named by the `geo` metadata.
    write_geoparquet(&s.path("geo.parquet"), "geom", None);
    assert_eq!(analyze(&s, "geo.parquet", &[]), reference);
}

fn write_geoparquet(path: &std::path::Path, column: &str, crs: Option<serde_json::Value>) {
    let ev = events();
    let wkb: Vec<Vec<u8>> = ev
        .iter()
        .map(|e| {
            let mut v = vec![1u8, 1, 0, 0, 0];
            v.extend(e.lon.to_le_bytes());
            v.extend(e.lat.to_le_bytes());
            v
        })
        .collect();
    let geometry: ArrayRef = Arc::new(BinaryArray::from_iter_values(wkb.iter()));
    let time: ArrayRef = Arc::new(
        TimestampMicrosecondArray::from_iter_values(ev.iter().map(|e| e.utc * 1_000_000)).with_timezone("UTC"),
    );
    let columns = vec![
        (column, geometry),
        ("occurred_at", time),
        ("kind", kinds()),
        ("weight", f64s(ev.iter().map(|e| e.weight))),
    ];
    let mut meta = serde_json::json!({
        "version": "1.1.0", "primary_column": column,
        "columns": {column: {"encoding": "WKB", "geometry_types": ["Point"]}}
    });
    if let Some(crs) = crs {
        meta["columns"][column]["crs"] = crs;
    }
    let schema = Arc::new(Schema::new(
        columns.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect::<Vec<_>>(),
    ));
    let batch = RecordBatch::try_new(schema.clone(), columns.into_iter().map(|(_, a)| a).collect()).unwrap();
    let props = WriterProperties::builder()
        .set_key_value_metadata(Some(vec![KeyValue::new("geo".into(), meta.to_string())]))
        .build();
    let mut w = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), schema, Some(props)).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn geoparquet_in_a_projected_crs_is_an_error() {
    let s = Scratch::new();
    let crs = serde_json::json!({"type": "ProjectedCRS", "name": "ETRS89 / TM35FIN(E,N)", "id": {"authority": "EPSG", "code": 3067}});
    write_geoparquet(&s.path("tm35.parquet"), "geometry", Some(crs));
    let run = s.run(&["analyze", "tm35.parquet", "--out", "o"]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("tm35.parquet: column `geometry` has type GeoParquet CRS EPSG:3067"),
        "{}",
        run.stderr()
    );
    assert!(s.files_under("o").is_empty(), "{:?}", s.files_under("o"));
}
