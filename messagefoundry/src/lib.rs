//! MessageFoundry: an HL7 v2 interface engine as an ordinary Rust crate.
//!
//! An interface crate declares its connections with [`inbound!`] and [`outbound!`], routes
//! each message in a [`#[router]`](router) and handles it in [`#[handler]`](handler)s, and
//! ends with [`main!`]. These are its public items, each one an author uses:
//!
//! - [`prelude`]: `use messagefoundry::prelude::*;` brings everything below that a router and a
//!   handler speak. It shadows none of Rust's own names.
//! - The macros: [`inbound!`] and [`outbound!`] (a connection and its options), [`router`]
//!   and [`handler`] (the functions), [`route!`] (a router's handlers), [`path!`] and [`segment!`] (an HL7
//!   path and a segment ID checked at build time), [`new_message!`] (a new message of a type
//!   checked at build time), [`checked`] (checks the literals of helper code), and [`main!`] (the interface binary's command line:
//!   `serve`, `check`, `send`, `sink`, `test`, `graph`, `messages`, `hl7`).
//! - [`interface`]: the types in the macros' signatures: [`Route`](interface::Route) (what a
//!   router returns), [`Outcome`](interface::Outcome) (what a handler returns),
//!   [`Disposition`](interface::Disposition) (what became of a message),
//!   [`Inbound`](interface::Inbound) and [`Outbound`](interface::Outbound) (what the names
//!   `inbound!` and `outbound!` declare stand for), and [`Delivery`](interface::Delivery)
//!   (one message an outcome sends).
//! - [`tables!`] and [`table!`]: code tables (crosswalks), CSV files checked at build time,
//!   read per environment and reloaded when they change ([`tables`](mod@tables)); [`values!`] and
//!   [`value!`]: values per environment for handlers ([`values`](mod@values)). `docs/tables.md` shows both.
//! - [`testing`]: running messages through an inbound in plain `#[test]`s.
//! - [`hl7`]: the HL7 v2 message model (parse, read, edit, serialize, ACKs, validation).
//!
//! HL7 paths and segment IDs written as literals are checked against the crate's HL7 version
//! (`[package.metadata.messagefoundry] hl7-version` in its `Cargo.toml`) when it builds: in the
//! bodies of [`router`], [`handler`] and [`checked`] items as written (`msg["PID-5.1"]`,
//! `msg.set("OBR-25", …)`, `msg.segments_named("OBX")`), elsewhere through [`path!`] and
//! [`segment!`]. A literal left as text does not compile, and a path that arrives at run time
//! is parsed with [`hl7::Path::parse`], which can fail:
//!
//! ```
//! use messagefoundry::prelude::*;
//!
//! #[checked]
//! fn family_name(msg: &Message) -> String {
//!     msg["PID-5.1"].to_uppercase()
//! }
//!
//! fn results(msg: &Message) -> usize {
//!     msg.segments_named(segment!("OBX")).count()
//! }
//!
//! fn read(msg: &Message, text: &str) -> Result<String, hl7::PathError> {
//!     Ok(msg[Path::parse(text)?].to_string())
//! }
//! # use messagefoundry::hl7;
//! # let msg = Message::parse("MSH|^~\\&|||||||ORU^R01|1|P|2.5.1\rPID|1||||van&Beethoven\rOBX|1\rOBX|2\r").unwrap();
//! # assert_eq!(family_name(&msg), "VAN");
//! # assert_eq!(results(&msg), 2);
//! # assert_eq!(read(&msg, "MSH-9.2").unwrap(), "R01");
//! # assert!(read(&msg, "MSH 9").is_err());
//! ```
//!
//! The rest of the crate is the runtime the command line runs: the engine, the store, the
//! settings, the MLLP codec, TLS, the command line itself. It is not public. The feature `test-support`
//! makes it public for MessageFoundry's own end-to-end tests; it is not an author's API and
//! changes without notice.

pub use messagefoundry_hl7 as hl7;
pub use messagefoundry_macros::{
    checked, handler, inbound, main, new_message, outbound, path, route, router, segment, table,
    tables, value, values,
};

pub mod deidentify;
pub mod interface;
pub mod tables;
pub mod testing;
pub mod values;

/// Declares the runtime's modules: crate-private, or public with `test-support`.
macro_rules! runtime_modules {
    ($($name:ident),*) => {$(
        #[cfg(feature = "test-support")]
        pub mod $name;
        #[cfg(not(feature = "test-support"))]
        mod $name;
    )*};
}

runtime_modules!(
    admin, alerts, cli, config, engine, file, http, metrics, mllp, operations, sftp, store, tls
);

/// Everything an interface crate needs: `use messagefoundry::prelude::*;`.
pub mod prelude {
    pub use crate::hl7::{Message, Path, SegmentId};
    pub use crate::interface::{Disposition, Outcome, Route};
    pub use crate::{
        checked, handler, inbound, new_message, outbound, path, route, router, segment, table,
        tables, value, values,
    };
}

/// The Rust examples of `docs/building.md`, run as doctests so the page stays true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/building.md")]
struct BuildingDoc;

/// The Rust examples of `docs/dsl.md`, run as doctests so the page stays true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/dsl.md")]
struct DslDoc;

/// The Rust example of `docs/http.md`, run as a doctest so the page stays true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/http.md")]
struct HttpDoc;

/// The Rust example of `docs/engine.md`, run as a doctest so the page stays true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/engine.md")]
struct EngineDoc;

/// The Rust examples of `docs/testing.md`, run as doctests so the page stays true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/testing.md")]
struct TestingDoc;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
