//! Values per environment for handlers: declared with their types in
//! [`values!`](crate::values!), set under `[values]` in `environments/<name>.toml`, read with
//! [`value!`](crate::value!).
//!
//! ```
//! use messagefoundry::prelude::*;
//!
//! values! {
//!     /// MSH-6 of the EHR's copy: its test system has another name.
//!     ehr_facility: text,
//!     /// How many attempts a lookup gets.
//!     attempts: integer = 3,
//! }
//!
//! #[checked]
//! fn address_to_ehr(msg: &mut Message) -> Result<(), hl7::EditError> {
//!     msg.set("MSH-6", &value!("ehr_facility"))
//! }
//!
//! # use messagefoundry::hl7;
//! # fn main() {
//! // In a test, a value is set for the test's thread until the guard is dropped.
//! let _set = messagefoundry::testing::set_value("ehr_facility", "GENHOSP_TEST");
//! let mut msg = Message::parse("MSH|^~\\&|ADT|REG|EHR|GENHOSP|||ADT^A01|1|P|2.5.1\r").unwrap();
//! address_to_ehr(&mut msg).unwrap();
//! assert_eq!(&msg[path!("MSH-6")], "GENHOSP_TEST");
//! assert_eq!(value!("attempts"), 3); // the default
//! # }
//! ```
//!
//! `serve` reads every value at start, from the environment it runs with or the declared
//! default, and refuses to start while one is missing or of the wrong type; `check` reports
//! the same. A value is read once per process: changing one takes a restart.

mod handles;
mod registry;

pub use handles::{DurationValue, FlagValue, IntegerValue, TextValue};
pub use messagefoundry_options::{Setting, SettingType};
pub(crate) use registry::{all_for_thread, install, set_all_for_thread, set_for_thread};

/// A value as `values!` declares it. What the macros expand to; not an author's API.
#[derive(Debug)]
pub struct ValueDef {
    /// The value's name, its key under `[values]` in an environment file.
    pub name: &'static str,
    /// Its type.
    pub kind: SettingType,
    /// What applies when the environment does not set it.
    pub default: Option<Setting>,
}

#[cfg(test)]
mod tests;
