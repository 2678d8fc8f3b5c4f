//! The effective settings HTTP connections have beyond those they share with MLLP, set by
//! option name like the others, and the rules that tie an HTTP connection's options together.

use messagefoundry_options::{HttpUrl, Value};

use super::connection::OutboundSettings;
use crate::interface::{HttpConnect, HttpListen};

/// An HTTP inbound's own settings, with the environment's overrides.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HttpInboundSettings {
    /// The path messages are posted to.
    pub path: String,
    /// The environment variable holding the bearer token.
    pub auth_token_env: Option<String>,
    /// The user name of basic authentication.
    pub auth_user: Option<String>,
    /// The environment variable holding the password of `auth_user`.
    pub auth_password_env: Option<String>,
}

/// An HTTP outbound's own settings, with the environment's overrides.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct HttpOutboundSettings {
    /// Where each message is posted.
    pub url: String,
    /// More header lines for every request.
    pub headers: Vec<String>,
    /// The environment variable holding the bearer token to send.
    pub auth_token_env: Option<String>,
    /// The user name of basic authentication.
    pub auth_user: Option<String>,
    /// The environment variable holding the password of `auth_user`.
    pub auth_password_env: Option<String>,
}

impl From<&HttpListen> for HttpInboundSettings {
    fn from(h: &HttpListen) -> Self {
        HttpInboundSettings {
            path: h.path.to_owned(),
            auth_token_env: h.auth_token_env.map(str::to_owned),
            auth_user: h.auth_user.map(str::to_owned),
            auth_password_env: h.auth_password_env.map(str::to_owned),
        }
    }
}

impl From<&HttpConnect> for HttpOutboundSettings {
    fn from(h: &HttpConnect) -> Self {
        HttpOutboundSettings {
            url: h.url.to_owned(),
            headers: h.headers.iter().map(|l| (*l).to_owned()).collect(),
            auth_token_env: h.auth_token_env.map(str::to_owned),
            auth_user: h.auth_user.map(str::to_owned),
            auth_password_env: h.auth_password_env.map(str::to_owned),
        }
    }
}

/// Sets one of the authentication options both directions have; false when `name` is none of
/// them.
fn set_auth(
    name: &str,
    value: &Value,
    token: &mut Option<String>,
    user: &mut Option<String>,
    password: &mut Option<String>,
) -> bool {
    let Value::Text(text) = value else {
        return false;
    };
    let target = match name {
        "auth_token_env" => token,
        "auth_user" => user,
        "auth_password_env" => password,
        _ => return false,
    };
    *target = Some(text.clone());
    true
}

impl HttpInboundSettings {
    /// Sets an HTTP-only option; `Err(value)` gives the value back when `name` is not one.
    pub(crate) fn set(&mut self, name: &str, value: Value) -> Result<(), Value> {
        if set_auth(
            name,
            &value,
            &mut self.auth_token_env,
            &mut self.auth_user,
            &mut self.auth_password_env,
        ) {
            return Ok(());
        }
        match (name, value) {
            ("path", Value::Text(t)) => self.path = t,
            (_, value) => return Err(value),
        }
        Ok(())
    }

    /// What is wrong with the options together, if anything.
    pub fn problem(&self) -> Option<String> {
        (self.auth_user.is_some() != self.auth_password_env.is_some())
            .then(|| "`auth_user` and `auth_password_env` go together: give both or neither".into())
    }
}

impl HttpOutboundSettings {
    /// Sets an HTTP-only option; `Err(value)` gives the value back when `name` is not one.
    pub(crate) fn set(&mut self, name: &str, value: Value) -> Result<(), Value> {
        if set_auth(
            name,
            &value,
            &mut self.auth_token_env,
            &mut self.auth_user,
            &mut self.auth_password_env,
        ) {
            return Ok(());
        }
        match (name, value) {
            ("url", Value::Text(t)) => self.url = t,
            ("headers", Value::Texts(lines)) => self.headers = lines,
            (_, value) => return Err(value),
        }
        Ok(())
    }
}

impl OutboundSettings {
    /// For an HTTP outbound: takes the host and port from the URL, and checks that the options
    /// agree (an `https` URL has a certificate to trust, an `http` one no TLS options, one
    /// kind of authentication). Nothing to do for MLLP.
    pub(crate) fn settle_http(&mut self) -> Result<(), String> {
        let Some(http) = &self.http else {
            return Ok(());
        };
        let url = HttpUrl::parse(&http.url).map_err(|e| format!("url: {e}"))?;
        let trusts = self.tls_ca.is_some() || self.tls_fingerprint.is_some();
        if url.tls && !trusts {
            return Err("an https URL needs `tls_ca` or `tls_fingerprint`: the certificate the downstream must present".into());
        }
        if !url.tls && (trusts || self.tls_cert.is_some() || self.tls_server_name.is_some()) {
            return Err("TLS options with an http:// URL: write https:// to speak TLS (an http:// URL is plaintext)".into());
        }
        if http.auth_user.is_some() != http.auth_password_env.is_some() {
            return Err(
                "`auth_user` and `auth_password_env` go together: give both or neither".into(),
            );
        }
        if http.auth_user.is_some() && http.auth_token_env.is_some() {
            return Err(
                "give `auth_token_env` (a bearer token) or `auth_user` (basic), not both".into(),
            );
        }
        self.host = url.host;
        self.port = url.port;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interface::MllpConnect;

    const HTTP: HttpConnect = HttpConnect {
        url: "http://ehr.test:8080/hl7",
        ..HttpConnect::DEFAULT
    };

    #[test]
    fn the_url_gives_host_and_port_and_agrees_with_tls() {
        let mut s = OutboundSettings::of_http(&MllpConnect::DEFAULT, &HTTP);
        s.settle_http().unwrap();
        assert_eq!((s.host.as_str(), s.port), ("ehr.test", 8080));
        s.tls_ca = Some("ca.pem".into());
        assert!(s.settle_http().unwrap_err().contains("http:// URL"));
        if let Some(h) = s.http.as_mut() {
            h.url = "https://ehr.test/hl7".into();
        }
        s.settle_http().unwrap();
        assert_eq!(s.port, 443);
        s.tls_ca = None;
        assert!(s.settle_http().unwrap_err().contains("needs `tls_ca`"));
    }
}
