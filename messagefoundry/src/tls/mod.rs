//! TLS for listeners and senders: rustls with the ring provider, TLS 1.2 and 1.3 only.
//!
//! Certificates and keys are PEM files. A listener with no certificate configured uses a
//! self-signed one generated at first start and kept beside the store ([`self_signed`]).

mod pinned;
pub mod reload;
pub mod self_signed;
mod settings;

pub(crate) use settings::{Client, ListenerCert, client, listener_cert, log_expiry};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// Why a TLS configuration could not be built. Names files and reasons, never key material.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file holds no certificate, no key, or something that is not PEM.
    #[error("{path}: {what}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        what: String,
    },
    /// A generated certificate could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The pieces do not fit together (a key that is not the certificate's, a bad name).
    #[error("TLS setup failed: {0}")]
    Config(String),
}

/// The crypto provider every configuration uses.
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// TLS 1.2 and 1.3; nothing older.
static VERSIONS: &[&rustls::SupportedProtocolVersion] =
    &[&rustls::version::TLS13, &rustls::version::TLS12];

/// Reads every certificate of a PEM file.
pub fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let bytes = read(path)?;
    let certs = CertificateDer::pem_slice_iter(&bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(path, format!("not a PEM certificate file ({e})")))?;
    if certs.is_empty() {
        return Err(invalid(path, "no certificate in the file".into()));
    }
    Ok(certs)
}

/// Reads the private key of a PEM file (PKCS#8, PKCS#1 or SEC1).
pub fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let bytes = read(path)?;
    PrivateKeyDer::from_pem_slice(&bytes)
        .map_err(|_| invalid(path, "no private key in the file".into()))
}

fn roots(path: &Path) -> Result<RootCertStore, TlsError> {
    let mut roots = RootCertStore::empty();
    for cert in read_certificates(path)? {
        roots
            .add(cert)
            .map_err(|e| invalid(path, format!("not a usable CA certificate ({e})")))?;
    }
    Ok(roots)
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|source| TlsError::Read {
        path: path.to_owned(),
        source,
    })
}

fn invalid(path: &Path, what: String) -> TlsError {
    TlsError::Invalid {
        path: path.to_owned(),
        what,
    }
}

/// A listener's configuration: its certificate and key, and with `client_ca`, a client
/// certificate signed by one of those CAs required of every TLS peer.
pub fn server_config(
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> Result<Arc<ServerConfig>, TlsError> {
    let builder = ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(VERSIONS)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let builder = match client_ca {
        Some(ca) => {
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots(ca)?),
                provider(),
            )
            .build()
            .map_err(|e| TlsError::Config(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder
        .with_single_cert(read_certificates(cert)?, read_key(key)?)
        .map_err(|e| TlsError::Config(format!("{}: {e}", key.display())))?;
    Ok(Arc::new(config))
}

/// What a sender trusts in the downstream's certificate.
#[derive(Debug, Clone)]
pub enum Trust {
    /// Certificates signed by the CAs (or the self-signed certificate) in this PEM file, for
    /// the server name.
    Ca(PathBuf),
    /// Exactly the certificate with this SHA-256 fingerprint.
    Fingerprint(String),
}

/// A sender's configuration: what it trusts, and optionally its own certificate and key.
pub fn client_config(
    trust: &Trust,
    client: Option<(&Path, &Path)>,
) -> Result<Arc<ClientConfig>, TlsError> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(VERSIONS)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    let builder = match trust {
        Trust::Ca(ca) => builder.with_root_certificates(roots(ca)?),
        Trust::Fingerprint(print) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(pinned::Pinned::new(print, provider())?)),
    };
    let config = match client {
        Some((cert, key)) => builder
            .with_client_auth_cert(read_certificates(cert)?, read_key(key)?)
            .map_err(|e| TlsError::Config(format!("{}: {e}", key.display())))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}

/// A client configuration trusting the system's CAs (the operating system's store), for
/// services that name no CA file of their own, such as an alert webhook.
pub fn system_client_config() -> Result<Arc<ClientConfig>, TlsError> {
    let mut roots = RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        return Err(TlsError::Config(
            "no trusted CA certificates found on this system; name a CA file (ca = \"…\")".into(),
        ));
    }
    let config = ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(VERSIONS)
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The name a sender checks in the downstream's certificate.
pub fn server_name(name: &str) -> Result<ServerName<'static>, TlsError> {
    ServerName::try_from(name.to_owned())
        .map_err(|_| TlsError::Config(format!("{name:?} is not a host name or address")))
}

/// The SHA-256 fingerprint of a certificate, as colon-separated hex pairs (what partners pin).
pub fn fingerprint(cert: &CertificateDer<'_>) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, cert.as_ref());
    digest
        .as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// A certificate file as `check` names it for pinning: "FILE (SHA-256 AB:…)", with the count
/// of any further certificates in the file (a chain, or several CAs).
pub fn file_fingerprint(path: &Path) -> Result<String, TlsError> {
    let certs = read_certificates(path)?;
    let more = match certs.len() {
        1 => String::new(),
        n => format!(", and {} more certificate(s)", n - 1),
    };
    Ok(format!(
        "{} (SHA-256 {}{more})",
        path.display(),
        fingerprint(&certs[0])
    ))
}

/// A pinned fingerprint as [`fingerprint`] writes it, whatever way it was written.
pub fn normalized_fingerprint(text: &str) -> Result<String, TlsError> {
    pinned::normalized(text)
}

/// When a certificate stops being valid (its notAfter); `None` if it cannot be read.
pub fn expires(cert: &CertificateDer<'_>) -> Option<std::time::SystemTime> {
    use x509_cert::der::Decode;
    let parsed = x509_cert::Certificate::from_der(cert.as_ref()).ok()?;
    Some(std::time::UNIX_EPOCH + parsed.tbs_certificate.validity.not_after.to_unix_duration())
}

/// A certificate's remaining life, in words for a log or `check` line: "expires 2027-11-24
/// (365 days)", "EXPIRED on 2025-01-01"; and whether it needs attention (expired, or expiring
/// within [`EXPIRY_WARNING`]).
pub fn expiry_text(cert: &CertificateDer<'_>) -> (String, bool) {
    let Some(at) = expires(cert) else {
        return ("expiry unreadable".to_owned(), true);
    };
    let date = messagefoundry_hl7::hl7_timestamp(at);
    let date = format!("{}-{}-{}", &date[0..4], &date[4..6], &date[6..8]);
    match at.duration_since(std::time::SystemTime::now()) {
        Ok(left) => {
            let days = left.as_secs() / 86_400;
            (
                format!("expires {date} ({days} days)"),
                left < EXPIRY_WARNING,
            )
        }
        Err(_) => (format!("EXPIRED on {date}"), true),
    }
}

/// How close to its expiry a certificate is warned about.
pub const EXPIRY_WARNING: std::time::Duration = std::time::Duration::from_secs(30 * 86_400);

/// [`expiry_text`] of the first certificate of a PEM file; `None` if the file has none.
pub fn file_expiry(path: &Path) -> Option<(String, bool)> {
    let certs = read_certificates(path).ok()?;
    Some(expiry_text(certs.first()?))
}
