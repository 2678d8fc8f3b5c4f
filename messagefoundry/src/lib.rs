//! MessageFoundry: an HL7 v2 interface engine as an ordinary Rust crate.
//!
//! Today this crate re-exports the HL7 v2 message model ([`hl7`]). The engine (MLLP listener and
//! sender, durable store, pipeline, command line) and the interface DSL are not built yet.

pub use messagefoundry_hl7 as hl7;
