//! How much memory redb may keep of the store file's pages.
//!
//! redb keeps every page it writes in its cache until the cache is full, and its default cache
//! is 1 GiB: during a burst the engine's memory grew with the file, page for page. The pages
//! the engine reads again are recent ones (the messages being routed, the queue heads, the
//! counters), which fit in far less; older pages are read from the file (the operating
//! system's page cache usually still holds them).

/// The cache of every store file the engine opens for writing.
pub(crate) const CACHE_BYTES: usize = 32 << 20;

/// A redb builder with the engine's cache size.
pub(crate) fn builder() -> redb::Builder {
    let mut builder = redb::Builder::new();
    builder.set_cache_size(CACHE_BYTES);
    builder
}
