//! Rewriting every stored body, a chunk of rows per transaction, with the position reached
//! recorded in `meta` in the same transaction: what migration to layout 2 and key rotation
//! share. A crash or a kill between chunks loses nothing: the rows of a committed chunk and
//! its position are both there, or neither is, and the next run goes on from the position.

use std::ops::Bound;

use redb::{ReadableTable, WriteTransaction};

use super::envelope::EnvelopeError;
use super::tables::{DEAD_LETTERS, DESTINATIONS, MESSAGES, META, QUEUE};

/// The tables that hold bodies, in the order they are rewritten.
pub(crate) const BODY_TABLES: [&str; 4] = ["messages", "queue", "dead_letters", "destinations"];

/// What a rewrite does to one stored body: a new body to store, or `None` to leave it.
pub(crate) type Recode<'a> = dyn FnMut(&[u8]) -> Result<Option<Vec<u8>>, EnvelopeError> + 'a;

/// Why a rewrite stopped.
#[derive(Debug, thiserror::Error)]
pub(crate) enum RewriteError {
    /// The file failed.
    #[error("{0}")]
    Store(#[from] redb::Error),
    /// One body could not be read; names the row, never its content.
    #[error("{table} row {row}: {error}")]
    Body {
        table: &'static str,
        row: String,
        error: EnvelopeError,
    },
    /// The recorded position is not one this code writes.
    #[error("the recorded position of {0} is damaged")]
    Position(&'static str),
}

impl From<redb::TableError> for RewriteError {
    fn from(e: redb::TableError) -> Self {
        RewriteError::Store(e.into())
    }
}

impl From<redb::StorageError> for RewriteError {
    fn from(e: redb::StorageError) -> Self {
        RewriteError::Store(e.into())
    }
}

/// The `meta` key under which a rewrite named `mark` records its position in `table`.
pub(crate) fn position_key(mark: &str, table: &str) -> String {
    format!("{mark}.{table}")
}

/// What a position says once a table is done.
const DONE: &str = "done";

/// Rewrites the next at most `limit` rows of `table` after the recorded position, in `txn`,
/// and records the new position. Returns how many rows were looked at and whether the table is
/// done. The caller commits.
pub(crate) fn chunk(
    txn: &WriteTransaction,
    mark: &str,
    table: &'static str,
    limit: usize,
    recode: &mut Recode<'_>,
) -> Result<(u64, bool), RewriteError> {
    let key = position_key(mark, table);
    let from = txn
        .open_table(META)?
        .get(key.as_str())?
        .map(|v| v.value().to_owned());
    if from.as_deref() == Some(DONE) {
        return Ok((0, true));
    }
    let from = from.as_deref();
    let (looked, last) = match table {
        "messages" => messages(txn, from, limit, recode)?,
        "queue" => named(txn, table, from, limit, recode)?,
        "dead_letters" => named(txn, table, from, limit, recode)?,
        _ => destinations(txn, from, limit, recode)?,
    };
    let done = looked < limit as u64;
    let position = if done { DONE.to_owned() } else { last };
    txn.open_table(META)?
        .insert(key.as_str(), position.as_str())?;
    Ok((looked, done))
}

/// Forgets the positions of a rewrite, once every table is done (or to start it again).
pub(crate) fn forget(txn: &WriteTransaction, mark: &str) -> Result<(), redb::Error> {
    let mut meta = txn.open_table(META)?;
    for table in BODY_TABLES {
        meta.remove(position_key(mark, table).as_str())?;
    }
    Ok(())
}

/// Applies `recode` to one body, naming the row on failure.
fn recode_row(
    recode: &mut Recode<'_>,
    table: &'static str,
    row: impl FnOnce() -> String,
    body: &[u8],
) -> Result<Option<Vec<u8>>, RewriteError> {
    recode(body).map_err(|error| RewriteError::Body {
        table,
        row: row(),
        error,
    })
}

fn messages(
    txn: &WriteTransaction,
    from: Option<&str>,
    limit: usize,
    recode: &mut Recode<'_>,
) -> Result<(u64, String), RewriteError> {
    let from = match from {
        None => Bound::Unbounded,
        Some(p) => Bound::Excluded(
            p.parse::<u64>()
                .map_err(|_| RewriteError::Position("messages"))?,
        ),
    };
    let mut table = txn.open_table(MESSAGES)?;
    let rows = table
        .range::<u64>((from, Bound::Unbounded))?
        .take(limit)
        .map(|row| row.map(|(k, v)| (k.value(), v.value().to_vec())))
        .collect::<Result<Vec<_>, _>>()?;
    for (id, body) in &rows {
        if let Some(new) = recode_row(recode, "messages", || format!("#{id}"), body)? {
            table.insert(*id, new.as_slice())?;
        }
    }
    let last = rows
        .last()
        .map(|(id, _)| id.to_string())
        .unwrap_or_default();
    Ok((rows.len() as u64, last))
}

/// A position in a table keyed by (outbound, sequence): "sequence:outbound".
fn named_position(p: &str, table: &'static str) -> Result<(String, u64), RewriteError> {
    let (seq, name) = p.split_once(':').ok_or(RewriteError::Position(table))?;
    let seq = seq.parse().map_err(|_| RewriteError::Position(table))?;
    Ok((name.to_owned(), seq))
}

/// The queue or the dead letters: keyed by (outbound, sequence), the payload second.
fn named(
    txn: &WriteTransaction,
    table: &'static str,
    from: Option<&str>,
    limit: usize,
    recode: &mut Recode<'_>,
) -> Result<(u64, String), RewriteError> {
    let from = from.map(|p| named_position(p, table)).transpose()?;
    let lower = match &from {
        None => Bound::Unbounded,
        Some((name, seq)) => Bound::Excluded((name.as_str(), *seq)),
    };
    let mut last = String::new();
    let mut looked = 0;
    if table == "queue" {
        let mut t = txn.open_table(QUEUE)?;
        let rows = t
            .range::<(&str, u64)>((lower, Bound::Unbounded))?
            .take(limit)
            .map(|row| {
                row.map(|(k, v)| {
                    let ((name, seq), (message, payload, attempts, control_id)) =
                        (k.value(), v.value());
                    let value = (message, payload.to_vec(), attempts, control_id.to_owned());
                    ((name.to_owned(), seq), value)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        for ((name, seq), (message, payload, attempts, control_id)) in &rows {
            let row = || format!("{name}/{seq}");
            if let Some(new) = recode_row(recode, "queue", row, payload)? {
                let value = (*message, new.as_slice(), *attempts, control_id.as_str());
                t.insert((name.as_str(), *seq), value)?;
            }
        }
        if let Some(((name, seq), _)) = rows.last() {
            last = format!("{seq}:{name}");
        }
        looked = rows.len() as u64;
    } else {
        let mut t = txn.open_table(DEAD_LETTERS)?;
        let rows = t
            .range::<(&str, u64)>((lower, Bound::Unbounded))?
            .take(limit)
            .map(|row| {
                row.map(|(k, v)| {
                    let ((name, seq), (message, payload, attempts, reason, at, control_id)) =
                        (k.value(), v.value());
                    let value = (
                        message,
                        payload.to_vec(),
                        attempts,
                        reason.to_owned(),
                        at,
                        control_id.to_owned(),
                    );
                    ((name.to_owned(), seq), value)
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        for ((name, seq), (message, payload, attempts, reason, at, control_id)) in &rows {
            let row = || format!("{name}/{seq}");
            if let Some(new) = recode_row(recode, "dead_letters", row, payload)? {
                let value = (
                    *message,
                    new.as_slice(),
                    *attempts,
                    reason.as_str(),
                    *at,
                    control_id.as_str(),
                );
                t.insert((name.as_str(), *seq), value)?;
            }
        }
        if let Some(((name, seq), _)) = rows.last() {
            last = format!("{seq}:{name}");
        }
        looked += rows.len() as u64;
    }
    Ok((looked, last))
}

fn destinations(
    txn: &WriteTransaction,
    from: Option<&str>,
    limit: usize,
    recode: &mut Recode<'_>,
) -> Result<(u64, String), RewriteError> {
    let bad = || RewriteError::Position("destinations");
    let lower = match from {
        None => Bound::Unbounded,
        Some(p) => {
            let (id, at) = p.split_once(':').ok_or_else(bad)?;
            Bound::Excluded((
                id.parse::<u64>().map_err(|_| bad())?,
                at.parse::<u32>().map_err(|_| bad())?,
            ))
        }
    };
    let mut t = txn.open_table(DESTINATIONS)?;
    let rows = t
        .range::<(u64, u32)>((lower, Bound::Unbounded))?
        .take(limit)
        .map(|row| {
            row.map(|(k, v)| {
                let (outbound, handler, seq, payload, at) = v.value();
                let value = (
                    outbound.to_owned(),
                    handler.to_owned(),
                    seq,
                    payload.to_vec(),
                    at,
                );
                (k.value(), value)
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    for ((id, position), (outbound, handler, seq, payload, at)) in &rows {
        let row = || format!("#{id}/{position}");
        if let Some(new) = recode_row(recode, "destinations", row, payload)? {
            let value = (
                outbound.as_str(),
                handler.as_str(),
                *seq,
                new.as_slice(),
                *at,
            );
            t.insert((*id, *position), value)?;
        }
    }
    let last = rows
        .last()
        .map(|((id, position), _)| format!("{id}:{position}"))
        .unwrap_or_default();
    Ok((rows.len() as u64, last))
}

/// How many rows the body tables hold, for progress.
pub(crate) fn total_rows(txn: &WriteTransaction) -> Result<u64, redb::Error> {
    use redb::ReadableTableMetadata;
    Ok(txn.open_table(MESSAGES)?.len()?
        + txn.open_table(QUEUE)?.len()?
        + txn.open_table(DEAD_LETTERS)?.len()?
        + txn.open_table(DESTINATIONS)?.len()?)
}

/// How many rows one rewrite transaction takes: small enough that a writer waiting beside a
/// rotation waits little, large enough that the fsyncs do not dominate.
pub(crate) const CHUNK: usize = 500;

/// Rewrites every body table to the end, `limit` rows per transaction from the recorded positions,
/// then runs `finish` and forgets the positions in one last transaction. `progress` hears
/// (rows done, rows in all) after each chunk; `cancel` is looked at between chunks, and a
/// cancelled rewrite returns `Ok(false)` with its position kept.
pub(crate) fn run(
    db: &redb::Database,
    mark: &str,
    limit: usize,
    recode: &mut Recode<'_>,
    progress: &mut dyn FnMut(u64, u64),
    cancel: &dyn Fn() -> bool,
    finish: &dyn Fn(&WriteTransaction) -> Result<(), redb::Error>,
) -> Result<bool, RewriteError> {
    let total = {
        let txn = db.begin_write().map_err(redb::Error::from)?;
        total_rows(&txn)?
    };
    let mut done = 0;
    for table in BODY_TABLES {
        loop {
            if cancel() {
                return Ok(false);
            }
            let txn = db.begin_write().map_err(redb::Error::from)?;
            let (looked, table_done) = chunk(&txn, mark, table, limit, recode)?;
            txn.commit().map_err(redb::Error::from)?;
            // A table done by an earlier run looks at nothing: no step to report.
            if looked > 0 {
                done += looked;
                progress(done.min(total), total);
            }
            if table_done {
                break;
            }
        }
    }
    let txn = db.begin_write().map_err(redb::Error::from)?;
    finish(&txn)?;
    forget(&txn, mark)?;
    txn.commit().map_err(redb::Error::from)?;
    Ok(true)
}
