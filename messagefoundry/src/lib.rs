//! MessageFoundry: an HL7 v2 interface engine as an ordinary Rust crate.
//!
//! What is here today: the HL7 v2 message model ([`hl7`]) and the MLLP frame codec ([`mllp`]).
//! The listener, sender, durable store, pipeline, command line and the interface DSL are not
//! built yet.

pub use messagefoundry_hl7 as hl7;

pub mod mllp;
pub mod store;
