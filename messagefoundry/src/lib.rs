//! MessageFoundry: an HL7 v2 interface engine as an ordinary Rust crate.
//!
//! What an interface author uses:
//! - [`prelude`]: `use messagefoundry::prelude::*;` brings the macros ([`inbound!`],
//!   [`outbound!`], [`router`], [`handler`], [`checked`], [`route!`], [`path!`],
//!   [`segment!`]) and the types a router and a handler speak: [`hl7::Message`], [`hl7::Path`],
//!   [`hl7::SegmentId`], [`interface::Route`], [`interface::Outcome`],
//!   [`interface::Disposition`]. It shadows none of Rust's own names.
//! - [`main!`]: the interface binary's command line (`serve`, `check`, `send`, `sink`, `test`,
//!   `graph`, `messages`, `hl7`).
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
//! The other modules ([`engine`], [`store`], [`sender`], [`mllp`], [`tls`], [`cli`],
//! [`interface`]'s definitions behind the macros) are the runtime the command line runs; they are
//! public for the end-to-end tests and are not an interface author's API.

pub use messagefoundry_hl7 as hl7;
pub use messagefoundry_macros::{checked, handler, inbound, main, outbound, path, router, segment};

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
    pub use crate::hl7::{Message, Path, SegmentId};
    pub use crate::interface::{Disposition, Outcome, Route};
    pub use crate::{checked, handler, inbound, outbound, path, route, router, segment};
}

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// Routes a message to handlers: `route![to_ehr, to_archive]`.
///
/// Each name must be a `#[handler]` function; rustc checks the names, so a typo or a router
/// named here is a compile error.
#[macro_export]
macro_rules! route {
    ($($handler:path),* $(,)?) => {
        $crate::interface::Route::to(::std::vec![
            $($crate::__private::handler_def::<$handler>()),*
        ])
    };
}
