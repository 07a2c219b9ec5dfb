//! Progress reporting hooks, so the library can drive a progress bar without depending on one.

/// Receives progress of long stages. All methods default to doing nothing.
pub trait Progress: Sync {
    /// A stage starts; `total` is the amount of work when known.
    fn begin(&self, _stage: &str, _total: Option<u64>) {}
    /// `n` more units of work are done.
    fn advance(&self, _n: u64) {}
    /// The stage is done.
    fn end(&self) {}
    /// Something the user should know now (a diagnosis of a whole input), as soon as it is found.
    fn warn(&self, _message: &str) {}
}

/// Reports nothing.
pub struct NoProgress;

impl Progress for NoProgress {}
