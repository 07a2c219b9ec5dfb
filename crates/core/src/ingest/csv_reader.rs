//! CSV input, for hand-made extracts: header row, columns by name, read in chunks of rows.
//!
//! The separator is sniffed from the header line (comma, semicolon or tab, whichever occurs
//! most); with a semicolon, numbers may use a decimal comma (`60,17`), as Finnish and Swedish
//! spreadsheet exports write them. A UTF-8 byte-order mark is skipped. A row with fewer fields
//! than the header reads the missing ones as empty.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use super::{Chunk, ChunkContext, ColumnNames, Coords, IngestOptions, Num, TimeCell, validate_chunk};
use crate::error::{Error, Result};

fn sniff_delimiter(path: &Path, name: &str) -> Result<u8> {
    let file = File::open(path).map_err(|source| Error::Read { path: name.to_string(), source })?;
    let mut first = String::new();
    BufReader::new(file).read_line(&mut first).map_err(|source| Error::Read { path: name.to_string(), source })?;
    let count = |c: char| first.matches(c).count();
    let (comma, semi, tab) = (count(','), count(';'), count('\t'));
    Ok(if semi > comma && semi >= tab {
        b';'
    } else if tab > comma && tab > semi {
        b'\t'
    } else {
        b','
    })
}

pub(crate) fn read(path: &Path, name: &str, options: &IngestOptions, ctx: &mut ChunkContext<'_>) -> Result<()> {
    let delimiter = sniff_delimiter(path, name)?;
    let decimal_comma = delimiter == b';';
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_path(path)
        .map_err(|e| csv_error(name, e))?;
    let headers = reader.headers().map_err(|e| csv_error(name, e))?.clone();
    super::check_duplicates(&options.columns, headers.iter(), name)?;
    let find = |col: &str| headers.iter().position(|h| h.trim() == col);
    let present = || headers.iter().collect::<Vec<_>>().join(", ");
    let m = &options.columns;
    let required = |col: &str| {
        find(col).ok_or_else(|| Error::MissingColumn {
            path: name.to_string(),
            column: col.to_string(),
            present: present(),
        })
    };
    if let Some(g) = &m.geometry {
        return Err(Error::ColumnType {
            path: name.to_string(),
            column: g.clone(),
            found: "CSV text".into(),
            expected: "lat/lon columns (WKB geometry is read from Parquet only)".into(),
        });
    }
    let (lat, lon, time, kind) = (required(&m.lat)?, required(&m.lon)?, required(&m.time)?, required(&m.kind)?);
    let (category, id, weight) = (find(&m.category), find(&m.id), find(&m.weight));
    let names = ColumnNames::new(m, None);

    let mut records: Vec<csv::StringRecord> = Vec::with_capacity(options.batch_rows);
    let mut next_row = 1u64;
    let mut done = false;
    while !done {
        records.clear();
        while records.len() < options.batch_rows {
            let mut record = csv::StringRecord::new();
            match reader.read_record(&mut record) {
                Ok(true) => records.push(record),
                Ok(false) => {
                    done = true;
                    break;
                }
                Err(e) => return Err(csv_error(name, e)),
            }
        }
        if records.is_empty() {
            break;
        }
        let recs = &records;
        let chunk = Chunk {
            first_row: next_row,
            len: recs.len(),
            coords: Coords::LatLon {
                lat: recs.iter().map(|r| Num::parse(field(Some(lat), r), decimal_comma)).collect(),
                lon: recs.iter().map(|r| Num::parse(field(Some(lon), r), decimal_comma)).collect(),
            },
            time: recs.iter().map(|r| field(Some(time), r).map_or(TimeCell::Null, TimeCell::Text)).collect(),
            kind: recs.iter().map(|r| field(Some(kind), r)).collect(),
            category: category.map(|c| recs.iter().map(|r| field(Some(c), r)).collect()),
            weight: weight.map(|w| recs.iter().map(|r| Num::parse(field(Some(w), r), decimal_comma)).collect()),
            id: id.map(|c| {
                Box::new(move |i: usize| field(Some(c), &recs[i]).map(|s| s.trim().to_string())) as super::IdFn<'_>
            }),
            id_key: id.map(|c| {
                Box::new(move |i: usize| field(Some(c), &recs[i]).map(super::IdKey::of_text)) as super::IdKeyFn<'_>
            }),
        };
        next_row += recs.len() as u64;
        validate_chunk(chunk, &names, ctx)?;
    }
    Ok(())
}

fn field(i: Option<usize>, r: &csv::StringRecord) -> Option<&str> {
    i.and_then(|i| r.get(i)).filter(|s| !s.trim().is_empty())
}

fn csv_error(name: &str, e: csv::Error) -> Error {
    let at = e.position().map(|p| format!("line {}: ", p.line())).unwrap_or_default();
    match e.into_kind() {
        csv::ErrorKind::Io(source) => Error::Read { path: name.to_string(), source },
        csv::ErrorKind::Utf8 { .. } => Error::Format {
            path: name.to_string(),
            message: format!("{at}not valid UTF-8 text (save the CSV as UTF-8)"),
        },
        other => Error::Format { path: name.to_string(), message: format!("{at}unreadable CSV: {other:?}") },
    }
}
