//! The settings of HTTP connections that MLLP has no counterpart for, as `http(…)` of
//! `inbound!` and `outbound!` declares them. What HTTP shares with MLLP (port, TLS, ACK mode,
//! retries) stays in [`MllpListen`](super::connection::MllpListen) and
//! [`MllpConnect`](super::connection::MllpConnect).

/// An HTTP inbound's own settings.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HttpListen {
    /// The path messages are posted to. Default `/hl7`.
    pub path: &'static str,
    /// The environment variable holding the bearer token a request may carry.
    pub auth_token_env: Option<&'static str>,
    /// The user name of basic authentication.
    pub auth_user: Option<&'static str>,
    /// The environment variable holding the password of `auth_user`.
    pub auth_password_env: Option<&'static str>,
}

impl HttpListen {
    /// The defaults: path `/hl7`, no authentication but what TLS gives.
    pub const DEFAULT: HttpListen = HttpListen {
        path: "/hl7",
        auth_token_env: None,
        auth_user: None,
        auth_password_env: None,
    };
}

/// An HTTP outbound's own settings.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct HttpConnect {
    /// Where each message is posted. No default: the macro requires it.
    pub url: &'static str,
    /// More header lines, `Name: value`, for every request.
    pub headers: &'static [&'static str],
    /// The environment variable holding a bearer token to send.
    pub auth_token_env: Option<&'static str>,
    /// The user name of basic authentication.
    pub auth_user: Option<&'static str>,
    /// The environment variable holding the password of `auth_user`.
    pub auth_password_env: Option<&'static str>,
}

impl HttpConnect {
    /// The defaults, with an empty URL standing for "not set".
    pub const DEFAULT: HttpConnect = HttpConnect {
        url: "",
        headers: &[],
        auth_token_env: None,
        auth_user: None,
        auth_password_env: None,
    };
}
