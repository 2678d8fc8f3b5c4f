//! The store's tables and how a message's summary is laid out in them.

use messagefoundry_hl7::Path;
use redb::{ReadableDatabase, ReadableTable, TableDefinition};

/// `messages`: id → the bytes exactly as received, in their envelope (see `envelope.rs`).
pub(crate) const MESSAGES: TableDefinition<u64, &[u8]> = TableDefinition::new("messages");
/// `message_info`: id → (inbound, received at (µs since the Unix epoch), MSH-3, MSH-4, MSH-9,
/// MSH-10, MSH-12, parse state, parse error). No patient data: header fields only.
pub(crate) const MESSAGE_INFO: TableDefinition<u64, InfoRow> = TableDefinition::new("message_info");
/// `meta`: key → value; holds the layout version of the file.
pub(crate) const META: TableDefinition<&str, &str> = TableDefinition::new("meta");
/// `dispositions`: id → (disposition code, detail). The message-level disposition.
pub(crate) const DISPOSITIONS: TableDefinition<u64, (u8, &str)> =
    TableDefinition::new("dispositions");
/// `handler_results`: (id, position in the route) → (handler, disposition code, reason).
pub(crate) const HANDLER_RESULTS: TableDefinition<(u64, u32), (&str, u8, &str)> =
    TableDefinition::new("handler_results");
/// `queue`: (outbound, sequence) → (message id, payload, attempts so far, control ID). FIFO
/// per outbound.
pub(crate) const QUEUE: TableDefinition<(&str, u64), QueueRow> = TableDefinition::new("queue");
/// (message id, payload, attempts so far, control ID). The control ID is the payload's MSH-10,
/// which the downstream echoes in MSA-2: written when the copy is queued, so the sender never
/// parses the payload. Empty when it is not known (a payload that did not parse): the sender
/// then reads the payload.
pub(crate) type QueueRow = (u64, &'static [u8], u32, &'static str);
/// `deliveries`: (outbound, sequence) → (message id, delivered at µs, attempts). History.
pub(crate) const DELIVERIES: TableDefinition<(&str, u64), (u64, u64, u32)> =
    TableDefinition::new("deliveries");
/// `dead_letters`: (outbound, sequence) → (message id, payload, attempts, reason, at µs,
/// control ID).
pub(crate) const DEAD_LETTERS: TableDefinition<(&str, u64), DeadLetterRow> =
    TableDefinition::new("dead_letters");

/// (message id, payload, attempts, reason, at µs, control ID). The control ID goes back to the
/// queue with the payload when the letter is replayed.
pub(crate) type DeadLetterRow = (u64, &'static [u8], u32, &'static str, u64, &'static str);
/// `destinations`: (message id, position) → (outbound, handler, queue sequence, payload,
/// queued at µs). Every copy of a message queued for an outbound, by a handler or by the
/// operator (an empty handler), kept after delivery so the operator can see what went where.
/// The payload is empty when it is the message as received. The sequence follows the copy
/// through the queue, the delivery history and the dead letters (a replay moves it).
pub(crate) const DESTINATIONS: TableDefinition<(u64, u32), DestinationRow> =
    TableDefinition::new("destinations");
/// (outbound, handler, queue sequence, payload, queued at µs).
pub(crate) type DestinationRow = (&'static str, &'static str, u64, &'static [u8], u64);
/// `delivery_acks`: (outbound, sequence) → the acknowledgment code that delivered it (AA, CA).
pub(crate) const DELIVERY_ACKS: TableDefinition<(&str, u64), &str> =
    TableDefinition::new("delivery_acks");
/// `edits`: edited message id → (original message id, stored at µs). An operator's edit is a
/// message of its own, stored beside the original, which is never changed.
pub(crate) const EDITS: TableDefinition<u64, (u64, u64)> = TableDefinition::new("edits");
/// `control_ids`: (inbound, MSH-3, MSH-10) → (message id, received at µs), for duplicate
/// detection.
pub(crate) const CONTROL_IDS: TableDefinition<(&str, &str, &str), (u64, u64)> =
    TableDefinition::new("control_ids");

pub(crate) type InfoRow = (
    &'static str,
    u64,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    u8,
    &'static str,
);

/// The layout version written to `meta`; a file with another version is refused. Layout 2 puts
/// every body and payload in an envelope (`envelope.rs`); `migrate.rs` brings layout 1 to it.
pub(crate) const LAYOUT_VERSION: &str = "2";

/// A message's id in the store: monotonic, never reused.
#[derive(
    Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, serde::Serialize, serde::Deserialize,
)]
pub struct MessageId(pub u64);

impl std::fmt::Display for MessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Whether a received frame held a message that parsed.
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub enum ParseState {
    /// It parsed.
    Parsed,
    /// It did not parse; the error is recorded beside it.
    Broken,
    /// It parsed once problems of whitespace and line endings were repaired (a tolerant
    /// inbound); what strict parsing objected to is recorded beside it. The stored bytes are
    /// those received.
    Repaired,
}

/// What the store keeps about a message beside its bytes. Header fields only: no patient data.
#[derive(Clone, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub struct MessageInfo {
    /// The inbound connection's name.
    pub inbound: String,
    /// When it was received, in microseconds since the Unix epoch.
    pub received_at_micros: u64,
    /// MSH-3, sending application.
    pub sending_application: String,
    /// MSH-4, sending facility.
    pub sending_facility: String,
    /// MSH-9, message type.
    pub message_type: String,
    /// MSH-10, message control ID.
    pub control_id: String,
    /// MSH-12, version.
    pub version: String,
    /// Whether it parsed.
    pub parse_state: ParseState,
    /// The parse error (offset and reason) of a broken message, or what was repaired in a
    /// repaired one; empty when it parsed as received.
    pub parse_error: String,
    /// MSH-18 declares ISO-8859-1 and the bytes are UTF-8 with characters past ASCII: the
    /// sender most likely mislabels its messages (an inbound's `charset = utf8` reads them
    /// right).
    #[serde(default)]
    pub utf8_declared_latin1: bool,
}

impl MessageInfo {
    /// The summary of a message that parsed.
    pub fn of(
        inbound: &str,
        received_at_micros: u64,
        msg: &messagefoundry_hl7::Message,
    ) -> MessageInfo {
        MessageInfo {
            inbound: inbound.to_owned(),
            received_at_micros,
            sending_application: msg.get(Path::parse_const("MSH-3")).er7().into_owned(),
            sending_facility: msg.get(Path::parse_const("MSH-4")).er7().into_owned(),
            message_type: msg.get(Path::parse_const("MSH-9")).er7().into_owned(),
            control_id: msg.control_id().to_string(),
            version: msg.get(Path::parse_const("MSH-12")).er7().into_owned(),
            parse_state: ParseState::Parsed,
            parse_error: String::new(),
            utf8_declared_latin1: msg.utf8_declared_latin1(),
        }
    }

    /// The summary of a message that parsed once repaired; `repaired` says what strict parsing
    /// objected to.
    pub fn repaired(
        inbound: &str,
        received_at_micros: u64,
        msg: &messagefoundry_hl7::Message,
        repaired: &messagefoundry_hl7::ParseError,
    ) -> MessageInfo {
        MessageInfo {
            parse_state: ParseState::Repaired,
            parse_error: repaired.to_string(),
            ..MessageInfo::of(inbound, received_at_micros, msg)
        }
    }

    /// The summary of a frame that did not parse.
    pub fn broken(
        inbound: &str,
        received_at_micros: u64,
        error: &dyn std::fmt::Display,
    ) -> MessageInfo {
        MessageInfo {
            inbound: inbound.to_owned(),
            received_at_micros,
            sending_application: String::new(),
            sending_facility: String::new(),
            message_type: String::new(),
            control_id: String::new(),
            version: String::new(),
            parse_state: ParseState::Broken,
            parse_error: error.to_string(),
            utf8_declared_latin1: false,
        }
    }
}

/// Creates the tables if needed, checks the layout version, and returns the next free message
/// id and queue sequence number.
pub(crate) fn initialise(db: &redb::Database) -> Result<(u64, u64), redb::Error> {
    let txn = db.begin_write()?;
    let next = {
        let mut meta = txn.open_table(META)?;
        let existing = meta.get("layout")?.map(|v| v.value().to_owned());
        match existing {
            None => {
                meta.insert("layout", LAYOUT_VERSION)?;
            }
            Some(v) if v == LAYOUT_VERSION => {}
            Some(_) => {
                return Err(redb::Error::Corrupted(
                    "the store file was written by an incompatible version".into(),
                ));
            }
        }
        txn.open_table(MESSAGE_INFO)?;
        txn.open_table(DISPOSITIONS)?;
        txn.open_table(HANDLER_RESULTS)?;
        txn.open_table(QUEUE)?;
        txn.open_table(DELIVERIES)?;
        txn.open_table(DEAD_LETTERS)?;
        txn.open_table(CONTROL_IDS)?;
        txn.open_table(DESTINATIONS)?;
        txn.open_table(DELIVERY_ACKS)?;
        txn.open_table(EDITS)?;
        txn.open_table(super::files::FILE_PROGRESS)?;
        let messages = txn.open_table(MESSAGES)?;
        let next_message = next_message(&meta, &messages)?;
        let next_seq = meta
            .get("next_seq")?
            .and_then(|v| v.value().parse::<u64>().ok())
            .unwrap_or(1);
        (next_message, next_seq)
    };
    super::queue_counters::ensure(&txn)?;
    txn.commit()?;
    Ok(next)
}

/// The id the next stored message gets: after the last one stored, and after the last one
/// pruned (saved in `meta` when a prune deletes the newest messages).
pub(crate) fn next_message(
    meta: &impl ReadableTable<&'static str, &'static str>,
    messages: &impl ReadableTable<u64, &'static [u8]>,
) -> Result<u64, redb::Error> {
    let after_last = messages.last()?.map_or(1, |(k, _)| k.value() + 1);
    Ok(meta
        .get("next_message")?
        .and_then(|v| v.value().parse::<u64>().ok())
        .map_or(after_last, |saved| saved.max(after_last)))
}

/// Writes one message and its summary in an open transaction.
pub(crate) fn insert_message(
    messages: &mut redb::Table<'_, u64, &'static [u8]>,
    infos: &mut redb::Table<'_, u64, InfoRow>,
    id: MessageId,
    raw: &[u8],
    info: &MessageInfo,
) -> Result<(), redb::Error> {
    messages.insert(id.0, raw)?;
    let state = state_byte(info);
    infos.insert(
        id.0,
        (
            info.inbound.as_str(),
            info.received_at_micros,
            info.sending_application.as_str(),
            info.sending_facility.as_str(),
            info.message_type.as_str(),
            info.control_id.as_str(),
            info.version.as_str(),
            state,
            info.parse_error.as_str(),
        ),
    )?;
    Ok(())
}

/// The state byte of a summary row: the parse state and its flag.
pub(crate) fn state_byte(info: &MessageInfo) -> u8 {
    (match info.parse_state {
        ParseState::Parsed => 0u8,
        ParseState::Broken => 1u8,
        ParseState::Repaired => 2u8,
    }) | if info.utf8_declared_latin1 {
        UTF8_DECLARED_LATIN1
    } else {
        0
    }
}

/// A flag beside the parse state in a summary row's state byte: rows written before it existed
/// read as unflagged, so the layout stays the same.
const UTF8_DECLARED_LATIN1: u8 = 0x10;

/// A summary row as a [`MessageInfo`].
pub(crate) fn info_of(row: (&str, u64, &str, &str, &str, &str, &str, u8, &str)) -> MessageInfo {
    let (inbound, at, app, facility, kind, control, version, state, error) = row;
    MessageInfo {
        inbound: inbound.to_owned(),
        received_at_micros: at,
        sending_application: app.to_owned(),
        sending_facility: facility.to_owned(),
        message_type: kind.to_owned(),
        control_id: control.to_owned(),
        version: version.to_owned(),
        parse_state: match state & !UTF8_DECLARED_LATIN1 {
            0 => ParseState::Parsed,
            2 => ParseState::Repaired,
            _ => ParseState::Broken,
        },
        parse_error: error.to_owned(),
        utf8_declared_latin1: state & UTF8_DECLARED_LATIN1 != 0,
    }
}

/// The summaries of the newest messages, newest first; with `before`, only older ids.
pub(crate) fn latest(
    db: &redb::Database,
    before: Option<MessageId>,
    limit: usize,
) -> Result<Vec<(MessageId, MessageInfo)>, redb::Error> {
    let txn = db.begin_read()?;
    let infos = txn.open_table(MESSAGE_INFO)?;
    let upper = before.map_or(u64::MAX, |b| b.0);
    let mut out = Vec::new();
    for row in infos.range(..upper)?.rev().take(limit) {
        let (id, row) = row?;
        out.push((MessageId(id.value()), info_of(row.value())));
    }
    Ok(out)
}

/// Reads a message and its summary.
pub(crate) fn read_message(
    db: &redb::Database,
    id: MessageId,
) -> Result<Option<(MessageInfo, Vec<u8>)>, redb::Error> {
    let txn = db.begin_read()?;
    let messages = txn.open_table(MESSAGES)?;
    let Some(raw) = messages.get(id.0)? else {
        return Ok(None);
    };
    let infos = txn.open_table(MESSAGE_INFO)?;
    let Some(row) = infos.get(id.0)? else {
        return Err(redb::Error::Corrupted(format!(
            "message {id} has no summary row"
        )));
    };
    let info = info_of(row.value());
    Ok(Some((info, raw.value().to_vec())))
}
