//! Who may post to an HTTP inbound, and what an HTTP outbound presents: bearer tokens and basic
//! credentials read from environment variables (the environment file names the variable, never
//! the secret), compared in constant time and never logged.

use crate::admin::auth::Token;
use crate::config::HttpInboundSettings;

/// The shortest secret accepted from an environment variable.
const MIN_SECRET: usize = 16;

/// Reads the secret an environment variable holds: present, one word, at least 16 characters.
/// The error names the variable, never its content.
pub(crate) fn secret(variable: &str) -> Result<String, String> {
    let value = std::env::var(variable)
        .map_err(|_| format!("the environment variable {variable} is not set (or not UTF-8)"))?;
    let value = value.trim();
    if value.chars().count() < MIN_SECRET {
        return Err(format!(
            "the secret in {variable} must be at least {MIN_SECRET} characters"
        ));
    }
    if value.chars().any(char::is_whitespace) {
        return Err(format!(
            "the secret in {variable} must be one word (no spaces or line breaks inside)"
        ));
    }
    Ok(value.to_owned())
}

/// The `Authorization` value of basic authentication.
pub(crate) fn basic(user: &str, password: &str) -> String {
    format!("Basic {}", base64(format!("{user}:{password}").as_bytes()))
}

/// Standard base64 with padding, as basic authentication writes it.
fn base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// What an HTTP inbound accepts as proof of who posts.
#[derive(Clone, Debug, Default)]
pub(crate) struct Gate {
    /// `Authorization: Bearer …` with this token.
    bearer: Option<Token>,
    /// `Authorization: Basic …` with these credentials (the whole header value).
    basic: Option<Token>,
    /// A client certificate verified by the TLS handshake.
    client_certificate: bool,
}

impl Gate {
    /// The gate an inbound's settings describe, its secrets read from the environment.
    pub(crate) fn of(settings: &HttpInboundSettings, mutual_tls: bool) -> Result<Gate, String> {
        let bearer = match &settings.auth_token_env {
            Some(variable) => Some(Token::new(&secret(variable)?)),
            None => None,
        };
        let basic = match (&settings.auth_user, &settings.auth_password_env) {
            (Some(user), Some(variable)) => Some(Token::new(&basic(user, &secret(variable)?))),
            _ => None,
        };
        Ok(Gate {
            bearer,
            basic,
            client_certificate: mutual_tls,
        })
    }

    /// Whether any proof is asked for; a gate that asks none lets every request through.
    pub(crate) fn is_open(&self) -> bool {
        self.bearer.is_none() && self.basic.is_none() && !self.client_certificate
    }

    /// Whether a request with this `Authorization` value, over a connection that did or did
    /// not present a verified client certificate, may post.
    pub(crate) fn admits(&self, authorization: Option<&str>, client_certificate: bool) -> bool {
        if self.is_open() || (self.client_certificate && client_certificate) {
            return true;
        }
        let Some(offered) = authorization.map(str::trim) else {
            return false;
        };
        if let (Some(token), Some(given)) = (&self.bearer, offered.strip_prefix("Bearer ")) {
            return token.matches(given.trim());
        }
        self.basic.as_ref().is_some_and(|b| b.matches(offered))
    }

    /// The `WWW-Authenticate` challenge of a refusal.
    pub(crate) fn challenge(&self) -> &'static str {
        if self.basic.is_some() && self.bearer.is_none() {
            "Basic realm=\"messagefoundry\""
        } else {
            "Bearer realm=\"messagefoundry\""
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_encoded_as_rfc_7617_shows() {
        assert_eq!(
            basic("Aladdin", "open sesame"),
            "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
        );
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
    }

    #[test]
    fn only_the_configured_proofs_pass() {
        let gate = Gate {
            bearer: Some(Token::new("0123456789abcdef")),
            basic: Some(Token::new(&basic("lab", "fedcba9876543210"))),
            client_certificate: false,
        };
        assert!(gate.admits(Some("Bearer 0123456789abcdef"), false));
        assert!(!gate.admits(Some("Bearer 0123456789abcdeF"), false));
        assert!(gate.admits(Some(&basic("lab", "fedcba9876543210")), false));
        assert!(!gate.admits(Some(&basic("lab", "wrong")), false));
        assert!(!gate.admits(None, true));
        let mutual = Gate {
            client_certificate: true,
            ..Gate::default()
        };
        assert!(mutual.admits(None, true));
        assert!(!mutual.admits(None, false));
        assert!(Gate::default().admits(None, false));
    }
}
