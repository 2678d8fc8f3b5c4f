//! MessageFoundry: an HL7 v2 interface engine as an ordinary Rust crate.
//!
//! What is here today:
//! - [`hl7`]: the HL7 v2 message model (parse, read, serialize).
//! - [`interface`]: the vocabulary of an interface (connections, routes, outcomes,
//!   dispositions) and [`interface::process`], which runs a message through a router and its
//!   handlers.
//! - [`testing`]: running messages through an inbound in unit tests.
//! - [`mllp`]: the MLLP frame codec.
//! - [`store`]: the durable store's intake (group commit).
//!
//! Not built yet: the macros of the DSL, the listener and sender, the pipeline around the
//! store, outbound queues, and the command line.

pub use messagefoundry_hl7 as hl7;

pub mod interface;
pub mod mllp;
pub mod store;
pub mod testing;
