//! What can go wrong with an SFTP folder, in words that name the server, the step and the file,
//! never a file's content. Folder operations return these inside `std::io::Error`, with the
//! kind a caller acts on (not found, permission denied, timed out, connection lost).

use std::io;
use std::time::Duration;

use russh_sftp::client::error::Error as SftpClientError;
use russh_sftp::protocol::StatusCode;

/// An SFTP folder's error.
#[derive(Debug, thiserror::Error)]
pub enum SftpError {
    /// The settings cannot work: a bad pin, a missing secret, an unreadable key file.
    #[error("SFTP settings: {0}")]
    Config(String),
    /// No TCP connection to the server.
    #[error("cannot reach the SFTP server {server}: {source}")]
    Unreachable {
        /// `user@host:port`.
        server: String,
        /// Why.
        source: io::Error,
    },
    /// A step took longer than its timeout.
    #[error("SFTP server {server}: {step} took longer than {after:?}")]
    Timeout {
        /// `user@host:port`.
        server: String,
        /// What was under way.
        step: String,
        /// The timeout.
        after: Duration,
    },
    /// The server showed another host key than the pinned one: it is not the server that was
    /// pinned, or its key was changed.
    #[error(
        "SFTP server {server} shows the host key {seen}, but {expected} is pinned: refusing to \
         connect; if the server's key was changed on purpose, pin the new one (host_key)"
    )]
    HostKeyMismatch {
        /// `user@host:port`.
        server: String,
        /// The pinned fingerprint.
        expected: String,
        /// The fingerprint of the key the server showed.
        seen: String,
    },
    /// The server did not accept the credentials.
    #[error("SFTP server {server} refused the {method} of user {user}")]
    AuthRejected {
        /// `user@host:port`.
        server: String,
        /// The user.
        user: String,
        /// `key` or `password`.
        method: &'static str,
    },
    /// The SSH connection failed (key exchange, channel, subsystem) or was lost.
    #[error("SFTP server {server}: SSH {step} failed: {detail}")]
    Ssh {
        /// `user@host:port`.
        server: String,
        /// What was under way.
        step: &'static str,
        /// The SSH library's words.
        detail: String,
    },
    /// An SFTP request failed.
    #[error("SFTP server {server}: {op} {path}: {detail}")]
    Request {
        /// `user@host:port`.
        server: String,
        /// The request (`open`, `rename`, …).
        op: &'static str,
        /// The remote path it was about.
        path: String,
        /// The server's status, or why there was no answer.
        detail: String,
        /// How a caller should take it.
        kind: io::ErrorKind,
    },
}

impl SftpError {
    /// A failed request, classified: a status from the server leaves the connection usable;
    /// anything else (no answer, a closed channel) means it is lost.
    pub(crate) fn request(
        server: &str,
        op: &'static str,
        path: &str,
        error: SftpClientError,
    ) -> SftpError {
        let kind = match &error {
            SftpClientError::Status(status) => match status.status_code {
                StatusCode::NoSuchFile => io::ErrorKind::NotFound,
                StatusCode::PermissionDenied => io::ErrorKind::PermissionDenied,
                StatusCode::OpUnsupported => io::ErrorKind::Unsupported,
                _ => io::ErrorKind::Other,
            },
            SftpClientError::Timeout => io::ErrorKind::TimedOut,
            SftpClientError::Limited(_) => io::ErrorKind::InvalidInput,
            _ => io::ErrorKind::ConnectionAborted,
        };
        SftpError::Request {
            server: server.to_owned(),
            op,
            path: path.to_owned(),
            detail: error.to_string(),
            kind,
        }
    }

    /// The same error naming `folder` rather than the file it was about.
    pub(crate) fn about(self, folder: &str) -> SftpError {
        match self {
            SftpError::Request {
                server,
                op,
                detail,
                kind,
                ..
            } => SftpError::Request {
                server,
                op,
                path: format!("a new file in {folder}"),
                detail,
                kind,
            },
            other => other,
        }
    }

    /// Whether the connection this came from can no longer be used.
    pub(crate) fn connection_lost(&self) -> bool {
        match self {
            SftpError::Request { kind, .. } => matches!(
                kind,
                io::ErrorKind::ConnectionAborted | io::ErrorKind::TimedOut
            ),
            SftpError::Config(_) => false,
            _ => true,
        }
    }

    fn kind(&self) -> io::ErrorKind {
        match self {
            SftpError::Config(_) => io::ErrorKind::InvalidInput,
            SftpError::Unreachable { source, .. } => source.kind(),
            SftpError::Timeout { .. } => io::ErrorKind::TimedOut,
            SftpError::HostKeyMismatch { .. } | SftpError::AuthRejected { .. } => {
                io::ErrorKind::PermissionDenied
            }
            SftpError::Ssh { .. } => io::ErrorKind::ConnectionAborted,
            SftpError::Request { kind, .. } => *kind,
        }
    }
}

impl From<SftpError> for io::Error {
    fn from(error: SftpError) -> io::Error {
        io::Error::new(error.kind(), error)
    }
}
