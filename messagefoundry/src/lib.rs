//! MessageFoundry: an HL7 v2 interface engine as an ordinary Rust crate.
//!
//! An interface crate declares its connections with [`inbound!`] and [`outbound!`], routes
//! each message in a [`#[router]`](router) and handles it in [`#[handler]`](handler)s, and
//! ends with [`main!`]. These are its public items, each one an author uses:
//!
//! - [`prelude`]: `use messagefoundry::prelude::*;` brings everything below that a router and a
//!   handler speak. It shadows none of Rust's own names.
//! - The macros: [`inbound!`] and [`outbound!`] (a connection and its options), [`router`]
//!   and [`handler`] (the functions), [`route!`] (a router's handlers), [`path!`] (an HL7
//!   path checked at build time), and [`main!`] (the interface binary's command line:
//!   `serve`, `check`, `send`, `sink`, `test`, `graph`, `messages`, `hl7`).
//! - [`interface`]: the types in the macros' signatures: [`Route`](interface::Route) (what a
//!   router returns), [`Outcome`](interface::Outcome) (what a handler returns),
//!   [`Disposition`](interface::Disposition) (what became of a message),
//!   [`Inbound`](interface::Inbound) and [`Outbound`](interface::Outbound) (what the names
//!   `inbound!` and `outbound!` declare stand for), and [`Delivery`](interface::Delivery)
//!   (one message an outcome sends).
//! - [`testing`]: running messages through an inbound in plain `#[test]`s.
//! - [`hl7`]: the HL7 v2 message model (parse, read, edit, serialize, ACKs, validation).
//!
//! The rest of the crate is the runtime the command line runs: the engine, the store, the
//! settings, the MLLP codec, TLS, the command line itself. It is not public. The feature `test-support`
//! makes it public for MessageFoundry's own end-to-end tests; it is not an author's API and
//! changes without notice.

pub use messagefoundry_hl7 as hl7;
pub use messagefoundry_macros::{handler, inbound, main, outbound, path, route, router};

pub mod interface;
pub mod testing;

/// Declares the runtime's modules: crate-private, or public with `test-support`.
macro_rules! runtime_modules {
    ($($name:ident),*) => {$(
        #[cfg(feature = "test-support")]
        pub mod $name;
        #[cfg(not(feature = "test-support"))]
        mod $name;
    )*};
}

runtime_modules!(cli, config, engine, mllp, operations, store, tls);

/// Everything an interface crate needs: `use messagefoundry::prelude::*;`.
pub mod prelude {
    pub use crate::hl7::{Message, Path};
    pub use crate::interface::{Disposition, Outcome, Route};
    pub use crate::{handler, inbound, outbound, path, route, router};
}

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
