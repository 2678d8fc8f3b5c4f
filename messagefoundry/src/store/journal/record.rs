//! One journal record: the messages of one group of received messages, as the writer stored
//! them, with the first id it gave them.
//!
//! Layout (little endian): body length (u32), checksum (8 bytes), first id (u64), message
//! count (u32), then each message. The checksum is the first 8 bytes of the SHA-256 of the
//! store's journal id and everything else, so a torn write, the zeros of a fresh file, the
//! bytes of an older record and the records of another store (a new file made in the place of
//! a deleted one) all fail it. A message is stored as the writer got it: its body already in its
//! envelope, its index values already digests on an encrypted store.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::store::{Dedupe, Incoming, MessageInfo, tables};

/// Bytes before the body: length, checksum, first id, count.
pub(super) const HEADER: usize = 4 + 8 + 8 + 4;

/// The random id of a store, which its journal's checksums cover.
pub(super) type StoreId = [u8; 16];

/// Appends the record of `messages`, the first of which gets id `first`, for the store `id`,
/// to `out`.
pub(super) fn encode(id: &StoreId, first: u64, messages: &[&Incoming], out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&[0; 12]);
    out.extend_from_slice(&first.to_le_bytes());
    out.extend_from_slice(&(messages.len() as u32).to_le_bytes());
    for one in messages {
        put_incoming(out, one);
    }
    let body = (out.len() - start - HEADER) as u32;
    out[start..start + 4].copy_from_slice(&body.to_le_bytes());
    let sum = checksum(&[id, &out[start..start + 4], &out[start + 12..]]);
    out[start + 4..start + 12].copy_from_slice(&sum);
}

/// What a record's header says, once its checksum is known to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Header {
    /// The body's length.
    pub body: usize,
    /// The id of its first message.
    pub first: u64,
    /// How many messages it holds.
    pub count: u64,
}

/// The body length a header announces (zero: no record here).
pub(super) fn body_len(header: &[u8; HEADER]) -> usize {
    u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize
}

/// Checks a whole record (header and body) of the store `id`; `None` when its checksum fails.
pub(super) fn check(id: &StoreId, header: &[u8; HEADER], body: &[u8]) -> Option<Header> {
    if body.len() != body_len(header)
        || checksum(&[id, &header[..4], &header[12..], body]) != header[4..12]
    {
        return None;
    }
    let mut at = Reader {
        bytes: &header[12..],
    };
    Some(Header {
        body: body.len(),
        first: at.u64().ok()?,
        count: u64::from(at.u32().ok()?),
    })
}

/// The messages of a checked record's body.
pub(super) fn messages(body: &[u8], count: u64, names: &Names) -> Result<Vec<Incoming>, Bad> {
    let mut at = Reader { bytes: body };
    let messages = (0..count)
        .map(|_| get_incoming(&mut at, names))
        .collect::<Result<Vec<_>, _>>()?;
    if !at.bytes.is_empty() {
        return Err(Bad);
    }
    Ok(messages)
}

/// The first 8 bytes of the SHA-256 of `parts`, one after the other.
fn checksum(parts: &[&[u8]]) -> [u8; 8] {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for part in parts {
        context.update(part);
    }
    let digest = context.finish();
    let mut sum = [0; 8];
    sum.copy_from_slice(&digest.as_ref()[..8]);
    sum
}

/// A record whose body does not read as messages (it passed its checksum, so it was written
/// by another version of the engine).
#[derive(Debug)]
pub(crate) struct Bad;

/// The names of indexed fields, which the engine keeps as `&'static str`: each distinct name
/// read back from a journal is kept once for the life of the process (an inbound declares a
/// handful).
#[derive(Default)]
pub(super) struct Names(Mutex<HashMap<Arc<str>, &'static str>>);

impl Names {
    fn get(&self, name: &str) -> &'static str {
        let mut names = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(kept) = names.get(name) {
            return kept;
        }
        let kept: &'static str = Box::leak(name.to_owned().into_boxed_str());
        names.insert(Arc::from(name), kept);
        kept
    }
}

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

fn put_incoming(out: &mut Vec<u8>, one: &Incoming) {
    put_bytes(out, one.inbound.as_bytes());
    put_bytes(out, &one.raw);
    let info = &one.info;
    for text in [
        &info.inbound,
        &info.sending_application,
        &info.sending_facility,
        &info.message_type,
        &info.control_id,
        &info.version,
        &info.parse_error,
    ] {
        put_bytes(out, text.as_bytes());
    }
    out.extend_from_slice(&info.received_at_micros.to_le_bytes());
    out.push(tables::state_byte(info));
    match &one.refused {
        Some(reason) => {
            out.push(1);
            put_bytes(out, reason.as_bytes());
        }
        None => out.push(0),
    }
    match &one.dedupe {
        Some(d) => {
            out.push(1);
            put_bytes(out, d.sending_application.as_bytes());
            put_bytes(out, d.control_id.as_bytes());
            out.extend_from_slice(&d.window_micros.to_le_bytes());
        }
        None => out.push(0),
    }
    out.extend_from_slice(&(one.index.len() as u32).to_le_bytes());
    for (field, value) in &one.index {
        put_bytes(out, field.as_bytes());
        put_bytes(out, value.as_bytes());
    }
}

fn get_incoming(at: &mut Reader<'_>, names: &Names) -> Result<Incoming, Bad> {
    let inbound: Arc<str> = Arc::from(at.text()?);
    let raw = bytes::Bytes::copy_from_slice(at.bytes()?);
    let mut texts = [""; 7];
    for text in &mut texts {
        *text = at.text()?;
    }
    let [ib, app, facility, kind, control, version, error] = texts;
    let received = at.u64()?;
    let state = at.u8()?;
    let info: MessageInfo = tables::info_of((
        ib, received, app, facility, kind, control, version, state, error,
    ));
    let refused = match at.u8()? {
        0 => None,
        _ => Some(at.text()?.to_owned()),
    };
    let dedupe = match at.u8()? {
        0 => None,
        _ => Some(Dedupe {
            sending_application: at.text()?.to_owned(),
            control_id: at.text()?.to_owned(),
            window_micros: at.u64()?,
        }),
    };
    let fields = at.u32()?;
    let mut index = Vec::new();
    for _ in 0..fields {
        let field = names.get(at.text()?);
        index.push((field, at.text()?.to_owned()));
    }
    Ok(Incoming {
        inbound,
        raw,
        info,
        refused,
        dedupe,
        index,
    })
}

/// Reads a body front to back; every read fails cleanly past its end.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Bad> {
        if self.bytes.len() < n {
            return Err(Bad);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, Bad> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, Bad> {
        let mut four = [0; 4];
        four.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(four))
    }

    fn u64(&mut self) -> Result<u64, Bad> {
        let mut eight = [0; 8];
        eight.copy_from_slice(self.take(8)?);
        Ok(u64::from_le_bytes(eight))
    }

    fn bytes(&mut self) -> Result<&'a [u8], Bad> {
        let n = self.u32()? as usize;
        self.take(n)
    }

    fn text(&mut self) -> Result<&'a str, Bad> {
        std::str::from_utf8(self.bytes()?).map_err(|_| Bad)
    }
}
