//! What can go wrong: a call on a port ([`StorageError`]) or opening the
//! database ([`StorageOpenError`]). Neither ever carries a key or a token.

use std::path::PathBuf;

use thiserror::Error;

/// Why a storage call failed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StorageError {
    #[error("storage quota of {limit} bytes exceeded")]
    QuotaExceeded { limit: u64 },
    #[error("storage quota of {limit} keys exceeded")]
    TooManyKeys { limit: u64 },
    #[error("value larger than the {limit} bytes allowed")]
    ValueTooLarge { limit: usize },
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    #[error("the value is not a decimal integer, or the result would overflow")]
    NotANumber,
    #[error("storage unavailable: {0}")]
    Unavailable(String),
    /// A stored row cannot be read back (damaged file, or written by
    /// something else): an error for that call, never a panic.
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
}

/// Why the database could not be opened.
#[derive(Debug, Error)]
pub enum StorageOpenError {
    #[error("environment variable {var} (the storage key) is not set")]
    MissingKeyEnv { var: String },
    #[error(
        "{origin} does not hold a storage key: expected 64 hex characters or the standard base64 of 32 bytes"
    )]
    MalformedKey { origin: String },
    #[error("cannot read or create the storage key file {path}: {source}")]
    KeyFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the directory {path} for the database: {source}")]
    Directory {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {database}: {message}")]
    Database { database: PathBuf, message: String },
    #[error("the database {database} is in use by another process (one host per database)")]
    InUse { database: PathBuf },
    #[error(
        "the storage key does not open {database}: the database was created with another key \
         (restore the key file or key variable it was first started with; nothing was changed)"
    )]
    WrongKey { database: PathBuf },
    #[error(
        "the database {database} was written by a newer bothost (schema version {found}; this one knows up to {supported})"
    )]
    NewerSchema {
        database: PathBuf,
        found: i64,
        supported: i64,
    },
    #[error("cannot start the storage writer thread: {0}")]
    Writer(std::io::Error),
}
