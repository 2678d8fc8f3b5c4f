//! Per-environment settings: `environments/<name>.toml` overrides what `inbound!` and
//! `outbound!` declare, so one build runs in test and in production.
//!
//! ```toml
//! [inbound.IB_Lab_ORU]
//! port = 12575
//! bind = "127.0.0.1"
//! idle_timeout = "5m"
//! allow = ["10.1.2.0/24", "fd00:1::/32"]
//!
//! [outbound.OB_EHR_ORU]
//! host = "ehr.example.org"
//! port = 6661
//! ack_timeout = "1m"
//! retries = 10
//! ```
//!
//! Every key is an option of the macro with the same name and the same form of value, except
//! that an inbound's `port` may be 0 here: the listener takes any free port and `serve` prints
//! the one it got (for test setups that must not depend on a fixed port being free). An
//! unknown connection, an unknown key or a bad value is an error naming the file, connection and
//! key, so `check --env prod` can catch it before deployment.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::cidr::Cidr;
use crate::interface::{
    AckMode, Inbound, MllpConnect, MllpListen, Outbound, ParsePolicy, Plaintext, RetryPolicy, Tls,
    ValidatePolicy,
};

/// An error in an environment file.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid TOML, or not of the expected shape.
    #[error("{path}: {message}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, and where.
        message: String,
    },
}

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
    /// Validation before routing.
    pub validate: ValidatePolicy,
    /// Certificate chain file; `None` for the generated self-signed one.
    pub tls_cert: Option<PathBuf>,
    /// Private key file.
    pub tls_key: Option<PathBuf>,
    /// CA file for client certificates (mutual TLS).
    pub tls_client_ca: Option<PathBuf>,
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
            validate: m.validate,
            tls_cert: m.tls_cert.map(PathBuf::from),
            tls_key: m.tls_key.map(PathBuf::from),
            tls_client_ca: m.tls_client_ca.map(PathBuf::from),
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
            retry: m.retry,
            tls_ca: m.tls_ca.map(PathBuf::from),
            tls_fingerprint: m.tls_fingerprint.map(str::to_owned),
            tls_server_name: m.tls_server_name.map(str::to_owned),
            tls_cert: m.tls_cert.map(PathBuf::from),
            tls_key: m.tls_key.map(PathBuf::from),
        }
    }
}

/// The overrides of one environment, by connection name.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// The file they came from (for error messages); `None` for no environment.
    pub path: Option<PathBuf>,
    inbound: BTreeMap<String, toml::Table>,
    outbound: BTreeMap<String, toml::Table>,
}

impl Environment {
    /// Reads `<dir>/<name>.toml`.
    pub fn load(dir: impl AsRef<Path>, name: &str) -> Result<Environment, EnvironmentError> {
        let path = dir.as_ref().join(format!("{name}.toml"));
        let text = std::fs::read_to_string(&path).map_err(|source| EnvironmentError::Read {
            path: path.clone(),
            source,
        })?;
        Environment::parse(&text, path)
    }

    /// Parses environment text; `path` is only used in error messages.
    pub fn parse(text: &str, path: PathBuf) -> Result<Environment, EnvironmentError> {
        let invalid = |message: String| EnvironmentError::Invalid {
            path: path.clone(),
            message,
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let mut env = Environment {
            path: Some(path.clone()),
            ..Environment::default()
        };
        for (key, value) in table {
            let target = match key.as_str() {
                "inbound" => &mut env.inbound,
                "outbound" => &mut env.outbound,
                other => {
                    return Err(invalid(format!(
                        "unknown section [{other}]; the sections are [inbound.NAME] and [outbound.NAME]"
                    )));
                }
            };
            let toml::Value::Table(connections) = value else {
                return Err(invalid(format!("[{key}] must hold tables: [{key}.NAME]")));
            };
            for (name, settings) in connections {
                let toml::Value::Table(settings) = settings else {
                    return Err(invalid(format!("[{key}.{name}] must be a table")));
                };
                target.insert(name, settings);
            }
        }
        Ok(env)
    }

    fn invalid(&self, message: String) -> EnvironmentError {
        EnvironmentError::Invalid {
            path: self.path.clone().unwrap_or_default(),
            message,
        }
    }

    /// Checks that every connection the file names exists.
    pub fn check_names(
        &self,
        inbounds: &[Inbound],
        outbounds: &[Outbound],
    ) -> Result<(), EnvironmentError> {
        for name in self.inbound.keys() {
            if !inbounds.iter().any(|i| i.name() == name) {
                return Err(self.invalid(format!(
                    "[inbound.{name}]: the interface has no inbound named {name}"
                )));
            }
        }
        for name in self.outbound.keys() {
            if !outbounds.iter().any(|o| o.name() == name) {
                return Err(self.invalid(format!(
                    "[outbound.{name}]: the interface has no outbound named {name}"
                )));
            }
        }
        Ok(())
    }

    /// The effective settings of an inbound.
    pub fn inbound(&self, inbound: Inbound) -> Result<InboundSettings, EnvironmentError> {
        let mut s = InboundSettings::from(&inbound.def().mllp);
        let Some(table) = self.inbound.get(inbound.name()) else {
            return Ok(s);
        };
        for (key, value) in table {
            let at = || format!("[inbound.{}] {key}", inbound.name());
            let v = Value { at: at(), value };
            match key.as_str() {
                "bind" => s.bind = v.string().map_err(|m| self.invalid(m))?,
                "port" => s.port = v.listen_port().map_err(|m| self.invalid(m))?,
                "max_frame" => s.max_frame = v.count().map_err(|m| self.invalid(m))?,
                "max_connections" => s.max_connections = v.count().map_err(|m| self.invalid(m))?,
                "max_connections_per_peer" => {
                    s.max_connections_per_peer = Some(v.count().map_err(|m| self.invalid(m))?)
                }
                "allow" => s.allow = v.cidrs().map_err(|m| self.invalid(m))?,
                "first_frame_timeout" => {
                    s.first_frame_timeout = v.duration().map_err(|m| self.invalid(m))?
                }
                "idle_timeout" => s.idle_timeout = v.duration().map_err(|m| self.invalid(m))?,
                "frame_timeout" => s.frame_timeout = v.duration().map_err(|m| self.invalid(m))?,
                "max_frame_memory" => {
                    s.max_frame_memory = v.count().map_err(|m| self.invalid(m))?
                }
                "duplicate_window" => {
                    s.duplicate_window = Some(v.duration().map_err(|m| self.invalid(m))?)
                }
                "ack_mode" => s.ack_mode = v.ack_mode().map_err(|m| self.invalid(m))?,
                "tls" => {
                    s.tls = match v.word(&["on", "off"]).map_err(|m| self.invalid(m))? {
                        "off" => Tls::Off,
                        _ => Tls::On,
                    }
                }
                "plaintext" => {
                    s.plaintext = match v.word(&["allow", "refuse"]).map_err(|m| self.invalid(m))? {
                        "refuse" => Plaintext::Refuse,
                        _ => Plaintext::Allow,
                    }
                }
                "parse" => {
                    s.parse = match v
                        .word(&["tolerant", "strict"])
                        .map_err(|m| self.invalid(m))?
                    {
                        "strict" => ParsePolicy::Strict,
                        _ => ParsePolicy::Tolerant,
                    }
                }
                "validate" => {
                    let word = v
                        .word(&["off", "tolerant", "strict"])
                        .map_err(|m| self.invalid(m))?;
                    s.validate = match word {
                        "tolerant" => ValidatePolicy::Tolerant,
                        "strict" => ValidatePolicy::Strict,
                        _ => ValidatePolicy::Off,
                    }
                }
                "tls_cert" => s.tls_cert = Some(v.string().map_err(|m| self.invalid(m))?.into()),
                "tls_key" => s.tls_key = Some(v.string().map_err(|m| self.invalid(m))?.into()),
                "tls_client_ca" => {
                    s.tls_client_ca = Some(v.string().map_err(|m| self.invalid(m))?.into())
                }
                _ => return Err(self.invalid(format!("{}: unknown key", at()))),
            }
        }
        Ok(s)
    }

    /// The effective settings of an outbound.
    pub fn outbound(&self, outbound: Outbound) -> Result<OutboundSettings, EnvironmentError> {
        let mut s = OutboundSettings::from(&outbound.def().mllp);
        let Some(table) = self.outbound.get(outbound.name()) else {
            return Ok(s);
        };
        for (key, value) in table {
            let at = || format!("[outbound.{}] {key}", outbound.name());
            let v = Value { at: at(), value };
            match key.as_str() {
                "host" => s.host = v.string().map_err(|m| self.invalid(m))?,
                "port" => s.port = v.port().map_err(|m| self.invalid(m))?,
                "connect_timeout" => {
                    s.connect_timeout = v.duration().map_err(|m| self.invalid(m))?
                }
                "send_timeout" => s.send_timeout = v.duration().map_err(|m| self.invalid(m))?,
                "ack_timeout" => s.ack_timeout = v.duration().map_err(|m| self.invalid(m))?,
                "persistent" => s.persistent = v.boolean().map_err(|m| self.invalid(m))?,
                "retries" => {
                    s.retry.max_attempts = u32::try_from(v.count().map_err(|m| self.invalid(m))?)
                        .map_err(|_| self.invalid(format!("{}: too large", at())))?
                }
                "backoff" => s.retry.initial_backoff = v.duration().map_err(|m| self.invalid(m))?,
                "max_backoff" => s.retry.max_backoff = v.duration().map_err(|m| self.invalid(m))?,
                "tls_ca" => s.tls_ca = Some(v.string().map_err(|m| self.invalid(m))?.into()),
                "tls_server_name" => {
                    s.tls_server_name = Some(v.string().map_err(|m| self.invalid(m))?)
                }
                "tls_fingerprint" => {
                    s.tls_fingerprint = Some(v.string().map_err(|m| self.invalid(m))?)
                }
                "tls_cert" => s.tls_cert = Some(v.string().map_err(|m| self.invalid(m))?.into()),
                "tls_key" => s.tls_key = Some(v.string().map_err(|m| self.invalid(m))?.into()),
                _ => return Err(self.invalid(format!("{}: unknown key", at()))),
            }
        }
        Ok(s)
    }
}

/// One value of the file, with where it is for error messages.
struct Value<'a> {
    at: String,
    value: &'a toml::Value,
}

impl Value<'_> {
    fn string(&self) -> Result<String, String> {
        match self.value {
            toml::Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
            _ => Err(format!("{}: expected a non-empty string", self.at)),
        }
    }

    fn port(&self) -> Result<u16, String> {
        match self.value {
            toml::Value::Integer(n) if (1..=65535).contains(n) => Ok(*n as u16),
            _ => Err(format!("{}: expected a port from 1 to 65535", self.at)),
        }
    }

    /// A port to listen on: as [`Value::port`], or 0 for any free port.
    fn listen_port(&self) -> Result<u16, String> {
        match self.value {
            toml::Value::Integer(0) => Ok(0),
            _ => self.port().map_err(|_| {
                format!(
                    "{}: expected a port from 1 to 65535, or 0 for any free port",
                    self.at
                )
            }),
        }
    }

    fn count(&self) -> Result<usize, String> {
        match self.value {
            toml::Value::Integer(n) if *n > 0 => {
                usize::try_from(*n).map_err(|_| format!("{}: too large", self.at))
            }
            _ => Err(format!("{}: expected a positive integer", self.at)),
        }
    }

    /// One of the given words.
    fn word(&self, words: &[&'static str]) -> Result<&'static str, String> {
        let given = match self.value {
            toml::Value::String(s) => words.iter().find(|w| **w == s.as_str()).copied(),
            _ => None,
        };
        given.ok_or_else(|| format!("{}: expected one of {}", self.at, words.join(", ")))
    }

    /// A non-empty array of addresses and networks.
    fn cidrs(&self) -> Result<Vec<Cidr>, String> {
        let expected = || {
            format!(
                "{}: expected a non-empty array of addresses or networks, such as [\"10.1.2.0/24\"]",
                self.at
            )
        };
        let toml::Value::Array(items) = self.value else {
            return Err(expected());
        };
        if items.is_empty() {
            return Err(expected());
        }
        items
            .iter()
            .map(|item| match item {
                toml::Value::String(s) => s.parse().map_err(|e| format!("{}: {e}", self.at)),
                _ => Err(expected()),
            })
            .collect()
    }

    fn boolean(&self) -> Result<bool, String> {
        match self.value {
            toml::Value::Boolean(b) => Ok(*b),
            _ => Err(format!("{}: expected true or false", self.at)),
        }
    }

    fn ack_mode(&self) -> Result<AckMode, String> {
        match self.value {
            toml::Value::String(s) => match s.as_str() {
                "original" => Ok(AckMode::Original),
                "enhanced" => Ok(AckMode::Enhanced),
                "after_processing" => Ok(AckMode::AfterProcessing),
                "none" => Ok(AckMode::None),
                _ => Err(format!(
                    "{}: expected original, enhanced, after_processing or none",
                    self.at
                )),
            },
            _ => Err(format!(
                "{}: expected original, enhanced, after_processing or none",
                self.at
            )),
        }
    }

    fn duration(&self) -> Result<Duration, String> {
        let err = || {
            format!(
                "{}: expected a duration such as \"500ms\", \"30s\", \"10m\" or \"1h\"",
                self.at
            )
        };
        let toml::Value::String(text) = self.value else {
            return Err(err());
        };
        parse_duration(text).ok_or_else(err)
    }
}

/// `"500ms"`, `"30s"`, `"10m"`, `"1h"`, `"30d"`: the same forms the macros accept.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let digits = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let n: u64 = digits.parse().ok()?;
    let millis = match &text[digits.len()..] {
        "ms" => Some(n),
        "s" => n.checked_mul(1_000),
        "m" => n.checked_mul(60_000),
        "h" => n.checked_mul(3_600_000),
        "d" => n.checked_mul(86_400_000),
        _ => None,
    }?;
    (millis > 0).then(|| Duration::from_millis(millis))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interface::{InboundDef, OutboundDef, Route, RouterDef};

    static ROUTER: RouterDef = RouterDef {
        name: "r",
        route: |_| Route::unrouted(),
    };
    static IB: InboundDef = InboundDef {
        name: "IB_A",
        mllp: MllpListen {
            port: 2575,
            ..MllpListen::DEFAULT
        },
        router: &ROUTER,
    };
    static OB: OutboundDef = OutboundDef {
        name: "OB_B",
        mllp: MllpConnect {
            host: "127.0.0.1",
            port: 6661,
            ..MllpConnect::DEFAULT
        },
    };

    fn env(text: &str) -> Result<Environment, EnvironmentError> {
        Environment::parse(text, PathBuf::from("environments/test.toml"))
    }

    #[test]
    fn overrides_apply() {
        let e = env("[inbound.IB_A]\nport = 12575\nack_mode = \"enhanced\"\n[outbound.OB_B]\nhost = \"ehr.test\"\nretries = 9\nack_timeout = \"1m\"\n").unwrap();
        e.check_names(&[Inbound(&IB)], &[Outbound(&OB)]).unwrap();
        let i = e.inbound(Inbound(&IB)).unwrap();
        assert_eq!(
            (i.port, i.ack_mode, i.bind.as_str()),
            (12575, AckMode::Enhanced, "0.0.0.0")
        );
        let o = e.outbound(Outbound(&OB)).unwrap();
        assert_eq!((o.host.as_str(), o.port), ("ehr.test", 6661));
        assert_eq!(o.retry.max_attempts, 9);
        assert_eq!(o.ack_timeout, Duration::from_secs(60));
    }

    #[test]
    fn an_inbound_may_take_any_free_port() {
        let e = env("[inbound.IB_A]\nport = 0\n").unwrap();
        assert_eq!(e.inbound(Inbound(&IB)).unwrap().port, 0);
    }

    #[test]
    fn mistakes_are_named() {
        let e = env("[inbound.IB_A]\nprot = 1\n").unwrap();
        let msg = e.inbound(Inbound(&IB)).unwrap_err().to_string();
        assert_eq!(
            msg,
            "environments/test.toml: [inbound.IB_A] prot: unknown key"
        );
        let e = env("[outbound.OB_X]\nport = 1\n").unwrap();
        assert!(
            e.check_names(&[Inbound(&IB)], &[Outbound(&OB)])
                .unwrap_err()
                .to_string()
                .contains("no outbound named OB_X")
        );
        let e = env("[inbound.IB_A]\nport = 70000\n[outbound.OB_B]\nport = 0\n").unwrap();
        assert!(e.inbound(Inbound(&IB)).is_err());
        assert!(e.outbound(Outbound(&OB)).is_err());
        assert!(env("[other]\n").is_err());
    }

    #[test]
    fn tls_settings_apply() {
        let e = env("[inbound.IB_A]\ntls_cert = \"/etc/mf/lab.pem\"\ntls_key = \"/etc/mf/lab-key.pem\"\nplaintext = \"refuse\"\n[outbound.OB_B]\ntls_ca = \"/etc/mf/ehr-ca.pem\"\ntls_server_name = \"ehr.example.org\"\n").unwrap();
        let i = e.inbound(Inbound(&IB)).unwrap();
        assert_eq!((i.tls, i.plaintext), (Tls::On, Plaintext::Refuse));
        assert_eq!(i.tls_cert, Some(PathBuf::from("/etc/mf/lab.pem")));
        let o = e.outbound(Outbound(&OB)).unwrap();
        assert_eq!(o.tls_ca, Some(PathBuf::from("/etc/mf/ehr-ca.pem")));
        assert_eq!(o.tls_server_name.as_deref(), Some("ehr.example.org"));
        let off = env("[inbound.IB_A]\ntls = \"off\"\n").unwrap();
        assert_eq!(off.inbound(Inbound(&IB)).unwrap().tls, Tls::Off);
        let bad = env("[inbound.IB_A]\nplaintext = \"maybe\"\n").unwrap();
        assert_eq!(
            bad.inbound(Inbound(&IB)).unwrap_err().to_string(),
            "environments/test.toml: [inbound.IB_A] plaintext: expected one of allow, refuse"
        );
    }

    #[test]
    fn connection_limits_apply() {
        let e = env("[inbound.IB_A]\nallow = [\"127.0.0.1\", \"fd00::/8\"]\nmax_connections_per_peer = 4\nfirst_frame_timeout = \"2s\"\nmax_frame_memory = 1048576\n").unwrap();
        let i = e.inbound(Inbound(&IB)).unwrap();
        let expected: Vec<Cidr> = vec!["127.0.0.1".parse().unwrap(), "fd00::/8".parse().unwrap()];
        assert_eq!(i.allow, expected);
        assert_eq!(i.max_connections_per_peer, Some(4));
        assert_eq!(i.first_frame_timeout, Duration::from_secs(2));
        assert_eq!(i.max_frame_memory, 1 << 20);
        let defaults = env("").unwrap().inbound(Inbound(&IB)).unwrap();
        assert!(defaults.allow.is_empty());
        assert_eq!(defaults.max_connections_per_peer, None);
        let bad = env("[inbound.IB_A]\nallow = [\"10.1.2.0/33\"]\n").unwrap();
        assert_eq!(
            bad.inbound(Inbound(&IB)).unwrap_err().to_string(),
            "environments/test.toml: [inbound.IB_A] allow: `/33` is not a prefix length for IPv4 (0 to 32)"
        );
        let empty = env("[inbound.IB_A]\nallow = []\n").unwrap();
        assert!(empty.inbound(Inbound(&IB)).is_err());
    }
}
