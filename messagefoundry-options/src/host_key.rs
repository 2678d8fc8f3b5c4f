//! The form of a pinned SSH host key, checked where an option is written (at build, in an
//! environment file): an OpenSSH fingerprint or a key line. The runtime decodes the key itself
//! when it connects; this check catches a pin that cannot be one, such as `"yes"`.

/// The hashes a fingerprint may be written in, with the length of its unpadded base64.
const FINGERPRINTS: &[(&str, usize)] = &[("SHA256:", 43), ("SHA512:", 86)];

/// How a pin is written, for errors.
pub(crate) const FORM: &str = "an OpenSSH fingerprint such as \"SHA256:JC/gg2T4+pzUQwIzSmQPJ93YWJ2/g0gvAvep76FLN+0\" (`ssh-keygen -lf` prints it), or a known_hosts or public key line (\"ssh-ed25519 AAAA…\")";

/// Whether `text` has the form of a pin.
pub(crate) fn check(text: &str) -> Result<(), String> {
    let text = text.trim();
    for (prefix, len) in FINGERPRINTS {
        if let Some(digest) = text.strip_prefix(prefix) {
            return if digest.len() == *len && digest.bytes().all(base64) {
                Ok(())
            } else {
                Err(format!(
                    "`{prefix}` must be followed by {len} base64 characters"
                ))
            };
        }
    }
    // A key line is `[hosts] algorithm base64 [comment]`.
    let fields: Vec<&str> = text.split_whitespace().collect();
    let key_line = (0..fields.len().min(2)).any(|at| {
        fields.get(at).is_some_and(|a| algorithm(a))
            && fields
                .get(at + 1)
                .is_some_and(|k| k.len() >= 16 && k.bytes().all(|b| base64(b) || b == b'='))
    });
    if key_line {
        Ok(())
    } else {
        Err(format!("it must be {FORM}; there is no trust on first use"))
    }
}

fn base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

/// An SSH public key algorithm's name.
fn algorithm(name: &str) -> bool {
    ["ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"]
        .iter()
        .any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn fingerprints_and_key_lines_are_pins() {
        assert!(check("SHA256:JC/gg2T4+pzUQwIzSmQPJ93YWJ2/g0gvAvep76FLN+0").is_ok());
        let key =
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB4/B8yq5JQcz8wYXHDPAQdwtvXLLlFIg0kWjaLy72Xk";
        assert!(check(key).is_ok());
        assert!(check(&format!("[sftp.example]:2222 {key} comment")).is_ok());
        for bad in [
            "",
            "yes",
            "SHA256:",
            "SHA256:short",
            "MD5:ab:cd",
            "sftp.example ssh-ed25519",
        ] {
            assert!(check(bad).is_err(), "{bad:?}");
        }
        assert!(check("SHA256:x").unwrap_err().contains("43 base64"));
        assert!(check("tofu").unwrap_err().contains("no trust on first use"));
    }
}
