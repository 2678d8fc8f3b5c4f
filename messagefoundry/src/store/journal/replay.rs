//! Reading the journal back: which of its records continue the store's durable commits.
//!
//! Records are read from the start of the file. The writer starts again from the start after
//! each commit of its own that syncs, so the file holds, in order, the records written since
//! then and, after them, older records (all of whose ids are lower) or zeros. A record whose
//! ids are all below the store's next id is already in the file (a commit that synced after
//! it, such as another process's) and is passed over; one whose first id is the next id is
//! replayed; the first torn or unreadable record, or one that does not continue the sequence,
//! ends the journal.

use std::io::{self, Read};

use super::file::MAX_BYTES;
use super::record::{self, HEADER, Header, StoreId};

/// One record to replay: its header and its body.
pub(super) struct Found {
    pub header: Header,
    pub body: Vec<u8>,
}

/// What a read of the journal found.
#[derive(Default)]
pub(super) struct Scanned {
    /// The records that continue the store, in order.
    pub records: Vec<Found>,
    /// A readable record that neither continues the store nor lies wholly below it (the
    /// journal of another copy of the store): its first id.
    pub foreign: Option<u64>,
}

/// Reads the records of `journal` that continue the store `id`, whose next message id is
/// `next`.
pub(super) fn scan(mut journal: impl Read, id: &StoreId, mut next: u64) -> io::Result<Scanned> {
    let mut scanned = Scanned::default();
    loop {
        let mut header = [0u8; HEADER];
        if !read_full(&mut journal, &mut header)? {
            return Ok(scanned);
        }
        let len = record::body_len(&header);
        if len == 0 || len as u64 > MAX_BYTES {
            return Ok(scanned);
        }
        let mut body = vec![0u8; len];
        if !read_full(&mut journal, &mut body)? {
            return Ok(scanned);
        }
        let Some(found) = record::check(id, &header, &body) else {
            return Ok(scanned);
        };
        if found.first.saturating_add(found.count) <= next {
            continue;
        }
        if found.first != next {
            scanned.foreign = Some(found.first);
            return Ok(scanned);
        }
        next += found.count;
        scanned.records.push(Found {
            header: found,
            body,
        });
    }
}

/// Fills `buf`; false when the file ends first.
fn read_full(from: &mut impl Read, buf: &mut [u8]) -> io::Result<bool> {
    let mut at = 0;
    while at < buf.len() {
        match from.read(&mut buf[at..]) {
            Ok(0) => return Ok(false),
            Ok(n) => at += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}
