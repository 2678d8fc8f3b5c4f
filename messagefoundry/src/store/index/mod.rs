//! Search indexes: the rows that let a search go straight to the messages it asks for instead
//! of reading every summary.
//!
//! Every message is indexed by its type (MSH-9), its control ID (MSH-10) and the time it was
//! received; an inbound that declares `index = ["PID-3.1", …]` has those fields' values
//! indexed too. The rows are written in the transaction that stores the message, from values
//! the connection's task read from the parse it made at intake (the writer thread parses
//! nothing), and removed by the transaction that prunes it.
//!
//! Declared values are patient data (an MRN, a name): they are written here and nowhere else,
//! and no error or log line carries one.

mod build;
mod check;
pub(crate) mod digest;
mod rekey;
mod search;

use redb::{ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};

#[cfg(any(test, feature = "test-support"))]
pub use build::sync;
pub use build::{Built, build_declared, rebuild};
pub(super) use build::{rebuild_db, sync_db};
pub(crate) use check::problems;
pub(super) use rekey::rekey;
#[cfg(any(test, feature = "test-support"))]
pub use search::MAX_PREFIX_VALUES;
pub(super) use search::search_db;
pub use search::{Examined, FieldMatch, IndexQuery, SearchRefused};

use super::MessageId;
use super::tables::{MESSAGE_INFO, META};
pub use crate::interface::index::IndexValue;
use crate::interface::index::cut;

/// `index`: (field, value, message id) → (). MSH-9 and MSH-10 of every message, and the
/// fields its inbound declares. Ids under one value run oldest to newest.
pub(crate) const INDEX: TableDefinition<(&str, &str, u64), ()> = TableDefinition::new("index");
/// `index_time`: (received at µs, message id) → (): every message by the time it arrived.
pub(crate) const INDEX_TIME: TableDefinition<(u64, u64), ()> = TableDefinition::new("index_time");
/// `index_declared`: message id → its declared fields' (field, value) pairs: what to remove
/// when it is pruned, and what verify checks, without parsing the message again.
pub(crate) const INDEX_DECLARED: TableDefinition<u64, Vec<(&str, &str)>> =
    TableDefinition::new("index_declared");
/// `index_built`: (inbound, field) → when it was built, µs. A declared index covers every
/// stored message of its inbound once it has a row here; until then searches refuse it.
pub(crate) const INDEX_BUILT: TableDefinition<(&str, &str), u64> =
    TableDefinition::new("index_built");

/// The field name of the message type in the index.
pub const TYPE_FIELD: &str = "MSH-9";
/// The field name of the control ID in the index.
pub const CONTROL_ID_FIELD: &str = "MSH-10";

/// The key in `meta` that says the header indexes (type, control ID, time) hold every message.
const HEADERS_BUILT: &str = "index_headers";

/// The index tables, opened once per write transaction.
pub(crate) struct IndexTables<'t> {
    fields: redb::Table<'t, (&'static str, &'static str, u64), ()>,
    time: redb::Table<'t, (u64, u64), ()>,
    declared: redb::Table<'t, u64, Vec<(&'static str, &'static str)>>,
}

impl<'t> IndexTables<'t> {
    /// Opens them in `txn`.
    pub(crate) fn open(txn: &'t WriteTransaction) -> Result<IndexTables<'t>, redb::Error> {
        Ok(IndexTables {
            fields: txn.open_table(INDEX)?,
            time: txn.open_table(INDEX_TIME)?,
            declared: txn.open_table(INDEX_DECLARED)?,
        })
    }

    /// Indexes a message being stored: its header fields and time, and `declared`, the values
    /// its inbound's declared fields hold.
    pub(crate) fn insert(
        &mut self,
        id: MessageId,
        received_at: u64,
        message_type: &str,
        control_id: &str,
        declared: &[IndexValue],
    ) -> Result<(), redb::Error> {
        self.time.insert((received_at, id.0), ())?;
        for (field, value) in [(TYPE_FIELD, message_type), (CONTROL_ID_FIELD, control_id)] {
            let value = cut(value);
            if !value.is_empty() {
                self.fields.insert((field, value, id.0), ())?;
            }
        }
        if declared.is_empty() {
            return Ok(());
        }
        for (field, value) in declared {
            self.fields.insert((*field, value.as_str(), id.0), ())?;
        }
        let pairs: Vec<(&str, &str)> = declared.iter().map(|(f, v)| (*f, v.as_str())).collect();
        self.declared.insert(id.0, pairs)?;
        Ok(())
    }

    /// Removes a message's rows, as it is pruned.
    pub(crate) fn remove(
        &mut self,
        id: MessageId,
        received_at: u64,
        message_type: &str,
        control_id: &str,
    ) -> Result<(), redb::Error> {
        self.time.remove((received_at, id.0))?;
        for (field, value) in [(TYPE_FIELD, message_type), (CONTROL_ID_FIELD, control_id)] {
            self.fields.remove((field, cut(value), id.0))?;
        }
        let pairs: Vec<(String, String)> = match self.declared.remove(id.0)? {
            Some(row) => row
                .value()
                .into_iter()
                .map(|(f, v)| (f.to_owned(), v.to_owned()))
                .collect(),
            None => return Ok(()),
        };
        for (field, value) in &pairs {
            self.fields.remove((field.as_str(), value.as_str(), id.0))?;
        }
        Ok(())
    }
}

/// Creates the index tables if needed and, for a store written before they existed, indexes
/// the header fields of every message already stored (from the summaries: nothing is parsed).
/// Blocking; called once as the store opens.
pub(crate) fn ensure(db: &redb::Database) -> Result<(), redb::Error> {
    let txn = db.begin_write()?;
    {
        let mut meta = txn.open_table(META)?;
        let built = meta.get(HEADERS_BUILT)?.is_some();
        let mut tables = IndexTables::open(&txn)?;
        txn.open_table(INDEX_BUILT)?;
        if !built {
            let infos = txn.open_table(MESSAGE_INFO)?;
            for row in infos.iter()? {
                let (id, row) = row?;
                let (_, at, _, _, kind, control, ..) = row.value();
                tables.insert(MessageId(id.value()), at, kind, control, &[])?;
            }
            meta.insert(HEADERS_BUILT, "1")?;
        }
    }
    txn.commit()?;
    Ok(())
}

/// The declared indexes that hold every message of their inbound: (inbound, field).
pub fn built(db: &redb::Database) -> Result<Vec<(String, String)>, redb::Error> {
    let txn = db.begin_read()?;
    let table = txn.open_table(INDEX_BUILT)?;
    let mut out = Vec::new();
    for row in table.iter()? {
        let (key, _) = row?;
        let (inbound, field) = key.value();
        out.push((inbound.to_owned(), field.to_owned()));
    }
    Ok(out)
}

#[cfg(test)]
mod sealed_tests;
#[cfg(test)]
mod tests;
