//! The HL7 v2 message model of MessageFoundry.
//!
//! Nothing in this crate does I/O: it parses ER7 ("pipe and hat") messages without copying,
//! reads and edits them through [`Path`]s, and serializes them back byte for byte. [`ack`]
//! builds the acknowledgment of a message and reads the one a peer sent back.
//!
//! ```
//! use messagefoundry_hl7::Message;
//! let msg = Message::parse("MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01|42|P|2.5.1\rOBR|1||||||||||||||||||||||||F\r").unwrap();
//! assert_eq!(&msg["MSH-9.1"], "ORU");
//! assert_eq!(&msg["OBR-25"], "F");
//! ```
//!
//! A read gives the text of one leaf (a position holding components reads as its first one);
//! `set` writes that leaf's text back, escaped, keeping the rest of the message; `set_er7`
//! writes a whole position as ER7. `docs/messages.md` has the full rules. Editing creates
//! what is missing and keeps the message's bytes the ER7 to send:
//!
//! ```
//! use messagefoundry_hl7::Message;
//! let mut msg = Message::parse("MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01|42|P|2.5.1\rPID|1\r").unwrap();
//! msg.set("PID-5.1", "Smith & Sons").unwrap();
//! msg.push_segment("NTE|1||checked").unwrap();
//! assert_eq!(&msg["PID-5.1"], "Smith & Sons");
//! assert!(msg.as_bytes().ends_with(b"PID|1||||Smith \\T\\ Sons\rNTE|1||checked\r"));
//! ```

pub mod ack;
pub mod batch;
mod charset;
mod delimiters;
mod edit;
mod error;
pub mod escape;
#[rustfmt::skip]
pub mod fields;
pub mod json;
mod message;
mod parser;
mod path;
pub mod schema;
mod text;
mod text_cache;
mod timestamp;
pub mod validate;
mod value;

pub use charset::Charset;
pub use delimiters::Delimiters;
pub use error::{DecodeError, EditError, ParseError, ParseErrorKind};
pub use message::{IntoPath, Message, Segment};
pub use parser::ParseOptions;
pub use path::{Path, PathError, SegmentId};
pub use text::Text;
pub use timestamp::hl7_timestamp;
pub use value::{Presence, Value};

/// The Rust examples of `docs/messages.md`, run as doctests so the page stays true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/messages.md")]
struct MessagesDoc;
