//! `graph`: the wiring as text.

use std::io::Write;
use std::process::ExitCode;

use super::Wiring;
use crate::interface::{Plaintext, Tls};

/// Prints one line per connection.
pub fn print(wiring: &Wiring<'_>, out: &mut impl Write) -> std::io::Result<ExitCode> {
    for inbound in wiring.inbounds {
        let def = inbound.def();
        let security = match (def.mllp.tls, def.mllp.plaintext) {
            (Tls::Off, _) => "plaintext",
            (Tls::On, Plaintext::Allow) => "tls, plaintext allowed",
            (Tls::On, Plaintext::Refuse) => "tls only",
        };
        let transport = match &def.http {
            Some(http) => format!("http {}:{}{}", def.mllp.bind, def.mllp.port, http.path),
            None => format!("mllp {}:{}", def.mllp.bind, def.mllp.port),
        };
        writeln!(
            out,
            "inbound  {}  {transport} ({security})  -> router {}",
            def.name, def.router.name
        )?;
    }
    for outbound in wiring.outbounds {
        let def = outbound.def();
        let security = if def.mllp.tls_ca.is_some() || def.mllp.tls_fingerprint.is_some() {
            "tls"
        } else {
            "plaintext"
        };
        let transport = match &def.http {
            Some(http) => format!("http {}", http.url),
            None => format!("mllp {}:{}", def.mllp.host, def.mllp.port),
        };
        writeln!(out, "outbound {}  {transport} ({security})", def.name)?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interface::{
        HttpConnect, HttpListen, Inbound, InboundDef, MllpConnect, MllpListen, Outbound,
        OutboundDef, Route, RouterDef,
    };

    static ROUTER: RouterDef = RouterDef {
        name: "lab_router",
        route: |_| Route::unrouted(),
    };
    static IB: InboundDef = InboundDef {
        name: "IB_Lab",
        mllp: MllpListen {
            port: 2575,
            plaintext: Plaintext::Refuse,
            ..MllpListen::DEFAULT
        },
        router: &ROUTER,
        http: None,
    };
    static OB: OutboundDef = OutboundDef {
        name: "OB_EHR",
        mllp: MllpConnect {
            host: "ehr.example.org",
            port: 6661,
            tls_ca: Some("ehr-ca.pem"),
            ..MllpConnect::DEFAULT
        },
        http: None,
    };

    static IB_HTTP: InboundDef = InboundDef {
        name: "IB_Web",
        mllp: MllpListen {
            port: 8443,
            ..MllpListen::DEFAULT
        },
        http: Some(HttpListen::DEFAULT),
        router: &ROUTER,
    };
    static OB_HTTP: OutboundDef = OutboundDef {
        name: "OB_Web",
        mllp: MllpConnect::DEFAULT,
        http: Some(HttpConnect {
            url: "http://127.0.0.1:8080/hl7",
            ..HttpConnect::DEFAULT
        }),
    };

    #[test]
    fn http_connections_show_their_path_and_url() {
        let wiring = Wiring {
            inbounds: &[Inbound(&IB_HTTP)],
            outbounds: &[Outbound(&OB_HTTP)],
        };
        let mut out = Vec::new();
        print(&wiring, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "inbound  IB_Web  http 0.0.0.0:8443/hl7 (tls, plaintext allowed)  -> router lab_router\n\
             outbound OB_Web  http http://127.0.0.1:8080/hl7 (plaintext)\n"
        );
    }

    #[test]
    fn one_line_per_connection_with_its_security() {
        let wiring = Wiring {
            inbounds: &[Inbound(&IB)],
            outbounds: &[Outbound(&OB)],
        };
        let mut out = Vec::new();
        print(&wiring, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "inbound  IB_Lab  mllp 0.0.0.0:2575 (tls only)  -> router lab_router\n\
             outbound OB_EHR  mllp ehr.example.org:6661 (tls)\n"
        );
    }
}
