//! Which keys a store's bodies are sealed under: a list in `meta`, checked when the store
//! opens so that a lost or wrong key stops the start with the key's id named, instead of
//! failing on each message later. The current key joins the list when the store opens with
//! it; `store rotate-key` leaves only the current key once no body is sealed under another.

use redb::ReadableTable;

use super::StoreError;
use super::envelope::Codec;
use super::keys::KeyId;
use super::tables::META;

/// The `meta` key of the list: key ids in hex, separated by commas.
const KEYS: &str = "keys";

/// The key ids in a list as stored.
fn parse(list: &str) -> Vec<KeyId> {
    list.split(',')
        .filter_map(|id| u32::from_str_radix(id, 16).ok())
        .map(KeyId)
        .collect()
}

fn format(ids: &[KeyId]) -> String {
    ids.iter()
        .map(KeyId::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Checks that every key the store's bodies may be sealed under is configured, and adds the
/// current key to the list. Run at open, before the writer starts.
pub(crate) fn check(db: &redb::Database, codec: &Codec) -> Result<(), StoreError> {
    let write = |e: redb::Error| StoreError::Write(e.to_string());
    let txn = db.begin_write().map_err(|e| write(e.into()))?;
    {
        let mut meta = txn.open_table(META).map_err(|e| write(e.into()))?;
        let mut ids = meta
            .get(KEYS)
            .map_err(|e| write(e.into()))?
            .map(|v| parse(v.value()))
            .unwrap_or_default();
        if let Some(missing) = ids
            .iter()
            .find(|id| codec.keys().is_none_or(|keys| !keys.has(**id)))
        {
            return Err(StoreError::Keys(match codec.current_key() {
                None => format!(
                    "the store's messages are encrypted under key {missing}, and no store key is \
                     configured: give it as `key` in the environment's [store] settings \
                     (without it those messages cannot be read)"
                ),
                Some(current) => format!(
                    "the store's messages are encrypted under key {missing}, which is not among \
                     the keys configured (the store key given has id {current}): give key \
                     {missing} as `key` or in `previous_keys` of the environment's [store] \
                     settings (without it those messages cannot be read)"
                ),
            }));
        }
        if let Some(current) = codec.current_key()
            && !ids.contains(&current)
        {
            ids.push(current);
            meta.insert(KEYS, format(&ids).as_str())
                .map_err(|e| write(e.into()))?;
        }
    }
    txn.commit().map_err(|e| write(e.into()))
}

/// Records that every body is sealed under `current` (or stored in the clear when `None`):
/// earlier keys are no longer needed.
pub(crate) fn only(
    txn: &redb::WriteTransaction,
    current: Option<KeyId>,
) -> Result<(), redb::Error> {
    let mut meta = txn.open_table(META)?;
    match current {
        Some(id) => meta.insert(KEYS, format(&[id]).as_str())?,
        None => meta.remove(KEYS)?,
    };
    Ok(())
}
