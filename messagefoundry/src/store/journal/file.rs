//! The journal file: preallocated and filled with zeros once, then overwritten in place, so
//! that an append and its `fdatasync` change no file metadata (no size, no extent) and the
//! sync writes the appended pages alone.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// The size a new journal is given: enough for hundreds of single messages before the first
/// checkpoint, small enough that every store opened in a test costs little.
pub(super) const INITIAL_BYTES: u64 = 1 << 20;
/// The size the journal grows to at most: the records written between two checkpoints, and
/// so the most that is replayed after a crash.
pub(crate) const MAX_BYTES: u64 = 64 << 20;

/// The journal of a store file: `<store>.journal` beside it.
pub(crate) fn path_of(store: &Path) -> PathBuf {
    let mut name = store.as_os_str().to_owned();
    name.push(".journal");
    PathBuf::from(name)
}

/// The journal file the writer appends to.
pub(super) struct JournalFile {
    file: File,
    /// The file's length: every byte of it has been written (zeros at first).
    len: u64,
    /// Where the next record goes.
    offset: u64,
}

impl JournalFile {
    /// Opens the journal (creating it filled with zeros) to write from its start.
    pub(super) fn open(path: &Path) -> io::Result<JournalFile> {
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        // It holds what the store file holds: readable by its owner alone, like the store.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path)?;
        let len = file.metadata()?.len();
        let mut journal = JournalFile {
            file,
            len,
            offset: 0,
        };
        if len < INITIAL_BYTES {
            journal.fill_to(INITIAL_BYTES)?;
            crate::store::backup::sync_folder(path)?;
        }
        Ok(journal)
    }

    /// Whether a record of `bytes` fits after those written since the last rewind.
    pub(super) fn fits(&self, bytes: usize) -> bool {
        self.offset + bytes as u64 <= self.len
    }

    /// Writes a record after the last one and waits until it is on disk.
    pub(super) fn append(&mut self, record: &[u8]) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(self.offset))?;
        self.file.write_all(record)?;
        self.file.sync_data()?;
        self.offset += record.len() as u64;
        Ok(())
    }

    /// Starts again from the beginning: every record written is in a durable commit of the
    /// store.
    pub(super) fn rewind(&mut self) {
        self.offset = 0;
    }

    /// Doubles the file, up to [`MAX_BYTES`], once a record did not fit (everything written is
    /// durable in the store then, so the old records may be overwritten).
    pub(super) fn grow(&mut self) -> io::Result<()> {
        if self.len < MAX_BYTES {
            self.fill_to((self.len * 2).clamp(INITIAL_BYTES, MAX_BYTES))?;
        }
        Ok(())
    }

    /// Writes zeros from the end of the file to `len`, and syncs it with its new length.
    fn fill_to(&mut self, len: u64) -> io::Result<()> {
        const CHUNK: usize = 1 << 20;
        let zeros = vec![0u8; CHUNK];
        self.file.seek(SeekFrom::Start(self.len))?;
        let mut at = self.len;
        while at < len {
            let n = usize::try_from(len - at).map_or(CHUNK, |left| left.min(CHUNK));
            self.file.write_all(&zeros[..n])?;
            at += n as u64;
        }
        self.file.sync_all()?;
        self.len = len;
        Ok(())
    }
}
