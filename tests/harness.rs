//! A small harness: a fresh temporary folder per test, the built binary, and Parquet helpers.

#![allow(dead_code)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{Field, Schema};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

/// A temporary folder that disappears with the test.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Self {
        Scratch { dir: tempfile::tempdir().expect("temporary folder") }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `hotspots` with `args` in this folder.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_env(args, &[])
    }

    /// Runs `hotspots` with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_hotspots"));
        cmd.args(args).current_dir(self.root());
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run(cmd.output().expect("run hotspots"))
    }

    /// The names of the files in a sub-folder (sorted), or empty when it does not exist.
    pub fn files_in(&self, sub: &str) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.path(sub)) else { return Vec::new() };
        let mut names: Vec<String> = entries.map(|e| e.unwrap().file_name().to_string_lossy().to_string()).collect();
        names.sort();
        names
    }
}

impl Scratch {
    /// Every file under a sub-folder, as paths relative to it (sorted); empty when it does not
    /// exist.
    pub fn files_under(&self, sub: &str) -> Vec<String> {
        fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
            let Ok(entries) = std::fs::read_dir(dir) else { return };
            for e in entries.flatten() {
                let path = e.path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else {
                    out.push(path.strip_prefix(root).unwrap().display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.path(sub), &self.path(sub), &mut out);
        out.sort();
        out
    }
}

/// Reads a JSON file.
pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The outcome of one run.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).to_string()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).to_string()
    }
    /// Asserts success and returns stdout.
    pub fn ok(&self) -> String {
        assert_eq!(self.code(), 0, "stdout:\n{}\nstderr:\n{}", self.stdout(), self.stderr());
        self.stdout()
    }
}

/// Writes one record batch built from named columns to a Parquet file.
pub fn write_parquet(path: &Path, columns: Vec<(&str, ArrayRef)>) {
    let fields: Vec<Field> = columns.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), columns.into_iter().map(|(_, a)| a).collect()).unwrap();
    let mut w = ArrowWriter::try_new(File::create(path).unwrap(), schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

/// Reads every batch of a Parquet file.
pub fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let builder = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap();
    builder.build().unwrap().map(|b| b.unwrap()).collect()
}

/// Reads the internal `summary.json` of an output folder (exact figures).
pub fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("internal").join("summary.json")).unwrap()).unwrap()
}

/// What a test does where it cannot mount what it needs: with `HOTSPOTS_REQUIRE_MOUNTS=1`
/// (set by `.ci/run` when it runs as root) it fails; otherwise it says loudly that the case did
/// not run.
pub fn not_mounted(what: &str) {
    if std::env::var_os("HOTSPOTS_REQUIRE_MOUNTS").is_some_and(|v| v == "1") {
        panic!("cannot mount {what}, and HOTSPOTS_REQUIRE_MOUNTS=1 says this case must run");
    }
    eprintln!("NOT RUN: cannot mount {what} here (not root?); set HOTSPOTS_REQUIRE_MOUNTS=1 to make this fail");
}

/// A small tmpfs mounted for a test (a full disk, or a read-only file system), unmounted on
/// drop. `None` where this machine does not let the test mount one (not root, or no
/// CAP_SYS_ADMIN in a container).
pub struct SmallMount(PathBuf);

impl SmallMount {
    pub fn new(at: &Path, options: &str) -> Option<SmallMount> {
        std::fs::create_dir_all(at).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(at)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| SmallMount(at.to_path_buf()))
    }
}

impl Drop for SmallMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).output();
    }
}
