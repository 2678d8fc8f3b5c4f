//! The embedded HL7 v2 schema: segments, fields, data types, message structures, trigger
//! events and code tables of every version from 2.1 to 2.8.2.
//!
//! The tables are Rust code generated from the HL7 schema data set by
//! `cargo run -p xtask -- gen-schema` and checked in; nothing is parsed at build or run time.
//! Each version sits behind a cargo feature (`v2_5_1`, ...; `all-versions` for every one).
//!
//! ```
//! use messagefoundry_hl7::schema;
//! # #[cfg(feature = "v2_5_1")] {
//! let v = schema::version("2.5.1").unwrap();
//! let obr_25 = v.segment("OBR").unwrap().field(25).unwrap();
//! assert_eq!((obr_25.name, obr_25.data_type, obr_25.table), ("Result Status", Some("ID"), Some("0123")));
//! assert_eq!(v.structure_for("ADT", "A04").unwrap().id, "ADT_A01");
//! # }
//! ```

mod compact;
#[rustfmt::skip]
mod generated;
mod model;
mod profile;
mod resolve;
mod suggest;

// The `V2_5_1`, ... statics; none when no version feature is enabled.
#[allow(unused_imports)]
pub use generated::*;
pub use model::{
    Cardinality, Component, DataType, Event, Field, Group, Node, Optionality, Segment, Structure,
    Table, TableValue, Version,
};
pub use profile::{DeclarationError, Profile};
pub use resolve::{PathPart, ResolveError, ResolveWarning, Resolved, resolve};

/// The schema of an HL7 version, by its MSH-12 text (`"2.5.1"`), if that version is compiled in.
pub fn version(id: &str) -> Option<&'static Version> {
    generated::VERSIONS.iter().copied().find(|v| v.id == id)
}

/// Every version compiled in, oldest first.
pub fn versions() -> &'static [&'static Version] {
    generated::VERSIONS
}
