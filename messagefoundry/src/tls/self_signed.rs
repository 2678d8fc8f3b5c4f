//! The self-signed certificate a TLS listener uses when none is configured: generated at the
//! first start, kept beside the store, and reused, so partners can pin its fingerprint.

use std::path::{Path, PathBuf};

use super::{TlsError, fingerprint, read_certificates};

/// The self-signed certificate and key files, and the certificate's fingerprint.
#[derive(Debug, Clone)]
pub struct SelfSigned {
    /// The certificate (PEM).
    pub cert: PathBuf,
    /// Its private key (PEM), readable by the owner only.
    pub key: PathBuf,
    /// SHA-256 fingerprint of the certificate.
    pub fingerprint: String,
    /// Whether this start generated it.
    pub generated: bool,
}

/// The files beside the store `db`: `<stem>-tls-cert.pem` and `<stem>-tls-key.pem`.
pub fn paths(db: &Path) -> (PathBuf, PathBuf) {
    let dir = db.parent().unwrap_or(Path::new("."));
    let stem = db
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "messagefoundry".to_owned());
    (
        dir.join(format!("{stem}-tls-cert.pem")),
        dir.join(format!("{stem}-tls-key.pem")),
    )
}

/// Loads the certificate kept beside the store, or generates and writes one. Blocking.
///
/// The certificate names `localhost`, `127.0.0.1` and the machine's host name.
pub fn load_or_create(db: &Path) -> Result<SelfSigned, TlsError> {
    let (cert, key) = paths(db);
    let generated = !(cert.exists() && key.exists());
    if generated {
        let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        if let Some(host) = host_name() {
            names.push(host);
        }
        let made = rcgen::generate_simple_self_signed(names)
            .map_err(|e| TlsError::Config(format!("cannot generate a certificate: {e}")))?;
        write(&key, made.signing_key.serialize_pem().as_bytes(), true)?;
        write(&cert, made.cert.pem().as_bytes(), false)?;
    }
    let fingerprint = fingerprint(&read_certificates(&cert)?[0]);
    Ok(SelfSigned {
        cert,
        key,
        fingerprint,
        generated,
    })
}

/// The host name, where the system tells it without a library call.
fn host_name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

/// Writes a new file; a private one is created readable by its owner only.
fn write(path: &Path, bytes: &[u8], private: bool) -> Result<(), TlsError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    let failed = |source| TlsError::Write {
        path: path.to_owned(),
        source,
    };
    let mut file = options.open(path).map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.sync_all().map_err(failed)
}
