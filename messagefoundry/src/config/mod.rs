//! Settings: what `inbound!` and `outbound!` declare, with the overrides of an environment
//! file, as the engine, the senders, TLS and the command line use them.

mod cidr;
mod environment;

pub use cidr::{Cidr, CidrError};
pub use environment::{
    Environment, EnvironmentError, InboundSettings, OutboundSettings, parse_duration,
};
