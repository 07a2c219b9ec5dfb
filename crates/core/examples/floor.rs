//! The floor the engine is measured against: decode the `lat`/`lon` columns of a Parquet file
//! batch by batch and compute every event's H3 cell (resolution 8) with h3o on all cores,
//! summing the cells so nothing is optimised away. No validation, time, districts or statistics:
//! what no engine that calls h3o once per event can beat.
//!
//! `cargo run --release -p hotspots-core --example floor -- FILE.parquet [--resolution 8]`

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
