//! Handlers as the engine sees them: a name and a function.

use messagefoundry_hl7::Message;

use super::outcome::Outcome;

/// A `#[handler]` function, as registered by the macro.
#[derive(Debug)]
pub struct HandlerDef {
    /// The function's name.
    pub name: &'static str,
    /// The function, its return value already turned into an [`Outcome`].
    pub handle: fn(Message) -> Outcome,
    /// The message type the handler declared (`#[handler(message = "ORU^R01")]`), if any.
    pub message: Option<&'static str>,
}

/// Implemented by the item `#[handler]` emits beside the function, so that `route![name]`
/// finds the handler through rustc's name resolution.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a #[handler]",
    label = "`route![…]` takes handler functions",
    note = "mark the function with #[handler]; a #[router] cannot be named in a route"
)]
pub trait Handler {
    /// The handler's registration.
    const DEF: &'static HandlerDef;
}
