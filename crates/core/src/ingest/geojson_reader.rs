//! GeoJSON point input, for hand-made extracts: a FeatureCollection of Point features whose
//! properties hold the mapped columns. The whole file is parsed at once; the row of a feature is
//! its 1-based position in the collection.

use std::path::Path;

use geojson::{Feature, GeoJson, GeometryValue};
use serde_json::Value;

use super::{Chunk, ChunkContext, ColumnNames, Coords, IngestOptions, Num, TimeCell, validate_chunk};
use crate::error::{Error, Result};

pub(crate) fn read(path: &Path, name: &str, options: &IngestOptions, ctx: &mut ChunkContext<'_>) -> Result<()> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read { path: name.to_string(), source })?;
    let geojson: GeoJson = text.parse().map_err(|e: geojson::Error| Error::Format {
        path: name.to_string(),
        message: format!("not valid GeoJSON: {e}"),
    })?;
    let features: Vec<Feature> = match geojson {
        GeoJson::FeatureCollection(fc) => {
            check_crs(fc.foreign_members.as_ref().and_then(|m| m.get("crs")), name)?;
            fc.features
        }
        GeoJson::Feature(f) => vec![f],
        GeoJson::Geometry(_) => {
            return Err(Error::Format {
                path: name.to_string(),
                message: "a bare geometry has no properties; expected a FeatureCollection of points".into(),
            });
        }
    };
    let m = &options.columns;
    let names = ColumnNames::new(m, Some("geometry"));
    let prop = |f: &Feature, key: &str| -> Option<Value> {
        f.properties.as_ref().and_then(|p| p.get(key)).filter(|v| !v.is_null()).cloned()
    };
    let owned_text = |v: Option<Value>| -> Option<String> {
        match v? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => Some(other.to_string()),
        }
    };
    for (start, part) in
        features.chunks(options.batch_rows.max(1)).enumerate().map(|(i, p)| (i * options.batch_rows.max(1), p))
    {
        let times: Vec<Option<Value>> = part.iter().map(|f| prop(f, &m.time)).collect();
        let kinds: Vec<Option<String>> = part.iter().map(|f| owned_text(prop(f, &m.kind))).collect();
        let cats: Vec<Option<String>> = part.iter().map(|f| owned_text(prop(f, &m.category))).collect();
        let ids: Vec<Option<String>> = part
            .iter()
            .map(|f| {
                owned_text(prop(f, &m.id)).or_else(|| {
                    f.id.as_ref().map(|id| match id {
                        geojson::feature::Id::String(s) => s.clone(),
                        geojson::feature::Id::Number(n) => n.to_string(),
                    })
                })
            })
            .collect();
        let has_weight = part.iter().any(|f| prop(f, &m.weight).is_some());
        let chunk = Chunk {
            first_row: start as u64 + 1,
            len: part.len(),
            coords: Coords::Points(
                part.iter()
                    .map(|f| match f.geometry.as_ref().map(|g| &g.value) {
                        None => Ok(None),
                        Some(GeometryValue::Point { coordinates }) => {
                            let c = coordinates.as_slice();
                            if c.len() >= 2 { Ok(Some((c[0], c[1]))) } else { Err(()) }
                        }
                        Some(_) => Err(()),
                    })
                    .collect(),
            ),
            time: times
                .iter()
                .map(|t| match t {
                    None => TimeCell::Null,
                    Some(Value::String(s)) => TimeCell::Text(s),
                    Some(_) => TimeCell::Bad,
                })
                .collect(),
            kind: kinds.iter().map(|k| k.as_deref()).collect(),
            category: Some(cats.iter().map(|c| c.as_deref()).collect()),
            weight: has_weight.then(|| {
                part.iter()
                    .map(|f| match prop(f, &m.weight) {
                        None => Num::Null,
                        Some(Value::Number(n)) => n.as_f64().map_or(Num::Bad, Num::Val),
                        Some(Value::String(s)) => Num::parse(Some(&s), false),
                        Some(_) => Num::Bad,
                    })
                    .collect()
            }),
            id: Some(Box::new(|i: usize| ids[i].clone())),
            id_key: Some(Box::new(|i: usize| ids[i].as_deref().map(super::IdKey::of_text))),
        };
        validate_chunk(chunk, &names, ctx)?;
    }
    Ok(())
}

/// A `crs` member (GeoJSON 2008; RFC 7946 dropped it) naming anything but WGS 84 longitude and
/// latitude is an error: the coordinates are then in another system (typically ETRS-TM35FIN,
/// EPSG:3067, metres) and every row would be out of range.
fn check_crs(crs: Option<&Value>, path: &str) -> Result<()> {
    let Some(crs) = crs else { return Ok(()) };
    let name = crs.pointer("/properties/name").and_then(Value::as_str).unwrap_or_default();
    let wgs84 = ["CRS84", "EPSG::4326", "EPSG:4326", "urn:ogc:def:crs:OGC::CRS84"];
    if wgs84.iter().any(|w| name.ends_with(w)) || name.is_empty() {
        return Ok(());
    }
    let hint = if name.contains("3067") { " (ETRS-TM35FIN metres)" } else { "" };
    Err(Error::Format {
        path: path.to_string(),
        message: format!(
            "the file declares the coordinate system {name}{hint}; GeoJSON input must be WGS 84 longitude/latitude \
             (RFC 7946): reproject it, e.g. `ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson`"
        ),
    })
}
