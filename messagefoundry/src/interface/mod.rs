//! The vocabulary of an interface: connections, routes, outcomes, dispositions.
//!
//! The macros of `messagefoundry-macros` (`inbound!`, `outbound!`, `#[router]`, `#[handler]`,
//! `route![]`) expand to these types. The macros themselves are not built yet; the types can be
//! used by hand.

mod cidr;
mod connection;
pub mod environment;
mod handler;
mod outcome;
mod route;
mod router;

pub use cidr::{Cidr, CidrError};
pub use connection::{
    AckMode, Inbound, InboundDef, MllpConnect, MllpListen, Outbound, OutboundDef, ParsePolicy,
    Plaintext, RetryPolicy, Tls, ValidatePolicy,
};
pub use handler::{Handler, HandlerDef};
pub(crate) use outcome::Decision;
pub use outcome::{Delivery, Disposition, IntoOutcome, Outcome};
pub use route::{IntoRoute, Route};
pub use router::{Router, RouterDef};
