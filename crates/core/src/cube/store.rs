//! The incremental store of the nightly job (`analyze --store DIR`): one partial cube per input
//! file, named by a key of the file's path, its SHA-256 and the parameters that shape a partial
//! (contract version, resolution, zone, districts layer, column mapping, time format). A night
//! builds the partials of the files that are new or changed, drops those of files that are gone,
//! and merges the rest ([`crate::cube::partial`]).
//!
//! Crash safety: a partial is written to a temporary file in the store, synced and renamed into
//! place, so a partial under its final name is always whole; a run killed at any point leaves at
//! most a temporary file (removed by the next run) or a partial not yet used, and the next run
//! builds whatever is missing. Stale partials are removed only after every partial the night
//! needs is in place. One run at a time per store.
//!
//! Hashing a year of exports every night would cost more than the rest of the night, so the
//! store remembers each input's SHA-256 with its size and modification time (`hashes.json`) and
//! hashes again only a file whose size or modification time (to the nanosecond) changed. A file
//! rewritten with the same size within the same nanosecond is not noticed; removing
//! `hashes.json` makes the next night hash every input.

use std::collections::BTreeMap;
use std::path::Path;

use crate::cube::build::study_mask;
use crate::cube::build::{CubeConfig, StoreSync};
use crate::cube::partial::{CONTRACT_VERSION, TEMP_PREFIX, build_partial_in, write_partial};
use crate::error::{Error, Result};
use crate::ingest::InputSource;
use crate::progress::Progress;

/// The store's memory of its inputs' SHA-256: per input name, (size, modification time in
/// nanoseconds since 1970, SHA-256).
const HASHES: &str = "hashes.json";

type KnownHashes = BTreeMap<String, (u64, i128, String)>;

/// Size and a stamp of a file on disk (none for the built-in sample): its modification time in
/// nanoseconds, and on Unix its status-change time and inode mixed in (tools that restore a
/// modification time cannot restore those).
fn stamp(source: &InputSource) -> Option<(u64, i128)> {
    let InputSource::File(path) = source else { return None };
    let meta = std::fs::metadata(path).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos() as i128;
    #[cfg(unix)]
    let modified = {
        use std::os::unix::fs::MetadataExt;
        let changed = i128::from(meta.ctime()) * 1_000_000_000 + i128::from(meta.ctime_nsec());
        modified ^ (changed << 1) ^ (i128::from(meta.ino()) << 64)
    };
    Some((meta.len(), modified))
}

/// Whether `name` is a partial of the store (32 hex digits and `.parquet`): the only files a
/// run removes from the store folder.
fn is_partial_name(name: &str) -> bool {
    name.strip_suffix(".parquet").is_some_and(|key| key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The SHA-256 of every input: from `known` where the size and modification time are as
/// recorded, else read (several files at once).
fn input_hashes(inputs: &[InputSource], known: &KnownHashes) -> Result<(Vec<String>, KnownHashes)> {
    use rayon::prelude::*;
    let hashed: Vec<(String, Option<(u64, i128)>)> = inputs
        .par_iter()
        .map(|source| {
            let now = stamp(source);
            let recorded = known.get(&source.name()).filter(|(len, time, _)| now == Some((*len, *time)));
            Ok((recorded.map_or_else(|| source.sha256(), |(_, _, sha)| Ok(sha.clone()))?, now))
        })
        .collect::<Result<_>>()?;
    let mut record = KnownHashes::new();
    for (source, (sha, now)) in inputs.iter().zip(&hashed) {
        if let Some((len, time)) = now {
            record.insert(source.name(), (*len, *time, sha.clone()));
        }
    }
    Ok((hashed.into_iter().map(|(sha, _)| sha).collect(), record))
}

/// The parameters that shape a partial, as text for the store's key.
fn parameters(config: &CubeConfig) -> String {
    let columns: Vec<String> = config.ingest.columns.record().into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    // The engine's version too: a fix of validation or indexing changes a partial's contents.
    format!(
        "engine={};contract={CONTRACT_VERSION};resolution={};tz={};districts={};columns={:?};time_format={:?}",
        env!("CARGO_PKG_VERSION"),
        u8::from(config.resolution),
        config.ingest.tz.name(),
        config.districts.as_ref().map_or("", |d| d.sha256()),
        columns,
        config.ingest.time_format
    )
}

/// The store's file name for an input of name `name` and SHA-256 `sha256`.
fn partial_name(parameters: &str, name: &str, sha256: &str) -> String {
    let key = crate::digest::sha256_hex(format!("{parameters}\n{name}\n{sha256}").as_bytes())
        .expect("reading memory cannot fail");
    format!("{}.parquet", &key[..32])
}

/// Brings the store `dir` up to date with the inputs of `config` and returns the partial of each
/// input, in input order.
///
/// # Errors
///
/// Reading an input (as [`crate::cube::build_cube`]), or [`Error::Write`] for the store.
pub fn sync_store(config: &CubeConfig, dir: &Path, progress: &dyn Progress) -> Result<StoreSync> {
    let write = |e: std::io::Error| Error::Write { path: dir.display().to_string(), source: e.into() };
    std::fs::create_dir_all(dir).map_err(write)?;
    // Leftovers of a run killed while writing.
    for entry in std::fs::read_dir(dir).map_err(write)? {
        let path = entry.map_err(write)?.path();
        if path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(TEMP_PREFIX)) {
            std::fs::remove_file(&path).map_err(write)?;
        }
    }
    let parameters = parameters(config);
    let mut sync = StoreSync::default();
    // An unreadable record (a version from elsewhere, a damaged file) only means hashing again.
    let known: KnownHashes =
        std::fs::read(dir.join(HASHES)).ok().and_then(|bytes| serde_json::from_slice(&bytes).ok()).unwrap_or_default();
    let (hashes, record) = input_hashes(&config.inputs, &known)?;
    // The same file given twice would be counted twice here, where a run over the files rejects
    // the second copy's ids as duplicates: refused (however its path is spelled).
    let mut seen: BTreeMap<std::path::PathBuf, String> = BTreeMap::new();
    for source in &config.inputs {
        let InputSource::File(path) = source else { continue };
        let same = std::fs::canonicalize(path).unwrap_or_else(|_| path.clone());
        if let Some(first) = seen.insert(same, source.name()) {
            return Err(Error::parameter(
                "store",
                dir.display(),
                format!("{} and {first} are the same file: give each export once", source.name()),
            ));
        }
    }
    // The study area, worked out once for every partial built tonight.
    let mut mask = None;
    for (source, sha256) in config.inputs.iter().zip(&hashes) {
        let name = source.name();
        let file = dir.join(partial_name(&parameters, &name, sha256));
        if file.is_file() {
            sync.reused += 1;
        } else {
            if mask.is_none() {
                mask = Some(study_mask(config)?);
            }
            let area = mask.as_ref().and_then(Option::as_ref);
            let partial = build_partial_in(config, std::slice::from_ref(source), area, progress)?;
            // Hashed again while read: a file rewritten meanwhile must not be stored under the
            // key of its old bytes.
            if partial.meta.inputs.first().map(|i| i.sha256.as_str()) != Some(sha256.as_str()) {
                return Err(Error::Data(format!(
                    "{name}: the file changed while the store read it; run again once the export is complete"
                )));
            }
            write_partial(&partial, &file)?;
            sync.built.push(name);
        }
        sync.partials.push(file);
    }
    if record != known {
        let temp = tempfile::Builder::new().prefix(TEMP_PREFIX).suffix(".tmp").tempfile_in(dir).map_err(write)?;
        serde_json::to_writer(temp.as_file(), &record).map_err(|e| write(e.into()))?;
        temp.as_file().sync_all().map_err(write)?;
        temp.persist(dir.join(HASHES)).map_err(|e| write(e.error))?;
    }
    for entry in std::fs::read_dir(dir).map_err(write)? {
        let path = entry.map_err(write)?.path();
        let ours = path.file_name().and_then(|n| n.to_str()).is_some_and(is_partial_name);
        if ours && !sync.partials.contains(&path) {
            std::fs::remove_file(&path).map_err(write)?;
            sync.removed += 1;
        }
    }
    Ok(sync)
}
