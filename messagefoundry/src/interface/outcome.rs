//! What a handler returns, and the dispositions the engine records.

use std::fmt;

use messagefoundry_hl7::Message;

use super::connection::Outbound;

/// One message to queue for one outbound connection.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Where it goes.
    pub outbound: Outbound,
    /// What goes.
    pub message: Message,
}

/// What a handler did with a message: send it on, filter it, or fail.
///
/// ```
/// use messagefoundry::prelude::*;
///
/// outbound!(OB_EHR, mllp(host = "127.0.0.1", port = 6661));
///
/// #[handler]
/// fn to_ehr(msg: Message) -> Outcome {
///     if msg["OBR-25"] == "X" {
///         return Outcome::filtered(); // corrected in error
///     }
///     Outcome::send(OB_EHR, msg)
/// }
/// # fn main() {}
/// ```
#[derive(Debug, Clone)]
pub struct Outcome(pub(crate) Decision);

/// What an [`Outcome`] holds; the engine reads it, authors build it with `Outcome`'s functions.
#[derive(Debug, Clone)]
pub(crate) enum Decision {
    /// Queue these messages: PROCESSED.
    Send(Vec<Delivery>),
    /// Dropped on purpose: FILTERED.
    Filtered,
    /// Could not be processed: ERROR, with the reason.
    Error(String),
}

impl Outcome {
    /// Send the message to an outbound connection: the handler's disposition is PROCESSED and
    /// the message is queued for that outbound.
    pub fn send(outbound: Outbound, message: Message) -> Outcome {
        Outcome(Decision::Send(vec![Delivery { outbound, message }]))
    }

    /// Send several messages, queued in this order (to one outbound or several). With none,
    /// the handler processed the message and sends nothing: PROCESSED.
    pub fn send_all(deliveries: impl IntoIterator<Item = (Outbound, Message)>) -> Outcome {
        Outcome(Decision::Send(
            deliveries
                .into_iter()
                .map(|(outbound, message)| Delivery { outbound, message })
                .collect(),
        ))
    }

    /// Dropped on purpose (for example, a result corrected in error): FILTERED.
    pub fn filtered() -> Outcome {
        Outcome(Decision::Filtered)
    }

    /// The handler could not process the message: ERROR, with the reason. The reason is
    /// recorded and logged, so keep patient data out of it.
    pub fn error(reason: impl fmt::Display) -> Outcome {
        Outcome(Decision::Error(reason.to_string()))
    }

    /// The disposition this outcome gives the handler: PROCESSED, FILTERED or ERROR.
    pub fn disposition(&self) -> Disposition {
        match self.0 {
            Decision::Send(_) => Disposition::Processed,
            Decision::Filtered => Disposition::Filtered,
            Decision::Error(_) => Disposition::Error,
        }
    }

    /// The messages it sends, in order (none unless it sends).
    pub fn deliveries(&self) -> &[Delivery] {
        match &self.0 {
            Decision::Send(deliveries) => deliveries,
            Decision::Filtered | Decision::Error(_) => &[],
        }
    }
}

/// What a `#[handler]` function may return: an [`Outcome`], or a `Result` of one whose error
/// becomes an ERROR disposition with the error's text.
#[diagnostic::on_unimplemented(
    message = "a #[handler] function must return `Outcome` or `Result<Outcome, E>`, not `{Self}`",
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

impl<T: IntoOutcome, E: fmt::Display> IntoOutcome for Result<T, E> {
    fn into_outcome(self) -> Outcome {
        match self {
            Ok(outcome) => outcome.into_outcome(),
            Err(e) => Outcome::error(e),
        }
    }
}

/// What became of a message, per message and per handler.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
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

    /// The disposition an operator names (`processed`, `ERROR`), in any case.
    pub(crate) fn from_name(name: &str) -> Option<Disposition> {
        [
            Disposition::Received,
            Disposition::Unrouted,
            Disposition::Filtered,
            Disposition::Processed,
            Disposition::Error,
        ]
        .into_iter()
        .find(|d| d.as_str().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Disposition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
