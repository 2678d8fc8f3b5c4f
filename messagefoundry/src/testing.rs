//! Testing interfaces in plain `#[test]`s: run a message through an inbound's router and
//! handlers with no network and no store, and see the dispositions and what each outbound would
//! receive.
//!
//! ```
//! use messagefoundry::prelude::*;
//! use messagefoundry::testing;
//!
//! inbound!(IB_Lab, mllp(port = 2575), router = lab_router);
//! outbound!(OB_EHR, mllp(host = "127.0.0.1", port = 6661));
//!
//! #[router]
//! fn lab_router(msg: &Message) -> Route {
//!     route![to_ehr]
//! }
//!
//! #[handler]
//! fn to_ehr(msg: Message) -> Outcome {
//!     Outcome::send(OB_EHR, msg)
//! }
//!
//! # fn main() -> Result<(), testing::TestError> {
//! let run = testing::run_text(IB_Lab, "MSH|^~\\&|LIS|LAB|EHR|HOSP|20260101||ORU^R01|C1|P|2.5.1\r")?;
//! assert_eq!(run.disposition(), Disposition::Processed);
//! assert_eq!(run.sent_to(OB_EHR).len(), 1);
//! # Ok(())
//! # }
//! ```

use std::path::Path;

use messagefoundry_hl7::{Message, ParseError};

pub use crate::engine::route::process::{HandlerResult, Processed};
use crate::interface::{Disposition, Inbound, Outbound};

/// Why a test run could not start.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The message did not parse (the engine would answer AR and route nothing).
    #[error(transparent)]
    Parse(#[from] ParseError),
}

/// The result of running one message through an inbound.
#[derive(Debug, Clone)]
pub struct TestRun {
    /// The whole result: dispositions per message and per handler, and the sends.
    pub processed: Processed,
}

impl TestRun {
    /// The message's disposition.
    pub fn disposition(&self) -> Disposition {
        self.processed.disposition
    }

    /// Each handler's result.
    pub fn handlers(&self) -> &[HandlerResult] {
        &self.processed.handlers
    }

    /// The messages a given outbound would receive, in order.
    pub fn sent_to(&self, outbound: Outbound) -> Vec<&Message> {
        self.processed
            .sends
            .iter()
            .filter(|s| s.outbound == outbound)
            .map(|s| &s.message)
            .collect()
    }
}

/// Runs a parsed message through the inbound's router and handlers, and waits for them.
///
/// `async` handlers run as under `serve`, with their timeouts, on a tokio runtime made for the
/// run; a plain `#[test]` is all a test needs. The values a test set with [`set_value`] are
/// read on that runtime's threads too (inside `spawn_blocking`, say).
pub fn run(inbound: Inbound, msg: &Message) -> TestRun {
    TestRun {
        processed: crate::engine::route::standalone::process_here(inbound.def().router, msg),
    }
}

/// Parses ER7 text (segments ended by `\r`, `\n` or `\r\n`) and runs it, read in the
/// character set the inbound declares (its `charset` option).
pub fn run_text(inbound: Inbound, text: &str) -> Result<TestRun, TestError> {
    let mut msg = Message::parse(text)?;
    inbound.def().charset().apply(&mut msg);
    Ok(run(inbound, &msg))
}

/// Reads a file holding one message and runs it, read in the character set the inbound
/// declares (its `charset` option).
pub fn run_file(inbound: Inbound, path: impl AsRef<Path>) -> Result<TestRun, TestError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| TestError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut msg = Message::parse(bytes)?;
    inbound.def().charset().apply(&mut msg);
    Ok(run(inbound, &msg))
}

/// Sets a value of `values!` for the rest of the test (for this thread), until the guard is
/// dropped: `let _set = testing::set_value("ehr_facility", "GENHOSP_TEST");`. Handlers run by
/// [`run`] on this thread read it with `value!`.
///
/// # Panics
///
/// When the crate declares no value `name`, or declares it with another type than `value`'s:
/// a test that sets a value nothing reads would pass for the wrong reason.
pub fn set_value(name: &str, value: impl Into<crate::values::Setting>) -> ValueGuard {
    let value = value.into();
    let declared = crate::__private::VALUES.iter().find(|d| d.name == name);
    match declared {
        None => panic!("testing::set_value: the crate declares no value {name} in values!"),
        Some(def) if def.kind != value.kind() => panic!(
            "testing::set_value: value {name} is declared {}, not {}",
            def.kind.word(),
            value.kind().word()
        ),
        Some(_) => {}
    }
    let previous = crate::values::set_for_thread(name, Some(value));
    ValueGuard {
        name: name.to_owned(),
        previous,
    }
}

/// Puts a value set by [`set_value`] back as it was when dropped.
#[must_use = "the value is set only while the guard lives"]
#[derive(Debug)]
pub struct ValueGuard {
    name: String,
    previous: Option<crate::values::Setting>,
}

impl Drop for ValueGuard {
    fn drop(&mut self) {
        crate::values::set_for_thread(&self.name, self.previous.take());
    }
}
