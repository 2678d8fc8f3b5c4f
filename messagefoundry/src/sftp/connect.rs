//! One SSH connection to the server with its SFTP subsystem started: TCP, key exchange with
//! the host key checked against the pin, authentication, the `sftp` subsystem, and what the
//! server's SFTP supports. Every step is bounded by the connect timeout.

use std::sync::Arc;
use std::time::Duration;

use russh::client::{self, Handle};
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyOrCertificate};
use russh_sftp::client::RawSftpSession;
use russh_sftp::client::rawsession::Limits;
use russh_sftp::extensions::LIMITS;

use super::error::SftpError;
use super::host_key::HostKeyPin;
use super::settings::{Auth, SftpSettings};

/// The OpenSSH extension that makes a file's data stable on the server's disk.
const FSYNC: &str = "fsync@openssh.com";
/// The largest read or write asked for when the server does not say its limits: the size
/// every SFTP server must accept (draft-ietf-secsh-filexfer-02, section 3).
const PORTABLE_CHUNK: u32 = 32 * 1024;
/// The largest chunk ever asked for, below russh-sftp's own packet limit (256 KiB) with room
/// for the packet's header.
const MAX_CHUNK: u32 = 255 * 1024;

/// A live SFTP session and what its server supports.
pub(crate) struct Connection {
    /// The SSH connection; kept so it stays open, and asked whether it still is.
    ssh: Handle<PinnedHost>,
    /// The SFTP requests.
    pub sftp: RawSftpSession,
    /// Whether `fsync@openssh.com` is there.
    pub fsync: bool,
    /// The largest read and write to ask for.
    pub chunk: u32,
}

impl Connection {
    /// Whether the SSH connection has ended (the server went away, or keepalives went
    /// unanswered).
    pub fn is_closed(&self) -> bool {
        self.ssh.is_closed()
    }
}

/// Connects, within the connect timeout.
pub(crate) async fn connect(settings: &SftpSettings) -> Result<Connection, SftpError> {
    let server = settings.label();
    tokio::time::timeout(
        settings.connect_timeout,
        connect_unbounded(settings, &server),
    )
    .await
    .map_err(|_| SftpError::Timeout {
        server,
        step: "connecting (TCP, key exchange, authentication, SFTP start)".into(),
        after: settings.connect_timeout,
    })?
}

async fn connect_unbounded(settings: &SftpSettings, server: &str) -> Result<Connection, SftpError> {
    let ssh_error = |step: &'static str| {
        move |e: russh::Error| SftpError::Ssh {
            server: server.to_owned(),
            step,
            detail: e.to_string(),
        }
    };
    let config = Arc::new(client::Config {
        keepalive_interval: Some(settings.keepalive),
        keepalive_max: 3,
        nodelay: true,
        ..client::Config::default()
    });
    let tcp = tokio::net::TcpStream::connect((settings.host.as_str(), settings.port))
        .await
        .map_err(|source| SftpError::Unreachable {
            server: server.to_owned(),
            source,
        })?;
    let checker = PinnedHost {
        pin: settings.host_key.clone(),
    };
    let mut ssh = client::connect_stream(config, tcp, checker)
        .await
        .map_err(|e| match e {
            HandshakeError::Mismatch { expected, seen } => SftpError::HostKeyMismatch {
                server: server.to_owned(),
                expected,
                seen,
            },
            HandshakeError::Ssh(e) => ssh_error("key exchange")(e),
        })?;
    authenticate(&mut ssh, settings, server).await?;

    let channel = ssh
        .channel_open_session()
        .await
        .map_err(ssh_error("session channel"))?;
    channel
        .request_subsystem(true, "sftp")
        .await
        .map_err(ssh_error("sftp subsystem"))?;
    let mut sftp = RawSftpSession::new(channel.into_stream());
    sftp.set_timeout(whole_seconds(settings.io_timeout));
    let version = sftp
        .init()
        .await
        .map_err(|e| SftpError::request(server, "init", "", e))?;
    let has = |name: &str| version.extensions.contains_key(name);
    let mut chunk = PORTABLE_CHUNK;
    if has(LIMITS) {
        let limits = Limits::from(
            sftp.limits()
                .await
                .map_err(|e| SftpError::request(server, "limits", "", e))?,
        );
        // Reads and writes ask for at most what the server accepts, and never more than fits
        // one of russh-sftp's packets.
        let most = [limits.read_len, limits.write_len]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(u64::from(PORTABLE_CHUNK));
        chunk = u32::try_from(most).unwrap_or(MAX_CHUNK).clamp(1, MAX_CHUNK);
        sftp.set_limits(limits);
    }
    Ok(Connection {
        ssh,
        fsync: has(FSYNC),
        sftp,
        chunk,
    })
}

async fn authenticate(
    ssh: &mut Handle<PinnedHost>,
    settings: &SftpSettings,
    server: &str,
) -> Result<(), SftpError> {
    let failed = |e: russh::Error| SftpError::Ssh {
        server: server.to_owned(),
        step: "authentication",
        detail: e.to_string(),
    };
    let (method, result) = match &settings.auth {
        Auth::Key { file, passphrase } => {
            let passphrase = passphrase.as_ref().map(|p| p.read()).transpose()?;
            let key = russh::keys::load_secret_key(file, passphrase.as_deref()).map_err(|e| {
                SftpError::Config(format!(
                    "cannot load the private key {}: {e}",
                    file.display()
                ))
            })?;
            // RSA keys sign with the best SHA-2 hash the server accepts.
            let hash = ssh
                .best_supported_rsa_hash()
                .await
                .map_err(failed)?
                .flatten();
            let key = PrivateKeyWithHashAlg::new(Arc::new(key), hash);
            let result = ssh
                .authenticate_publickey(&settings.user, key)
                .await
                .map_err(failed)?;
            ("key", result)
        }
        Auth::Password(secret) => {
            let password = secret.read()?;
            let result = ssh
                .authenticate_password(&settings.user, password)
                .await
                .map_err(failed)?;
            ("password", result)
        }
    };
    if result.success() {
        Ok(())
    } else {
        Err(SftpError::AuthRejected {
            server: server.to_owned(),
            user: settings.user.clone(),
            method,
        })
    }
}

/// russh-sftp's request timeout counts whole seconds.
fn whole_seconds(d: Duration) -> u64 {
    d.as_secs().max(1)
}

/// The client side of the key exchange: accepts the pinned host key and nothing else.
pub(crate) struct PinnedHost {
    pin: HostKeyPin,
}

/// Why the handshake failed: the host key, or SSH itself.
#[derive(Debug)]
pub(crate) enum HandshakeError {
    /// The server's key is not the pinned one.
    Mismatch {
        /// The pinned fingerprint.
        expected: String,
        /// The server's.
        seen: String,
    },
    /// SSH failed.
    Ssh(russh::Error),
}

impl From<russh::Error> for HandshakeError {
    fn from(e: russh::Error) -> HandshakeError {
        HandshakeError::Ssh(e)
    }
}

impl client::Handler for PinnedHost {
    type Error = HandshakeError;

    async fn check_server_key(
        &mut self,
        shown: &PublicKeyOrCertificate,
    ) -> Result<bool, HandshakeError> {
        match self.pin.check(shown) {
            Ok(()) => Ok(true),
            Err(seen) => Err(HandshakeError::Mismatch {
                expected: self.pin.to_string(),
                seen: seen.to_string(),
            }),
        }
    }
}
