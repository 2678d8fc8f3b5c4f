//! Messages stored but not routed yet: a watermark in the file, the messages above it in
//! memory.
//!
//! A message waits to be routed from the transaction that stores it until the one that
//! records its disposition. The file keeps no row per waiting message: `meta` holds
//! `routed_through`, an id at or below which every message has its disposition, and a message
//! above it without a disposition row waits. The writer keeps the waiting ids in memory, by
//! inbound, and writes the watermark (the smallest waiting id less one) in each transaction
//! that moves it. Routing out of id order is safe: the watermark never passes a message that
//! waits. At open, the messages above the watermark are read once to find those that wait, so
//! the cost of a restart follows the unrouted tail, not the whole store.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use redb::{ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction};

use super::tables::{DISPOSITIONS, MESSAGE_INFO, META, MessageId};

/// The key of the watermark in `meta`.
pub(crate) const ROUTED_THROUGH: &str = "routed_through";

/// Layout 1's `pending_route`: id → inbound, a row per message waiting to be routed.
const PENDING_ROUTE: TableDefinition<u64, &str> = TableDefinition::new("pending_route");

/// Brings layout 1's waiting messages to the watermark: it is put below the oldest of them
/// (those above it without a disposition are found at open, as after any restart), and the
/// table is dropped. In the migration's last transaction.
pub(crate) fn from_pending_table(txn: &WriteTransaction) -> Result<(), redb::Error> {
    let oldest = match txn.open_table(PENDING_ROUTE) {
        Ok(pending) => pending.first()?.map(|(id, _)| id.value()),
        Err(redb::TableError::TableDoesNotExist(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let mark = match oldest {
        Some(id) => id.saturating_sub(1),
        None => txn
            .open_table(MESSAGE_INFO)?
            .last()?
            .map_or(0, |(id, _)| id.value()),
    };
    txn.open_table(META)?
        .insert(ROUTED_THROUGH, mark.to_string().as_str())?;
    txn.delete_table(PENDING_ROUTE)?;
    Ok(())
}

/// The waiting ids of each inbound.
#[derive(Debug, Default)]
pub(crate) struct Unrouted {
    by_inbound: BTreeMap<Arc<str>, BTreeSet<u64>>,
    /// The watermark as the file holds it.
    mark: u64,
}

/// What one transaction did to the waiting messages, applied once it commits.
#[derive(Debug, Default)]
pub(crate) struct Staged {
    stored: Vec<(u64, Arc<str>)>,
    routed: Vec<u64>,
}

impl Staged {
    /// A message stored to be routed.
    pub(crate) fn stored(&mut self, id: MessageId, inbound: &str) {
        self.stored.push((id.0, Arc::from(inbound)));
    }

    fn is_empty(&self) -> bool {
        self.stored.is_empty() && self.routed.is_empty()
    }

    /// A message whose disposition was recorded.
    pub(crate) fn routed(&mut self, id: MessageId) {
        self.routed.push(id.0);
    }
}

/// The waiting messages, shared by the writer (which changes them after each commit) and
/// the readers.
#[derive(Clone, Debug, Default)]
pub(crate) struct Shared(Arc<RwLock<Unrouted>>);

impl Shared {
    fn read(&self) -> RwLockReadGuard<'_, Unrouted> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Unrouted> {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Reads the watermark and the waiting messages above it. Blocking; at open.
    pub(crate) fn load(db: &redb::Database) -> Result<Shared, redb::Error> {
        let txn = db.begin_read()?;
        let mark = match txn.open_table(META) {
            Ok(meta) => meta
                .get(ROUTED_THROUGH)?
                .and_then(|v| v.value().parse::<u64>().ok())
                .unwrap_or(0),
            Err(redb::TableError::TableDoesNotExist(_)) => 0,
            Err(e) => return Err(e.into()),
        };
        let mut unrouted = Unrouted {
            mark,
            ..Unrouted::default()
        };
        let (infos, dispositions) =
            match (txn.open_table(MESSAGE_INFO), txn.open_table(DISPOSITIONS)) {
                (Ok(i), Ok(d)) => (i, d),
                (Err(redb::TableError::TableDoesNotExist(_)), _)
                | (_, Err(redb::TableError::TableDoesNotExist(_))) => {
                    return Ok(Shared(Arc::new(RwLock::new(unrouted))));
                }
                (Err(e), _) | (_, Err(e)) => return Err(e.into()),
            };
        let mut names: BTreeMap<String, Arc<str>> = BTreeMap::new();
        for row in infos.range(mark.saturating_add(1)..)? {
            let (id, info) = row?;
            let id = id.value();
            if dispositions.get(id)?.is_some() {
                continue;
            }
            let inbound = info.value().0;
            let name = match names.get(inbound) {
                Some(name) => Arc::clone(name),
                None => {
                    let name: Arc<str> = Arc::from(inbound);
                    names.insert(inbound.to_owned(), Arc::clone(&name));
                    name
                }
            };
            unrouted.by_inbound.entry(name).or_default().insert(id);
        }
        Ok(Shared(Arc::new(RwLock::new(unrouted))))
    }

    /// Writes the watermark `staged` leaves, if it moves; `next_message` is the first id not
    /// handed out. Called in the transaction, before its commit.
    pub(crate) fn write_mark(
        &self,
        txn: &WriteTransaction,
        staged: &Staged,
        next_message: u64,
    ) -> Result<(), redb::Error> {
        if staged.is_empty() {
            return Ok(());
        }
        let unrouted = self.read();
        let routed: BTreeSet<u64> = staged.routed.iter().copied().collect();
        let oldest_kept = unrouted
            .by_inbound
            .values()
            .filter_map(|ids| ids.iter().find(|id| !routed.contains(id)))
            .copied()
            .min();
        let oldest_new = staged
            .stored
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| !routed.contains(id))
            .min();
        let oldest = match (oldest_kept, oldest_new) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).unwrap_or(next_message),
        };
        let mark = oldest.saturating_sub(1);
        if mark != unrouted.mark {
            txn.open_table(META)?
                .insert(ROUTED_THROUGH, mark.to_string().as_str())?;
        }
        Ok(())
    }

    /// Applies a committed transaction's changes. Called before its requests are answered, so
    /// whoever was told a message is stored finds it waiting.
    pub(crate) fn apply(&self, staged: Staged, next_message: u64) {
        if staged.is_empty() {
            return;
        }
        let mut unrouted = self.write();
        for (id, inbound) in staged.stored {
            unrouted.by_inbound.entry(inbound).or_default().insert(id);
        }
        for id in staged.routed {
            for ids in unrouted.by_inbound.values_mut() {
                if ids.remove(&id) {
                    break;
                }
            }
        }
        unrouted.by_inbound.retain(|_, ids| !ids.is_empty());
        let oldest = unrouted
            .by_inbound
            .values()
            .filter_map(|ids| ids.first())
            .copied()
            .min()
            .unwrap_or(next_message);
        unrouted.mark = oldest.saturating_sub(1);
    }

    /// Up to `limit` waiting ids of one inbound, oldest first. Each was committed before it
    /// was put here, so a read transaction begun after this call sees it.
    pub(crate) fn of(&self, inbound: &str, limit: usize) -> Vec<MessageId> {
        self.read()
            .by_inbound
            .get(inbound)
            .map(|ids| ids.iter().take(limit).map(|&id| MessageId(id)).collect())
            .unwrap_or_default()
    }

    /// Every waiting message with its inbound, oldest first.
    pub(crate) fn all(&self) -> Vec<(MessageId, String)> {
        let unrouted = self.read();
        let mut all: Vec<(MessageId, String)> = unrouted
            .by_inbound
            .iter()
            .flat_map(|(inbound, ids)| ids.iter().map(|&id| (MessageId(id), inbound.to_string())))
            .collect();
        all.sort_by_key(|(id, _)| *id);
        all
    }
}
