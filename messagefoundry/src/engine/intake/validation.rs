//! Validation at intake, for an inbound whose `validate` option asks for it: a message that
//! fails is stored for the operator with its findings as an ERROR, never routed, and answered
//! AE with an ERR per finding.

use messagefoundry_hl7::{Message, ack, validate};

use crate::interface::ValidatePolicy;

/// The most ERR segments an answer carries; the stored reason counts all findings.
const MAX_ERRORS: usize = 20;

/// The most findings the stored reason lists by text.
const MAX_LISTED: usize = 5;

/// Why a message failed validation.
pub(crate) struct Invalid {
    /// The reason recorded with the ERROR disposition (what `messages show` prints).
    pub reason: String,
    /// The findings as ACK errors, errors first.
    pub errors: Vec<ack::ErrorEntry>,
}

/// Validates as the policy says; `None` when it is off or the message is valid (warnings do
/// not fail it). Finding texts name rules and paths, never values.
pub(crate) fn check(policy: ValidatePolicy, msg: &Message) -> Option<Invalid> {
    let options = policy.options()?;
    let report = validate::validate(msg, &options);
    if report.is_valid() {
        return None;
    }
    let errors = report.errors().count();
    let listed: Vec<String> = report
        .errors()
        .take(MAX_LISTED)
        .map(|f| match f.location_text() {
            Some(at) => format!("{at}: {}", f.message),
            None => f.message.clone(),
        })
        .collect();
    Some(Invalid {
        reason: format!("validation: {errors} error(s): {}", listed.join("; ")),
        errors: report.ack_errors(MAX_ERRORS),
    })
}
