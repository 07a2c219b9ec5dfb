//! The inputs the fuzz targets (`fuzz/`) found interesting, kept as regression tests: each file
//! under `tests/fuzz_corpus/READER/` goes through the same checks as under `cargo fuzz`
//! (`hotspots_core::fuzzing::check`), which panic when a reader breaks a promise.

use hotspots_core::fuzzing::{Reader, check};

#[test]
fn every_corpus_input_keeps_the_readers_promises() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_corpus");
    let mut checked = std::collections::BTreeMap::new();
    for dir in std::fs::read_dir(&root).unwrap() {
        let dir = dir.unwrap();
        let name = dir.file_name().to_string_lossy().to_string();
        let reader = Reader::from_name(&name).unwrap_or_else(|| panic!("unknown reader folder {name}"));
        let mut files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        let (mut read, mut refused) = (0, 0);
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            let outcome = std::panic::catch_unwind(|| check(reader, &bytes));
            match outcome {
                Ok(true) => read += 1,
                Ok(false) => refused += 1,
                Err(_) => panic!("{} broke a promise of the {name} reader", f.display()),
            }
        }
        checked.insert(name, (read, refused));
    }
    // Every reader has inputs it reads and inputs it refuses.
    for reader in ["csv", "geojson", "parquet", "districts"] {
        let (read, refused) = checked.get(reader).copied().unwrap_or_default();
        assert!(read > 0 && refused > 0, "{reader}: {read} read, {refused} refused");
    }
}
