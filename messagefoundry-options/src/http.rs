//! The options of `http(…)`: HL7 v2 posted over HTTP. Those HTTP shares with MLLP are the
//! MLLP rows themselves, so they cannot drift apart.

use crate::table::{Default, INBOUND, Kind, MIB, OUTBOUND, Spec, secs, shared};

/// The options of `inbound!(…, http(…))`.
pub const HTTP_INBOUND: &[Spec] = &[
    shared(INBOUND, "port"),
    shared(INBOUND, "bind"),
    Spec {
        name: "path",
        kind: Kind::UrlPath,
        default: Default::Text("/hl7"),
        meaning: "the path messages are posted to; any other path is answered 404",
    },
    Spec {
        name: "max_body",
        kind: Kind::Bytes,
        default: Default::Number(16 * MIB),
        meaning: "largest request body accepted, in bytes; a larger one is answered 413 and not stored",
    },
    Spec {
        name: "max_connections",
        kind: Kind::Count,
        default: Default::Number(64),
        meaning: "connections served at once; more wait until one closes",
    },
    shared(INBOUND, "allow"),
    Spec {
        name: "request_timeout",
        kind: Kind::Duration,
        default: secs(30),
        meaning: "a request's headers, and then its body, must arrive this soon; a kept-alive connection with no request for this long is closed",
    },
    Spec {
        name: "ack_mode",
        kind: Kind::Choice(&["original", "enhanced", "after_processing", "none"]),
        default: Default::Word("original"),
        meaning: "the ACK in the response: `original` (AA once stored), `enhanced` (CA once stored as MSH-15 asks, else the application ACK MSH-16 asks for), `after_processing` (AA/AE once routed), `none` (204, no body)",
    },
    shared(INBOUND, "duplicate_window"),
    shared(INBOUND, "tls"),
    shared(INBOUND, "plaintext"),
    shared(INBOUND, "parse"),
    shared(INBOUND, "charset"),
    shared(INBOUND, "validate"),
    shared(INBOUND, "invalid_ack"),
    shared(INBOUND, "tls_cert"),
    shared(INBOUND, "tls_key"),
    Spec {
        name: "tls_client_ca",
        kind: Kind::File,
        default: Default::Unset("none"),
        meaning: "require client certificates signed by these CAs (mutual TLS); such a certificate authenticates a request",
    },
    Spec {
        name: "auth_token_env",
        kind: Kind::Text,
        default: Default::Unset("none"),
        meaning: "the environment variable holding the bearer token a request may carry (`Authorization: Bearer …`)",
    },
    Spec {
        name: "auth_user",
        kind: Kind::Text,
        default: Default::Unset("none"),
        meaning: "the user name of basic authentication; with `auth_password_env`",
    },
    Spec {
        name: "auth_password_env",
        kind: Kind::Text,
        default: Default::Unset("none"),
        meaning: "the environment variable holding the password of `auth_user`",
    },
];

/// The options of `outbound!(…, http(…))`.
pub const HTTP_OUTBOUND: &[Spec] = &[
    Spec {
        name: "url",
        kind: Kind::Url,
        default: Default::Required,
        meaning: "where each message is posted: `http://…` or `https://…` (https needs `tls_ca` or `tls_fingerprint`)",
    },
    shared(OUTBOUND, "connect_timeout"),
    Spec {
        name: "response_timeout",
        kind: Kind::Duration,
        default: secs(30),
        meaning: "time to send a message and receive the whole response",
    },
    Spec {
        name: "persistent",
        kind: Kind::Flag,
        default: Default::Flag(true),
        meaning: "keep the connection alive between messages (`false`: a connection per message)",
    },
    Spec {
        name: "retries",
        kind: Kind::Count,
        default: Default::Number(5),
        meaning: "attempts for a message answered AE/CE or a 5xx status before it is dead-lettered",
    },
    shared(OUTBOUND, "backoff"),
    shared(OUTBOUND, "max_backoff"),
    Spec {
        name: "tls_ca",
        kind: Kind::File,
        default: Default::Unset("none"),
        meaning: "trust the CAs (or self-signed certificate) in this file for an `https` URL",
    },
    Spec {
        name: "tls_fingerprint",
        kind: Kind::Text,
        default: Default::Unset("none"),
        meaning: "for an `https` URL, trust only the certificate with this SHA-256 fingerprint",
    },
    shared(OUTBOUND, "tls_server_name"),
    shared(OUTBOUND, "tls_cert"),
    shared(OUTBOUND, "tls_key"),
    Spec {
        name: "headers",
        kind: Kind::Headers,
        default: Default::Unset("none"),
        meaning: "more header lines for every request: `headers = [\"X-Partner: lab\"]`",
    },
    Spec {
        name: "auth_token_env",
        kind: Kind::Text,
        default: Default::Unset("none"),
        meaning: "the environment variable holding a bearer token to send (`Authorization: Bearer …`)",
    },
    Spec {
        name: "auth_user",
        kind: Kind::Text,
        default: Default::Unset("none"),
        meaning: "the user name of basic authentication; with `auth_password_env`",
    },
    Spec {
        name: "auth_password_env",
        kind: Kind::Text,
        default: Default::Unset("none"),
        meaning: "the environment variable holding the password of `auth_user`",
    },
];
