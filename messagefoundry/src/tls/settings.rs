//! From an inbound's or an outbound's settings to its TLS: which files, checked for the
//! combinations that make sense, the one place both the engine and `check` ask.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::ServerName;

use super::reload::Reloading;
use super::{TlsError, Trust};
use crate::config::{InboundSettings, OutboundSettings};
use crate::interface::Tls;

/// Where an inbound's certificate comes from.
pub(crate) enum ListenerCert {
    /// TLS is off.
    Off,
    /// The configured certificate and key files.
    Files {
        /// The certificate chain.
        cert: PathBuf,
        /// Its key.
        key: PathBuf,
    },
    /// The self-signed certificate kept beside the store.
    SelfSigned,
}

/// The certificate an inbound's settings ask for.
pub(crate) fn listener_cert(s: &InboundSettings) -> Result<ListenerCert, TlsError> {
    if s.tls == Tls::Off {
        return Ok(ListenerCert::Off);
    }
    match (&s.tls_cert, &s.tls_key) {
        (Some(cert), Some(key)) => Ok(ListenerCert::Files {
            cert: cert.clone(),
            key: key.clone(),
        }),
        (None, None) => Ok(ListenerCert::SelfSigned),
        _ => Err(TlsError::Config(
            "tls_cert and tls_key go together: give both or neither".into(),
        )),
    }
}

/// How a sender speaks TLS: its configuration (reloaded when its files change) and the name
/// the downstream must prove.
#[derive(Clone)]
pub(crate) struct Client {
    /// The configuration new connections use.
    pub config: Arc<Reloading<rustls::ClientConfig>>,
    /// The name checked in the downstream's certificate.
    pub server_name: ServerName<'static>,
}

/// The TLS client an outbound's settings ask for, `None` for plaintext. Blocking: it reads
/// the certificate files.
pub(crate) fn client(s: &OutboundSettings) -> Result<Option<Client>, TlsError> {
    let config_error = |what: &str| Err(TlsError::Config(what.to_owned()));
    let trust = match (&s.tls_ca, &s.tls_fingerprint) {
        (Some(_), Some(_)) => return config_error("give tls_ca or tls_fingerprint, not both"),
        (Some(ca), None) => Trust::Ca(ca.clone()),
        (None, Some(print)) => Trust::Fingerprint(print.clone()),
        (None, None) => {
            if s.tls_cert.is_some() || s.tls_key.is_some() || s.tls_server_name.is_some() {
                return config_error(
                    "tls_cert, tls_key and tls_server_name need tls_ca or tls_fingerprint",
                );
            }
            return Ok(None);
        }
    };
    let own = match (&s.tls_cert, &s.tls_key) {
        (Some(cert), Some(key)) => Some((cert.clone(), key.clone())),
        (None, None) => None,
        _ => return config_error("tls_cert and tls_key go together: give both or neither"),
    };
    let mut files = match &trust {
        Trust::Ca(ca) => vec![ca.clone()],
        Trust::Fingerprint(_) => Vec::new(),
    };
    if let Some((cert, key)) = &own {
        files.extend([cert.clone(), key.clone()]);
    }
    let config = Reloading::new(files, move || {
        let own = own.as_ref().map(|(c, k)| (c.as_path(), k.as_path()));
        super::client_config(&trust, own)
    })?;
    let name = s.tls_server_name.as_deref().unwrap_or(&s.host);
    Ok(Some(Client {
        server_name: super::server_name(name)?,
        config: Arc::new(config),
    }))
}

/// Logs a warning when a connection's certificate has expired or expires within 30 days.
/// Blocking: it reads the file.
pub(crate) fn log_expiry(connection: &str, cert: &Path) {
    if let Some((text, true)) = super::file_expiry(cert) {
        tracing::warn!(connection, certificate = %cert.display(), "TLS certificate {text}");
    }
}
