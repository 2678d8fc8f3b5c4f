//! The embedded HL7 v2 schema: segments, fields, data types, message structures, trigger
//! events and code tables of every version from 2.1 to 2.8.2.
//!
//! The tables are Rust code generated from the HL7 schema data set by
//! `cargo run -p xtask -- gen-schema` and checked in; nothing is parsed at build or run time.
//! Each version sits behind a cargo feature, `v2_1` ... `v2_8_2`; the default set is 2.3, 2.3.1,
//! 2.4, 2.5, 2.5.1 and 2.6, and `all-versions` enables every one. A version's feature also
//! compiles in its named field constants in [`crate::fields`].
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
    Cardinality, Component, DataType, Event, Field, Group, Node, Optionality, SegmentDef,
    Structure, Table, TableValue, Version,
};
pub use profile::{DeclarationError, Profile};
pub use resolve::{PathPart, ResolveError, ResolveWarning, Resolved, SegmentError, resolve};
pub(crate) use suggest::nearest;

/// The schema of an HL7 version, by its MSH-12 text (`"2.5.1"`), if that version is compiled in.
pub fn version(id: &str) -> Option<&'static Version> {
    generated::VERSIONS.iter().copied().find(|v| v.id == id)
}

/// The schema of an HL7 version, or an error that says whether the version exists and which
/// cargo feature compiles it in. This is the lookup for a version a user declared.
///
/// ```
/// use messagefoundry_hl7::schema;
/// let e = schema::require_version("2.9").unwrap_err();
/// assert!(e.to_string().starts_with("unknown HL7 version 2.9; the versions are 2.1, 2.2,"));
/// ```
pub fn require_version(id: &str) -> Result<&'static Version, VersionError> {
    if let Some(v) = version(id) {
        return Ok(v);
    }
    match generated::ALL.iter().find(|(v, _)| *v == id) {
        Some((id, feature)) => Err(VersionError::NotCompiledIn { id, feature }),
        None => Err(VersionError::Unknown {
            id: id.to_string(),
            known: generated::ALL
                .iter()
                .map(|(v, _)| *v)
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Why [`require_version`] found no schema.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VersionError {
    /// The data set has no such version.
    #[error("unknown HL7 version {id}; the versions are {known}")]
    Unknown {
        /// The version asked for.
        id: String,
        /// Every version there is, comma-separated.
        known: String,
    },
    /// The version exists but its cargo feature is off.
    #[error(
        "HL7 {id} is not compiled in; enable the `{feature}` feature of messagefoundry-hl7 (or `all-versions`)"
    )]
    NotCompiledIn {
        /// The version asked for.
        id: &'static str,
        /// The cargo feature that compiles it in.
        feature: &'static str,
    },
}

/// Every version compiled in, oldest first.
pub fn versions() -> &'static [&'static Version] {
    generated::VERSIONS
}
