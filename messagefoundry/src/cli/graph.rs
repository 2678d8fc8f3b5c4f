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
        writeln!(
            out,
            "inbound  {}  mllp {}:{} ({security})  -> router {}",
            def.name, def.mllp.bind, def.mllp.port, def.router.name
        )?;
    }
    for outbound in wiring.outbounds {
        let def = outbound.def();
        let security = if def.mllp.tls_ca.is_some() || def.mllp.tls_fingerprint.is_some() {
            "tls"
        } else {
            "plaintext"
        };
        writeln!(
            out,
            "outbound {}  mllp {}:{} ({security})",
            def.name, def.mllp.host, def.mllp.port
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interface::{
        Inbound, InboundDef, MllpConnect, MllpListen, Outbound, OutboundDef, Route, RouterDef,
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
    };
    static OB: OutboundDef = OutboundDef {
        name: "OB_EHR",
        mllp: MllpConnect {
            host: "ehr.example.org",
            port: 6661,
            tls_ca: Some("ehr-ca.pem"),
            ..MllpConnect::DEFAULT
        },
    };

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
