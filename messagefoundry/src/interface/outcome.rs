//! What a handler returns, and the dispositions the engine records.

use std::fmt;

use messagefoundry_hl7::Message;

use super::connection::Outbound;

/// Send a message to an outbound connection: `Send(OB_EHR_ORU, msg)`.
///
/// A handler returns it (`Send(OB, msg).into()`), or several in an [`Outcome::Send`].
#[derive(Debug, Clone)]
pub struct Send(pub Outbound, pub Message);

/// What a handler did with a message.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Send to one or more outbound connections: the message's disposition is PROCESSED and
    /// each send is queued.
    Send(Vec<Send>),
    /// Deliberately dropped (for example, a result corrected in error): FILTERED.
    Filtered,
    /// The handler could not process the message: ERROR, with the reason. The reason is
    /// recorded and logged, so keep patient data out of it.
    Error(String),
}

impl Outcome {
    /// An ERROR outcome with a reason.
    pub fn error(reason: impl fmt::Display) -> Outcome {
        Outcome::Error(reason.to_string())
    }

    /// Several sends at once.
    pub fn send_all(sends: impl IntoIterator<Item = Send>) -> Outcome {
        Outcome::Send(sends.into_iter().collect())
    }
}

impl From<Send> for Outcome {
    fn from(send: Send) -> Outcome {
        Outcome::Send(vec![send])
    }
}

/// What a `#[handler]` function may return: an [`Outcome`], a [`Send`], or a `Result` of
/// either whose error becomes an ERROR disposition with the error's text.
#[diagnostic::on_unimplemented(
    message = "a #[handler] function must return `Outcome`, `Send` or `Result<Outcome, E>`, not `{Self}`",
    label = "this is not an `Outcome`",
    note = "a handler looks like `#[handler] fn name(msg: Message) -> Outcome`"
)]
pub trait IntoOutcome {
    /// The outcome.
    fn into_outcome(self) -> Outcome;
}

impl IntoOutcome for Outcome {
    fn into_outcome(self) -> Outcome {
        self
    }
}

impl IntoOutcome for Send {
    fn into_outcome(self) -> Outcome {
        self.into()
    }
}

impl<T: IntoOutcome, E: fmt::Display> IntoOutcome for Result<T, E> {
    fn into_outcome(self) -> Outcome {
        match self {
            Ok(outcome) => outcome.into_outcome(),
            Err(e) => Outcome::Error(e.to_string()),
        }
    }
}

/// What became of a message, per message and per handler.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Disposition {
    /// Stored; not routed yet.
    Received,
    /// The router named no handler.
    Unrouted,
    /// A handler dropped it on purpose.
    Filtered,
    /// A handler processed it (its sends are queued).
    Processed,
    /// The router or a handler failed (an error outcome, an `Err`, or a panic).
    Error,
}

impl Disposition {
    /// The upper-case name operators see: `UNROUTED`, `FILTERED`, …
    pub fn as_str(&self) -> &'static str {
        match self {
            Disposition::Received => "RECEIVED",
            Disposition::Unrouted => "UNROUTED",
            Disposition::Filtered => "FILTERED",
            Disposition::Processed => "PROCESSED",
            Disposition::Error => "ERROR",
        }
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
