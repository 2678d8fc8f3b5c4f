//! Routers as the engine sees them: a name and a function.

use messagefoundry_hl7::Message;

use super::route::Route;

/// A `#[router]` function, as registered by the macro.
#[derive(Debug)]
pub struct RouterDef {
    /// The function's name.
    pub name: &'static str,
    /// The function, its return value already turned into a [`Route`].
    pub route: fn(&Message) -> Route,
}

/// Implemented by the item `#[router]` emits beside the function, so that `inbound!(…,
/// router = name)` finds the router through rustc's name resolution.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a #[router]",
    label = "`router = …` takes a router function",
    note = "mark the function with #[router]; a #[handler] cannot route an inbound"
)]
pub trait Router {
    /// The router's registration.
    const DEF: &'static RouterDef;
}
