//! The connection options of MessageFoundry, defined once.
//!
//! Every option of `inbound!` and `outbound!` is a row of one table per transport and
//! direction ([`INBOUND`], [`OUTBOUND`] for `mllp(…)`, [`FILE_INBOUND`], [`FILE_OUTBOUND`] for
//! `file(…)`, [`HTTP_INBOUND`], [`HTTP_OUTBOUND`] for `http(…)`, [`SFTP_INBOUND`],
//! [`SFTP_OUTBOUND`] for `sftp(…)`; [`Transport::options`]): its name (also its key in an environment file), the kind of its value, its
//! default and its meaning. The macros check what an author writes against it, the runtime's
//! environment loader checks `environments/<name>.toml` against it, and the docs tables are
//! generated from it, so the three cannot disagree.
//!
//! The values are checked here too, by one parser per kind ([`Spec::check`]): a duration, a
//! port, an allow-list of networks ([`Cidr`]) read the same and fail with the same message in
//! a macro and in an environment file.
//!
//! ```
//! use messagefoundry_options::{Direction, Origin, Value, Written};
//! let spec = Direction::Outbound.option("ack_timeout").unwrap();
//! let value = spec.check(&Written::Str("1m".into()), Origin::Environment);
//! assert_eq!(value, Ok(Value::Duration(std::time::Duration::from_secs(60))));
//! ```
//!
//! Two more formats are defined here for the same reason, read alike by the macros and the
//! runtime: code tables ([`Crosswalk`], CSV files) and values per environment ([`Setting`]).
//!
//! This crate has no I/O and almost no dependencies: the procedural macros depend on it as
//! well as the runtime.

mod cidr;
mod crosswalk;
mod docs;
mod duration;
mod file;
mod host_key;
mod http;
mod setting;
mod sftp;
mod suggest;
mod table;
mod template;
mod transport;
mod url;
mod value;

pub use cidr::{Cidr, CidrError};
pub use crosswalk::{Crosswalk, CrosswalkError, is_name};
pub use docs::{default_text, markdown_table, markdown_table_of};
pub use duration::{format_duration, parse_duration, suggest_duration};
pub use file::{FILE_INBOUND, FILE_OUTBOUND};
pub use http::{HTTP_INBOUND, HTTP_OUTBOUND};
pub use setting::{Setting, SettingType};
pub use sftp::{SFTP_INBOUND, SFTP_OUTBOUND, SFTP_SERVER, is_server_option};
pub use suggest::nearest;
pub use table::{
    Default, Direction, INBOUND, Kind, MAX_BYTES, MAX_COUNT, OUTBOUND, Spec, setting_of,
};
pub use template::{Piece, name_template};
pub use transport::Transport;
pub use url::{HttpUrl, check_header, check_path};
pub use value::{Invalid, Origin, Value, Written};
