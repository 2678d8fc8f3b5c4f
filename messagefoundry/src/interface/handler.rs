//! Handlers as the engine sees them: a name and a function, plain or `async`.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use messagefoundry_hl7::Message;

use super::outcome::Outcome;

/// What an `async` handler's call returns: its outcome, once it has awaited what it needs.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Outcome>>>;

/// How long an `async` handler may take when its `#[handler]` names no `timeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A `#[handler]` function, as registered by the macro.
#[derive(Debug)]
pub struct HandlerDef {
    /// The function's name.
    pub name: &'static str,
    /// The function, its return value already turned into an [`Outcome`].
    pub handle: Handle,
    /// The message type the handler declared (`#[handler(message = "ORU^R01")]`), if any.
    pub message: Option<&'static str>,
}

/// How the engine calls a handler.
#[derive(Debug, Clone, Copy)]
pub enum Handle {
    /// A plain `fn`: called, and its outcome is there when it returns.
    Sync(fn(Message) -> Outcome),
    /// An `async fn`: awaited, for at most `timeout` (`#[handler(timeout = "2s")]`); past it
    /// the handler's disposition is ERROR.
    Async {
        /// Starts the handler; the future is its work.
        call: fn(Message) -> HandlerFuture,
        /// How long the future may take.
        timeout: Duration,
    },
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
