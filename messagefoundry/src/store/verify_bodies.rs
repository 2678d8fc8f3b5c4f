//! `store verify` on layout 2: every stored body's envelope is read and opened (decrypted
//! when its key is given, decompressed), so a damaged body is found by the check and not by
//! the engine. Bodies sealed under a key not given are counted by key, not opened.

use std::collections::BTreeMap;

use redb::{ReadTransaction, ReadableTable};

use super::backup::open;
use super::envelope::{Codec, EnvelopeError};
use super::file_error::{FileError, redb_error};
use super::keys::KeyId;
use super::tables::{DEAD_LETTERS, DESTINATIONS, MESSAGES, QUEUE};

/// What the bodies held.
#[derive(Debug, Default)]
pub(crate) struct Bodies {
    /// Bodies sealed, by key id.
    pub sealed: BTreeMap<KeyId, u64>,
    /// Bodies not opened because their key was not given, by key id.
    pub unopened: BTreeMap<KeyId, u64>,
    /// Bodies that do not open, by table (a count and the first row's name).
    pub problems: Vec<String>,
}

/// Opens every body of the body tables.
pub(crate) fn check(read: &ReadTransaction, codec: &Codec) -> Result<Bodies, FileError> {
    let mut bodies = Bodies::default();
    let mut bad: BTreeMap<&'static str, (u64, String, EnvelopeError)> = BTreeMap::new();
    let mut one = |table: &'static str, row: &dyn Fn() -> String, body: &[u8]| {
        if let Ok(Some(key)) = Codec::key_of(body) {
            *bodies.sealed.entry(key).or_default() += 1;
        }
        match codec.open(body) {
            Ok(_) => {}
            Err(EnvelopeError::MissingKey(key)) => *bodies.unopened.entry(key).or_default() += 1,
            Err(e) => {
                bad.entry(table).or_insert_with(|| (0, row(), e)).0 += 1;
            }
        }
    };
    if let Some(t) = open(read, MESSAGES)? {
        for row in t.iter().map_err(redb_error)? {
            let (k, v) = row.map_err(redb_error)?;
            one("messages", &|| format!("#{}", k.value()), v.value());
        }
    }
    if let Some(t) = open(read, QUEUE)? {
        for row in t.iter().map_err(redb_error)? {
            let (k, v) = row.map_err(redb_error)?;
            let (name, seq) = k.value();
            one("queue", &|| format!("{name}/{seq}"), v.value().1);
        }
    }
    if let Some(t) = open(read, DEAD_LETTERS)? {
        for row in t.iter().map_err(redb_error)? {
            let (k, v) = row.map_err(redb_error)?;
            let (name, seq) = k.value();
            one("dead_letters", &|| format!("{name}/{seq}"), v.value().1);
        }
    }
    if let Some(t) = open(read, DESTINATIONS)? {
        for row in t.iter().map_err(redb_error)? {
            let (k, v) = row.map_err(redb_error)?;
            let (id, at) = k.value();
            one("destinations", &|| format!("#{id}/{at}"), v.value().3);
        }
    }
    bodies.problems = bad
        .into_iter()
        .map(|(table, (n, first, e))| {
            format!("{n} body(ies) in {table} do not open (first: {first}): {e}")
        })
        .collect();
    Ok(bodies)
}
