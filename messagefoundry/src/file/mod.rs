//! Files as a transport: the folders messages are picked up from and written to.
#![cfg_attr(not(feature = "test-support"), allow(dead_code))]

// `Entry`'s fields say what they hold by their names (name, size, modified).
#[allow(missing_docs)]
pub mod folder;
