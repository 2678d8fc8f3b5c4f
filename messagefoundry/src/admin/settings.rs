//! The admin server's options (`--admin` and its TLS and token options), shared by `serve` and
//! `check`, and the rules they must meet: off loopback, TLS and a bearer token or mutual TLS.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use crate::tls::ListenerCert;

/// The default address: loopback only, so nothing is exposed until an operator decides.
pub const DEFAULT_ADDRESS: &str = "127.0.0.1:7575";

/// The shortest bearer token accepted.
const MIN_TOKEN: usize = 16;

/// Options of the admin server.
#[derive(clap::Args, Debug, Clone)]
pub struct AdminArgs {
    /// Where the admin server (health, readiness, metrics, JSON API) listens, or `off`. Off
    /// loopback it requires TLS and a bearer token (`--admin-token-file`) or mutual TLS
    /// (`--admin-client-ca`).
    #[arg(long, default_value = DEFAULT_ADDRESS, value_name = "ADDR|off")]
    pub admin: String,
    /// The admin server's certificate chain (PEM); with `--admin-tls-key`. Off loopback
    /// without it, the self-signed certificate kept beside the store is used.
    #[arg(long, value_name = "PEM")]
    pub admin_tls_cert: Option<PathBuf>,
    /// The key of `--admin-tls-cert` (PEM).
    #[arg(long, value_name = "PEM")]
    pub admin_tls_key: Option<PathBuf>,
    /// Mutual TLS: every client must present a certificate signed by one of these CAs.
    #[arg(long, value_name = "PEM")]
    pub admin_client_ca: Option<PathBuf>,
    /// A file holding the bearer token that `/metrics` and `/api/v1/` require
    /// (`Authorization: Bearer TOKEN`), at least 16 characters.
    #[arg(long, value_name = "FILE")]
    pub admin_token_file: Option<PathBuf>,
}

/// The admin server as the options ask for it, checked.
#[derive(Debug, Clone)]
pub struct AdminPlan {
    /// Where it listens.
    pub address: SocketAddr,
    /// Its certificate: off (plaintext, loopback only), files, or the self-signed one.
    pub cert: AdminCert,
    /// Mutual TLS: the CAs client certificates must be signed by.
    pub client_ca: Option<PathBuf>,
    /// The token file, if one is required.
    pub token_file: Option<PathBuf>,
}

/// Where the admin server's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdminCert {
    /// Plaintext HTTP.
    Off,
    /// The given files.
    Files {
        /// The certificate chain.
        cert: PathBuf,
        /// Its key.
        key: PathBuf,
    },
    /// The self-signed certificate kept beside the store (shared with the listeners).
    SelfSigned,
}

impl AdminCert {
    /// As the listeners' settings name it, to share their checks.
    pub(crate) fn as_listener(&self) -> ListenerCert {
        match self {
            AdminCert::Off => ListenerCert::Off,
            AdminCert::Files { cert, key } => ListenerCert::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            AdminCert::SelfSigned => ListenerCert::SelfSigned,
        }
    }
}

impl AdminArgs {
    /// The admin server these options ask for: `None` for `--admin off`. An error names the
    /// option that is wrong and what to do.
    pub fn plan(&self) -> Result<Option<AdminPlan>, String> {
        if self.admin.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let address: SocketAddr = self.admin.parse().map_err(|_| {
            format!(
                "--admin {:?}: expected an address such as {DEFAULT_ADDRESS} or 0.0.0.0:7575, or `off`",
                self.admin
            )
        })?;
        let loopback = address.ip().is_loopback();
        let cert = match (&self.admin_tls_cert, &self.admin_tls_key) {
            (Some(cert), Some(key)) => AdminCert::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            (None, None) if loopback && self.admin_client_ca.is_none() => AdminCert::Off,
            (None, None) => AdminCert::SelfSigned,
            _ => return Err("--admin-tls-cert and --admin-tls-key go together".into()),
        };
        if !loopback && self.admin_token_file.is_none() && self.admin_client_ca.is_none() {
            return Err(format!(
                "--admin {address} is off loopback: give --admin-token-file (a bearer token) or \
                 --admin-client-ca (mutual TLS), or listen on 127.0.0.1"
            ));
        }
        Ok(Some(AdminPlan {
            address,
            cert,
            client_ca: self.admin_client_ca.clone(),
            token_file: self.admin_token_file.clone(),
        }))
    }
}

/// Reads a bearer token file: its content without surrounding white space, at least 16
/// characters. Blocking. The error never quotes the file.
pub fn read_token(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--admin-token-file {}: {e}", path.display()))?;
    let token = text.trim();
    if token.chars().count() < MIN_TOKEN {
        return Err(format!(
            "--admin-token-file {}: the token must be at least {MIN_TOKEN} characters",
            path.display()
        ));
    }
    if token.chars().any(char::is_whitespace) {
        return Err(format!(
            "--admin-token-file {}: the token must be one word (no spaces or line breaks inside)",
            path.display()
        ));
    }
    Ok(token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(admin: &str) -> AdminArgs {
        AdminArgs {
            admin: admin.into(),
            admin_tls_cert: None,
            admin_tls_key: None,
            admin_client_ca: None,
            admin_token_file: None,
        }
    }

    #[test]
    fn loopback_is_plaintext_without_a_token_by_default() {
        let plan = args(DEFAULT_ADDRESS).plan().unwrap().unwrap();
        assert_eq!(plan.cert, AdminCert::Off);
        assert!(plan.token_file.is_none());
        assert!(args("off").plan().unwrap().is_none());
    }

    #[test]
    fn off_loopback_needs_a_token_or_client_certificates_and_always_speaks_tls() {
        let error = args("0.0.0.0:7575").plan().unwrap_err();
        assert!(error.contains("--admin-token-file"), "{error}");
        let mut with_token = args("0.0.0.0:7575");
        with_token.admin_token_file = Some("token".into());
        let plan = with_token.plan().unwrap().unwrap();
        assert_eq!(plan.cert, AdminCert::SelfSigned);
        let mut mutual = args("[::]:7575");
        mutual.admin_client_ca = Some("ca.pem".into());
        assert_eq!(mutual.plan().unwrap().unwrap().cert, AdminCert::SelfSigned);
    }

    #[test]
    fn a_bad_address_or_half_a_certificate_is_refused() {
        assert!(args("localhost").plan().unwrap_err().contains("--admin"));
        let mut half = args(DEFAULT_ADDRESS);
        half.admin_tls_cert = Some("c.pem".into());
        assert!(half.plan().unwrap_err().contains("go together"));
    }

    #[test]
    fn a_token_is_one_word_of_sixteen_characters_or_more() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("t");
        std::fs::write(&file, "  0123456789abcdef\n").unwrap();
        assert_eq!(read_token(&file).unwrap(), "0123456789abcdef");
        std::fs::write(&file, "short\n").unwrap();
        assert!(read_token(&file).unwrap_err().contains("16"));
        std::fs::write(&file, "0123456789 abcdef\n").unwrap();
        assert!(read_token(&file).unwrap_err().contains("one word"));
    }
}
