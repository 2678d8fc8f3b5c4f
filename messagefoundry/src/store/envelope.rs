//! The envelope every stored body and payload is written in (layout 2): a small header that
//! says how the content is coded, then the content.
//!
//! ```text
//! byte 0     format (1)
//! byte 1     flags: 1 zstd, 4 sealed (AES-256-GCM); other bits are refused
//! [u32 LE]   key id, then a 12-byte nonce, when flag 4
//! …          the content: zstd frame or the bytes themselves; sealed, followed by the GCM tag
//! ```
//!
//! The header is the sealed content's associated data, so a flipped flag or key id fails the
//! tag check instead of decoding into something else. An empty body is stored empty: a queued
//! payload that is empty means "the message as received", and it must keep meaning that.

use std::cell::RefCell;

use super::keys::{KeyId, KeySettings, Keys};

/// The envelope format written.
const FORMAT: u8 = 1;
/// The content is a zstd frame.
const ZSTD: u8 = 1;
/// The content is sealed with AES-256-GCM under the key whose id follows.
const SEALED: u8 = 4;
/// Bodies shorter than this are stored as they are: zstd's frame header eats the gain.
const COMPRESS_FROM: usize = 64;
/// The most a body may claim to expand to; a larger claim is a damaged frame.
const MAX_BODY: u64 = 1 << 30;
/// The zstd level of new bodies: level 1 compresses the corpus within 1–4 % of levels 3 to 9,
/// and costs the engine less CPU per message at intake than level 3 (see docs/store.md,
/// "Compression").
pub(crate) const DEFAULT_LEVEL: i32 = 1;

/// Why a stored body could not be read. Never carries the body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// The header is cut short or names a format this build does not know.
    #[error("a stored body has a damaged or unknown envelope ({0})")]
    Damaged(&'static str),
    /// The body is sealed under a key that is not configured.
    #[error(
        "a stored body is encrypted under key {0}, which is not configured; give that key \
         (as the store key or a previous key) in the environment's [store] settings"
    )]
    MissingKey(KeyId),
    /// The body is sealed under a key with the right id, but the tag does not check: the key
    /// is wrong or the body was altered.
    #[error(
        "a stored body encrypted under key {0} does not decrypt: the key given for that id is wrong, or the file was altered"
    )]
    Tampered(KeyId),
    /// The operating system's random source failed, so no nonce could be drawn.
    #[error("the operating system's random source failed; a body cannot be sealed")]
    Random,
    /// The zstd frame does not decode.
    #[error("a stored body does not decompress: {0}")]
    Decompress(String),
}

/// How bodies are coded on their way into the store and back: the compression level and the
/// keys. Cheap to share; sealing and opening run on the caller's thread.
#[derive(Debug)]
pub struct Codec {
    /// The zstd level; 0 stores bodies uncompressed.
    level: i32,
    /// The keys, when bodies are encrypted at rest.
    keys: Option<Keys>,
}

thread_local! {
    /// One compression context per thread and level: making one costs more than compressing a
    /// 3 KB message.
    static COMPRESSOR: RefCell<Option<(i32, zstd::bulk::Compressor<'static>)>> =
        const { RefCell::new(None) };
    static DECOMPRESSOR: RefCell<Option<zstd::bulk::Decompressor<'static>>> =
        const { RefCell::new(None) };
}

impl Codec {
    /// Compression at `level` (0: none), sealing under `keys` when given.
    pub fn new(level: i32, keys: Option<Keys>) -> Codec {
        Codec { level, keys }
    }

    /// The key new bodies are sealed under, if any.
    pub(crate) fn current_key(&self) -> Option<KeyId> {
        self.keys.as_ref().map(Keys::current_id)
    }

    /// The keys, if bodies are sealed.
    pub(crate) fn keys(&self) -> Option<&Keys> {
        self.keys.as_ref()
    }

    /// The codec of a store's settings: the default level, the keys loaded.
    pub(crate) fn from_settings(settings: &KeySettings) -> Result<Codec, super::StoreError> {
        let keys = settings.load().map_err(super::StoreError::Keys)?;
        Ok(Codec::new(DEFAULT_LEVEL, keys))
    }

    /// A body as stored.
    pub fn seal(&self, body: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
        if body.is_empty() {
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(body.len() / 2 + 32);
        out.push(FORMAT);
        out.push(0);
        let mut flags = 0;
        if let Some(keys) = &self.keys {
            flags |= SEALED;
            keys.write_header(&mut out)?;
        }
        let header_len = out.len();
        if self.level > 0 && body.len() >= COMPRESS_FROM && compress(self.level, body, &mut out) {
            flags |= ZSTD;
        } else {
            out.truncate(header_len);
            out.extend_from_slice(body);
        }
        out[1] = flags;
        if let Some(keys) = &self.keys {
            keys.seal_in_place(&mut out, header_len)?;
        }
        Ok(out)
    }

    /// A stored body as it was received.
    pub fn open(&self, stored: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
        if stored.is_empty() {
            return Ok(Vec::new());
        }
        let header = Header::read(stored)?;
        let Some(key) = header.key else {
            // In the clear: decompressed straight from the stored bytes, without a copy first.
            let content = &stored[header.len..];
            return match header.flags & ZSTD {
                0 => Ok(content.to_vec()),
                _ => decompress(content),
            };
        };
        let mut content = stored[header.len..].to_vec();
        let keys = self.keys.as_ref().ok_or(EnvelopeError::MissingKey(key))?;
        keys.open_in_place(key, &stored[..header.len], &mut content)?;
        if header.flags & ZSTD != 0 {
            return decompress(&content);
        }
        Ok(content)
    }

    /// The key a stored body is sealed under, if any, without opening it.
    pub(crate) fn key_of(stored: &[u8]) -> Result<Option<KeyId>, EnvelopeError> {
        if stored.is_empty() {
            return Ok(None);
        }
        Ok(Header::read(stored)?.key)
    }
}

/// A stored body's header, read.
struct Header {
    flags: u8,
    key: Option<KeyId>,
    /// Where the content starts.
    len: usize,
}

impl Header {
    fn read(stored: &[u8]) -> Result<Header, EnvelopeError> {
        let (&format, rest) = stored
            .split_first()
            .ok_or(EnvelopeError::Damaged("empty"))?;
        if format != FORMAT {
            return Err(EnvelopeError::Damaged("unknown format"));
        }
        let &flags = rest.first().ok_or(EnvelopeError::Damaged("no flags"))?;
        if flags & !(ZSTD | SEALED) != 0 {
            return Err(EnvelopeError::Damaged("unknown flags"));
        }
        let mut len = 2;
        let key = if flags & SEALED != 0 {
            let bytes = stored
                .get(2..6)
                .ok_or(EnvelopeError::Damaged("header cut short"))?;
            len = 6 + super::keys::NONCE_LEN;
            if stored.len() < len + super::keys::TAG_LEN {
                return Err(EnvelopeError::Damaged("sealed body cut short"));
            }
            Some(KeyId(u32::from_le_bytes([
                bytes[0], bytes[1], bytes[2], bytes[3],
            ])))
        } else {
            None
        };
        Ok(Header { flags, key, len })
    }
}

/// Appends the zstd frame of `body` to `out`; false (and `out` left longer, to be truncated)
/// when compression failed or did not make it smaller.
fn compress(level: i32, body: &[u8], out: &mut Vec<u8>) -> bool {
    COMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(l, _)| *l != level) {
            *slot = zstd::bulk::Compressor::new(level)
                .ok()
                .map(|compressor| (level, compressor));
        }
        let Some((_, compressor)) = slot.as_mut() else {
            return false;
        };
        let start = out.len();
        out.resize(start + zstd::zstd_safe::compress_bound(body.len()), 0);
        match compressor.compress_to_buffer(body, &mut out[start..]) {
            Ok(written) if written < body.len() => {
                out.truncate(start + written);
                true
            }
            _ => false,
        }
    })
}

fn decompress(frame: &[u8]) -> Result<Vec<u8>, EnvelopeError> {
    let size = match zstd::zstd_safe::get_frame_content_size(frame) {
        Ok(Some(size)) if size <= MAX_BODY => size as usize,
        _ => return Err(EnvelopeError::Decompress("no usable content size".into())),
    };
    DECOMPRESSOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            *slot = Some(
                zstd::bulk::Decompressor::new()
                    .map_err(|e| EnvelopeError::Decompress(e.to_string()))?,
            );
        }
        let Some(decompressor) = slot.as_mut() else {
            return Err(EnvelopeError::Decompress("no context".into()));
        };
        let body = decompressor
            .decompress(frame, size)
            .map_err(|e| EnvelopeError::Decompress(e.to_string()))?;
        if body.len() != size {
            return Err(EnvelopeError::Decompress(
                "length differs from the frame's".into(),
            ));
        }
        Ok(body)
    })
}

#[cfg(test)]
mod tests;
