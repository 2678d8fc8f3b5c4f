//! The queue rows of layout 1 brought to layout 2: each queued copy and dead letter gains the
//! control ID of its payload (MSH-10, which the downstream echoes in MSA-2), read here once so
//! the sender never reads it. Runs before the migration seals the bodies: a layout-1 payload,
//! and the message it may stand for, are the bytes as received.

use redb::{ReadableTable, TableDefinition, TableError, WriteTransaction};

use super::control_id;
use super::tables::{DEAD_LETTERS, MESSAGES, QUEUE};

/// `queue` as layout 1 wrote it: (message id, payload, attempts).
const QUEUE_V1: TableDefinition<(&str, u64), (u64, &[u8], u32)> = TableDefinition::new("queue");
/// `dead_letters` as layout 1 wrote it.
const DEAD_LETTERS_V1: TableDefinition<(&str, u64), DeadLetterV1> =
    TableDefinition::new("dead_letters");
/// (message id, payload, attempts, reason, at µs).
type DeadLetterV1 = (u64, &'static [u8], u32, &'static str, u64);

/// Rewrites `queue` and `dead_letters` with their control IDs, in one transaction, unless they
/// have them already (a migration interrupted after this step). A payload that does not parse
/// gets an empty control ID, which the sender handles by reading the payload as before.
pub(crate) fn add_control_ids(db: &redb::Database) -> Result<(), redb::Error> {
    let txn = db.begin_write()?;
    let queued = take_v1(&txn, QUEUE_V1, |(message, payload, attempts)| {
        (message, payload.to_vec(), attempts)
    })?;
    if let Some(rows) = queued {
        let mut queue = txn.open_table(QUEUE)?;
        for ((name, seq), (message, payload, attempts)) in rows {
            let control_id = control_id_of(&txn, message, &payload)?;
            let value = (message, payload.as_slice(), attempts, control_id.as_str());
            queue.insert((name.as_str(), seq), value)?;
        }
    }
    let dead = take_v1(
        &txn,
        DEAD_LETTERS_V1,
        |(message, payload, attempts, reason, at)| {
            (message, payload.to_vec(), attempts, reason.to_owned(), at)
        },
    )?;
    if let Some(rows) = dead {
        let mut table = txn.open_table(DEAD_LETTERS)?;
        for ((name, seq), (message, payload, attempts, reason, at)) in rows {
            let control_id = control_id_of(&txn, message, &payload)?;
            let value = (
                message,
                payload.as_slice(),
                attempts,
                reason.as_str(),
                at,
                control_id.as_str(),
            );
            table.insert((name.as_str(), seq), value)?;
        }
    }
    txn.commit()?;
    Ok(())
}

/// Rows of a per-outbound table, owned: ((outbound, sequence), row).
type Rows<T> = Vec<((String, u64), T)>;

/// Every row of a per-outbound table as layout 1 wrote it, owned, and the table deleted so it
/// can be made again with layout 2's rows; `None` when it has layout 2's rows already.
fn take_v1<V, T>(
    txn: &WriteTransaction,
    table: TableDefinition<(&str, u64), V>,
    own: impl Fn(V::SelfType<'_>) -> T,
) -> Result<Option<Rows<T>>, redb::Error>
where
    V: redb::Value + 'static,
{
    let rows = match txn.open_table(table) {
        Ok(opened) => opened
            .iter()?
            .map(|row| {
                let (k, v) = row?;
                let (name, seq) = k.value();
                Ok(((name.to_owned(), seq), own(v.value())))
            })
            .collect::<Result<Vec<_>, redb::Error>>()?,
        Err(TableError::TableTypeMismatch { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    txn.delete_table(table)?;
    Ok(Some(rows))
}

/// The control ID of a layout-1 payload, or of the message as received when it is empty.
fn control_id_of(
    txn: &WriteTransaction,
    message: u64,
    payload: &[u8],
) -> Result<String, redb::Error> {
    if !payload.is_empty() {
        return Ok(control_id::of_stored(payload.to_vec()));
    }
    let messages = txn.open_table(MESSAGES)?;
    Ok(match messages.get(message)? {
        Some(raw) => control_id::of_stored(raw.value().to_vec()),
        None => String::new(),
    })
}
