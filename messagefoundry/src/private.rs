//! What the macros' expansions reach the runtime through. Not a public API.

pub use linkme;

use crate::interface::Route;
pub use crate::interface::plumbing::*;
pub use crate::interface::{Inbound, Outbound};

/// Every `inbound!` of the binary, gathered at link time.
#[linkme::distributed_slice]
pub static INBOUNDS: [Inbound];

/// Every `outbound!` of the binary, gathered at link time.
#[linkme::distributed_slice]
pub static OUTBOUNDS: [Outbound];

/// The body of the `main` that `main!()` emits.
pub fn run_main() -> std::process::ExitCode {
    let wiring = crate::cli::Wiring {
        inbounds: &INBOUNDS,
        outbounds: &OUTBOUNDS,
    };
    crate::cli::run(&wiring, std::env::args_os())
}

/// What `route![h]` expands to for each name: a call whose bound rustc checks on the user's
/// token, so naming a non-handler points at that name.
pub const fn handler_def<H: Handler>() -> &'static HandlerDef {
    H::DEF
}

/// What `route![…]` expands to: a route to the handlers, in order.
pub fn route(handlers: Vec<&'static HandlerDef>) -> Route {
    Route::to(handlers)
}

/// The router an `inbound!` with a mistake is given, so the rest of the crate still compiles
/// while its error is shown.
#[allow(non_camel_case_types, dead_code)]
pub struct NoRouter {}

impl crate::interface::Router for NoRouter {
    const DEF: &'static crate::interface::RouterDef = &crate::interface::RouterDef {
        name: "(none)",
        route: |_| crate::interface::Route::unrouted(),
    };
}
