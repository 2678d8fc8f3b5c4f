//! The vocabulary of an interface: connections, routes, outcomes, dispositions.
//!
//! The macros of `messagefoundry-macros` (`inbound!`, `outbound!`, `#[router]`, `#[handler]`,
//! `route![]`) expand to these types. The macros themselves are not built yet; the types can be
//! used by hand.

mod connection;
mod handler;
mod outcome;
pub mod process;
mod route;

pub use crate::config::{Cidr, CidrError};
pub use connection::{
    AckMode, Inbound, InboundDef, MllpConnect, MllpListen, Outbound, OutboundDef, ParsePolicy,
    Plaintext, RetryPolicy, Tls, ValidatePolicy,
};
pub use handler::{Handler, HandlerDef, Router, RouterDef};
pub use outcome::{Delivery, Disposition, IntoOutcome, Outcome};
pub use route::{IntoRoute, Route};
