//! `store verify` of the indexes: every index row names a stored message and holds what that
//! message holds, and every message is in the indexes it belongs to. Problems are counted by
//! kind and name no value (the values are patient data).

use std::collections::BTreeMap;

use redb::{ReadTransaction, ReadableTable};

use super::{CONTROL_ID_FIELD, HEADERS_BUILT, INDEX, INDEX_DECLARED, INDEX_TIME, TYPE_FIELD};
use crate::interface::index::cut;
use crate::store::backup::open;
use crate::store::file_error::{FileError, redb_error};
use crate::store::tables::{MESSAGE_INFO, META};

/// What is wrong with the indexes of the store read by `read`; empty when they are sound.
pub(crate) fn problems(read: &ReadTransaction) -> Result<Vec<String>, FileError> {
    let (Some(meta), Some(infos), Some(index), Some(time), Some(declared)) = (
        open(read, META)?,
        open(read, MESSAGE_INFO)?,
        open(read, INDEX)?,
        open(read, INDEX_TIME)?,
        open(read, INDEX_DECLARED)?,
    ) else {
        // A store written before the indexes existed: they are built when it next opens.
        return Ok(Vec::new());
    };
    if meta.get(HEADERS_BUILT).map_err(redb_error)?.is_none() {
        return Ok(Vec::new());
    }
    let mut found: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut count = |what: &'static str| *found.entry(what).or_default() += 1;
    for row in infos.iter().map_err(redb_error)? {
        let (id, row) = row.map_err(redb_error)?;
        let id = id.value();
        let (_, at, _, _, kind, control, ..) = row.value();
        if time.get((at, id)).map_err(redb_error)?.is_none() {
            count("messages missing from the time index");
        }
        for (field, value) in [(TYPE_FIELD, kind), (CONTROL_ID_FIELD, control)] {
            let value = cut(value);
            if !value.is_empty() && index.get((field, value, id)).map_err(redb_error)?.is_none() {
                count("header values missing from the index");
            }
        }
    }
    for row in time.iter().map_err(redb_error)? {
        let (at, id) = row.map_err(redb_error)?.0.value();
        match infos.get(id).map_err(redb_error)? {
            Some(info) if info.value().1 == at => {}
            _ => count("time index rows that no stored message matches"),
        }
    }
    for row in index.iter().map_err(redb_error)? {
        let (key, _) = row.map_err(redb_error)?;
        let (field, value, id) = key.value();
        let Some(info) = infos.get(id).map_err(redb_error)? else {
            count("index rows that name a message not stored");
            continue;
        };
        let (_, _, _, _, kind, control, ..) = info.value();
        let holds = match field {
            TYPE_FIELD => cut(kind) == value,
            CONTROL_ID_FIELD => cut(control) == value,
            _ => declared
                .get(id)
                .map_err(redb_error)?
                .is_some_and(|row| row.value().contains(&(field, value))),
        };
        if !holds {
            count("index rows that differ from their message");
        }
    }
    for row in declared.iter().map_err(redb_error)? {
        let (id, pairs) = row.map_err(redb_error)?;
        let id = id.value();
        if infos.get(id).map_err(redb_error)?.is_none() {
            count("declared index values kept for a message not stored");
        }
        for (field, value) in pairs.value() {
            if index.get((field, value, id)).map_err(redb_error)?.is_none() {
                count("declared values missing from the index");
            }
        }
    }
    Ok(found
        .into_iter()
        .map(|(what, n)| format!("{n} {what} (`store reindex` rebuilds the indexes)"))
        .collect())
}
