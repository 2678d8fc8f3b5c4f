//! MessageFoundry: an HL7 v2 interface engine as an ordinary Rust crate.
//!
//! What an interface author uses:
//! - [`prelude`]: `use messagefoundry::prelude::*;` brings the macros ([`inbound!`],
//!   [`outbound!`], [`router`], [`handler`], [`route!`], [`path!`]) and the types a router and
//!   a handler speak: [`hl7::Message`], [`hl7::Path`], [`interface::Route`],
//!   [`interface::Outcome`], [`interface::Disposition`]. It shadows none of Rust's own names.
//! - [`main!`]: the interface binary's command line (`serve`, `check`, `send`, `sink`, `test`,
//!   `graph`, `messages`, `hl7`).
//! - [`testing`]: running messages through an inbound in plain `#[test]`s.
//! - [`hl7`]: the HL7 v2 message model (parse, read, edit, serialize, ACKs, validation).
//!
//! The other modules ([`engine`], [`store`], [`sender`], [`mllp`], [`tls`], [`cli`],
//! [`interface`]'s definitions behind the macros) are the runtime the command line runs; they are
//! public for the end-to-end tests and are not an interface author's API.

pub use messagefoundry_hl7 as hl7;
pub use messagefoundry_macros::{handler, inbound, main, outbound, path, route, router};

pub mod cli;
pub mod engine;
pub mod interface;
pub mod mllp;
pub mod sender;
pub mod store;
pub mod testing;
pub mod tls;

/// Everything an interface crate needs: `use messagefoundry::prelude::*;`.
pub mod prelude {
    pub use crate::hl7::{Message, Path};
    pub use crate::interface::{Disposition, Outcome, Route};
    pub use crate::{handler, inbound, outbound, path, route, router};
}

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
