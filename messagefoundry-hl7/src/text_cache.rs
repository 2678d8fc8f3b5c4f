//! Keeps unescaped text alive for as long as the message, so `msg["…"]` can return `&str`.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Mutex;

/// Text decoded from a byte range of the message, one entry per range.
///
/// Only `Message` edits (which take `&mut self`) clear it, so an entry never goes away while a
/// reference handed out by [`TextCache::get_or_insert`] may be alive.
#[derive(Default)]
pub(crate) struct TextCache {
    entries: Mutex<HashMap<(usize, usize), Box<str>>>,
}

impl TextCache {
    /// The cached text for `range`, storing `text` first if there is none.
    pub(crate) fn get_or_insert(&self, range: Range<usize>, text: String) -> &str {
        let mut entries = match self.entries.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        let boxed: &str = entries
            .entry((range.start, range.end))
            .or_insert(text.into_boxed_str());
        let ptr: *const str = boxed;
        drop(entries);
        // SAFETY: the `str` lives in its own heap allocation owned by a `Box` in the map. Entries
        // are never removed or replaced through `&self` (`or_insert` keeps an existing one), and
        // moving a `Box` while the map grows does not move its heap contents. The only way to
        // drop entries is `clear(&mut self)` or dropping the cache, both of which need the
        // exclusive borrow that ends every `&self` borrow this reference is tied to.
        unsafe { &*ptr }
    }

    /// Drops every entry (after an edit changed the bytes).
    pub(crate) fn clear(&mut self) {
        match self.entries.get_mut() {
            Ok(entries) => entries.clear(),
            Err(poisoned) => poisoned.into_inner().clear(),
        }
    }
}
