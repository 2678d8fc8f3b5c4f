//! File connections: `inbound!(…, file(…), …)` picks messages up from files in a folder,
//! `outbound!(…, file(…))` writes each message to a new file in a folder.
//!
//! Both work on a [`folder::Folder`]: a local one (`LocalFolder`) or a remote one
//! ([`crate::sftp::SftpFolder`], for `sftp(…)`), as `place::Place` chooses. The promises are
//! those of MLLP: a file leaves the inbound's folder only once every message of it is stored,
//! and an outbound writes its queue in order, at least once.
//!
//! A file is read once it has settled (its size and modification time unchanged for the
//! inbound's `settle` time, or already that old), so a file still being written is left alone.
//! A writer that cannot promise that writes under a hidden or non-matching name (`.x.part`,
//! `x.tmp`) and renames the file in when it is complete; hidden names are never picked up.
//!
//! The folder is listed every `poll` rather than watched through the operating system's
//! notifications: the same code then serves local folders, network shares (whose changes
//! often raise no notification) and remote folders, the settle rule needs listings anyway,
//! and no dependency is added.

mod batch;
pub(crate) mod deliver;
pub mod folder;
mod local;
mod name;
mod pattern;
pub(crate) mod pickup;
pub(crate) mod place;
mod settle;

#[cfg(any(test, feature = "test-support"))]
pub use local::LocalFolder;
