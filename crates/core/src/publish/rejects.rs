//! `rejects.parquet` (or CSV): every rejected row with its file, row, column, reason, id and the
//! offending value (where the reader still has it, at most 100 characters), streamed
//! while the inputs are read so a broken export of millions of rows does not fill memory.

use std::fs::File;
use std::io::BufWriter;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use tempfile::NamedTempFile;

use super::BoxError;
use super::output_set::{OutputSet, persist, temp_beside};
use crate::error::{Error, Result};
use crate::ingest::RejectSink;
use crate::ingest::event::Reject;

enum RejectEncoder {
    Parquet(ArrowWriter<BufWriter<File>>),
    Csv(csv::Writer<BufWriter<File>>),
}

/// Writes the rejects file (`rejects.parquet`, or CSV when the name ends in `.csv`) with columns
/// `file`, `row`, `column`, `reason`, `id`. Rows are streamed to a temporary file once more than
/// a batch has gathered, so a broken export of millions of rows does not fill memory; the file
/// is renamed into place by [`RejectWriter::finish`] and removed if the run fails.
pub struct RejectWriter {
    path: PathBuf,
    pending: Vec<Reject>,
    temp: Option<(NamedTempFile, RejectEncoder)>,
}

const REJECT_BATCH: usize = 65_536;

impl RejectWriter {
    /// A writer that will create `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        RejectWriter { path: path.into(), pending: Vec::new(), temp: None }
    }

    fn schema() -> Arc<Schema> {
        Arc::new(Schema::new(vec![
            Field::new("file", DataType::Utf8, false),
            Field::new("row", DataType::Int64, false),
            Field::new("column", DataType::Utf8, false),
            Field::new("reason", DataType::Utf8, false),
            Field::new("id", DataType::Utf8, true),
            Field::new("value", DataType::Utf8, true),
        ]))
    }

    fn is_csv(&self) -> bool {
        self.path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"))
    }

    fn flush(&mut self) -> Result<()> {
        let err = |e: BoxError| Error::Write { path: self.path.display().to_string(), source: e };
        if self.temp.is_none() {
            let temp = temp_beside(&self.path)?;
            let file = BufWriter::new(temp.reopen().map_err(|e| err(e.into()))?);
            let encoder = if self.is_csv() {
                let mut w = csv::Writer::from_writer(file);
                w.write_record(["file", "row", "column", "reason", "id", "value"]).map_err(|e| err(e.into()))?;
                RejectEncoder::Csv(w)
            } else {
                RejectEncoder::Parquet(ArrowWriter::try_new(file, Self::schema(), None).map_err(|e| err(e.into()))?)
            };
            self.temp = Some((temp, encoder));
        }
        let pending = std::mem::take(&mut self.pending);
        let (_, encoder) = self.temp.as_mut().expect("created above");
        match encoder {
            RejectEncoder::Csv(w) => {
                for r in &pending {
                    let row = r.row.to_string();
                    let value = r.value.as_deref().unwrap_or("");
                    w.write_record([
                        r.file.as_str(),
                        &row,
                        &r.column,
                        r.reason.code(),
                        r.id.as_deref().unwrap_or(""),
                        value,
                    ])
                    .map_err(|e| Error::write(self.path.display(), e))?;
                }
            }
            RejectEncoder::Parquet(w) => {
                let batch = RecordBatch::try_new(
                    Self::schema(),
                    vec![
                        Arc::new(StringArray::from_iter_values(pending.iter().map(|r| r.file.as_str()))),
                        Arc::new(Int64Array::from_iter_values(pending.iter().map(|r| r.row as i64))),
                        Arc::new(StringArray::from_iter_values(pending.iter().map(|r| r.column.as_str()))),
                        Arc::new(StringArray::from_iter_values(pending.iter().map(|r| r.reason.code()))),
                        Arc::new(StringArray::from_iter(pending.iter().map(|r| r.id.as_deref()))),
                        Arc::new(StringArray::from_iter(pending.iter().map(|r| r.value.as_deref()))),
                    ],
                )
                .map_err(|e| Error::write(self.path.display(), e))?;
                w.write(&batch).map_err(|e| Error::write(self.path.display(), e))?;
            }
        }
        Ok(())
    }

    fn close(mut self) -> Result<(NamedTempFile, PathBuf)> {
        self.flush()?;
        let (temp, encoder) = self.temp.take().expect("flushed");
        match encoder {
            RejectEncoder::Csv(mut w) => w.flush().map_err(|e| Error::write(self.path.display(), e))?,
            RejectEncoder::Parquet(w) => {
                w.close().map_err(|e| Error::write(self.path.display(), e))?;
            }
        }
        Ok((temp, self.path.clone()))
    }

    /// Writes what is left and renames the file into place.
    pub fn finish(self) -> Result<()> {
        let (temp, path) = self.close()?;
        persist(temp, &path)
    }

    /// Writes what is left and adds the file to `set`, to be published with the run's outputs.
    pub fn finish_into(self, set: &mut OutputSet) -> Result<()> {
        let (temp, path) = self.close()?;
        set.add(temp, path)
    }
}

impl RejectSink for RejectWriter {
    fn push(&mut self, rejects: Vec<Reject>) -> Result<()> {
        self.pending.extend(rejects);
        // Whole batches only, so the file's bytes depend on the rows alone, not on how they
        // arrive (an export read batch by batch, or a partial cube's rejects at once).
        while self.pending.len() >= REJECT_BATCH {
            let rest = self.pending.split_off(REJECT_BATCH);
            self.flush()?;
            self.pending = rest;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_reject_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = RejectWriter::new(dir.path().join("rejects.parquet"));
        let r = Reject {
            file: "a".into(),
            row: 1,
            column: "lat".into(),
            reason: crate::ingest::event::RejectReason::NullIsland,
            id: None,
            value: None,
        };
        w.push(vec![r; REJECT_BATCH + 1]).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1); // the temporary file
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
