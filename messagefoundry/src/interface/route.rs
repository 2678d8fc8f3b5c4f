//! What a router returns: the handlers a message goes to, or none, and why.

use super::handler::HandlerDef;
use super::outcome::Disposition;

/// Where a router sends a message: to handlers (`route![h1, h2]`, whose names rustc checks),
/// nowhere ([`Route::unrouted`]), or nowhere on purpose ([`Route::filtered`]).
#[derive(Clone, Debug)]
pub struct Route(Destination);

#[derive(Clone, Debug)]
enum Destination {
    Handlers(Vec<&'static HandlerDef>),
    Unrouted,
    Filtered,
}

impl Route {
    /// No handler takes the message: its disposition is UNROUTED (a message this interface
    /// does not expect, for the operator to look at).
    pub fn unrouted() -> Route {
        Route(Destination::Unrouted)
    }

    /// The router drops the message on purpose (a test patient, an event nobody downstream
    /// wants): its disposition is FILTERED and no handler runs.
    pub fn filtered() -> Route {
        Route(Destination::Filtered)
    }

    /// A route to the given handlers, in order; none is the same as [`Route::unrouted`].
    /// `route![…]` calls this.
    pub(crate) fn to(handlers: Vec<&'static HandlerDef>) -> Route {
        if handlers.is_empty() {
            return Route::unrouted();
        }
        Route(Destination::Handlers(handlers))
    }

    /// The handlers, in the order the router named them (none when unrouted or filtered).
    pub(crate) fn handlers(&self) -> &[&'static HandlerDef] {
        match &self.0 {
            Destination::Handlers(handlers) => handlers,
            Destination::Unrouted | Destination::Filtered => &[],
        }
    }

    /// The message's disposition when no handler runs: UNROUTED or FILTERED; `None` when it
    /// goes to handlers.
    pub(crate) fn disposition_without_handlers(&self) -> Option<Disposition> {
        match self.0 {
            Destination::Handlers(_) => None,
            Destination::Unrouted => Some(Disposition::Unrouted),
            Destination::Filtered => Some(Disposition::Filtered),
        }
    }
}

/// What a `#[router]` function may return.
#[diagnostic::on_unimplemented(
    message = "a #[router] function must return `Route`, not `{Self}`",
    label = "this is not a `Route`",
    note = "a router looks like `#[router] fn name(msg: &Message) -> Route`; build the route with `route![handler, …]`, `Route::unrouted()` or `Route::filtered()`"
)]
pub trait IntoRoute {
    /// The route.
    fn into_route(self) -> Route;
}

impl IntoRoute for Route {
    fn into_route(self) -> Route {
        self
    }
}
