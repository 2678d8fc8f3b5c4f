//! SFTP connections as `inbound!(…, sftp(…), …)` and `outbound!(…, sftp(…))` declare them: a
//! server and how to log in ([`SftpServer`]), and a folder on it with the settings of a local
//! one ([`super::file::FileIn`], [`super::file::FileOut`]).

use std::time::Duration;

/// The SFTP server of a connection, and how to log in. Secrets are never here: only where
/// they are read from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SftpServer {
    /// Its host name or address. No default.
    pub host: &'static str,
    /// Its SSH port. Default 22.
    pub port: u16,
    /// The user to log in as. No default.
    pub user: &'static str,
    /// The pinned host key: `SHA256:…` or a key line. No default: never trusted on first use.
    pub host_key: &'static str,
    /// The private key file to log in with.
    pub key: Option<&'static str>,
    /// The environment variable holding the key's passphrase.
    pub key_passphrase_env: Option<&'static str>,
    /// The file holding the key's passphrase.
    pub key_passphrase_file: Option<&'static str>,
    /// The environment variable holding the password.
    pub password_env: Option<&'static str>,
    /// The file holding the password.
    pub password_file: Option<&'static str>,
    /// The longest a connection may take. Default 15 s.
    pub connect_timeout: Duration,
    /// The longest one request may wait for its answer. Default 30 s.
    pub io_timeout: Duration,
}

impl SftpServer {
    /// The defaults, with empty texts standing for "not set" (the macro requires them).
    pub const DEFAULT: SftpServer = SftpServer {
        host: "",
        port: 22,
        user: "",
        host_key: "",
        key: None,
        key_passphrase_env: None,
        key_passphrase_file: None,
        password_env: None,
        password_file: None,
        connect_timeout: Duration::from_secs(15),
        io_timeout: Duration::from_secs(30),
    };
}
