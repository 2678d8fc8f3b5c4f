//! What the macros' expansions reach the runtime through. Not a public API.

pub use linkme;

use crate::interface::Route;
pub use crate::interface::plumbing::*;
pub use crate::interface::{Inbound, Outbound};

/// Every `inbound!` of the binary, gathered at link time.
#[linkme::distributed_slice]
pub static INBOUNDS: [Inbound];

/// Every `index = [...]` of an `inbound!` in the binary, gathered at link time.
#[linkme::distributed_slice]
pub static INDEXES: [IndexDef];

pub use crate::interface::index::IndexDef;

/// Every `outbound!` of the binary, gathered at link time.
#[linkme::distributed_slice]
pub static OUTBOUNDS: [Outbound];

pub use crate::tables::TableDef;
pub use crate::values::{Setting, SettingType, ValueDef};

/// Every table `tables!` declares in the binary, gathered at link time.
#[linkme::distributed_slice]
pub static TABLES: [TableDef];

/// Every value `values!` declares in the binary, gathered at link time.
#[linkme::distributed_slice]
pub static VALUES: [ValueDef];

/// The body of the `main` that `main!()` emits.
pub fn run_main() -> std::process::ExitCode {
    let wiring = crate::cli::Wiring {
        inbounds: &INBOUNDS,
        outbounds: &OUTBOUNDS,
    };
    crate::cli::run(&wiring, std::env::args_os())
}

/// The registration a `#[handler]` whose signature is wrong is given, so that the names that
/// refer to it still resolve while its error is shown. The crate does not build, so it never
/// runs.
pub const UNBUILT_HANDLER: &HandlerDef = &HandlerDef {
    name: "(did not build)",
    handle: Handle::Sync(|_| crate::interface::Outcome::error("the handler did not build")),
    message: None,
};

/// What `route![…]` expands to: a route to the handlers, in order.
pub fn route(handlers: Vec<&'static HandlerDef>) -> Route {
    Route::to(handlers)
}

/// The router an `inbound!` with a mistake, or a `#[router]` whose signature is wrong, is
/// given, so the rest of the crate still compiles while its error is shown.
#[allow(non_camel_case_types, dead_code)]
pub struct NoRouter {}

impl crate::interface::Router for NoRouter {
    const DEF: &'static crate::interface::RouterDef = &crate::interface::RouterDef {
        name: "(none)",
        route: |_| crate::interface::Route::unrouted(),
    };
}
