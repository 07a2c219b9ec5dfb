//! Typed errors of the library. Every error that concerns a file names it (and the column or row
//! where there is one), so the binary can print one clear line per error.

use std::io;

/// Everything that can make a run fail. Row-level problems in the data are *not* errors: they
/// become [`crate::event::Reject`] records and the run goes on.
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
    /// A parameter is out of range or inconsistent with the data.
    #[error("{0}")]
    Parameter(String),
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

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
