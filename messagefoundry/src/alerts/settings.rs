//! The `[alerts]` section of an environment file, read and checked: the rules, how often they
//! are looked at, how often an open incident is repeated, and the channels notified.

use std::path::PathBuf;
use std::time::Duration;

use super::fields::Fields;
use super::rules::{self, Declared, KINDS, Rule};
use super::secret::SecretSource;

/// What `[alerts]` says; nothing is watched when it has no rule.
#[derive(Clone, Debug)]
pub struct AlertSettings {
    /// The time zone `during` is read in: `time_zone`, or the machine's.
    pub zone: jiff::tz::TimeZone,
    /// How often the rules are looked at.
    pub check_every: Duration,
    /// An incident still open is notified again this often.
    pub repeat_every: Duration,
    /// Every rule, kind by kind (in the order of the table in `docs/alerts.md`), then as written.
    pub rules: Vec<Rule>,
    /// `[alerts.webhook]`.
    pub webhook: Option<WebhookSettings>,
    /// `[alerts.email]`.
    pub email: Option<EmailSettings>,
}

impl Default for AlertSettings {
    fn default() -> AlertSettings {
        AlertSettings {
            zone: jiff::tz::TimeZone::UTC,
            check_every: Duration::from_secs(30),
            repeat_every: Duration::from_secs(3600),
            rules: Vec::new(),
            webhook: None,
            email: None,
        }
    }
}

/// A webhook: a JSON POST to a URL, retried.
#[derive(Clone, Debug)]
pub struct WebhookSettings {
    /// `https://…` (or `http://` on loopback).
    pub url: hyper::Uri,
    /// Sent as `Authorization: Bearer …`.
    pub token: Option<SecretSource>,
    /// The CAs trusted for the URL's certificate; the system's when `None`.
    pub ca: Option<PathBuf>,
    /// Longest wait for one attempt.
    pub timeout: Duration,
    /// Attempts before a notification is given up (logged).
    pub attempts: u32,
}

/// Email through an SMTP server, always over TLS.
#[derive(Clone, Debug)]
pub struct EmailSettings {
    /// The server's host name (checked in its certificate).
    pub server: String,
    /// Its port: 587 for STARTTLS, 465 for implicit TLS by default.
    pub port: u16,
    /// How TLS starts.
    pub tls: EmailTls,
    /// The sender's address.
    pub from: String,
    /// The recipients.
    pub to: Vec<String>,
    /// The SMTP user, if the server asks for a login.
    pub username: Option<String>,
    /// Its password.
    pub password: Option<SecretSource>,
    /// The CAs trusted for the server's certificate; the system's when `None`.
    pub ca: Option<PathBuf>,
    /// Longest wait for one attempt.
    pub timeout: Duration,
    /// Attempts before a notification is given up (logged).
    pub attempts: u32,
}

/// How an SMTP connection becomes TLS; plaintext is never an option.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmailTls {
    /// Plaintext first, then STARTTLS, required (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Implicit,
}

/// The keys of `[alerts]`: its own settings, the kinds of rule (`KINDS`) and the channels.
const SECTION: [&str; 13] = [
    "time_zone",
    "check_every",
    "repeat_every",
    "inbound_silent",
    "queue",
    "dead_letters",
    "outbound_down",
    "nak_rate",
    "error_rate",
    "certificates",
    "disk",
    "webhook",
    "email",
];

impl AlertSettings {
    /// Reads the `[alerts]` table; every mistake is returned, each naming where it is.
    pub fn read(
        section: &toml::Table,
        declared: &Declared<'_>,
    ) -> Result<AlertSettings, Vec<String>> {
        let mut errors = Vec::new();
        let mut settings = AlertSettings {
            zone: jiff::tz::TimeZone::system(),
            ..AlertSettings::default()
        };
        for kind in KINDS {
            if let Some(value) = section.get(kind) {
                settings
                    .rules
                    .extend(rules::read(kind, value, declared, &mut errors));
            }
        }
        let mut f = Fields::new("[alerts]".into(), section, &SECTION, &mut errors);
        if let Some(name) = f.text("time_zone") {
            match messagefoundry_hl7::datetime::time_zone(&name) {
                Ok(zone) => settings.zone = zone,
                Err(e) => f.error(format!("time_zone: {e}")),
            }
        }
        settings.check_every = f.duration("check_every").unwrap_or(settings.check_every);
        settings.repeat_every = f.duration("repeat_every").unwrap_or(settings.repeat_every);
        f.finish();
        for (key, value) in [
            ("webhook", section.get("webhook")),
            ("email", section.get("email")),
        ] {
            let Some(value) = value else { continue };
            let Some(table) = value.as_table() else {
                errors.push(format!("[alerts.{key}] must be a table"));
                continue;
            };
            let at = format!("[alerts.{key}]");
            if key == "webhook" {
                settings.webhook = webhook(Fields::new(at, table, &WEBHOOK, &mut errors));
            } else {
                settings.email = email(Fields::new(at, table, &EMAIL, &mut errors));
            }
        }
        if errors.is_empty() {
            Ok(settings)
        } else {
            Err(errors)
        }
    }
}

const WEBHOOK: [&str; 6] = [
    "url",
    "token_env",
    "token_file",
    "ca",
    "timeout",
    "attempts",
];

fn webhook(mut f: Fields<'_>) -> Option<WebhookSettings> {
    let url = match f.text("url") {
        None => {
            f.error("needs url (https://…)");
            None
        }
        Some(text) => match webhook_url(&text) {
            Ok(url) => Some(url),
            Err(e) => {
                f.error(format!("url: {e}"));
                None
            }
        },
    };
    let token = SecretSource::read(&mut f, "token");
    let ca = f.path("ca");
    let timeout = f.duration("timeout").unwrap_or(Duration::from_secs(10));
    let attempts = f
        .integer("attempts", 1)
        .map_or(5, |n| u32::try_from(n).unwrap_or(u32::MAX));
    f.finish();
    Some(WebhookSettings {
        url: url?,
        token,
        ca,
        timeout,
        attempts,
    })
}

/// An `https` URL, or `http` to a loopback host (a relay on the same machine).
fn webhook_url(text: &str) -> Result<hyper::Uri, String> {
    let url: hyper::Uri = text
        .parse()
        .map_err(|_| "not a URL such as https://hooks.example.org/messagefoundry".to_owned())?;
    let host = url.host().ok_or("the URL has no host")?;
    match url.scheme_str() {
        Some("https") => Ok(url),
        Some("http") if is_loopback(host) => Ok(url),
        Some("http") => Err("plain http is allowed to a loopback host only; use https".into()),
        _ => Err("the URL must start with https://".into()),
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

const EMAIL: [&str; 11] = [
    "server",
    "port",
    "tls",
    "from",
    "to",
    "username",
    "password_env",
    "password_file",
    "ca",
    "timeout",
    "attempts",
];

fn email(mut f: Fields<'_>) -> Option<EmailSettings> {
    let server = f.text("server");
    if server.is_none() && f.get("server").is_none() {
        f.error("needs server (the SMTP server's host name)");
    }
    let tls = match f.text("tls").as_deref() {
        None | Some("starttls") => Some(EmailTls::StartTls),
        Some("tls") => Some(EmailTls::Implicit),
        Some(_) => {
            f.error("tls is \"starttls\" (port 587) or \"tls\" (implicit TLS, port 465); plaintext SMTP is not offered");
            None
        }
    };
    let default_port = if tls == Some(EmailTls::Implicit) {
        465
    } else {
        587
    };
    let port = match f.integer("port", 1) {
        Some(p) => u16::try_from(p).ok().or_else(|| {
            f.error("port is from 1 to 65535");
            None
        }),
        None => Some(default_port),
    };
    let from = address(&mut f, "from");
    if f.get("from").is_none() {
        f.error("needs from (the sender's address)");
    }
    let to: Option<Vec<String>> = match f.get("to") {
        None => {
            f.error("needs to (a list of addresses)");
            None
        }
        Some(toml::Value::String(one)) => Some(vec![one.clone()]),
        Some(toml::Value::Array(items)) if !items.is_empty() => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        Some(_) => None,
    };
    let to = match to {
        Some(list)
            if list
                .iter()
                .all(|a| a.parse::<lettre::message::Mailbox>().is_ok()) =>
        {
            Some(list)
        }
        Some(_) | None if f.get("to").is_some() => {
            f.error("to is a list of email addresses, such as [\"oncall@example.org\"]");
            None
        }
        _ => None,
    };
    let username = f.text("username");
    let password = SecretSource::read(&mut f, "password");
    if username.is_some() != password.is_some() {
        f.error("username and password_env (or password_file) go together");
    }
    let ca = f.path("ca");
    let timeout = f.duration("timeout").unwrap_or(Duration::from_secs(30));
    let attempts = f
        .integer("attempts", 1)
        .map_or(5, |n| u32::try_from(n).unwrap_or(u32::MAX));
    f.finish();
    Some(EmailSettings {
        server: server?,
        port: port?,
        tls: tls?,
        from: from?,
        to: to?,
        username,
        password,
        ca,
        timeout,
        attempts,
    })
}

/// An email address (`oncall@example.org` or `On call <oncall@example.org>`).
fn address(f: &mut Fields<'_>, key: &str) -> Option<String> {
    let text = f.text(key)?;
    if text.parse::<lettre::message::Mailbox>().is_ok() {
        Some(text)
    } else {
        f.error(format!("{key} {text:?} is not an email address"));
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECLARED: Declared<'static> = Declared {
        inbounds: &["IB_ADT"],
        outbounds: &["OB_EHR"],
    };

    fn read(text: &str) -> Result<AlertSettings, Vec<String>> {
        AlertSettings::read(&toml::from_str(text).unwrap(), &DECLARED)
    }

    #[test]
    fn channels_and_intervals_read() {
        let s = read(
            r#"
            time_zone = "America/Chicago"
            check_every = "10s"
            [dead_letters]
            [webhook]
            url = "https://hooks.example.org/mf"
            token_env = "MF_WEBHOOK_TOKEN"
            [email]
            server = "smtp.example.org"
            tls = "tls"
            from = "Lab engine <engine@example.org>"
            to = ["oncall@example.org"]
            username = "engine"
            password_file = "/etc/mf/smtp-password"
            "#,
        )
        .unwrap();
        assert_eq!(s.zone.iana_name(), Some("America/Chicago"));
        assert_eq!(s.check_every, Duration::from_secs(10));
        assert_eq!(s.repeat_every, Duration::from_secs(3600));
        let hook = s.webhook.unwrap();
        assert_eq!(
            hook.token,
            Some(SecretSource::Env("MF_WEBHOOK_TOKEN".into()))
        );
        assert_eq!(hook.attempts, 5);
        let mail = s.email.unwrap();
        assert_eq!((mail.port, mail.tls), (465, EmailTls::Implicit));
        assert_eq!(
            mail.password,
            Some(SecretSource::File("/etc/mf/smtp-password".into()))
        );
    }

    #[test]
    fn channel_mistakes_are_named() {
        let errors = read(
            r#"
            time_zone = "America/Chicgo"
            chek_every = "1m"
            [webhook]
            url = "http://hooks.example.org/mf"
            [email]
            server = "smtp.example.org"
            tls = "none"
            from = "engine"
            to = ["oncall@example.org"]
            username = "engine"
            "#,
        )
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "[alerts] time_zone: unknown time zone \"America/Chicgo\" (did you mean America/Chicago?); time zones are IANA names, like \"America/Chicago\" or \"UTC\"",
                "[alerts] unknown key `chek_every`; did you mean `check_every`? the keys are: time_zone, check_every, repeat_every, inbound_silent, queue, dead_letters, outbound_down, nak_rate, error_rate, certificates, disk, webhook, email",
                "[alerts.webhook] url: plain http is allowed to a loopback host only; use https",
                "[alerts.email] tls is \"starttls\" (port 587) or \"tls\" (implicit TLS, port 465); plaintext SMTP is not offered",
                "[alerts.email] from \"engine\" is not an email address",
                "[alerts.email] username and password_env (or password_file) go together",
            ]
        );
    }

    #[test]
    fn http_is_for_loopback_only() {
        assert!(webhook_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(webhook_url("http://[::1]:9000/hook").is_ok());
        assert!(webhook_url("ftp://example.org/").is_err());
    }
}
