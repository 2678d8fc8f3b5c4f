//! Settings: what `inbound!` and `outbound!` declare, with the overrides of an environment
//! file, read once and used by the engine, the senders, TLS, `serve` and `check`; and where
//! the tables of `tables!` are read from and what the values of `values!` are.
//!
//! The options themselves (names, kinds, defaults, the parsers of their values) are defined
//! once in `messagefoundry-options`, which the macros use as well.

mod alerts;
mod connection;
mod data;
mod environment;
mod file_connection;
#[cfg(test)]
mod fixtures;
mod http;
mod plaintext;
mod settings;
mod sftp_connection;
mod store_keys;

pub use connection::{InboundSettings, OutboundSettings};
pub use data::{Declared, TableSetting};
pub use file_connection::{FileInSettings, FileOutSettings};
pub use http::HttpInboundSettings;
#[cfg_attr(not(feature = "test-support"), allow(unused_imports))]
pub use http::HttpOutboundSettings;
// Read by the tests (with `test-support`); the runtime goes through `Settings`.
#[cfg_attr(not(feature = "test-support"), allow(unused_imports))]
pub use environment::{Environment, EnvironmentError, InboundConnection, OutboundConnection};
pub use messagefoundry_options::{Cidr, CidrError, parse_duration};
pub use settings::{Settings, SettingsError};
