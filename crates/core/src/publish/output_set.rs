//! Writing outputs safely: every file is written under a temporary name in its own folder and
//! renamed into place when complete, so a crash or a full disk never leaves a half-written
//! layer for a GIS tool or a nightly job to pick up. A run's files are published together
//! ([`OutputSet`]): nothing is renamed until every file is written, and a failed rename puts
//! back the files already replaced.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use super::BoxError;
use crate::digest::sha256_hex;
use crate::error::{Error, Result};

pub(super) fn temp_beside(path: &Path) -> Result<NamedTempFile> {
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

pub(super) fn persist(temp: NamedTempFile, path: &Path) -> Result<()> {
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

/// A set of output files published together. Each [`OutputSet::write`] writes a complete file
/// under a temporary name beside its target; [`OutputSet::commit`] renames them all into place.
/// Dropping the set without committing removes the temporary files and leaves every previous
/// output as it was.
#[derive(Default)]
pub struct OutputSet {
    staged: Vec<(NamedTempFile, PathBuf)>,
    stale: Vec<PathBuf>,
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
        let temp = Self::write_beside(path, write)?;
        self.staged.push((temp, path.to_path_buf()));
        Ok(())
    }

    /// Writes what will become `path` through `write` into a temporary file beside it, synced,
    /// without staging it (so files can be rendered in parallel and staged in order with
    /// [`OutputSet::add`]).
    pub(super) fn write_beside(
        path: &Path,
        write: impl FnOnce(&mut File) -> Result<(), BoxError>,
    ) -> Result<NamedTempFile> {
        Self::check_target(path)?;
        let mut temp = temp_beside(path)?;
        write(temp.as_file_mut()).map_err(|e| Error::Write { path: path.display().to_string(), source: e })?;
        temp.as_file().sync_all().map_err(|e| Error::write(path.display(), e))?;
        Ok(temp)
    }

    /// Writes bytes to `path` (under a temporary name for now).
    pub fn write_bytes(&mut self, path: &Path, bytes: &[u8]) -> Result<()> {
        self.write(path, |f| {
            f.write_all(bytes)?;
            Ok(())
        })
    }

    /// Adds an already written temporary file.
    pub(super) fn add(&mut self, temp: NamedTempFile, path: PathBuf) -> Result<()> {
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

    /// Marks `path`, a file of an earlier run that this run does not write, for removal in the
    /// same commit (it is put back if the commit fails).
    pub fn remove(&mut self, path: &Path) {
        if !self.staged.iter().any(|(_, p)| p == path) && !self.stale.contains(&path.to_path_buf()) {
            self.stale.push(path.to_path_buf());
        }
    }

    /// The files marked for removal.
    pub fn removed(&self) -> &[PathBuf] {
        &self.stale
    }

    /// The files staged so far.
    pub fn paths(&self) -> Vec<&Path> {
        self.staged.iter().map(|(_, p)| p.as_path()).collect()
    }

    /// Renames every staged file into place and removes the files marked stale. An existing file
    /// is first moved aside; if any step fails, the files already replaced or removed are put
    /// back, the rest of the temporary files are removed, and the error names the file that
    /// failed.
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
        // Files of an earlier run that this one does not write are moved aside first, and put
        // back with the rest if anything fails.
        for target in &self.stale {
            let name = target.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            let b = target.with_file_name(format!(".{name}.previous-{}", std::process::id()));
            if let Err(e) = std::fs::rename(target, &b) {
                rollback(&done);
                return Err(Error::write(target.display(), e));
            }
            done.push((target.clone(), Some(b)));
        }
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
    fn files_of_an_earlier_run_go_with_the_commit_or_stay_with_a_failed_one() {
        let dir = tempfile::tempdir().unwrap();
        let (old, kept) = (dir.path().join("districts.geojson"), dir.path().join("hotspots.geojson"));
        std::fs::write(&old, b"last night").unwrap();
        std::fs::write(&kept, b"last night").unwrap();
        // A failed commit (a folder in the way of the second file) leaves both as they were.
        let mut set = OutputSet::new();
        set.write_bytes(&kept, b"tonight").unwrap();
        set.write_bytes(&dir.path().join("sub/x.json"), b"x").unwrap();
        set.remove(&old);
        std::fs::remove_dir_all(dir.path().join("sub")).unwrap();
        assert!(set.commit().is_err());
        assert_eq!(std::fs::read(&old).unwrap(), b"last night");
        assert_eq!(std::fs::read(&kept).unwrap(), b"last night");
        // A good commit replaces one and removes the other.
        let mut set = OutputSet::new();
        set.write_bytes(&kept, b"tonight").unwrap();
        set.remove(&old);
        set.remove(&kept); // written by this run: not removed
        assert_eq!(set.removed(), std::slice::from_ref(&old));
        set.commit().unwrap();
        assert!(!old.exists());
        assert_eq!(std::fs::read(&kept).unwrap(), b"tonight");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
