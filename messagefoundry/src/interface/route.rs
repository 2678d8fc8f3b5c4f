//! What a router returns: the handlers a message goes to, or none.

use super::handler::HandlerDef;

/// The handlers a router sends a message to. Built with `route![h1, h2]`, whose names rustc
/// checks, or [`Route::unrouted`].
#[derive(Clone, Debug, Default)]
pub struct Route {
    handlers: Vec<&'static HandlerDef>,
}

impl Route {
    /// No handler takes the message: its disposition is UNROUTED.
    pub fn unrouted() -> Route {
        Route::default()
    }

    /// A route to the given handlers, in order. `route![…]` calls this.
    pub fn to(handlers: Vec<&'static HandlerDef>) -> Route {
        Route { handlers }
    }

    /// The handlers, in the order the router named them.
    pub fn handlers(&self) -> &[&'static HandlerDef] {
        &self.handlers
    }

    /// Whether no handler takes the message.
    pub fn is_unrouted(&self) -> bool {
        self.handlers.is_empty()
    }
}

/// What a `#[router]` function may return.
#[diagnostic::on_unimplemented(
    message = "a #[router] function must return `Route`, not `{Self}`",
    label = "this is not a `Route`",
    note = "a router looks like `#[router] fn name(msg: &Message) -> Route`; build the route with `route![handler, …]` or `Route::unrouted()`"
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
