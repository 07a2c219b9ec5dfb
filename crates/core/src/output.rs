//! Writing outputs safely: every file is written under a temporary name in its own folder and
//! renamed into place when complete, so a crash or a full disk never leaves a half-written
//! layer for a GIS tool or a nightly job to pick up. A run's files are published together
//! ([`OutputSet`]): nothing is renamed until every file is written, and a failed rename puts
//! back the files already replaced. Also the rejects file.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::ArrowWriter;
use tempfile::NamedTempFile;

use crate::error::{Error, Result};
use crate::event::Reject;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn temp_beside(path: &Path) -> Result<NamedTempFile> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(|e| Error::write(dir.display(), e))?;
    let stem = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let mut builder = tempfile::Builder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // Outputs are for other tools and people to read: rw-r--r--, not tempfile's private 0600.
        builder.permissions(std::fs::Permissions::from_mode(0o644));
    }
    builder.prefix(&format!(".{stem}.")).suffix(".tmp").tempfile_in(&dir).map_err(|e| Error::write(path.display(), e))
}

fn persist(temp: NamedTempFile, path: &Path) -> Result<()> {
    temp.as_file().sync_all().map_err(|e| Error::write(path.display(), e))?;
    temp.persist(path).map_err(|e| Error::write(path.display(), e.error))?;
    Ok(())
}

/// Writes `path` through `write`, which gets a file under a temporary name in the same folder;
/// renames it into place only when `write` succeeds. On failure the temporary file is removed
/// and any previous `path` is left as it was.
pub fn write_atomically(path: &Path, write: impl FnOnce(&mut File) -> Result<(), BoxError>) -> Result<()> {
    let mut set = OutputSet::new();
    set.write(path, write)?;
    set.commit()
}

/// SHA-256 of everything `reader` yields, as lowercase hex, read in 1 MiB pieces.
pub fn sha256_hex(mut reader: impl std::io::Read) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// A set of output files published together. Each [`OutputSet::write`] writes a complete file
/// under a temporary name beside its target; [`OutputSet::commit`] renames them all into place.
/// Dropping the set without committing removes the temporary files and leaves every previous
/// output as it was.
#[derive(Default)]
pub struct OutputSet {
    staged: Vec<(NamedTempFile, PathBuf)>,
}

impl OutputSet {
    /// An empty set.
    pub fn new() -> Self {
        OutputSet::default()
    }

    fn check_target(path: &Path) -> Result<()> {
        if path.is_dir() {
            return Err(Error::write(path.display(), "a folder is in the way of the output file"));
        }
        Ok(())
    }

    /// Writes `path` (under a temporary name for now) through `write`.
    pub fn write(&mut self, path: &Path, write: impl FnOnce(&mut File) -> Result<(), BoxError>) -> Result<()> {
        Self::check_target(path)?;
        let mut temp = temp_beside(path)?;
        write(temp.as_file_mut()).map_err(|e| Error::Write { path: path.display().to_string(), source: e })?;
        temp.as_file().sync_all().map_err(|e| Error::write(path.display(), e))?;
        self.staged.push((temp, path.to_path_buf()));
        Ok(())
    }

    /// Writes bytes to `path` (under a temporary name for now).
    pub fn write_bytes(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        self.write(path, |f| {
            f.write_all(bytes)?;
            Ok(())
        })
    }

    /// Adds an already written temporary file.
    fn add(&mut self, temp: NamedTempFile, path: PathBuf) -> Result<()> {
        Self::check_target(&path)?;
        self.staged.push((temp, path));
        Ok(())
    }

    /// SHA-256 (lowercase hex) of the staged file for `path`, read back from its temporary file.
    pub fn sha256(&self, path: &Path) -> Result<Option<String>> {
        let Some((temp, _)) = self.staged.iter().find(|(_, p)| p == path) else { return Ok(None) };
        let file = File::open(temp.path()).map_err(|e| Error::write(path.display(), e))?;
        sha256_hex(file).map(Some).map_err(|e| Error::write(path.display(), e))
    }

    /// The files staged so far.
    pub fn paths(&self) -> Vec<&Path> {
        self.staged.iter().map(|(_, p)| p.as_path()).collect()
    }

    /// Renames every staged file into place. An existing file is first moved aside; if any step
    /// fails, the files already replaced are put back, the rest of the temporary files are
    /// removed, and the error names the file that failed.
    pub fn commit(self) -> Result<()> {
        let mut done: Vec<(PathBuf, Option<PathBuf>)> = Vec::new();
        let rollback = |done: &[(PathBuf, Option<PathBuf>)]| {
            for (target, backup) in done.iter().rev() {
                let _ = std::fs::remove_file(target);
                if let Some(b) = backup {
                    let _ = std::fs::rename(b, target);
                }
            }
        };
        let mut staged = self.staged.into_iter();
        for (temp, target) in staged.by_ref() {
            let backup = if target.exists() {
                let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
                let b = target.with_file_name(format!(".{name}.previous-{}", std::process::id()));
                if let Err(e) = std::fs::rename(&target, &b) {
                    rollback(&done);
                    return Err(Error::write(target.display(), e));
                }
                Some(b)
            } else {
                None
            };
            if let Err(e) = temp.persist(&target) {
                if let Some(b) = &backup {
                    let _ = std::fs::rename(b, &target);
                }
                rollback(&done);
                return Err(Error::write(target.display(), e.error));
            }
            done.push((target, backup));
        }
        for (_, backup) in done {
            if let Some(b) = backup {
                let _ = std::fs::remove_file(b);
            }
        }
        Ok(())
    }
}

/// Writes bytes to `path` atomically.
pub fn write_bytes_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_atomically(path, |f| {
        f.write_all(bytes)?;
        Ok(())
    })
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
                w.write_record(["file", "row", "column", "reason", "id"]).map_err(|e| err(e.into()))?;
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
                    w.write_record([r.file.as_str(), &row, &r.column, r.reason.code(), r.id.as_deref().unwrap_or("")])
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
        if self.pending.len() >= REJECT_BATCH {
            self.flush()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layer.geojson");
        write_bytes_atomically(&path, b"old").unwrap();
        let failed = write_atomically(&path, |f| {
            f.write_all(b"half")?;
            Err("disk full".into())
        });
        assert!(failed.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn an_output_set_publishes_all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.json"), dir.path().join("sub/b.json"));
        let mut set = OutputSet::new();
        set.write_bytes(&a, b"a1").unwrap();
        set.write_bytes(&b, b"b1").unwrap();
        set.commit().unwrap();
        assert_eq!((std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap()), (b"a1".to_vec(), b"b1".to_vec()));

        // Dropped before commit: nothing changes, no temporary file stays.
        let mut set = OutputSet::new();
        set.write_bytes(&a, b"a2").unwrap();
        drop(set);
        assert_eq!(std::fs::read(&a).unwrap(), b"a1");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);

        // A rename fails half-way (the second file's folder is gone): the first is put back.
        let mut set = OutputSet::new();
        set.write_bytes(&a, b"a3").unwrap();
        set.write_bytes(&b, b"b3").unwrap();
        std::fs::remove_dir_all(dir.path().join("sub")).unwrap();
        assert!(set.commit().is_err());
        assert_eq!(std::fs::read(&a).unwrap(), b"a1");
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .collect();
        assert_eq!(names, ["a.json"]);

        // A folder in the way of a file is an error before anything is written.
        std::fs::create_dir_all(dir.path().join("c.json")).unwrap();
        assert!(OutputSet::new().write_bytes(&dir.path().join("c.json"), b"c").is_err());
    }

    #[test]
    fn a_dropped_reject_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = RejectWriter::new(dir.path().join("rejects.parquet"));
        let r = Reject {
            file: "a".into(),
            row: 1,
            column: "lat".into(),
            reason: crate::event::RejectReason::NullIsland,
            id: None,
        };
        w.push(vec![r; REJECT_BATCH + 1]).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1); // the temporary file
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
