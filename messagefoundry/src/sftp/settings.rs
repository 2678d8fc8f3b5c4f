//! What an SFTP folder needs to know: where the server is, who logs in and how, which host key
//! it must show, and how long each step may take.

use std::path::PathBuf;
use std::time::Duration;

use super::error::SftpError;
use super::host_key::HostKeyPin;

/// The settings of one SFTP folder.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SftpSettings {
    /// The server's host name or address.
    pub host: String,
    /// Its SSH port.
    pub port: u16,
    /// The user to log in as.
    pub user: String,
    /// The remote folder: relative to the user's login folder, or absolute.
    pub dir: String,
    /// How the user proves who it is.
    pub auth: Auth,
    /// The host key the server must show; there is no trust on first use.
    pub host_key: HostKeyPin,
    /// The longest a connection may take: TCP, key exchange, authentication, SFTP start.
    pub connect_timeout: Duration,
    /// The longest one SFTP request may wait for its answer (whole seconds, at least one).
    pub io_timeout: Duration,
    /// How often an idle connection is probed, so a server that went away is noticed before
    /// the next operation reuses the connection.
    pub keepalive: Duration,
}

impl SftpSettings {
    /// Settings with the usual port (22) and timeouts.
    pub fn new(
        host: impl Into<String>,
        user: impl Into<String>,
        dir: impl Into<String>,
        auth: Auth,
        host_key: HostKeyPin,
    ) -> SftpSettings {
        SftpSettings {
            host: host.into(),
            port: 22,
            user: user.into(),
            dir: dir.into(),
            auth,
            host_key,
            connect_timeout: Duration::from_secs(15),
            io_timeout: Duration::from_secs(30),
            keepalive: Duration::from_secs(30),
        }
    }

    /// `user@host:port`, how errors and logs name the server (never a secret).
    pub fn label(&self) -> String {
        format!("{}@{}:{}", self.user, self.host, self.port)
    }
}

/// How the client authenticates.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Auth {
    /// A private key file (OpenSSH or PEM format), with an optional passphrase.
    Key {
        /// The private key file.
        file: PathBuf,
        /// Where its passphrase is, when it has one.
        passphrase: Option<Secret>,
    },
    /// A password.
    Password(Secret),
}

/// Where a secret is read from, at each connection (so a rotated secret is picked up without
/// a restart). Never the secret itself, so settings can be printed and logged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Secret {
    /// An environment variable holds it.
    Env(String),
    /// A file holds it; one trailing line break is not part of it.
    File(PathBuf),
}

impl Secret {
    /// Reads the secret now.
    pub fn read(&self) -> Result<String, SftpError> {
        match self {
            Secret::Env(name) => std::env::var(name).map_err(|_| {
                SftpError::Config(format!(
                    "the environment variable {name} is not set (or not UTF-8)"
                ))
            }),
            Secret::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    SftpError::Config(format!(
                        "cannot read the secret file {}: {e}",
                        path.display()
                    ))
                })?;
                let text = text.strip_suffix('\n').unwrap_or(&text);
                Ok(text.strip_suffix('\r').unwrap_or(text).to_owned())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_file_loses_one_trailing_line_break_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pw");
        std::fs::write(&path, "s3cret \r\n").unwrap();
        assert_eq!(Secret::File(path.clone()).read().unwrap(), "s3cret ");
        std::fs::write(&path, "two\n\n").unwrap();
        assert_eq!(Secret::File(path).read().unwrap(), "two\n");
    }

    #[test]
    fn an_environment_variable_is_read_as_it_is() {
        let path = std::env::var("PATH").unwrap();
        assert_eq!(Secret::Env("PATH".into()).read().unwrap(), path);
    }

    #[test]
    fn a_missing_secret_names_where_it_was_looked_for() {
        let err = Secret::Env("MESSAGEFOUNDRY_TEST_UNSET_PASSWORD".into())
            .read()
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("MESSAGEFOUNDRY_TEST_UNSET_PASSWORD"),
            "{err}"
        );
    }
}
