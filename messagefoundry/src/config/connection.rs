//! The settings of one connection as the engine, the senders and TLS use them: what
//! `inbound!` or `outbound!` declared, with an environment's overrides set by option name.

use std::path::PathBuf;
use std::time::Duration;

use messagefoundry_options::{Cidr, Value};

use crate::interface::{
    AckMode, CharsetPolicy, HttpConnect, HttpListen, InvalidAck, MllpConnect, MllpListen,
    ParsePolicy, Plaintext, RetryPolicy, Tls, ValidatePolicy,
};

/// The effective settings of an inbound: its declaration with the environment's overrides.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InboundSettings {
    /// Address to bind.
    pub bind: String,
    /// Port.
    pub port: u16,
    /// Largest frame in bytes.
    pub max_frame: usize,
    /// Most connections at once.
    pub max_connections: usize,
    /// Most connections at once from one peer address; `None` for no limit but the cap.
    pub max_connections_per_peer: Option<usize>,
    /// Peer addresses and networks served; empty for every peer.
    pub allow: Vec<Cidr>,
    /// Time a new connection has to begin its first frame.
    pub first_frame_timeout: Duration,
    /// Idle timeout.
    pub idle_timeout: Duration,
    /// Frame timeout.
    pub frame_timeout: Duration,
    /// Bytes the inbound's partial frames may hold together beyond each one's first 64 KiB.
    pub max_frame_memory: usize,
    /// ACK mode.
    pub ack_mode: AckMode,
    /// Duplicate detection window.
    pub duplicate_window: Option<Duration>,
    /// TLS on or off.
    pub tls: Tls,
    /// Plaintext peers on a TLS port.
    pub plaintext: Plaintext,
    /// Tolerant or strict reading of frames.
    pub parse: ParsePolicy,
    /// The character set text is read in.
    pub charset: CharsetPolicy,
    /// Validation before routing.
    pub validate: ValidatePolicy,
    /// What a message that fails validation is answered with.
    pub invalid_ack: InvalidAck,
    /// Certificate chain file; `None` for the generated self-signed one.
    pub tls_cert: Option<PathBuf>,
    /// Private key file.
    pub tls_key: Option<PathBuf>,
    /// CA file for client certificates (mutual TLS).
    pub tls_client_ca: Option<PathBuf>,
    /// An HTTP inbound's own settings; `None` for MLLP.
    pub http: Option<super::http::HttpInboundSettings>,
}

/// The effective settings of an outbound: its declaration with the environment's overrides.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OutboundSettings {
    /// Host of the downstream system.
    pub host: String,
    /// Port of the downstream system.
    pub port: u16,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Send timeout.
    pub send_timeout: Duration,
    /// ACK timeout.
    pub ack_timeout: Duration,
    /// Persistent connection or one per message.
    pub persistent: bool,
    /// Messages per batch, when the outbound sends batches.
    pub batch: Option<usize>,
    /// How long a batch not yet full waits for more messages.
    pub batch_wait: Duration,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// CA file to trust; `Some` makes the connection TLS.
    pub tls_ca: Option<PathBuf>,
    /// SHA-256 fingerprint of the one certificate to trust; `Some` makes the connection TLS.
    pub tls_fingerprint: Option<String>,
    /// Name to verify in the downstream's certificate; default the host.
    pub tls_server_name: Option<String>,
    /// Client certificate chain file.
    pub tls_cert: Option<PathBuf>,
    /// Client private key file.
    pub tls_key: Option<PathBuf>,
    /// An HTTP outbound's own settings; `None` for MLLP. Its URL gives `host` and `port`.
    pub http: Option<super::http::HttpOutboundSettings>,
}

impl From<&MllpListen> for InboundSettings {
    fn from(m: &MllpListen) -> Self {
        InboundSettings {
            bind: m.bind.to_owned(),
            port: m.port,
            max_frame: m.max_frame,
            max_connections: m.max_connections,
            max_connections_per_peer: m.max_connections_per_peer,
            allow: m.allow.to_vec(),
            first_frame_timeout: m.first_frame_timeout,
            idle_timeout: m.idle_timeout,
            frame_timeout: m.frame_timeout,
            max_frame_memory: m.max_frame_memory,
            ack_mode: m.ack_mode,
            duplicate_window: m.duplicate_window,
            tls: m.tls,
            plaintext: m.plaintext,
            parse: m.parse,
            charset: m.charset,
            invalid_ack: m.invalid_ack,
            validate: m.validate,
            tls_cert: m.tls_cert.map(PathBuf::from),
            tls_key: m.tls_key.map(PathBuf::from),
            tls_client_ca: m.tls_client_ca.map(PathBuf::from),
            http: None,
        }
    }
}

impl InboundSettings {
    /// The settings an HTTP inbound declares: those it shares with MLLP, and its own.
    pub(crate) fn of_http(listen: &MllpListen, http: &HttpListen) -> Self {
        InboundSettings {
            http: Some(http.into()),
            ..InboundSettings::from(listen)
        }
    }
}

impl OutboundSettings {
    /// The settings an HTTP outbound declares: those it shares with MLLP, and its own.
    pub(crate) fn of_http(connect: &MllpConnect, http: &HttpConnect) -> Self {
        OutboundSettings {
            http: Some(http.into()),
            ..OutboundSettings::from(connect)
        }
    }
}

impl From<&MllpConnect> for OutboundSettings {
    fn from(m: &MllpConnect) -> Self {
        OutboundSettings {
            host: m.host.to_owned(),
            port: m.port,
            connect_timeout: m.connect_timeout,
            send_timeout: m.send_timeout,
            ack_timeout: m.ack_timeout,
            persistent: m.persistent,
            batch: m.batch,
            batch_wait: m.batch_wait,
            retry: m.retry,
            tls_ca: m.tls_ca.map(PathBuf::from),
            tls_fingerprint: m.tls_fingerprint.map(str::to_owned),
            tls_server_name: m.tls_server_name.map(str::to_owned),
            tls_cert: m.tls_cert.map(PathBuf::from),
            tls_key: m.tls_key.map(PathBuf::from),
            http: None,
        }
    }
}

impl InboundSettings {
    /// Sets the option `name` to a value the options table checked for it. An error says why
    /// the value cannot be held here (a size past this machine's `usize`).
    pub(crate) fn set(&mut self, name: &str, value: Value) -> Result<(), String> {
        let name = messagefoundry_options::setting_of(name);
        let value = match &mut self.http {
            Some(http) => match http.set(name, value) {
                Ok(()) => return Ok(()),
                Err(value) => value,
            },
            None => value,
        };
        match (name, value) {
            ("bind", Value::Text(t)) => self.bind = t,
            ("port", Value::Port(p)) => self.port = p,
            ("max_frame", Value::Number(n)) => self.max_frame = size(n)?,
            ("max_connections", Value::Number(n)) => self.max_connections = size(n)?,
            ("max_connections_per_peer", Value::Number(n)) => {
                self.max_connections_per_peer = Some(size(n)?)
            }
            ("allow", Value::Addresses(list)) => self.allow = list,
            ("first_frame_timeout", Value::Duration(d)) => self.first_frame_timeout = d,
            ("idle_timeout", Value::Duration(d)) => self.idle_timeout = d,
            ("frame_timeout", Value::Duration(d)) => self.frame_timeout = d,
            ("max_frame_memory", Value::Number(n)) => self.max_frame_memory = size(n)?,
            ("duplicate_window", Value::Duration(d)) => self.duplicate_window = Some(d),
            ("ack_mode", Value::Word(w)) => self.ack_mode = word(w, ACK_MODES)?,
            ("tls", Value::Word(w)) => self.tls = word(w, TLS)?,
            ("plaintext", Value::Word(w)) => self.plaintext = word(w, PLAINTEXT)?,
            ("parse", Value::Word(w)) => self.parse = word(w, PARSE)?,
            ("charset", Value::Word(w)) => self.charset = word(w, CHARSET)?,
            ("validate", Value::Word(w)) => self.validate = word(w, VALIDATE)?,
            ("invalid_ack", Value::Word(w)) => self.invalid_ack = word(w, INVALID_ACK)?,
            ("tls_cert", Value::Text(t)) => self.tls_cert = Some(t.into()),
            ("tls_key", Value::Text(t)) => self.tls_key = Some(t.into()),
            ("tls_client_ca", Value::Text(t)) => self.tls_client_ca = Some(t.into()),
            (name, value) => return Err(mismatch(name, &value)),
        }
        Ok(())
    }
}

impl OutboundSettings {
    /// Sets the option `name` to a value the options table checked for it.
    pub(crate) fn set(&mut self, name: &str, value: Value) -> Result<(), String> {
        let name = messagefoundry_options::setting_of(name);
        let value = match &mut self.http {
            Some(http) => match http.set(name, value) {
                Ok(()) => return Ok(()),
                Err(value) => value,
            },
            None => value,
        };
        match (name, value) {
            ("host", Value::Text(t)) => self.host = t,
            ("port", Value::Port(p)) => self.port = p,
            ("connect_timeout", Value::Duration(d)) => self.connect_timeout = d,
            ("send_timeout", Value::Duration(d)) => self.send_timeout = d,
            ("ack_timeout", Value::Duration(d)) => self.ack_timeout = d,
            ("persistent", Value::Flag(b)) => self.persistent = b,
            ("batch", Value::Number(n)) => self.batch = Some(size(n)?),
            ("batch_wait", Value::Duration(d)) => self.batch_wait = d,
            ("retries", Value::Number(n)) => {
                self.retry.max_attempts = u32::try_from(n).map_err(|_| too_large(n))?
            }
            ("backoff", Value::Duration(d)) => self.retry.initial_backoff = d,
            ("max_backoff", Value::Duration(d)) => self.retry.max_backoff = d,
            ("tls_ca", Value::Text(t)) => self.tls_ca = Some(t.into()),
            ("tls_fingerprint", Value::Text(t)) => self.tls_fingerprint = Some(t),
            ("tls_server_name", Value::Text(t)) => self.tls_server_name = Some(t),
            ("tls_cert", Value::Text(t)) => self.tls_cert = Some(t.into()),
            ("tls_key", Value::Text(t)) => self.tls_key = Some(t.into()),
            (name, value) => return Err(mismatch(name, &value)),
        }
        Ok(())
    }
}

// The words of each choice and the variants they name.
const ACK_MODES: &[(&str, AckMode)] = &[
    ("original", AckMode::Original),
    ("enhanced", AckMode::Enhanced),
    ("after_processing", AckMode::AfterProcessing),
    ("none", AckMode::None),
];
const TLS: &[(&str, Tls)] = &[("on", Tls::On), ("off", Tls::Off)];
const PLAINTEXT: &[(&str, Plaintext)] =
    &[("allow", Plaintext::Allow), ("refuse", Plaintext::Refuse)];
pub(super) const PARSE: &[(&str, ParsePolicy)] = &[
    ("tolerant", ParsePolicy::Tolerant),
    ("strict", ParsePolicy::Strict),
];
pub(super) const CHARSET: &[(&str, CharsetPolicy)] = &[
    ("declared", CharsetPolicy::Declared),
    ("utf8", CharsetPolicy::Utf8),
    ("latin1", CharsetPolicy::Latin1),
];
const INVALID_ACK: &[(&str, InvalidAck)] = &[("ae", InvalidAck::Ae), ("ar", InvalidAck::Ar)];
const VALIDATE: &[(&str, ValidatePolicy)] = &[
    ("off", ValidatePolicy::Off),
    ("tolerant", ValidatePolicy::Tolerant),
    ("strict", ValidatePolicy::Strict),
];

/// The variant a word of a choice names.
pub(super) fn word<T: Copy>(given: &str, words: &[(&str, T)]) -> Result<T, String> {
    words
        .iter()
        .find(|(w, _)| *w == given)
        .map(|(_, v)| *v)
        .ok_or_else(|| format!("`{given}` has no meaning here"))
}

pub(super) fn size(n: u64) -> Result<usize, String> {
    usize::try_from(n).map_err(|_| too_large(n))
}

pub(super) fn too_large(n: u64) -> String {
    format!("{n} is too large for this machine")
}

/// The options table and this file disagree: a defect, reported rather than ignored.
pub(super) fn mismatch(name: &str, value: &Value) -> String {
    format!("the option `{name}` cannot take {value:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interface::{HttpConnect, HttpListen};
    use messagefoundry_options::{Default, Direction, Kind, Origin, Spec, Transport, Written};

    /// The word a variant is written as.
    fn word_of<T: PartialEq>(value: T, words: &[(&'static str, T)]) -> Value {
        let (w, _) = words
            .iter()
            .find(|(_, v)| *v == value)
            .expect("every variant has a word");
        Value::Word(w)
    }

    fn text(path: &Option<PathBuf>) -> Option<Value> {
        path.as_ref().map(|p| Value::Text(p.display().to_string()))
    }

    fn duration(d: Duration) -> Option<Value> {
        Some(Value::Duration(d))
    }

    fn number(n: usize) -> Option<Value> {
        Some(Value::Number(n as u64))
    }

    /// An inbound option's value in the settings; `None` when unset.
    fn inbound_value(s: &InboundSettings, name: &str) -> Option<Value> {
        let http = s.http.as_ref();
        match messagefoundry_options::setting_of(name) {
            "path" => http.map(|h| Value::Text(h.path.clone())),
            "auth_token_env" => http.and_then(|h| h.auth_token_env.clone().map(Value::Text)),
            "auth_user" => http.and_then(|h| h.auth_user.clone().map(Value::Text)),
            "auth_password_env" => http.and_then(|h| h.auth_password_env.clone().map(Value::Text)),
            "bind" => Some(Value::Text(s.bind.clone())),
            "port" => Some(Value::Port(s.port)),
            "max_frame" => number(s.max_frame),
            "max_connections" => number(s.max_connections),
            "max_connections_per_peer" => s.max_connections_per_peer.and_then(number),
            "allow" => (!s.allow.is_empty()).then(|| Value::Addresses(s.allow.clone())),
            "first_frame_timeout" => duration(s.first_frame_timeout),
            "idle_timeout" => duration(s.idle_timeout),
            "frame_timeout" => duration(s.frame_timeout),
            "max_frame_memory" => number(s.max_frame_memory),
            "duplicate_window" => s.duplicate_window.and_then(duration),
            "ack_mode" => Some(word_of(s.ack_mode, ACK_MODES)),
            "tls" => Some(word_of(s.tls, TLS)),
            "plaintext" => Some(word_of(s.plaintext, PLAINTEXT)),
            "parse" => Some(word_of(s.parse, PARSE)),
            "charset" => Some(word_of(s.charset, CHARSET)),
            "validate" => Some(word_of(s.validate, VALIDATE)),
            "invalid_ack" => Some(word_of(s.invalid_ack, INVALID_ACK)),
            "tls_cert" => text(&s.tls_cert),
            "tls_key" => text(&s.tls_key),
            "tls_client_ca" => text(&s.tls_client_ca),
            other => panic!("inbound option {other} is not in this test"),
        }
    }

    /// An outbound option's value in the settings; `None` when unset.
    fn outbound_value(s: &OutboundSettings, name: &str) -> Option<Value> {
        let http = s.http.as_ref();
        match messagefoundry_options::setting_of(name) {
            "url" => http.map(|h| Value::Text(h.url.clone())),
            "headers" => http
                .filter(|h| !h.headers.is_empty())
                .map(|h| Value::Texts(h.headers.clone())),
            "auth_token_env" => http.and_then(|h| h.auth_token_env.clone().map(Value::Text)),
            "auth_user" => http.and_then(|h| h.auth_user.clone().map(Value::Text)),
            "auth_password_env" => http.and_then(|h| h.auth_password_env.clone().map(Value::Text)),
            "host" => Some(Value::Text(s.host.clone())),
            "port" => Some(Value::Port(s.port)),
            "connect_timeout" => duration(s.connect_timeout),
            "send_timeout" => duration(s.send_timeout),
            "ack_timeout" => duration(s.ack_timeout),
            "persistent" => Some(Value::Flag(s.persistent)),
            "batch" => s.batch.and_then(number),
            "batch_wait" => duration(s.batch_wait),
            "retries" => Some(Value::Number(u64::from(s.retry.max_attempts))),
            "backoff" => duration(s.retry.initial_backoff),
            "max_backoff" => duration(s.retry.max_backoff),
            "tls_ca" => text(&s.tls_ca),
            "tls_fingerprint" => s.tls_fingerprint.clone().map(Value::Text),
            "tls_server_name" => s.tls_server_name.clone().map(Value::Text),
            "tls_cert" => text(&s.tls_cert),
            "tls_key" => text(&s.tls_key),
            other => panic!("outbound option {other} is not in this test"),
        }
    }

    /// The tables these settings hold: MLLP's and HTTP's (files have their own settings).
    const LISTENER_TABLES: [(Direction, Transport); 4] = [
        (Direction::Inbound, Transport::Mllp),
        (Direction::Outbound, Transport::Mllp),
        (Direction::Inbound, Transport::Http),
        (Direction::Outbound, Transport::Http),
    ];

    /// The settings `inbound!` and `outbound!` start from for a transport.
    fn defaults(transport: Transport) -> (InboundSettings, OutboundSettings) {
        let mut inbound = InboundSettings::from(&MllpListen::DEFAULT);
        let mut outbound = OutboundSettings::from(&MllpConnect::DEFAULT);
        if transport == Transport::Http {
            inbound.http = Some((&HttpListen::DEFAULT).into());
            outbound.http = Some((&HttpConnect::DEFAULT).into());
        }
        (inbound, outbound)
    }

    /// The runtime's defaults, which `inbound!` and `outbound!` expand to and an environment
    /// file overrides, are the defaults of the options table that the docs are made from.
    #[test]
    fn defaults_are_the_tables() {
        for (direction, transport) in LISTENER_TABLES {
            let (inbound, outbound) = defaults(transport);
            let value = |name: &str| match direction {
                Direction::Inbound => inbound_value(&inbound, name),
                Direction::Outbound => outbound_value(&outbound, name),
            };
            for spec in transport.options(direction) {
                if spec.default != Default::Required {
                    assert_eq!(
                        value(spec.name),
                        spec.default.value(),
                        "{} {}",
                        direction.section(),
                        spec.name
                    );
                }
            }
        }
    }

    /// Values of each kind for a test, every word of a choice.
    fn samples(spec: &Spec) -> Vec<Written> {
        match spec.kind {
            Kind::Port | Kind::ListenPort => vec![Written::Int(2600)],
            Kind::Host | Kind::File | Kind::Text | Kind::Folder => {
                vec![Written::Str("x.example".into())]
            }
            Kind::NameTemplate => vec![Written::Str("{seq}.hl7".into())],
            Kind::Duration => vec![Written::Str("7s".into())],
            Kind::Bytes | Kind::Count => vec![Written::Int(3)],
            Kind::Flag => vec![Written::Bool(false), Written::Bool(true)],
            Kind::Choice(words) => words.iter().map(|w| Written::Str((*w).into())).collect(),
            Kind::Addresses => vec![Written::List(vec![Written::Str("10.0.0.0/8".into())])],
            Kind::Url => vec![Written::Str("https://ehr.example.org:8443/hl7".into())],
            Kind::UrlPath => vec![Written::Str("/hl7/lab".into())],
            Kind::Headers => vec![Written::List(vec![Written::Str("X-Feed: lab".into())])],
            Kind::HostKey => vec![Written::Str(
                "SHA256:JC/gg2T4+pzUQwIzSmQPJ93YWJ2/g0gvAvep76FLN+0".into(),
            )],
        }
    }

    /// Every option of every table can be set, and reads back as set.
    #[test]
    fn every_option_is_settable() {
        for transport in [Transport::Mllp, Transport::Http] {
            for spec in transport.options(Direction::Inbound) {
                for sample in samples(spec) {
                    let mut s = defaults(transport).0;
                    let value = spec.check(&sample, Origin::Environment).unwrap();
                    s.set(spec.name, value.clone()).unwrap();
                    assert_eq!(inbound_value(&s, spec.name), Some(value), "{}", spec.name);
                }
            }
            for spec in transport.options(Direction::Outbound) {
                for sample in samples(spec) {
                    let mut s = defaults(transport).1;
                    let value = spec.check(&sample, Origin::Environment).unwrap();
                    s.set(spec.name, value.clone()).unwrap();
                    assert_eq!(outbound_value(&s, spec.name), Some(value), "{}", spec.name);
                }
            }
        }
    }

    #[test]
    fn a_value_of_the_wrong_kind_is_refused() {
        let mut s = InboundSettings::from(&MllpListen::DEFAULT);
        assert_eq!(
            s.set("idle_timeout", Value::Number(3)),
            Err("the option `idle_timeout` cannot take Number(3)".to_owned())
        );
        assert!(s.set("ack_mode", Value::Word("sometimes")).is_err());
    }
}
