//! The HL7 v2 message model of MessageFoundry.
//!
//! Nothing in this crate does I/O: it parses ER7 ("pipe and hat") messages without copying,
//! reads and edits them through [`Path`]s, and serializes them back byte for byte.

#[rustfmt::skip]
pub mod fields;
mod path;
pub mod schema;

pub use path::{Path, PathError, SegmentId};
