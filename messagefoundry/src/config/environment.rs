//! Per-environment settings: `environments/<name>.toml` overrides what `inbound!` and
//! `outbound!` declare, so one build runs in test and in production.
//!
//! ```toml
//! [inbound.IB_Lab_ORU]
//! port = 12575
//! idle_timeout = "5m"
//!
//! [outbound.OB_EHR_ORU]
//! host = "ehr.example.org"
//! retries = 10
//! ```
//!
//! Every key is an option of the macro, checked by the same table (`messagefoundry-options`)
//! and written the same way, except that a choice is a string here (`tls = "off"`) and an
//! inbound's `port` may be 0 (any free port, for test setups). An unknown connection, an
//! unknown key or a bad value is an error naming the file, connection and key, so
//! `check --env prod` can catch it before deployment. The options are listed in
//! `docs/options.md`.
//!
//! Two more sections serve what `tables!` and `values!` declare (`docs/tables.md`):
//! `[tables]` points a code table at a file, `[values]` sets values for handlers. `[alerts]`
//! holds the alert rules and channels (`docs/alerts.md`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use messagefoundry_options::{Direction, Invalid, Origin, Transport, Value, Written};

use super::connection::{InboundSettings, OutboundSettings};
use super::file_connection::{FileInSettings, FileOutSettings};
use super::sftp_connection::SftpServerSettings;
use crate::interface::{Inbound, InboundTransport, Outbound, OutboundTransport};

/// The effective settings of an inbound, by transport.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum InboundConnection {
    /// An MLLP listener's.
    Mllp(InboundSettings),
    /// A file inbound's, on a local folder or an SFTP server's (`remote`).
    File(FileInSettings),
    /// An HTTP listener's: what it shares with MLLP, and its own in `http`.
    Http(InboundSettings),
}

/// The effective settings of an outbound, by transport.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum OutboundConnection {
    /// An MLLP sender's.
    Mllp(OutboundSettings),
    /// A file outbound's, on a local folder or an SFTP server's (`remote`).
    File(FileOutSettings),
    /// An HTTP sender's: what it shares with MLLP, and its own in `http`.
    Http(OutboundSettings),
}

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
    /// No environment was chosen, and the declarations alone are not enough.
    #[error("{0}")]
    Incomplete(String),
}

/// The overrides of one environment, by connection name.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    /// The file they came from (for error messages); `None` for no environment.
    pub path: Option<PathBuf>,
    inbound: BTreeMap<String, toml::Table>,
    outbound: BTreeMap<String, toml::Table>,
    /// `[tables]`: a file per table name.
    pub(super) tables: toml::Table,
    /// `[values]`: a value per name.
    pub(super) values: toml::Table,
    /// `[alerts]`: rules and channels, read by [`crate::alerts`].
    pub(super) alerts: toml::Table,
    /// `[store]`: the store's keys, read by `store_keys.rs`.
    pub(super) store: toml::Table,
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
                "tables" | "values" | "alerts" | "store" => {
                    let toml::Value::Table(entries) = value else {
                        return Err(invalid(format!(
                            "[{key}] must be a table: [{key}] NAME = …"
                        )));
                    };
                    match key.as_str() {
                        "tables" => env.tables = entries,
                        "alerts" => env.alerts = entries,
                        "store" => env.store = entries,
                        _ => env.values = entries,
                    }
                    continue;
                }
                other => {
                    return Err(invalid(format!(
                        "unknown section [{other}]; the sections are [inbound.NAME], \
                         [outbound.NAME], [tables], [values], [alerts] and [store]"
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

    pub(super) fn invalid(&self, message: String) -> EnvironmentError {
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
        let inbounds: Vec<&str> = inbounds.iter().map(|i| i.name()).collect();
        let outbounds: Vec<&str> = outbounds.iter().map(|o| o.name()).collect();
        for (direction, given, declared) in [
            (Direction::Inbound, &self.inbound, inbounds),
            (Direction::Outbound, &self.outbound, outbounds),
        ] {
            for name in given.keys() {
                if !declared.contains(&name.as_str()) {
                    let section = direction.section();
                    let hint = messagefoundry_options::nearest(name, &declared)
                        .map(|n| format!("; did you mean {n}?"))
                        .unwrap_or_default();
                    return Err(self.invalid(format!(
                        "[{section}.{name}]: the interface has no {section} named {name}{hint}"
                    )));
                }
            }
        }
        Ok(())
    }

    /// The effective settings of an inbound.
    pub fn inbound(&self, inbound: Inbound) -> Result<InboundConnection, EnvironmentError> {
        let name = inbound.name();
        Ok(match &inbound.def().transport {
            InboundTransport::Mllp(m) => {
                let mut s = InboundSettings::from(m);
                self.apply(Transport::Mllp, Direction::Inbound, name, |k, v| {
                    s.set(k, v)
                })?;
                InboundConnection::Mllp(s)
            }
            InboundTransport::File(f) => {
                let mut s = FileInSettings::from(f);
                self.apply(Transport::File, Direction::Inbound, name, |k, v| {
                    s.set(k, v)
                })?;
                InboundConnection::File(s)
            }
            InboundTransport::Sftp { server, folder } => {
                let mut s = FileInSettings::from(folder);
                let mut server = SftpServerSettings::from(server);
                self.apply(Transport::Sftp, Direction::Inbound, name, |k, v| {
                    match messagefoundry_options::is_server_option(k) {
                        true => server.set(k, v),
                        false => s.set(k, v),
                    }
                })?;
                let remote = server.folder(&s.dir);
                s.remote = Some(remote.map_err(|m| self.invalid(format!("[inbound.{name}] {m}")))?);
                InboundConnection::File(s)
            }
            InboundTransport::Http { listen, http } => {
                let mut s = InboundSettings::of_http(listen, http);
                self.apply(Transport::Http, Direction::Inbound, name, |k, v| {
                    s.set(k, v)
                })?;
                if let Some(problem) = s.http.as_ref().and_then(|h| h.problem()) {
                    return Err(self.invalid(format!("[inbound.{name}] {problem}")));
                }
                InboundConnection::Http(s)
            }
        })
    }

    /// The effective settings of an outbound.
    pub fn outbound(&self, outbound: Outbound) -> Result<OutboundConnection, EnvironmentError> {
        let name = outbound.name();
        Ok(match &outbound.def().transport {
            OutboundTransport::Mllp(m) => {
                let mut s = OutboundSettings::from(m);
                self.apply(Transport::Mllp, Direction::Outbound, name, |k, v| {
                    s.set(k, v)
                })?;
                OutboundConnection::Mllp(s)
            }
            OutboundTransport::File(f) => {
                let mut s = FileOutSettings::from(f);
                self.apply(Transport::File, Direction::Outbound, name, |k, v| {
                    s.set(k, v)
                })?;
                OutboundConnection::File(s)
            }
            OutboundTransport::Sftp { server, folder } => {
                let mut s = FileOutSettings::from(folder);
                let mut server = SftpServerSettings::from(server);
                self.apply(Transport::Sftp, Direction::Outbound, name, |k, v| {
                    match messagefoundry_options::is_server_option(k) {
                        true => server.set(k, v),
                        false => s.set(k, v),
                    }
                })?;
                let remote = server.folder(&s.dir);
                s.remote =
                    Some(remote.map_err(|m| self.invalid(format!("[outbound.{name}] {m}")))?);
                OutboundConnection::File(s)
            }
            OutboundTransport::Http { connect, http } => {
                let mut s = OutboundSettings::of_http(connect, http);
                self.apply(Transport::Http, Direction::Outbound, name, |k, v| {
                    s.set(k, v)
                })?;
                s.settle_http()
                    .map_err(|m| self.invalid(format!("[outbound.{name}] {m}")))?;
                OutboundConnection::Http(s)
            }
        })
    }

    /// Checks each key of the connection's section against the options table and hands the
    /// value to `set`. The first mistake is the error.
    fn apply(
        &self,
        transport: Transport,
        direction: Direction,
        connection: &str,
        mut set: impl FnMut(&str, Value) -> Result<(), String>,
    ) -> Result<(), EnvironmentError> {
        let sections = match direction {
            Direction::Inbound => &self.inbound,
            Direction::Outbound => &self.outbound,
        };
        let Some(table) = sections.get(connection) else {
            return Ok(());
        };
        let at = format!("[{}.{connection}]", direction.section());
        for (key, value) in table {
            let Some(spec) = transport.option(direction, key) else {
                return Err(self.invalid(format!("{at} {}", transport.unknown(direction, key))));
            };
            let value = spec
                .check(&written(value), Origin::Environment)
                .map_err(|problems| self.invalid(format!("{at} {}", described(key, &problems))))?;
            set(key, value).map_err(|m| self.invalid(format!("{at} {key}: {m}")))?;
        }
        Ok(())
    }
}

/// A TOML value in the terms of the options table.
pub(super) fn written(value: &toml::Value) -> Written {
    match value {
        toml::Value::Integer(n) => Written::Int(i128::from(*n)),
        toml::Value::String(s) => Written::Str(s.clone()),
        toml::Value::Boolean(b) => Written::Bool(*b),
        toml::Value::Array(items) => Written::List(items.iter().map(written).collect()),
        _ => Written::Other,
    }
}

/// The problems of one value: about the whole value, the message names the option; about an
/// entry of a list, the option is named first.
fn described(key: &str, problems: &[Invalid]) -> String {
    problems
        .iter()
        .map(|p| match p.item {
            Some(_) => format!("{key}: {}", p.message),
            None => p.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::config::fixtures::{EHR, IB, IB_HTTP, LAB, OB, OB_HTTP};
    use crate::interface::{AckMode, Cidr, Plaintext, Tls};

    fn mllp_in(c: InboundConnection) -> InboundSettings {
        match c {
            InboundConnection::Mllp(s) => s,
            other => panic!("not MLLP: {other:?}"),
        }
    }

    fn mllp_out(c: OutboundConnection) -> OutboundSettings {
        match c {
            OutboundConnection::Mllp(s) => s,
            other => panic!("not MLLP: {other:?}"),
        }
    }

    fn env(text: &str) -> Result<Environment, EnvironmentError> {
        Environment::parse(text, PathBuf::from("environments/test.toml"))
    }

    #[test]
    fn overrides_apply() {
        let e = env("[inbound.IB_A]\nport = 12575\nack_mode = \"enhanced\"\n[outbound.OB_B]\nhost = \"ehr.test\"\nretries = 9\nack_timeout = \"1m\"\n").unwrap();
        e.check_names(&[Inbound(&IB)], &[Outbound(&OB)]).unwrap();
        let i = mllp_in(e.inbound(Inbound(&IB)).unwrap());
        assert_eq!(
            (i.port, i.ack_mode, i.bind.as_str()),
            (12575, AckMode::Enhanced, "0.0.0.0")
        );
        let o = mllp_out(e.outbound(Outbound(&OB)).unwrap());
        assert_eq!((o.host.as_str(), o.port), ("ehr.test", 6661));
        assert_eq!(o.retry.max_attempts, 9);
        assert_eq!(o.ack_timeout, Duration::from_secs(60));
    }

    #[test]
    fn an_inbound_may_take_any_free_port() {
        let e = env("[inbound.IB_A]\nport = 0\n").unwrap();
        assert_eq!(mllp_in(e.inbound(Inbound(&IB)).unwrap()).port, 0);
    }

    #[test]
    fn mistakes_are_named() {
        let e = env("[inbound.IB_A]\nprot = 1\n").unwrap();
        let msg = e.inbound(Inbound(&IB)).unwrap_err().to_string();
        assert_eq!(
            msg,
            "environments/test.toml: [inbound.IB_A] unknown option `prot`; did you mean `port`? \
             the options are: port, bind, max_frame, max_connections, max_connections_per_peer, \
             allow, first_frame_timeout, idle_timeout, frame_timeout, max_frame_memory, ack_mode, \
             duplicate_window, tls, plaintext, parse, charset, validate, invalid_ack, tls_cert, \
             tls_key, tls_client_ca"
        );
        let e = env("[outbound.OB_X]\nport = 1\n").unwrap();
        assert_eq!(
            e.check_names(&[Inbound(&IB)], &[Outbound(&OB)])
                .unwrap_err()
                .to_string(),
            "environments/test.toml: [outbound.OB_X]: the interface has no outbound named OB_X; \
             did you mean OB_B?"
        );
        let e = env("[inbound.IB_A]\nport = 70000\n[outbound.OB_B]\nport = 0\n").unwrap();
        assert_eq!(
            e.inbound(Inbound(&IB)).unwrap_err().to_string(),
            "environments/test.toml: [inbound.IB_A] port 70000 is out of range; \
             a port is an integer from 1 to 65535, or 0 for any free port"
        );
        assert_eq!(
            e.outbound(Outbound(&OB)).unwrap_err().to_string(),
            "environments/test.toml: [outbound.OB_B] port 0 is out of range; \
             a port is an integer from 1 to 65535"
        );
        let e = env("[outbound.OB_B]\nack_timeout = 30\n").unwrap();
        assert_eq!(
            e.outbound(Outbound(&OB)).unwrap_err().to_string(),
            "environments/test.toml: [outbound.OB_B] ack_timeout is a duration such as \
             \"500ms\", \"30s\", \"10m\" or \"1h\""
        );
        assert!(env("[other]\n").is_err());
    }

    #[test]
    fn tls_settings_apply() {
        let e = env("[inbound.IB_A]\ntls_cert = \"/etc/mf/lab.pem\"\ntls_key = \"/etc/mf/lab-key.pem\"\nplaintext = \"refuse\"\n[outbound.OB_B]\ntls_ca = \"/etc/mf/ehr-ca.pem\"\ntls_server_name = \"ehr.example.org\"\n").unwrap();
        let i = mllp_in(e.inbound(Inbound(&IB)).unwrap());
        assert_eq!((i.tls, i.plaintext), (Tls::On, Plaintext::Refuse));
        assert_eq!(i.tls_cert, Some(PathBuf::from("/etc/mf/lab.pem")));
        let o = mllp_out(e.outbound(Outbound(&OB)).unwrap());
        assert_eq!(o.tls_ca, Some(PathBuf::from("/etc/mf/ehr-ca.pem")));
        assert_eq!(o.tls_server_name.as_deref(), Some("ehr.example.org"));
        let off = env("[inbound.IB_A]\ntls = \"off\"\n").unwrap();
        assert_eq!(mllp_in(off.inbound(Inbound(&IB)).unwrap()).tls, Tls::Off);
        let bad = env("[inbound.IB_A]\nplaintext = \"maybe\"\n").unwrap();
        assert_eq!(
            bad.inbound(Inbound(&IB)).unwrap_err().to_string(),
            "environments/test.toml: [inbound.IB_A] plaintext is \"allow\" or \"refuse\""
        );
    }

    #[test]
    fn connection_limits_apply() {
        let e = env("[inbound.IB_A]\nallow = [\"127.0.0.1\", \"fd00::/8\"]\nmax_connections_per_peer = 4\nfirst_frame_timeout = \"2s\"\nmax_frame_memory = 1048576\n").unwrap();
        let i = mllp_in(e.inbound(Inbound(&IB)).unwrap());
        let expected: Vec<Cidr> = vec!["127.0.0.1".parse().unwrap(), "fd00::/8".parse().unwrap()];
        assert_eq!(i.allow, expected);
        assert_eq!(i.max_connections_per_peer, Some(4));
        assert_eq!(i.first_frame_timeout, Duration::from_secs(2));
        assert_eq!(i.max_frame_memory, 1 << 20);
        let defaults = mllp_in(env("").unwrap().inbound(Inbound(&IB)).unwrap());
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

    #[test]
    fn http_connections_take_their_own_options() {
        let e = env(
            "[inbound.IB_Web]\npath = \"/lab\"\nmax_body = 1024\nrequest_timeout = \"5s\"\n\
                     [outbound.OB_Web]\nurl = \"https://ehr.test/hl7\"\ntls_fingerprint = \"AB\"\n\
                     headers = [\"X-Feed: lab\"]\nresponse_timeout = \"9s\"\n",
        )
        .unwrap();
        let InboundConnection::Http(i) = e.inbound(Inbound(&IB_HTTP)).unwrap() else {
            panic!("an HTTP inbound")
        };
        assert_eq!(i.http.map(|h| h.path), Some("/lab".to_owned()));
        assert_eq!(
            (i.max_frame, i.frame_timeout),
            (1024, Duration::from_secs(5))
        );
        let OutboundConnection::Http(o) = e.outbound(Outbound(&OB_HTTP)).unwrap() else {
            panic!("an HTTP outbound")
        };
        assert_eq!((o.host.as_str(), o.port), ("ehr.test", 443));
        assert_eq!(o.ack_timeout, Duration::from_secs(9));
        assert_eq!(
            o.http.map(|h| h.headers),
            Some(vec!["X-Feed: lab".to_owned()])
        );
        // An MLLP option is not an HTTP one, and the suggestion is HTTP's.
        let e = env("[inbound.IB_Web]\nmax_frame = 1024\n").unwrap();
        let msg = e.inbound(Inbound(&IB_HTTP)).unwrap_err().to_string();
        assert!(
            msg.contains("unknown option `max_frame`; did you mean `max_body`?"),
            "{msg}"
        );
        // An https URL needs a certificate to trust.
        let e = env("[outbound.OB_Web]\nurl = \"https://ehr.test/hl7\"\n").unwrap();
        let msg = e.outbound(Outbound(&OB_HTTP)).unwrap_err().to_string();
        assert!(
            msg.contains("[outbound.OB_Web] an https URL needs `tls_ca`"),
            "{msg}"
        );
        let e = env("[outbound.OB_Web]\nurl = \"ftp://ehr.test/\"\n").unwrap();
        let msg = e.outbound(Outbound(&OB_HTTP)).unwrap_err().to_string();
        assert!(
            msg.contains("url: `ftp://ehr.test/` is not an http:// or https:// URL"),
            "{msg}"
        );
    }

    #[test]
    fn file_connections_take_their_own_options() {
        use crate::config::fixtures::{FILES_IN, FILES_OUT};
        let e = env("[inbound.IB_FILES]\ndir = \"/data/in\"\nafter = \"delete\"\n[outbound.OB_FILES]\nname = \"{MSH-9.1}_{seq}.hl7\"\n").unwrap();
        let InboundConnection::File(i) = e.inbound(Inbound(&FILES_IN)).unwrap() else {
            panic!("a file inbound")
        };
        assert_eq!(i.dir, PathBuf::from("/data/in"));
        assert_eq!(i.after, crate::interface::AfterPickup::Delete);
        let OutboundConnection::File(o) = e.outbound(Outbound(&FILES_OUT)).unwrap() else {
            panic!("a file outbound")
        };
        assert_eq!(
            (o.dir, o.name.as_str()),
            (PathBuf::from("out"), "{MSH-9.1}_{seq}.hl7")
        );
        let e = env("[inbound.IB_FILES]\nport = 2575\n").unwrap();
        assert_eq!(
            e.inbound(Inbound(&FILES_IN)).unwrap_err().to_string(),
            "environments/test.toml: [inbound.IB_FILES] unknown option `port`; did you mean `poll`? \
             the options are: \
             dir, pattern, settle, poll, after, done, error, max_file, parse, charset"
        );
        let e = env("[outbound.OB_FILES]\nname = \"{MSH-10\"\n").unwrap();
        assert_eq!(
            e.outbound(Outbound(&FILES_OUT)).unwrap_err().to_string(),
            "environments/test.toml: [outbound.OB_FILES] name: `{` at byte 0 is not closed"
        );
    }

    /// The environment file `docs/options.md` shows loads as it says.
    #[test]
    fn the_documented_example_loads() {
        let page = include_str!("../../../docs/options.md");
        let example = page
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("docs/options.md shows an environment file");
        let e = env(example).unwrap();
        e.check_names(&[Inbound(&LAB)], &[Outbound(&EHR)]).unwrap();
        let i = mllp_in(e.inbound(Inbound(&LAB)).unwrap());
        assert_eq!((i.port, i.ack_mode), (12575, AckMode::Enhanced));
        assert_eq!(i.idle_timeout, Duration::from_secs(300));
        let o = mllp_out(e.outbound(Outbound(&EHR)).unwrap());
        assert_eq!(
            (o.host.as_str(), o.retry.max_attempts),
            ("ehr.example.org", 10)
        );
    }

    /// The environment file `docs/sftp.md` shows loads as it says: another server and pin,
    /// and a password file where the code names a key.
    #[test]
    fn the_documented_sftp_example_loads() {
        use crate::config::fixtures::IB_SFTP;
        use crate::sftp::{Auth, Secret};
        let page = include_str!("../../../docs/sftp.md");
        let example = page
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("docs/sftp.md shows an environment file");
        let e = env(example).unwrap();
        e.check_names(&[Inbound(&IB_SFTP)], &[]).unwrap();
        let InboundConnection::File(s) = e.inbound(Inbound(&IB_SFTP)).unwrap() else {
            panic!("an SFTP inbound is a file inbound");
        };
        let remote = s.remote.expect("on an SFTP server");
        assert_eq!(remote.label(), "gh@sftp-test.lab.example:2222");
        assert_eq!(
            remote.host_key.to_string(),
            "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
        );
        assert_eq!(
            remote.auth,
            Auth::Password(Secret::File("/run/secrets/lab-sftp".into()))
        );
        assert_eq!(
            (remote.dir.as_str(), s.pattern.as_str()),
            ("results", "*.hl7")
        );
        // A key that is no option of `sftp(…)` is an error naming it, with a suggestion.
        let e = env("[inbound.IB_Lab_Results]\npassword = \"x\"\n").unwrap();
        let err = e.inbound(Inbound(&IB_SFTP)).unwrap_err().to_string();
        assert!(
            err.contains("unknown option `password`; did you mean `password_env`?"),
            "{err}"
        );
    }
}
