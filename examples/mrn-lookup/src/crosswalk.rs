//! The MRN crosswalk: a SQLite database with one table, [`SCHEMA`], from the clinic's MRN to
//! the enterprise MRN.
//!
//! rusqlite's calls block, so the query runs on tokio's blocking threads (`spawn_blocking`)
//! and the handler awaits it: the engine's async workers never wait on the database. The file
//! is opened read-only for each lookup: opening a SQLite file costs far less than the message's
//! own storage, and the team that keeps the crosswalk can replace the file at any time.

use std::fmt;
use std::path::PathBuf;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

/// The crosswalk's table, as the tests (and the team that keeps it) create it.
pub const SCHEMA: &str = "CREATE TABLE mrn_crosswalk (\
     clinic_mrn TEXT PRIMARY KEY, \
     enterprise_mrn TEXT NOT NULL)";

/// Why a lookup has no answer. Its text names no patient: it is recorded as the reason of the
/// message's ERROR.
#[derive(Debug)]
pub enum LookupError {
    /// The database could not be opened or read.
    Database(rusqlite::Error),
    /// The lookup's thread stopped before it answered (the engine is stopping).
    Interrupted,
}

impl fmt::Display for LookupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LookupError::Database(e) => write!(f, "the MRN crosswalk cannot be read: {e}"),
            LookupError::Interrupted => write!(f, "the MRN crosswalk lookup was interrupted"),
        }
    }
}

/// The enterprise MRN of the patient the clinic knows as `clinic_mrn`; `None` if the
/// crosswalk does not know the patient.
pub async fn enterprise_mrn(
    db: impl Into<PathBuf>,
    clinic_mrn: String,
) -> Result<Option<String>, LookupError> {
    let db = db.into();
    tokio::task::spawn_blocking(move || lookup(db, &clinic_mrn))
        .await
        .map_err(|_| LookupError::Interrupted)?
        .map_err(LookupError::Database)
}

fn lookup(db: PathBuf, clinic_mrn: &str) -> rusqlite::Result<Option<String>> {
    let connection = Connection::open_with_flags(
        db,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    connection
        .query_row(
            "SELECT enterprise_mrn FROM mrn_crosswalk WHERE clinic_mrn = ?1",
            [clinic_mrn],
            |row| row.get(0),
        )
        .optional()
}
