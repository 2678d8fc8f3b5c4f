//! `store verify`: opens a store file read-only (a backup, or a stopped engine's store) and
//! checks it: the layout version, every row of every table read and decoded, the queue
//! counters against a scan of the queue, that every message the queues and the dead letters
//! name is stored, and that no message the routed watermark passed lacks a disposition.

use std::collections::BTreeMap;
use std::path::Path;

use redb::{Key, ReadTransaction, ReadableDatabase, ReadableTable, TableDefinition, Value};

use super::backup::{open, rows, unknown_tables};
use super::every_table::{TableVisitor, name_of, visit_all};
use super::file_error::{FileError, opening, redb_error};
use super::queue_counters::{self, QUEUE_COUNTERS};
use super::tables::{
    DEAD_LETTERS, DISPOSITIONS, LAYOUT_VERSION, MESSAGE_INFO, MESSAGES, META, QUEUE,
};

/// What verify found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The layout version the file says it has.
    pub layout: String,
    /// Each table present, with its rows, in the order of the layout.
    pub tables: Vec<(&'static str, u64)>,
    /// Messages stored.
    pub messages: u64,
    /// Entries queued, over every outbound.
    pub queued: u64,
    /// Whether the file keeps queue counters (a store written before they existed does not;
    /// they are built when it next opens).
    pub counters_kept: bool,
    /// Bodies encrypted, by key id (hex).
    pub sealed: Vec<(String, u64)>,
    /// Bodies not decrypted because their key was not given, by key id (hex).
    pub unopened: Vec<(String, u64)>,
    /// What is wrong; empty when the file is sound.
    pub problems: Vec<String>,
}

/// Checks the store file at `path` (see the module's doc), without keys. Blocking.
#[cfg(any(test, feature = "test-support"))]
pub fn verify(path: &Path, progress: super::backup::RowsDone<'_>) -> Result<Verified, FileError> {
    verify_with_keys(path, &super::KeySettings::default(), progress)
}

/// Checks the store file at `path` (see the module's doc), decrypting bodies sealed under the
/// keys of `keys`. Blocking.
pub fn verify_with_keys(
    path: &Path,
    keys: &super::KeySettings,
    progress: super::backup::RowsDone<'_>,
) -> Result<Verified, FileError> {
    let codec = super::envelope::Codec::from_settings(keys)
        .map_err(|e| FileError::Refused(e.to_string()))?;
    if !path.is_file() {
        return Err(FileError::Refused(format!(
            "{} is not a file",
            path.display()
        )));
    }
    let db = redb::ReadOnlyDatabase::open(path)
        .map_err(|e| opening(path, e, "verify a backup, or stop serve first"))?;
    let read = db.begin_read().map_err(redb_error)?;
    let mut problems: Vec<String> = unknown_tables(&read)?
        .into_iter()
        .map(|name| format!("a table this version does not know: `{name}`"))
        .collect();
    let layout = match open(&read, META)? {
        Some(meta) => meta
            .get("layout")
            .map_err(redb_error)?
            .map(|v| v.value().to_owned())
            .unwrap_or_default(),
        None => String::new(),
    };
    if layout != LAYOUT_VERSION {
        // The tables of another layout have other row types: reading them with this layout's
        // would fail on the first row, so say what the file is and how to bring it here.
        problems.push(format!(
            "layout version {layout:?}; this version reads {LAYOUT_VERSION:?} \
             (`store migrate` brings an earlier layout to it: on a copy, if this is a backup)"
        ));
        return Ok(Verified {
            sealed: Default::default(),
            unopened: Default::default(),
            layout,
            messages: 0,
            queued: 0,
            counters_kept: false,
            tables: Vec::new(),
            problems,
        });
    }
    let mut reader = Reader {
        read: &read,
        tables: Vec::new(),
        progress,
        done: 0,
        total: rows(&read)?,
    };
    visit_all(&mut reader)?;
    let tables = reader.tables;
    let rows_of = |name: &str| tables.iter().find(|t| t.0 == name).map_or(0, |t| t.1);
    let messages = rows_of("messages");
    if rows_of("message_info") != messages {
        problems.push(format!(
            "{messages} messages but {} summaries",
            rows_of("message_info")
        ));
    }
    problems.extend(missing_messages(&read)?);
    problems.extend(super::index::problems(&read, &codec)?);
    let counters_kept = match open(&read, META)? {
        Some(meta) => queue_counters::kept(&meta)?,
        None => false,
    };
    if counters_kept {
        problems.extend(counter_problems(&read)?);
    }
    let bodies = super::verify_bodies::check(&read, &codec)?;
    problems.extend(bodies.problems);
    let by_key = |m: std::collections::BTreeMap<super::KeyId, u64>| {
        m.into_iter().map(|(k, n)| (k.to_string(), n)).collect()
    };
    Ok(Verified {
        sealed: by_key(bodies.sealed),
        unopened: by_key(bodies.unopened),
        layout,
        messages,
        queued: rows_of("queue"),
        counters_kept,
        tables,
        problems,
    })
}

/// Reads and decodes every row of each table.
struct Reader<'a, 'p> {
    read: &'a ReadTransaction,
    tables: Vec<(&'static str, u64)>,
    progress: super::backup::RowsDone<'p>,
    done: u64,
    total: u64,
}

impl TableVisitor for Reader<'_, '_> {
    type Error = FileError;

    fn visit<K: Key + 'static, V: Value + 'static>(
        &mut self,
        def: TableDefinition<'static, K, V>,
    ) -> Result<(), FileError> {
        let Some(table) = open(self.read, def)? else {
            return Ok(());
        };
        let mut rows = 0u64;
        for row in table.iter().map_err(redb_error)? {
            let (key, value) = row.map_err(redb_error)?;
            // Decoded, not only found: a row that does not decode is a problem found here.
            let _ = (key.value(), value.value());
            rows += 1;
            self.done += 1;
            if self.done.is_multiple_of(2_000) {
                (self.progress)(self.done, self.total);
            }
        }
        self.tables.push((name_of(&def), rows));
        Ok(())
    }
}

/// Queue entries, dead letters and messages waiting to be routed whose message is not stored.
fn missing_messages(read: &ReadTransaction) -> Result<Vec<String>, FileError> {
    let Some(messages) = open(read, MESSAGES)? else {
        return Ok(Vec::new());
    };
    let mut missing: BTreeMap<&str, u64> = BTreeMap::new();
    let stored = |id: u64| -> Result<bool, FileError> {
        Ok(messages.get(id).map_err(redb_error)?.is_some())
    };
    if let Some(queue) = open(read, QUEUE)? {
        for row in queue.iter().map_err(redb_error)? {
            if !stored(row.map_err(redb_error)?.1.value().0)? {
                *missing.entry("queue entries").or_default() += 1;
            }
        }
    }
    if let Some(dead) = open(read, DEAD_LETTERS)? {
        for row in dead.iter().map_err(redb_error)? {
            if !stored(row.map_err(redb_error)?.1.value().0)? {
                *missing.entry("dead letters").or_default() += 1;
            }
        }
    }
    let mut problems: Vec<String> = missing
        .into_iter()
        .map(|(what, n)| format!("{n} {what} name a message that is not stored"))
        .collect();
    problems.extend(stranded(read)?);
    Ok(problems)
}

/// Messages at or below the routed watermark without a disposition: a restart would never
/// route them.
fn stranded(read: &ReadTransaction) -> Result<Option<String>, FileError> {
    let (Some(meta), Some(infos), Some(dispositions)) = (
        open(read, META)?,
        open(read, MESSAGE_INFO)?,
        open(read, DISPOSITIONS)?,
    ) else {
        return Ok(None);
    };
    let mark = meta
        .get(super::unrouted::ROUTED_THROUGH)
        .map_err(redb_error)?
        .and_then(|v| v.value().parse::<u64>().ok())
        .unwrap_or(0);
    let mut stranded = 0u64;
    for row in infos.range(..=mark).map_err(redb_error)? {
        let id = row.map_err(redb_error)?.0.value();
        if dispositions.get(id).map_err(redb_error)?.is_none() {
            stranded += 1;
        }
    }
    Ok((stranded > 0).then(|| {
        format!(
            "{stranded} messages at or below the routed watermark (#{mark}) have no disposition: they would never be routed"
        )
    }))
}

/// Where the queue counters differ from a scan of the queue.
fn counter_problems(read: &ReadTransaction) -> Result<Vec<String>, FileError> {
    let (Some(queue), Some(infos), Some(counters)) = (
        open(read, QUEUE)?,
        open(read, MESSAGE_INFO)?,
        open(read, QUEUE_COUNTERS)?,
    ) else {
        return Ok(vec![
            "the queue counters are marked kept but missing".into(),
        ]);
    };
    let counted = queue_counters::scan(&queue, &infos)?;
    let kept = queue_counters::stored(&counters)?;
    let mut outbounds: Vec<&String> = counted.keys().chain(kept.keys()).collect();
    outbounds.sort();
    outbounds.dedup();
    Ok(outbounds
        .into_iter()
        .filter_map(|o| {
            let (c, k) = (counted.get(o).copied(), kept.get(o).copied());
            (c != k).then(|| {
                let depth = |q: Option<queue_counters::QueueCount>| q.map_or(0, |q| q.depth);
                format!(
                    "queue counter of {o}: {} queued, head received at {:?}; the queue holds {}, head received at {:?}",
                    depth(k),
                    k.and_then(|q| q.head_received_at_micros),
                    depth(c),
                    c.and_then(|q| q.head_received_at_micros),
                )
            })
        })
        .collect())
}
