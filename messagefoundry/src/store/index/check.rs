//! `store verify` of the indexes: every index row names a stored message and holds what that
//! message holds, and every message is in the indexes it belongs to. Where a body opens (its
//! key given), its declared values are read from it again and compared with the rows, as
//! text or as digests under a key given. Problems are counted by kind and name no value (the
//! values are patient data).

use std::collections::BTreeMap;

use redb::{ReadTransaction, ReadableTable};

use super::rekey::fields_named;
use super::{
    CONTROL_ID_FIELD, HEADERS_BUILT, INDEX, INDEX_BUILT, INDEX_DECLARED, INDEX_TIME, TYPE_FIELD,
    digest,
};
use crate::interface::index::{cut, values_at};
use crate::store::backup::open;
use crate::store::envelope::Codec;
use crate::store::file_error::{FileError, redb_error};
use crate::store::tables::{MESSAGE_INFO, MESSAGES, META};

/// What is wrong with the indexes of the store read by `read`, opening bodies with `codec`;
/// empty when they are sound.
pub(crate) fn problems(read: &ReadTransaction, codec: &Codec) -> Result<Vec<String>, FileError> {
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
    for what in against_bodies(read, codec)? {
        count(what);
    }
    Ok(found
        .into_iter()
        .map(|(what, n)| format!("{n} {what} (`store reindex` rebuilds the indexes)"))
        .collect())
}

/// Compares each message's declared rows with the values its body gives the fields built for
/// its inbound: one problem per value missing or row unmatched.
fn against_bodies(read: &ReadTransaction, codec: &Codec) -> Result<Vec<&'static str>, FileError> {
    let (Some(infos), Some(messages), Some(declared), Some(built)) = (
        open(read, MESSAGE_INFO)?,
        open(read, MESSAGES)?,
        open(read, INDEX_DECLARED)?,
        open(read, INDEX_BUILT)?,
    ) else {
        return Ok(Vec::new());
    };
    let mut fields_of: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for row in built.iter().map_err(redb_error)? {
        let key = row.map_err(redb_error)?.0;
        let (inbound, field) = key.value();
        fields_of
            .entry(inbound.to_owned())
            .or_default()
            .push(field.to_owned());
    }
    let mut found = Vec::new();
    for row in infos.iter().map_err(redb_error)? {
        let (id, info) = row.map_err(redb_error)?;
        let id = id.value();
        let inbound = info.value().0;
        let Some(fields) = fields_of.get(inbound) else {
            continue;
        };
        let Some(body) = messages.get(id).map_err(redb_error)? else {
            continue;
        };
        // A body whose key is not given, or damaged (the body check names it), is not read.
        let Ok(body) = codec.open(body.value()) else {
            continue;
        };
        let expected: Vec<(&str, String)> = match messagefoundry_hl7::Message::parse_tolerant(body)
        {
            Ok(msg) => values_at(fields_named(fields.iter().map(String::as_str)), &msg),
            Err(_) => Vec::new(),
        };
        let stored: Vec<(String, String)> = match declared.get(id).map_err(redb_error)? {
            Some(row) => row
                .value()
                .into_iter()
                .filter(|(f, _)| fields.iter().any(|b| b == f))
                .map(|(f, v)| (f.to_owned(), v.to_owned()))
                .collect(),
            None => Vec::new(),
        };
        let forms: Vec<(&str, Vec<String>)> = expected
            .iter()
            .map(|(f, v)| (*f, digest::forms(codec, f, v)))
            .collect();
        for (field, forms) in &forms {
            if !stored.iter().any(|(f, v)| f == field && forms.contains(v)) {
                found.push("declared values of a message missing from its index rows");
            }
        }
        for (field, value) in &stored {
            if !forms
                .iter()
                .any(|(f, forms)| f == field && forms.contains(value))
            {
                found.push("declared index values that no value of their message gives");
            }
        }
    }
    Ok(found)
}
