//! The keys that seal stored bodies at rest (AES-256-GCM), where they come from, and their ids.
//!
//! A key is 32 bytes written as 64 hexadecimal digits, in a file or an environment variable.
//! Its id is the first four bytes of a SHA-256 of the key, so an id names a key without
//! revealing it, and the same key always has the same id: every sealed body carries the id of
//! its key, which is what lets keys rotate and what turns a wrong key into a clear error.
//!
//! Nonces: each body gets 12 bytes from the operating system's random source. Random nonces
//! stay safe for 2^32 bodies under one key (NIST SP 800-38D); rotating keys resets the count.

use std::path::{Path, PathBuf};

use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

use super::envelope::EnvelopeError;

/// The length of a nonce.
pub(crate) const NONCE_LEN: usize = 12;
/// The length of the GCM tag after the sealed content.
pub(crate) const TAG_LEN: usize = 16;

/// The id of a key: four bytes of its SHA-256, shown as eight hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct KeyId(pub u32);

impl std::fmt::Display for KeyId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:08x}", self.0)
    }
}

/// Where a key is read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A file holding 64 hex digits (surrounding whitespace ignored).
    File(PathBuf),
    /// An environment variable holding 64 hex digits.
    Env(String),
}

impl KeySource {
    /// Reads `file:PATH` or `env:NAME`.
    pub fn parse(text: &str) -> Result<KeySource, String> {
        if let Some(path) = text.strip_prefix("file:") {
            Ok(KeySource::File(PathBuf::from(path)))
        } else if let Some(name) = text.strip_prefix("env:") {
            Ok(KeySource::Env(name.to_owned()))
        } else {
            Err(format!(
                "a store key is given as \"file:PATH\" or \"env:NAME\", not {text:?}"
            ))
        }
    }
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeySource::File(path) => write!(f, "key file {}", path.display()),
            KeySource::Env(name) => write!(f, "environment variable {name}"),
        }
    }
}

/// Which keys a store uses: the one new bodies are sealed under, and earlier ones that bodies
/// written before a rotation may still be sealed under.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeySettings {
    /// The key new bodies are sealed under; `None` stores bodies unencrypted.
    pub current: Option<KeySource>,
    /// Keys earlier bodies may be sealed under, kept until `store rotate-key` has moved every
    /// body to the current key.
    pub previous: Vec<KeySource>,
}

impl KeySettings {
    /// Reads every key; `None` when no key is configured.
    pub fn load(&self) -> Result<Option<Keys>, String> {
        let Some(current) = &self.current else {
            if self.previous.is_empty() {
                return Ok(None);
            }
            return Err("previous store keys are given but no current key".into());
        };
        let current = StoreKey::load(current)?;
        let previous = self
            .previous
            .iter()
            .map(StoreKey::load)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(Keys {
            current,
            previous,
            random: SystemRandom::new(),
        }))
    }
}

/// One key, its id, and the key derived from it for the search index's digests.
struct StoreKey {
    id: KeyId,
    key: LessSafeKey,
    /// HMAC-SHA256 key of the index digests: derived from the store key, so that the index
    /// rotates with it, and distinct from it, so that a digest says nothing about the AES key.
    index: hmac::Key,
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoreKey({})", self.id)
    }
}

impl StoreKey {
    fn load(source: &KeySource) -> Result<StoreKey, String> {
        let text = match source {
            KeySource::File(path) => read_key_file(path)?,
            KeySource::Env(name) => std::env::var(name)
                .map_err(|_| format!("{source} is not set (it should hold the store key)"))?,
        };
        let bytes = hex_key(text.trim())
            .ok_or_else(|| format!("{source} does not hold 64 hexadecimal digits (32 bytes)"))?;
        StoreKey::new(&bytes).ok_or_else(|| format!("{source}: the key is not usable"))
    }

    fn new(bytes: &[u8; 32]) -> Option<StoreKey> {
        let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, bytes).ok()?);
        Some(StoreKey {
            id: key_id(bytes),
            key,
            index: index_key(bytes),
        })
    }
}

/// The index key of key bytes: HMAC-SHA256(key, label), used as an HMAC-SHA256 key.
fn index_key(bytes: &[u8; 32]) -> hmac::Key {
    let derived = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, bytes),
        b"MessageFoundry index key",
    );
    hmac::Key::new(hmac::HMAC_SHA256, derived.as_ref())
}

fn read_key_file(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read key file {}: {e}", path.display()))
}

/// The id of key bytes.
fn key_id(bytes: &[u8; 32]) -> KeyId {
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    ctx.update(b"MessageFoundry store key\0");
    ctx.update(bytes);
    let digest = ctx.finish();
    let d = digest.as_ref();
    KeyId(u32::from_be_bytes([d[0], d[1], d[2], d[3]]))
}

fn hex_key(text: &str) -> Option<[u8; 32]> {
    let text = text.as_bytes();
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in text.chunks_exact(2).enumerate() {
        let digit = |c: u8| (c as char).to_digit(16);
        out[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
    }
    Some(out)
}

/// The loaded keys: the current one and earlier ones, by id.
#[derive(Debug)]
pub struct Keys {
    current: StoreKey,
    previous: Vec<StoreKey>,
    random: SystemRandom,
}

impl Keys {
    /// Keys from raw bytes, for tests.
    #[cfg(any(test, feature = "test-support"))]
    pub fn from_bytes(current: &[u8; 32], previous: &[[u8; 32]]) -> Keys {
        let make = |b: &[u8; 32]| StoreKey::new(b).expect("a 32-byte key is an AES-256 key");
        Keys {
            current: make(current),
            previous: previous.iter().map(make).collect(),
            random: SystemRandom::new(),
        }
    }

    /// The id of the key new bodies are sealed under.
    pub fn current_id(&self) -> KeyId {
        self.current.id
    }

    /// Whether a key of this id is configured.
    pub fn has(&self, id: KeyId) -> bool {
        self.find(id).is_some()
    }

    fn find(&self, id: KeyId) -> Option<&StoreKey> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .find(|k| k.id == id)
    }

    /// The HMAC-SHA256 of `field`, a zero byte and `value` under the current key's index key.
    pub(crate) fn index_tag(&self, field: &str, value: &str) -> hmac::Tag {
        index_tag(&self.current.index, field, value)
    }

    /// [`Keys::index_tag`] under every key configured, the current one first.
    pub(crate) fn index_tags(&self, field: &str, value: &str) -> Vec<hmac::Tag> {
        std::iter::once(&self.current)
            .chain(&self.previous)
            .map(|k| index_tag(&k.index, field, value))
            .collect()
    }

    /// Writes the key id and a fresh nonce of a body sealed under the current key.
    pub(crate) fn write_header(&self, out: &mut Vec<u8>) -> Result<(), EnvelopeError> {
        out.extend_from_slice(&self.current.id.0.to_le_bytes());
        let mut nonce = [0u8; NONCE_LEN];
        self.random
            .fill(&mut nonce)
            .map_err(|_| EnvelopeError::Random)?;
        out.extend_from_slice(&nonce);
        Ok(())
    }

    /// Seals `out[header_len..]` in place under the current key, with the header (which ends
    /// with the nonce) as associated data, and appends the tag.
    pub(crate) fn seal_in_place(
        &self,
        out: &mut Vec<u8>,
        header_len: usize,
    ) -> Result<(), EnvelopeError> {
        let (header, content) = out.split_at_mut(header_len);
        let nonce = nonce_at_end(header);
        // Sealing fails only for content beyond GCM's limit of 64 GiB, far past any body.
        let tag = self
            .current
            .key
            .seal_in_place_separate_tag(nonce, Aad::from(&*header), content)
            .map_err(|_| EnvelopeError::Damaged("a body too large to seal"))?;
        out.extend_from_slice(tag.as_ref());
        Ok(())
    }

    /// Opens sealed content in place; `header` is the envelope's header, ending with the nonce.
    pub(crate) fn open_in_place(
        &self,
        id: KeyId,
        header: &[u8],
        content: &mut Vec<u8>,
    ) -> Result<(), EnvelopeError> {
        let key = self.find(id).ok_or(EnvelopeError::MissingKey(id))?;
        let nonce = nonce_at_end(header);
        let plain = key
            .key
            .open_in_place(nonce, Aad::from(header), content)
            .map_err(|_| EnvelopeError::Tampered(id))?
            .len();
        content.truncate(plain);
        Ok(())
    }
}

/// The field is part of what is signed, so that one value under two fields (an MRN kept as
/// PID-3.1 and PID-2) gives two digests and the index does not say that they are equal.
fn index_tag(key: &hmac::Key, field: &str, value: &str) -> hmac::Tag {
    let mut ctx = hmac::Context::with_key(key);
    ctx.update(field.as_bytes());
    ctx.update(&[0]);
    ctx.update(value.as_bytes());
    ctx.sign()
}

fn nonce_at_end(header: &[u8]) -> Nonce {
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&header[header.len() - NONCE_LEN..]);
    Nonce::assume_unique_for_key(nonce)
}
