//! MessageFoundry: an HL7 v2 interface engine as an ordinary Rust crate.
//!
//! What is here today:
//! - [`hl7`]: the HL7 v2 message model (parse, read, serialize).
//! - [`interface`]: the vocabulary of an interface (connections, routes, outcomes,
//!   dispositions) and [`interface::process`], which runs a message through a router and its
//!   handlers.
//! - [`testing`]: running messages through an inbound in unit tests.
//! - [`mllp`]: the MLLP frame codec.
//! - [`store`]: the durable store's intake (group commit).
//!
//! Not built yet: the macros of the DSL, the listener and sender, the pipeline around the
//! store, outbound queues, and the command line.

pub use messagefoundry_hl7 as hl7;
pub use messagefoundry_macros::{handler, inbound, main, outbound, path, router};

pub mod cli;
pub mod engine;
pub mod interface;
pub mod mllp;
pub mod sender;
pub mod store;
pub mod testing;
pub mod tls;

/// Everything an interface crate needs: `use messagefoundry::prelude::*;`.
pub mod prelude {
    pub use crate::hl7::{Message, Path};
    pub use crate::interface::{Disposition, Outcome, Route, Send};
    pub use crate::{handler, inbound, outbound, path, route, router};
}

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// Routes a message to handlers: `route![to_ehr, to_archive]`.
///
/// Each name must be a `#[handler]` function; rustc checks the names, so a typo or a router
/// named here is a compile error.
#[macro_export]
macro_rules! route {
    ($($handler:path),* $(,)?) => {
        $crate::interface::Route::to(::std::vec![
            $($crate::__private::handler_def::<$handler>()),*
        ])
    };
}
