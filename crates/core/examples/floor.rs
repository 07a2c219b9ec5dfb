//! The floors the engine is measured against.
//!
//! - Default: decode the `lat`/`lon` columns of a Parquet file batch by batch and compute every
//!   event's H3 cell (resolution 8) with h3o on all cores, summing the cells so nothing is
//!   optimised away. No validation, time, districts or statistics: what no engine that calls h3o
//!   once per event can beat.
//! - `--decode-only`: decode every column a run needs (`lat`, `lon`, `occurred_at`, `kind`, and
//!   `category`, `weight`, `id` where the file has them) into Arrow arrays and touch each value,
//!   with no H3 at all: what no engine that reads those columns can beat.
//!
//! `cargo run --release -p hotspots-core --example floor -- FILE.parquet [--resolution 8 | --decode-only]`

use std::fs::File;
use std::time::Instant;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use h3o::{LatLng, Resolution};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rayon::prelude::*;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args.first().ok_or("usage: floor FILE.parquet [--resolution N]")?.clone();
    let resolution = match args.get(1).map(String::as_str) {
        Some("--resolution") => Resolution::try_from(args.get(2).ok_or("--resolution N")?.parse::<u8>()?)?,
        Some("--decode-only") => return decode_only(&path),
        Some(other) => return Err(format!("unknown argument {other}").into()),
        None => Resolution::Eight,
    };
    let started = Instant::now();
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(&path)?)?;
    let schema = builder.schema().clone();
    let roots = vec![schema.index_of("lat")?, schema.index_of("lon")?];
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder.with_projection(mask).with_batch_size(65_536).build()?;
    let (mut rows, mut sum) = (0u64, 0u64);
    for batch in reader {
        let batch = batch?;
        let lat = batch.column_by_name("lat").ok_or("lat")?.as_primitive::<Float64Type>();
        let lon = batch.column_by_name("lon").ok_or("lon")?.as_primitive::<Float64Type>();
        let (lat, lon) = (lat.values(), lon.values());
        sum = sum.wrapping_add(
            (0..batch.num_rows())
                .into_par_iter()
                .with_min_len(4096)
                .filter_map(|i| LatLng::new(lat[i], lon[i]).ok())
                .map(|ll| u64::from(ll.to_cell(resolution)))
                .reduce(|| 0, u64::wrapping_add),
        );
        rows += batch.num_rows() as u64;
    }
    println!("{rows} rows, cell checksum {sum:016x}, {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Decodes every column a run reads and folds each value into a checksum.
fn decode_only(path: &str) -> Result<(), Box<dyn std::error::Error>> {
    use arrow_array::Array;
    let started = Instant::now();
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path)?)?;
    let schema = builder.schema().clone();
    let wanted = ["lat", "lon", "occurred_at", "kind", "category", "weight", "id"];
    let roots: Vec<usize> = wanted.iter().filter_map(|c| schema.index_of(c).ok()).collect();
    let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
    let reader = builder.with_projection(mask).with_batch_size(65_536).build()?;
    let (mut rows, mut sum) = (0u64, 0u64);
    for batch in reader {
        let batch = batch?;
        for column in batch.columns() {
            // Text by its bytes' length, everything else by its buffers' size: every value is
            // decoded, none is interpreted.
            sum = sum.wrapping_add(match column.data_type() {
                arrow_schema::DataType::Utf8 => {
                    column.as_string::<i32>().iter().map(|v| v.map_or(0, |t| t.len() as u64)).sum::<u64>()
                }
                _ => column.get_array_memory_size() as u64,
            });
        }
        rows += batch.num_rows() as u64;
    }
    println!("{rows} rows decoded, checksum {sum:016x}, {:.2} s", started.elapsed().as_secs_f64());
    Ok(())
}
