//! Building declared indexes over messages already stored, and dropping those no longer
//! declared: at `serve`'s start (before any listener opens) and by `store reindex`.
//!
//! An index declared after messages were stored is built over them by reading and parsing each
//! message of its inbound, a chunk per transaction; it is marked built only by the transaction
//! that writes its last rows, so an interrupted build starts over next time and harms nothing
//! (rows are keyed by value and id: writing one again changes nothing).

use std::collections::BTreeMap;

use redb::{ReadableDatabase, ReadableTable, ReadableTableMetadata};

use super::{INDEX, INDEX_BUILT, INDEX_DECLARED, INDEX_TIME, IndexTables};
use crate::interface::index::{IndexDef, values};
use crate::store::envelope::Codec;
use crate::store::tables::{MESSAGE_INFO, MESSAGES, META};
use crate::store::{MessageId, Store, StoreError};

/// How many messages one build transaction reads.
const CHUNK: u64 = 5_000;

/// What bringing the indexes in line with the declarations did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Built {
    /// The (inbound, field) indexes built over the messages already stored.
    pub built: Vec<(String, String)>,
    /// The (inbound, field) indexes no longer declared, whose rows were removed.
    pub dropped: Vec<(String, String)>,
    /// Messages read and parsed to build them.
    pub parsed: u64,
}

/// Called with (messages looked at, messages stored) as a build goes.
pub type Progress<'a> = &'a mut dyn FnMut(u64, u64);

/// Brings the declared indexes of `store` in line with `declared` (see the module's doc).
/// Blocking.
pub fn sync(
    store: &Store,
    declared: &[IndexDef],
    progress: Progress<'_>,
) -> Result<Built, StoreError> {
    store.backend.sync_indexes(declared, progress)
}

/// `sync` with the binary's declarations, as `serve` starts: logs what it builds and drops
/// (names only) and, every ten seconds of a long build, how far it is. Blocking.
pub fn build_declared(store: &Store) -> Result<Built, StoreError> {
    let declared = crate::interface::index::all();
    let mut last = std::time::Instant::now();
    let built = sync(store, declared, &mut |done, total| {
        if last.elapsed() >= std::time::Duration::from_secs(10) {
            last = std::time::Instant::now();
            tracing::info!(
                done,
                total,
                "building declared indexes over the stored messages"
            );
        }
    })?;
    for (inbound, field) in &built.built {
        tracing::info!(inbound = %inbound, field = %field, parsed = built.parsed, "index built over the stored messages");
    }
    for (inbound, field) in &built.dropped {
        tracing::info!(inbound = %inbound, field = %field, "index no longer declared; its rows were removed");
    }
    Ok(built)
}

/// Removes every index row and builds them all again: the header indexes from the summaries,
/// the declared ones from the messages (digested under the current key on an encrypted
/// store). Blocking; for `store reindex`, with `serve` stopped.
pub fn rebuild(
    store: &Store,
    declared: &[IndexDef],
    progress: Progress<'_>,
) -> Result<Built, StoreError> {
    store.backend.rebuild_indexes(declared, progress)
}

/// [`rebuild`] on the embedded backend's file.
pub(in crate::store) fn rebuild_db(
    db: &redb::Database,
    codec: &Codec,
    declared: &[IndexDef],
    progress: Progress<'_>,
) -> Result<Built, StoreError> {
    let mut run = || -> Result<Built, redb::Error> {
        let txn = db.begin_write()?;
        txn.delete_table(INDEX)?;
        txn.delete_table(INDEX_TIME)?;
        txn.delete_table(INDEX_DECLARED)?;
        txn.delete_table(INDEX_BUILT)?;
        txn.open_table(META)?.remove(super::HEADERS_BUILT)?;
        // Every declared value is written again below, under the current key.
        super::rekey::mark(&txn, codec.current_key())?;
        txn.commit()?;
        super::ensure(db)?;
        sync_db(db, codec, declared, progress)
    };
    run().map_err(|e| StoreError::Write(e.to_string()))
}

/// [`sync`] on the embedded backend's file.
pub(in crate::store) fn sync_db(
    db: &redb::Database,
    codec: &Codec,
    declared: &[IndexDef],
    progress: Progress<'_>,
) -> Result<Built, redb::Error> {
    let built = super::built(db)?;
    let mut report = Built::default();
    for (inbound, field) in &built {
        let wanted = declared
            .iter()
            .any(|d| d.inbound == inbound && d.names.contains(&field.as_str()));
        if !wanted {
            drop_index(db, inbound, field)?;
            report.dropped.push((inbound.clone(), field.clone()));
        }
    }
    // Per inbound, the declared fields not built yet.
    let mut todo: BTreeMap<&str, (&IndexDef, Vec<&'static str>)> = BTreeMap::new();
    for def in declared {
        for name in def.names {
            if !built.iter().any(|(i, f)| i == def.inbound && f == name) {
                todo.entry(def.inbound)
                    .or_insert((def, Vec::new()))
                    .1
                    .push(name);
            }
        }
    }
    if todo.is_empty() {
        return Ok(report);
    }
    let total = db.begin_read()?.open_table(MESSAGE_INFO)?.len()?;
    let mut from = 0u64;
    let mut looked = 0u64;
    loop {
        let txn = db.begin_write()?;
        let mut next = None;
        {
            let infos = txn.open_table(MESSAGE_INFO)?;
            let messages = txn.open_table(MESSAGES)?;
            let mut tables = IndexTables::open(&txn)?;
            for (n, row) in infos.range(from..)?.enumerate() {
                let (id, row) = row?;
                let id = id.value();
                if n as u64 == CHUNK {
                    next = Some(id);
                    break;
                }
                looked += 1;
                let (inbound, ..) = row.value();
                let Some((def, fields)) = todo.get(inbound) else {
                    continue;
                };
                let Some(raw) = messages.get(id)? else {
                    continue;
                };
                // A body that cannot be opened was refused when the store was opened (a
                // missing key) or is damaged (`store verify` reports it); it has no values to
                // index here.
                let Ok(body) = codec.open(raw.value()) else {
                    continue;
                };
                // A message that did not parse at intake has no values to index.
                let Ok(msg) = messagefoundry_hl7::Message::parse_tolerant(body) else {
                    continue;
                };
                report.parsed += 1;
                let mut new: Vec<_> = values(def, &msg)
                    .into_iter()
                    .filter(|(f, _)| fields.contains(f))
                    .collect();
                super::digest::seal(codec, &mut new);
                tables.merge(MessageId(id), &new)?;
            }
            if next.is_none() {
                let mut marks = txn.open_table(INDEX_BUILT)?;
                let at = crate::store::now_micros();
                for (inbound, (_, fields)) in &todo {
                    for field in fields {
                        marks.insert((*inbound, *field), at)?;
                        report
                            .built
                            .push(((*inbound).to_owned(), (*field).to_owned()));
                    }
                }
            }
        }
        txn.commit()?;
        progress(looked, total);
        match next {
            Some(id) => from = id,
            None => return Ok(report),
        }
    }
}

/// Removes the rows of one inbound's index of one field.
fn drop_index(db: &redb::Database, inbound: &str, field: &str) -> Result<(), redb::Error> {
    let txn = db.begin_write()?;
    {
        let infos = txn.open_table(MESSAGE_INFO)?;
        let mut index = txn.open_table(INDEX)?;
        let mut declared = txn.open_table(INDEX_DECLARED)?;
        let mut doomed: Vec<(String, u64)> = Vec::new();
        for row in index.range((field, "", 0)..)? {
            let (key, _) = row?;
            let (f, value, id) = key.value();
            if f != field {
                break;
            }
            let of_inbound = infos.get(id)?.is_none_or(|info| info.value().0 == inbound);
            if of_inbound {
                doomed.push((value.to_owned(), id));
            }
        }
        for (value, id) in &doomed {
            index.remove((field, value.as_str(), *id))?;
            let kept: Option<Vec<(String, String)>> = declared.get(*id)?.map(|row| {
                row.value()
                    .into_iter()
                    .filter(|(f, _)| *f != field)
                    .map(|(f, v)| (f.to_owned(), v.to_owned()))
                    .collect()
            });
            match kept {
                Some(pairs) if !pairs.is_empty() => {
                    let pairs: Vec<(&str, &str)> = pairs
                        .iter()
                        .map(|(f, v)| (f.as_str(), v.as_str()))
                        .collect();
                    declared.insert(*id, pairs)?;
                }
                Some(_) => {
                    declared.remove(*id)?;
                }
                None => {}
            }
        }
        txn.open_table(INDEX_BUILT)?.remove((inbound, field))?;
    }
    Ok(txn.commit()?)
}

impl IndexTables<'_> {
    /// Adds declared values to a stored message's rows, keeping those it has.
    pub(super) fn merge(
        &mut self,
        id: MessageId,
        new: &[(&str, String)],
    ) -> Result<(), redb::Error> {
        if new.is_empty() {
            return Ok(());
        }
        let mut pairs: Vec<(String, String)> = match self.declared.get(id.0)? {
            Some(row) => row
                .value()
                .into_iter()
                .map(|(f, v)| (f.to_owned(), v.to_owned()))
                .collect(),
            None => Vec::new(),
        };
        for (field, value) in new {
            self.fields.insert((*field, value.as_str(), id.0), ())?;
            if !pairs.iter().any(|(f, v)| f == field && v == value) {
                pairs.push(((*field).to_owned(), value.clone()));
            }
        }
        let pairs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(f, v)| (f.as_str(), v.as_str()))
            .collect();
        self.declared.insert(id.0, pairs)?;
        Ok(())
    }
}
