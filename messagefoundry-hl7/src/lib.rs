//! The HL7 v2 message model of MessageFoundry.
//!
//! Nothing in this crate does I/O: it parses ER7 ("pipe and hat") messages without copying,
//! reads and edits them through [`Path`]s, and serializes them back byte for byte. [`ack`]
//! builds the acknowledgment of a message and reads the one a peer sent back.
//!
//! ```
//! use messagefoundry_hl7::{Message, Path};
//! let msg = Message::parse("MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01|42|P|2.5.1\rOBR|1||||||||||||||||||||||||F\r")?;
//! assert_eq!(&msg[Path::parse("MSH-9.1")?], "ORU");
//! # #[cfg(feature = "v2_5_1")]
//! assert_eq!(&msg[messagefoundry_hl7::fields::v2_5_1::OBR::RESULT_STATUS], "F"); // OBR-25
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A path is a [`Path`]: parsed from text with [`Path::parse`] (which fails on malformed text),
//! a `const` from [`Path::parse_const`], or one of the named fields of [`fields`]. Text is not
//! a path, so a typo cannot read an empty value silently; in an interface crate, the macros of
//! `messagefoundry` check path literals against the crate's HL7 version when it builds.
//!
//! A read gives the text of one leaf (a position holding components reads as its first one);
//! `set` writes that leaf's text back, escaped, keeping the rest of the message; `set_er7`
//! writes a whole position as ER7. `docs/messages.md` has the full rules. Editing creates
//! what is missing and keeps the message's bytes the ER7 to send:
//!
//! ```
//! use messagefoundry_hl7::{Message, Path};
//! let mut msg = Message::parse("MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01|42|P|2.5.1\rPID|1\r").unwrap();
//! const FAMILY_NAME: Path = Path::parse_const("PID-5.1");
//! msg.set(FAMILY_NAME, "Smith & Sons").unwrap();
//! msg.push_segment("NTE|1||checked").unwrap();
//! assert_eq!(&msg[FAMILY_NAME], "Smith & Sons");
//! assert!(msg.as_bytes().ends_with(b"PID|1||||Smith \\T\\ Sons\rNTE|1||checked\r"));
//! ```

pub mod ack;
pub mod batch;
mod build;
mod charset;
mod control_id;
mod copy;
pub mod datetime;
mod delimiters;
mod edit;
mod error;
pub mod escape;
#[rustfmt::skip]
pub mod fields;
mod group;
pub mod json;
mod message;
mod message_type;
mod msh;
mod numeric;
mod parser;
mod path;
mod recode;
pub mod schema;
mod segments;
mod text;
mod text_cache;
mod update;
pub mod validate;
mod value;

pub use build::{MessageBuilder, NewMessageError};
pub use charset::Charset;
pub use control_id::new_control_id;
pub use datetime::hl7_timestamp;
pub use delimiters::Delimiters;
pub use error::{DecodeError, EditError, ParseError, ParseErrorKind};
pub use group::{Group, GroupMut, Groups};
pub use message::{IntoPath, IntoSegmentId, Message, Segment, SegmentsNamed};
pub use message_type::{MessageType, MessageTypeError};
pub use numeric::{Number, NumberError};
pub use parser::ParseOptions;
pub use path::{Path, PathError, SegmentId};
pub use text::Text;
pub use value::{Presence, Value};

/// The Rust examples of `docs/messages.md`, run as doctests so the page stays true.
#[cfg(doctest)]
#[doc = include_str!("../../docs/messages.md")]
struct MessagesDoc;
