//! Which connections may carry plaintext to or from another machine: `serve` warns of them
//! (and refuses them under `--require-tls`), `check` lists them.

use super::settings::Settings;
use crate::interface::{Plaintext, Tls};

impl Settings {
    /// The connections that may carry plaintext off loopback, one line each: an inbound not
    /// bound to loopback with `tls = off` or `plaintext = allow`, an outbound to another
    /// machine without `tls_ca` or `tls_fingerprint`.
    pub fn plaintext_off_loopback(&self) -> Vec<String> {
        let mut found = Vec::new();
        for (inbound, s) in &self.inbounds {
            if is_loopback(&s.bind) {
                continue;
            }
            match (s.tls, s.plaintext) {
                (Tls::Off, _) => found.push(format!(
                    "inbound {} on {}:{} has tls = off",
                    inbound.name(),
                    s.bind,
                    s.port
                )),
                (Tls::On, Plaintext::Allow) => found.push(format!(
                    "inbound {} on {}:{} serves plaintext peers too (plaintext = allow)",
                    inbound.name(),
                    s.bind,
                    s.port
                )),
                (Tls::On, Plaintext::Refuse) => {}
            }
        }
        for (outbound, s) in &self.outbounds {
            if s.tls_ca.is_none() && s.tls_fingerprint.is_none() && !is_loopback(&s.host) {
                found.push(format!(
                    "outbound {} to {}:{} has no tls_ca or tls_fingerprint",
                    outbound.name(),
                    s.host,
                    s.port
                ));
            }
        }
        found
    }
}

/// Whether a bind address or host name stays on this machine.
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::fixtures::{CONNECT, IB, LISTEN, OB};
    use crate::config::{InboundSettings, OutboundSettings};
    use crate::interface::{Inbound, Outbound};

    fn lines(
        inbound: impl FnOnce(&mut InboundSettings),
        outbound: impl FnOnce(&mut OutboundSettings),
    ) -> Vec<String> {
        let mut i = InboundSettings::from(&LISTEN);
        inbound(&mut i);
        let mut o = OutboundSettings::from(&CONNECT);
        o.host = "10.0.0.5".into();
        outbound(&mut o);
        Settings {
            environment: None,
            inbounds: vec![(Inbound(&IB), i)],
            outbounds: vec![(Outbound(&OB), o)],
            ..Settings::default()
        }
        .plaintext_off_loopback()
    }

    #[test]
    fn plaintext_off_loopback_is_listed() {
        assert_eq!(
            lines(|_| {}, |_| {}),
            [
                "inbound IB_A on 0.0.0.0:2575 serves plaintext peers too (plaintext = allow)",
                "outbound OB_B to 10.0.0.5:6661 has no tls_ca or tls_fingerprint"
            ]
        );
        assert_eq!(
            lines(|i| i.tls = Tls::Off, |o| o.host = "localhost".into()),
            ["inbound IB_A on 0.0.0.0:2575 has tls = off"]
        );
        let hardened = lines(
            |i| i.plaintext = Plaintext::Refuse,
            |o| o.tls_fingerprint = Some("AB".into()),
        );
        assert!(hardened.is_empty());
        assert!(lines(|i| i.bind = "127.0.0.1".into(), |o| o.host = "::1".into()).is_empty());
    }
}
