//! Typed errors of the library. Every error that concerns a file names it (and the column or row
//! where there is one), so the binary can print one clear line per error.

use std::io;

/// Everything that can make a run fail. Row-level problems in the data are *not* errors: they
/// become reject records (`ingest::event::Reject`) and the run goes on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened or read.
    #[error("{path}: cannot read the file")]
    Read {
        /// The file, as the user named it.
        path: String,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// A file is not a Parquet file, is truncated, or its data cannot be decoded.
    #[error("{path}: not a readable Parquet file")]
    Parquet {
        /// The file.
        path: String,
        /// The decoder's error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A required column is absent.
    #[error("{path}: missing required column `{column}` (columns present: {present})")]
    MissingColumn {
        /// The file.
        path: String,
        /// The column that was looked for (after renaming by flag).
        column: String,
        /// The columns the file does have, comma-separated.
        present: String,
    },
    /// A column has a type the engine cannot read as the field it maps to.
    #[error("{path}: column `{column}` has type {found}, expected {expected}")]
    ColumnType {
        /// The file.
        path: String,
        /// The column.
        column: String,
        /// The type found in the file.
        found: String,
        /// What the engine accepts for that column.
        expected: String,
    },
    /// A text file (CSV, GeoJSON) is malformed as a whole, not just in one row.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong, with the line or feature where known.
        message: String,
    },
    /// The districts layer (or another polygon layer) cannot be used.
    #[error("{path}: districts layer: {message}")]
    Districts {
        /// The file (or `<built-in districts>`).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A parameter is out of range, or inconsistent with another parameter or with the data.
    #[error(transparent)]
    Parameter(#[from] ParameterError),
    /// The inputs cannot make the run: no event falls in the time window, a window that does not
    /// fit the calendar, or a run stopped by `max_reject_share`.
    #[error("{0}")]
    Data(String),
    /// An output could not be written.
    #[error("{path}: cannot write")]
    Write {
        /// The output file or folder.
        path: String,
        /// The operating system's or encoder's error.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl Error {
    /// Wraps an I/O error while writing `path`.
    pub fn write(path: impl std::fmt::Display, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Error::Write { path: path.to_string(), source: source.into() }
    }
}

/// A parameter that cannot be used: its name (as in the TOML configuration, `snake_case`), the
/// value given, and why. The command line shows it under its flag's name (`--max-patrol-km2`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name} {value}: {reason}")]
pub struct ParameterError {
    /// The parameter's name, e.g. `alpha` or `max_patrol_km2`.
    pub name: &'static str,
    /// The value given, as text.
    pub value: String,
    /// Why it cannot be used.
    pub reason: String,
}

impl ParameterError {
    /// A parameter error for `name` with `value`.
    pub fn new(name: &'static str, value: impl std::fmt::Display, reason: impl Into<String>) -> Self {
        ParameterError { name, value: value.to_string(), reason: reason.into() }
    }
}

impl Error {
    /// A [`ParameterError`] as an [`Error`].
    pub fn parameter(name: &'static str, value: impl std::fmt::Display, reason: impl Into<String>) -> Self {
        Error::Parameter(ParameterError::new(name, value, reason))
    }
}

/// Checks that `value` is a share: between 0 and 1.
///
/// # Errors
///
/// [`Error::Parameter`] for `name` otherwise.
pub fn check_share(name: &'static str, value: f64) -> Result<f64> {
    if (0.0..=1.0).contains(&value) { Ok(value) } else { Err(Error::parameter(name, value, "must be between 0 and 1")) }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
