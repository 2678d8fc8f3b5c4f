//! The server's host key, pinned: an OpenSSH fingerprint (`SHA256:…`, as `ssh-keygen -lf`
//! prints it) or a `known_hosts` line. A server that shows another key is refused, always:
//! there is no trust on first use.

use std::fmt;
use std::str::FromStr;

use russh::keys::PublicKeyOrCertificate;
use russh::keys::ssh_key::public::KeyData;
use russh::keys::ssh_key::{Fingerprint, PublicKey};

use super::error::SftpError;

/// The host key an SFTP server must show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostKeyPin {
    /// The pinned key's fingerprint, in the hash the pin was written with.
    fingerprint: Fingerprint,
}

impl HostKeyPin {
    /// Reads a pin: `SHA256:…` (or `SHA512:…`), a `known_hosts` line
    /// (`host ssh-ed25519 AAAA… [comment]`, its host field not read: the pin belongs to this
    /// connection), or a public key line (`ssh-ed25519 AAAA… [comment]`).
    pub fn parse(text: &str) -> Result<HostKeyPin, SftpError> {
        let text = text.trim();
        if let Ok(fingerprint) = Fingerprint::from_str(text) {
            return Ok(HostKeyPin { fingerprint });
        }
        let bad = |why: &str| {
            SftpError::Config(format!(
                "host_key must be an OpenSSH fingerprint (SHA256:…, as `ssh-keygen -lf` prints it) \
                 or a known_hosts line; {why}"
            ))
        };
        if text.starts_with('@') {
            return Err(bad(
                "markers such as @cert-authority and @revoked are not supported",
            ));
        }
        let fields: Vec<&str> = text.split_whitespace().collect();
        // A public key line starts with its algorithm; a known_hosts line has the hosts first.
        let key = (0..fields.len().min(2))
            .find_map(|skip| PublicKey::from_openssh(&fields[skip..].join(" ")).ok())
            .ok_or_else(|| bad("this is neither"))?;
        Ok(HostKeyPin::of(key.key_data()))
    }

    /// The pin of a key, as SHA-256.
    pub fn of(key: &KeyData) -> HostKeyPin {
        HostKeyPin {
            fingerprint: key.fingerprint(Default::default()),
        }
    }

    /// Whether the server's key is the pinned one; otherwise the fingerprint it has, in the
    /// pin's hash, for the error. A certificate is judged by the key it certifies.
    pub(crate) fn check(&self, shown: &PublicKeyOrCertificate) -> Result<(), Fingerprint> {
        let key = match shown {
            PublicKeyOrCertificate::PublicKey { key, .. } => key.key_data(),
            PublicKeyOrCertificate::Certificate(cert) => cert.public_key(),
        };
        let seen = key.fingerprint(self.fingerprint.algorithm());
        if seen == self.fingerprint {
            Ok(())
        } else {
            Err(seen)
        }
    }
}

impl fmt::Display for HostKeyPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fingerprint.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // A key made with `ssh-keygen -t ed25519`, and what `ssh-keygen -lf` printed for it.
    const KEY: &str =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB4/B8yq5JQcz8wYXHDPAQdwtvXLLlFIg0kWjaLy72Xk";
    const FINGERPRINT: &str = "SHA256:JC/gg2T4+pzUQwIzSmQPJ93YWJ2/g0gvAvep76FLN+0";

    fn key() -> PublicKeyOrCertificate {
        PublicKeyOrCertificate::PublicKey {
            key: PublicKey::from_openssh(KEY).unwrap(),
            hash_alg: None,
        }
    }

    #[test]
    fn a_fingerprint_a_known_hosts_line_and_a_key_line_pin_the_same_key() {
        let from_key = HostKeyPin::parse(KEY).unwrap();
        let from_line = HostKeyPin::parse(&format!("[sftp.example]:2222 {KEY} comment")).unwrap();
        let hashed = format!("|1|c2FsdA==|aGFzaA== {KEY}");
        let from_hashed = HostKeyPin::parse(&hashed).unwrap();
        let from_fingerprint = HostKeyPin::parse(FINGERPRINT).unwrap();
        assert_eq!(from_key.to_string(), FINGERPRINT);
        for pin in [&from_key, &from_line, &from_hashed, &from_fingerprint] {
            assert_eq!(pin, &from_key);
            assert_eq!(pin.check(&key()), Ok(()));
        }
    }

    #[test]
    fn another_key_is_refused_and_its_fingerprint_given() {
        let other =
            HostKeyPin::parse("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU").unwrap();
        let seen = other.check(&key()).unwrap_err();
        assert_eq!(seen.to_string(), FINGERPRINT);
    }

    #[test]
    fn what_is_not_a_pin_says_what_a_pin_is() {
        for text in [
            "",
            "yes",
            "SHA256",
            "host ssh-ed25519 notbase64",
            "@revoked * ".to_owned().as_str(),
        ] {
            let err = HostKeyPin::parse(text).unwrap_err().to_string();
            assert!(err.contains("SHA256:"), "{text}: {err}");
        }
    }
}
