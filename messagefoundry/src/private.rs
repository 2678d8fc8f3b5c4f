//! What the macros' expansions reach the runtime through. Not a public API.

pub use linkme;

use crate::interface::{Inbound, Outbound};

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
