//! Why a command on the store file as a whole (backup, verify, compact) failed. None carries
//! message content.

use std::path::PathBuf;

/// Why backup, verify or compact failed.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Another process holds the store: a running `serve`.
    #[error("the store {0} is open in another process (a running serve): {1}")]
    InUse(PathBuf, &'static str),
    /// The file could not be opened as a store.
    #[error("cannot open {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: redb::DatabaseError,
    },
    /// Reading or writing the database failed.
    #[error("{0}")]
    Store(String),
    /// A file operation failed.
    #[error("cannot {what} {path}: {source}")]
    Io {
        /// What was being done ("write", "rename", …).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The operator asked for something that would do harm.
    #[error("{0}")]
    Refused(String),
    /// Stopped by Ctrl-C, SIGTERM, or the client going away.
    #[error("interrupted: {0}")]
    Interrupted(String),
}

impl From<redb::Error> for FileError {
    fn from(e: redb::Error) -> FileError {
        FileError::Store(e.to_string())
    }
}

/// The error of opening `path`, with a running `serve` (redb's lock) named for what it is.
pub(crate) fn opening(
    path: &std::path::Path,
    e: redb::DatabaseError,
    then: &'static str,
) -> FileError {
    match e {
        redb::DatabaseError::DatabaseAlreadyOpen => FileError::InUse(path.to_path_buf(), then),
        source => FileError::Open {
            path: path.to_path_buf(),
            source,
        },
    }
}

/// Converts any redb error into a [`FileError`].
pub(crate) fn redb_error(e: impl Into<redb::Error>) -> FileError {
    FileError::from(e.into())
}

/// A store that did not open, as a file command's error, with a running `serve` (redb's lock)
/// named for what it is.
pub(crate) fn store_opening(e: super::StoreError, then: &'static str) -> FileError {
    match e {
        super::StoreError::Open { path, source }
            if matches!(
                source.downcast_ref::<redb::DatabaseError>(),
                Some(redb::DatabaseError::DatabaseAlreadyOpen)
            ) =>
        {
            FileError::InUse(path, then)
        }
        e => FileError::Store(e.to_string()),
    }
}
