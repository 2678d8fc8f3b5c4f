//! The types in an interface's signatures: what a router returns ([`Route`]), what a handler
//! returns ([`Outcome`]) and sends ([`Delivery`]), what became of a message
//! ([`Disposition`]), and what the names declared by `inbound!` and `outbound!` stand for
//! ([`Inbound`], [`Outbound`]).
//!
//! The definitions the macros expand to (each connection's settings, the registrations of
//! routers and handlers) belong to the runtime; the expansions reach them through a hidden
//! path.

mod connection;
mod file;
mod handler;
mod http;
pub mod index;
mod outcome;
mod route;
mod router;
mod sftp;

pub use connection::{Inbound, Outbound};
pub use outcome::{Delivery, Disposition, Outcome};
pub use route::Route;

pub(crate) use outcome::Decision;
#[cfg(feature = "test-support")]
pub use plumbing::*;
#[cfg(not(feature = "test-support"))]
pub(crate) use plumbing::*;

/// What the macros expand to and the engine reads.
pub(crate) mod plumbing {
    pub use super::connection::{
        AckMode, CharsetPolicy, InboundDef, InboundTransport, InvalidAck, MllpConnect, MllpListen,
        OutboundDef, OutboundTransport, ParsePolicy, Plaintext, RetryPolicy, Tls, ValidatePolicy,
    };
    pub use super::file::{AfterPickup, FileIn, FileOut};
    pub use super::handler::{DEFAULT_TIMEOUT, Handle, Handler, HandlerDef, HandlerFuture};
    pub use super::http::{HttpConnect, HttpListen};
    pub use super::outcome::IntoOutcome;
    pub use super::route::IntoRoute;
    pub use super::router::{Router, RouterDef};
    pub use super::sftp::SftpServer;
    pub use crate::config::{Cidr, CidrError};
}
