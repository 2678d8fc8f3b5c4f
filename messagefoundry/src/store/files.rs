//! Files picked up by file inbounds: which file, identified by name and content digest, and
//! how many of its messages are stored. The count is written in the same transaction as those
//! messages, so after a crash in the middle of a file the next run stores the rest of it,
//! never a message twice and never skipping one.

use std::sync::Arc;

use redb::{ReadableDatabase, TableDefinition};

use super::backend::Pending;
use super::embedded::Redb;
use super::ops::{self, Answer, Counters, Tables};
use super::{Incoming, StoreError};

/// `file_progress`: (inbound, file name) → (SHA-256 of the content, messages stored). Removed
/// once the file has left the folder.
pub(crate) const FILE_PROGRESS: TableDefinition<(&str, &str), (&[u8], u64)> =
    TableDefinition::new("file_progress");

/// The next messages of one file, to store together with how far the file is then stored.
#[derive(Debug, Clone)]
pub struct FilePart {
    /// The inbound.
    pub inbound: Arc<str>,
    /// The file's name in the inbound's folder.
    pub file: String,
    /// The SHA-256 digest of its content: a file replaced by another of the same name starts
    /// again from its first message.
    pub digest: [u8; 32],
    /// Messages of the file stored once this part is: the ones before it plus its own.
    pub upto: u64,
    /// The messages, in the file's order.
    pub messages: Vec<Incoming>,
}

/// Stores a part's messages and the file's progress, in the writer's transaction.
pub(crate) fn receive_part(
    t: &mut Tables<'_>,
    counters: &mut Counters,
    part: &FilePart,
) -> Result<Answer, redb::Error> {
    let mut received = Vec::with_capacity(part.messages.len());
    for incoming in &part.messages {
        received.push(ops::receive(t, counters, incoming)?);
    }
    t.files.insert(
        (&*part.inbound, part.file.as_str()),
        (part.digest.as_slice(), part.upto),
    )?;
    Ok(Answer::ReceivedFile(received))
}

impl Redb {
    /// Stores the next messages of a file and how far the file is stored, in one transaction.
    pub(super) fn receive_file_part(&self, part: FilePart) -> Pending<'_, Vec<super::Received>> {
        self.ask(|reply| super::request::Request::ReceiveFile {
            part: Box::new(part),
            reply,
        })
    }

    /// Forgets a file whose messages are all stored, once it has left the folder.
    pub(super) fn file_finished(&self, inbound: &str, file: &str) -> Pending<'_, ()> {
        self.ask(|reply| super::request::Request::FileFinished {
            inbound: inbound.to_owned(),
            file: file.to_owned(),
            reply,
        })
    }

    /// How many messages of a file are stored, if that file (same name, same digest) was
    /// begun. Blocking.
    pub(super) fn file_progress(
        &self,
        inbound: &str,
        file: &str,
        digest: &[u8; 32],
    ) -> Result<u64, StoreError> {
        let read = || -> Result<u64, redb::Error> {
            let txn = self.db.begin_read()?;
            let table = match txn.open_table(FILE_PROGRESS) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(0),
                Err(e) => return Err(e.into()),
            };
            Ok(match table.get((inbound, file))? {
                Some(row) if row.value().0 == digest.as_slice() => row.value().1,
                _ => 0,
            })
        };
        read().map_err(|e| StoreError::Read(e.to_string()))
    }

    /// The files of an inbound begun and not yet forgotten. Blocking.
    pub(super) fn files_begun(&self, inbound: &str) -> Result<Vec<String>, StoreError> {
        let read = || -> Result<Vec<String>, redb::Error> {
            let txn = self.db.begin_read()?;
            let table = match txn.open_table(FILE_PROGRESS) {
                Ok(t) => t,
                Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Vec::new()),
                Err(e) => return Err(e.into()),
            };
            let mut names = Vec::new();
            for row in table.range((inbound, "")..)? {
                let (key, _) = row?;
                let (ib, file) = key.value();
                if ib != inbound {
                    break;
                }
                names.push(file.to_owned());
            }
            Ok(names)
        };
        read().map_err(|e| StoreError::Read(e.to_string()))
    }
}
