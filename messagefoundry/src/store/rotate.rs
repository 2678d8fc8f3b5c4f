//! `store rotate-key`: re-seals every body that is not sealed under the current key (bodies
//! under a previous key, and bodies stored before encryption was turned on), a chunk of rows
//! per transaction with the position recorded (see [`super::rewrite`]), then writes the
//! declared index values again as digests under the current key, the same way (see
//! `index::rekey`). It runs beside the
//! writer while `serve` goes on: each chunk is a short write transaction of its own, and the
//! writer's transactions wait for it as they wait for each other.
//!
//! Rows the engine copies while a rotation runs (a replayed dead letter, a resend) may carry
//! an old key to a place the rotation has passed; so once every table is done a final pass, in
//! a write transaction the writer waits for, looks for any body left under another key, and
//! the rotation goes round again if it finds one. Only then does the store record that earlier
//! keys are no longer needed.

use std::sync::atomic::{AtomicBool, Ordering};

use redb::{ReadableTable, WriteTransaction};

use super::embedded::Redb;
use super::envelope::{Codec, EnvelopeError};
use super::keys::KeyId;
use super::rewrite::{self, RewriteError};
use super::tables::{DEAD_LETTERS, DESTINATIONS, MESSAGES, QUEUE};
use super::{StoreError, index, sealing};

/// The rewrite's name in `meta`.
const MARK: &str = "rotate";

/// What a rotation did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Rotated {
    /// The id of the key every body is now sealed under.
    pub key: String,
    /// Bodies re-sealed.
    pub resealed: u64,
}

impl Redb {
    /// Re-seals every body under the current key (see the module's doc). Blocking; reports
    /// (rows done, rows in all) after each chunk, and stops between chunks once `cancel` is
    /// set, with [`StoreError::Interrupted`]: the next rotation goes on from there.
    pub(super) fn reseal_all(
        &self,
        progress: &mut dyn FnMut(u64, u64),
        cancel: &AtomicBool,
    ) -> Result<Rotated, StoreError> {
        let codec: &Codec = &self.codec;
        let Some(current) = codec.current_key() else {
            return Err(StoreError::Keys(
                "no store key is configured: give the new key as `key` in the environment's \
                 [store] settings, and the old one in `previous_keys`"
                    .into(),
            ));
        };
        let failed = |e: RewriteError| StoreError::Write(format!("key rotation: {e}"));
        let mut resealed = 0;
        loop {
            let mut recode = |body: &[u8]| -> Result<Option<Vec<u8>>, EnvelopeError> {
                if body.is_empty() || Codec::key_of(body)? == Some(current) {
                    return Ok(None);
                }
                resealed += 1;
                codec.seal(&codec.open(body)?).map(Some)
            };
            let cancelled = || cancel.load(Ordering::Relaxed);
            let finished = rewrite::run(
                &self.db,
                MARK,
                rewrite::CHUNK,
                &mut recode,
                progress,
                &cancelled,
                &|_| Ok(()),
            )
            .map_err(failed)?;
            if !finished {
                return Err(StoreError::Interrupted("the key rotation"));
            }
            // The declared indexes' digests follow the bodies to the new key.
            if index::rekey(&self.db, codec, progress, &cancelled)?.is_none() {
                return Err(StoreError::Interrupted("the key rotation"));
            }
            let txn = self
                .db
                .begin_write()
                .map_err(|e| failed(redb::Error::from(e).into()))?;
            if left_under_other_keys(&txn, current).map_err(|e| failed(e.into()))? == 0 {
                sealing::only(&txn, Some(current)).map_err(|e| failed(e.into()))?;
                txn.commit()
                    .map_err(|e| failed(redb::Error::from(e).into()))?;
                return Ok(Rotated {
                    key: current.to_string(),
                    resealed,
                });
            }
            // Dropped without a commit: another round re-seals what the engine copied.
        }
    }
}

/// How many bodies are not sealed under `current`.
fn left_under_other_keys(txn: &WriteTransaction, current: KeyId) -> Result<u64, redb::Error> {
    let other =
        |body: &[u8]| !body.is_empty() && Codec::key_of(body).ok().flatten() != Some(current);
    let mut n = 0;
    for row in txn.open_table(MESSAGES)?.iter()? {
        n += u64::from(other(row?.1.value()));
    }
    for row in txn.open_table(QUEUE)?.iter()? {
        n += u64::from(other(row?.1.value().1));
    }
    for row in txn.open_table(DEAD_LETTERS)?.iter()? {
        n += u64::from(other(row?.1.value().1));
    }
    for row in txn.open_table(DESTINATIONS)?.iter()? {
        n += u64::from(other(row?.1.value().3));
    }
    Ok(n)
}
