//! Which listed files are complete enough to read: a file is read once its size and
//! modification time have not changed for the inbound's `settle` time, watched across
//! listings, or once its modification time is already that old.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime};

use super::folder::Entry;

/// What a listing showed of a file, and since when it has shown exactly that.
struct Seen {
    size: u64,
    modified: Option<SystemTime>,
    since: Instant,
}

/// The files of a folder as the listings have shown them.
#[derive(Default)]
pub(crate) struct Settling {
    seen: HashMap<String, Seen>,
}

impl Settling {
    /// The entries of a new listing that have settled, oldest first (by modification time,
    /// then name). Files gone from the listing are forgotten.
    pub fn ready(&mut self, listing: Vec<Entry>, settle: Duration, now: Instant) -> Vec<Entry> {
        let wall = SystemTime::now();
        self.seen
            .retain(|name, _| listing.iter().any(|e| &e.name == name));
        let mut ready = Vec::new();
        for entry in listing {
            let seen = self.seen.entry(entry.name.clone()).or_insert(Seen {
                size: entry.size,
                modified: entry.modified,
                since: now,
            });
            if seen.size != entry.size || seen.modified != entry.modified {
                *seen = Seen {
                    size: entry.size,
                    modified: entry.modified,
                    since: now,
                };
                continue;
            }
            let held = now.saturating_duration_since(seen.since) >= settle;
            let old = entry
                .modified
                .and_then(|m| wall.duration_since(m).ok())
                .is_some_and(|age| age >= settle);
            if held || old {
                ready.push(entry);
            }
        }
        ready.sort_by(|a, b| (a.modified, &a.name).cmp(&(b.modified, &b.name)));
        ready
    }

    /// Forgets a file that was taken, so that a new file of the same name settles anew.
    pub fn taken(&mut self, name: &str) {
        self.seen.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, size: u64, modified: SystemTime) -> Entry {
        Entry {
            name: name.into(),
            size,
            modified: Some(modified),
        }
    }

    #[test]
    fn a_growing_file_waits_and_an_old_one_does_not() {
        let settle = Duration::from_secs(2);
        let start = Instant::now();
        let fresh = SystemTime::now() + Duration::from_secs(3600);
        let old = SystemTime::now() - Duration::from_secs(3600);
        let mut s = Settling::default();
        let names = |v: Vec<Entry>| v.into_iter().map(|e| e.name).collect::<Vec<_>>();
        // An old, unchanged file is read at first sight; a fresh one waits.
        assert_eq!(
            names(s.ready(
                vec![entry("old", 5, old), entry("new", 5, fresh)],
                settle,
                start
            )),
            vec!["old"]
        );
        // Still growing: it waits again from now.
        let later = start + Duration::from_secs(3);
        assert!(
            s.ready(vec![entry("new", 9, fresh)], settle, later)
                .is_empty()
        );
        assert!(
            s.ready(
                vec![entry("new", 9, fresh)],
                settle,
                later + Duration::from_secs(1)
            )
            .is_empty()
        );
        assert_eq!(
            names(s.ready(vec![entry("new", 9, fresh)], settle, later + settle)),
            vec!["new"]
        );
    }
}
