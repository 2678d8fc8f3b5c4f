//! Trusting a partner's certificate by its SHA-256 fingerprint, the way partners pin an
//! engine's self-signed certificate: the certificate the server presents must be exactly that
//! one, whatever signed it and whatever names it carries. The handshake's signatures are still
//! verified, so the server must hold the certificate's key.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, verify_tls12_signature, verify_tls13_signature};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, Error, SignatureScheme};

use super::{TlsError, fingerprint};

/// Accepts the one certificate whose SHA-256 fingerprint was given.
#[derive(Debug)]
pub(crate) struct Pinned {
    /// Upper-case hex pairs joined by colons, as [`fingerprint`] writes them.
    fingerprint: String,
    provider: Arc<CryptoProvider>,
}

impl Pinned {
    /// Reads a fingerprint written as [`normalized`] accepts it.
    pub(crate) fn new(text: &str, provider: Arc<CryptoProvider>) -> Result<Pinned, TlsError> {
        Ok(Pinned {
            fingerprint: normalized(text)?,
            provider,
        })
    }
}

/// A fingerprint written as hex pairs, with or without colons, in either case, optionally
/// prefixed `SHA256:` or `sha256/`, as [`fingerprint`] writes it: upper-case pairs joined by
/// colons.
pub(crate) fn normalized(text: &str) -> Result<String, TlsError> {
    let trimmed = text.trim();
    let hex: String = trimmed
        .strip_prefix("SHA256:")
        .or_else(|| trimmed.strip_prefix("sha256:"))
        .or_else(|| trimmed.strip_prefix("sha256/"))
        .unwrap_or(trimmed)
        .chars()
        .filter(|c| *c != ':')
        .collect::<String>()
        .to_ascii_uppercase();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(TlsError::Config(format!(
            "{text:?} is not a SHA-256 fingerprint (64 hex digits)"
        )));
    }
    Ok(hex
        .as_bytes()
        .chunks(2)
        .map(|pair| String::from_utf8_lossy(pair).into_owned())
        .collect::<Vec<_>>()
        .join(":"))
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        if fingerprint(end_entity) == self.fingerprint {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(Error::General(
                "the server's certificate is not the pinned one".into(),
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRINT: &str = "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89";

    #[test]
    fn fingerprints_are_read_in_their_usual_spellings() {
        let provider = super::super::provider();
        for text in [
            PRINT.to_owned(),
            PRINT.to_lowercase(),
            PRINT.replace(':', ""),
            format!("SHA256:{PRINT}"),
            format!("sha256/{}", PRINT.replace(':', "").to_lowercase()),
        ] {
            let pinned = Pinned::new(&text, Arc::clone(&provider)).unwrap();
            assert_eq!(pinned.fingerprint, PRINT, "{text}");
        }
        assert!(Pinned::new("AB:CD", Arc::clone(&provider)).is_err());
        assert!(Pinned::new(&PRINT.replace('A', "G"), provider).is_err());
    }
}
