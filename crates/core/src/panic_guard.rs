//! The panic guard: calls into dependencies that panic on some malformed inputs (found by the
//! fuzz targets: parquet's decoder on a corrupt page, geojson's conversion of a position with one
//! number) run inside [`contain`], so a bad file is an error on the file, never a crash.

use std::cell::Cell;

thread_local! {
    static CONTAINING: Cell<bool> = const { Cell::new(false) };
}

/// Runs `f`, turning a panic inside it into `Err(message)`: for calls into dependencies that the
/// fuzz targets caught panicking on bad input (parquet's decoder, geojson's conversion of a
/// position with one number), so a bad file is an error on the file, not a crash.
pub fn contain<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    CONTAINING.set(true);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CONTAINING.set(false);
    outcome.map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown".into())
    })
}

/// Whether this thread is inside [`contain`], where a panic hook can stay quiet (the panic
/// becomes an error).
pub fn containing() -> bool {
    CONTAINING.get()
}
