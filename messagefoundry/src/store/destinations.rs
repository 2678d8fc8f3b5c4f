//! Where each copy of a message went: one row per copy queued for an outbound (by a handler or
//! by the operator), and its delivery state read from the queue, the delivery history and the
//! dead letters.

use redb::{ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};

use super::QueueKey;
use super::tables::{
    DEAD_LETTERS, DELIVERIES, DELIVERY_ACKS, DESTINATIONS, DestinationRow, EDITS, MessageId, QUEUE,
};

/// Who queued a copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SendOrigin {
    /// A handler's send, named.
    Handler(String),
    /// The operator (`messages resend`, or `messages edit --to`).
    Operator,
}

impl SendOrigin {
    /// As stored: the handler's name, or empty for the operator (a handler's name never is).
    fn column(&self) -> &str {
        match self {
            SendOrigin::Handler(name) => name,
            SendOrigin::Operator => "",
        }
    }

    fn of_column(column: &str) -> SendOrigin {
        if column.is_empty() {
            SendOrigin::Operator
        } else {
            SendOrigin::Handler(column.to_owned())
        }
    }
}

/// Where a copy is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DestinationState {
    /// Waiting in its outbound's queue.
    Queued {
        /// Attempts so far that the downstream answered AE/CE (connection failures do not
        /// count).
        attempts: u32,
        /// Entries ahead of it in the queue.
        ahead: u64,
    },
    /// Acknowledged positively.
    Delivered {
        /// When, µs since the Unix epoch.
        at_micros: u64,
        /// Attempts it took.
        attempts: u32,
        /// The acknowledgment code (AA, CA); empty when the store predates it.
        ack: String,
    },
    /// Failed for good.
    DeadLettered {
        /// When, µs since the Unix epoch.
        at_micros: u64,
        /// Attempts made.
        attempts: u32,
        /// Why (no patient data).
        reason: String,
    },
    /// In none of the queue, the history or the dead letters (history pruned).
    Unknown,
}

/// The kind of a [`DestinationState`], to search by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StateKind {
    /// [`DestinationState::Queued`].
    Queued,
    /// [`DestinationState::Delivered`].
    Delivered,
    /// [`DestinationState::DeadLettered`].
    Dead,
}

impl StateKind {
    /// Every kind, in the order a message moves through them.
    pub const ALL: [StateKind; 3] = [StateKind::Queued, StateKind::Delivered, StateKind::Dead];

    /// Its name on the command line: `queued`, `delivered`, `dead`.
    pub fn as_str(self) -> &'static str {
        match self {
            StateKind::Queued => "queued",
            StateKind::Delivered => "delivered",
            StateKind::Dead => "dead",
        }
    }

    /// The kind named (in any case).
    pub fn from_name(name: &str) -> Option<StateKind> {
        StateKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(name))
    }
}

impl DestinationState {
    /// Its kind; `None` for [`DestinationState::Unknown`].
    pub fn kind(&self) -> Option<StateKind> {
        match self {
            DestinationState::Queued { .. } => Some(StateKind::Queued),
            DestinationState::Delivered { .. } => Some(StateKind::Delivered),
            DestinationState::DeadLettered { .. } => Some(StateKind::Dead),
            DestinationState::Unknown => None,
        }
    }
}

/// One copy of a message queued for an outbound, and where it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destination {
    /// Its outbound and its place in that outbound's FIFO.
    pub key: QueueKey,
    /// Who queued it.
    pub origin: SendOrigin,
    /// When it was queued, µs since the Unix epoch.
    pub queued_at_micros: u64,
    /// What was queued, when it differs from the message as received (patient data).
    pub payload: Option<Vec<u8>>,
    /// Where it is now.
    pub state: DestinationState,
}

/// Writes the row of a copy just queued, after the message's other rows.
pub(crate) fn record(
    table: &mut redb::Table<'_, (u64, u32), DestinationRow>,
    message: MessageId,
    key: &QueueKey,
    origin: &SendOrigin,
    payload: &[u8],
    at_micros: u64,
) -> Result<(), redb::Error> {
    let next = table
        .range((message.0, 0u32)..=(message.0, u32::MAX))?
        .next_back()
        .transpose()?
        .map_or(0, |(k, _)| k.value().1 + 1);
    table.insert(
        (message.0, next),
        (
            key.outbound.as_str(),
            origin.column(),
            key.seq,
            payload,
            at_micros,
        ),
    )?;
    Ok(())
}

/// Points the row of a replayed copy at its new place in the queue.
pub(crate) fn moved(
    table: &mut redb::Table<'_, (u64, u32), DestinationRow>,
    message: MessageId,
    from: &QueueKey,
    to: u64,
) -> Result<(), redb::Error> {
    let mut found = None;
    for row in table.range((message.0, 0u32)..=(message.0, u32::MAX))? {
        let (key, value) = row?;
        let (outbound, _, seq, _, _) = value.value();
        if outbound == from.outbound && seq == from.seq {
            found = Some(key.value().1);
        }
    }
    let Some(n) = found else {
        // A copy queued before rows were kept: nothing to follow.
        return Ok(());
    };
    let row = table.get((message.0, n))?.map(|v| {
        let (outbound, handler, _, payload, at) = v.value();
        (
            outbound.to_owned(),
            handler.to_owned(),
            payload.to_vec(),
            at,
        )
    });
    if let Some((outbound, handler, payload, at)) = row {
        table.insert(
            (message.0, n),
            (
                outbound.as_str(),
                handler.as_str(),
                to,
                payload.as_slice(),
                at,
            ),
        )?;
    }
    Ok(())
}

/// The payload of the last copy of `message` queued for `outbound` (empty: the message as
/// received), if any was.
pub(crate) fn last_payload(
    table: &impl ReadableTable<(u64, u32), DestinationRow>,
    message: MessageId,
    outbound: &str,
) -> Result<Option<Vec<u8>>, redb::Error> {
    let mut last = None;
    for row in table.range((message.0, 0u32)..=(message.0, u32::MAX))? {
        let (_, value) = row?;
        let (name, _, _, payload, _) = value.value();
        if name == outbound {
            last = Some(payload.to_vec());
        }
    }
    Ok(last)
}

/// Every copy of a message, in the order queued, with its state now.
pub(crate) fn read(
    db: &redb::Database,
    message: MessageId,
) -> Result<Vec<Destination>, redb::Error> {
    copies(db, message, true)
}

/// The outbound and the kind of state of every copy of a message: what a search asks, without
/// counting the entries ahead of a queued copy (a scan of its queue).
pub(crate) fn kinds(
    db: &redb::Database,
    message: MessageId,
) -> Result<Vec<(String, Option<StateKind>)>, redb::Error> {
    Ok(copies(db, message, false)?
        .into_iter()
        .map(|c| (c.key.outbound, c.state.kind()))
        .collect())
}

/// Every copy of a message; with `place`, how many entries are ahead of each queued one
/// (else none are counted, and `ahead` reads 0).
fn copies(
    db: &redb::Database,
    message: MessageId,
    place: bool,
) -> Result<Vec<Destination>, redb::Error> {
    let txn = db.begin_read()?;
    let rows = txn.open_table(DESTINATIONS)?;
    let queue = txn.open_table(QUEUE)?;
    let deliveries = txn.open_table(DELIVERIES)?;
    let acks = txn.open_table(DELIVERY_ACKS)?;
    let dead = txn.open_table(DEAD_LETTERS)?;
    let mut out = Vec::new();
    for row in rows.range((message.0, 0u32)..=(message.0, u32::MAX))? {
        let (_, value) = row?;
        let (outbound, handler, seq, payload, at) = value.value();
        let at_key = (outbound, seq);
        let state = if let Some(entry) = queue.get(at_key)? {
            let mut ahead = 0;
            if place {
                for earlier in queue.range((outbound, 0u64)..(outbound, seq))? {
                    earlier?;
                    ahead += 1;
                }
            }
            DestinationState::Queued {
                attempts: entry.value().2,
                ahead,
            }
        } else if let Some(done) = deliveries.get(at_key)? {
            let (_, at_micros, attempts) = done.value();
            DestinationState::Delivered {
                at_micros,
                attempts,
                ack: acks
                    .get(at_key)?
                    .map(|a| a.value().to_owned())
                    .unwrap_or_default(),
            }
        } else if let Some(failed) = dead.get(at_key)? {
            let (_, _, attempts, reason, at_micros, _) = failed.value();
            DestinationState::DeadLettered {
                at_micros,
                attempts,
                reason: reason.to_owned(),
            }
        } else {
            DestinationState::Unknown
        };
        out.push(Destination {
            key: QueueKey {
                outbound: outbound.to_owned(),
                seq,
            },
            origin: SendOrigin::of_column(handler),
            queued_at_micros: at,
            payload: (!payload.is_empty()).then(|| payload.to_vec()),
            state,
        });
    }
    Ok(out)
}

/// The message an edit was made from, and the edits made from a message, oldest first.
pub(crate) fn edits(
    db: &redb::Database,
    message: MessageId,
) -> Result<(Option<MessageId>, Vec<MessageId>), redb::Error> {
    let txn = db.begin_read()?;
    let table = txn.open_table(EDITS)?;
    let of = table.get(message.0)?.map(|v| MessageId(v.value().0));
    // Edits are rare (an operator's hand work), so a scan is cheap.
    let mut made = Vec::new();
    for row in table.iter()? {
        let (edit, value) = row?;
        if value.value().0 == message.0 {
            made.push(MessageId(edit.value()));
        }
    }
    Ok((of, made))
}
