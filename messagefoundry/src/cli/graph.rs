//! `graph`: the wiring as text.

use std::io::Write;
use std::process::ExitCode;

use super::Wiring;
use crate::interface::{
    AfterPickup, FileIn, InboundTransport, MllpConnect, MllpListen, OutboundTransport, Plaintext,
    SftpServer, Tls,
};

/// Prints one line per connection.
pub fn print(wiring: &Wiring<'_>, out: &mut impl Write) -> std::io::Result<ExitCode> {
    for inbound in wiring.inbounds {
        let def = inbound.def();
        let transport = match &def.transport {
            InboundTransport::Mllp(m) => {
                format!("mllp {}:{} ({})", m.bind, m.port, listen_security(m))
            }
            InboundTransport::Http { listen, http } => format!(
                "http {}:{}{} ({})",
                listen.bind,
                listen.port,
                http.path,
                listen_security(listen)
            ),
            InboundTransport::File(f) => format!("file {}", pickup(f)),
            InboundTransport::Sftp { server, folder } => {
                format!("sftp {} {}", server_label(server), pickup(folder))
            }
        };
        writeln!(
            out,
            "inbound  {}  {transport}  -> router {}",
            def.name, def.router.name
        )?;
    }
    for outbound in wiring.outbounds {
        let def = outbound.def();
        let transport = match &def.transport {
            OutboundTransport::Mllp(m) => {
                format!("mllp {}:{} ({})", m.host, m.port, connect_security(m))
            }
            OutboundTransport::Http { connect, http } => {
                format!("http {} ({})", http.url, connect_security(connect))
            }
            OutboundTransport::File(f) => format!("file {}/{}", f.dir, f.name),
            OutboundTransport::Sftp { server, folder } => format!(
                "sftp {} {}/{}",
                server_label(server),
                folder.dir,
                folder.name
            ),
        };
        writeln!(out, "outbound {}  {transport}", def.name)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The folder and pattern a file inbound picks up, and what becomes of a file.
fn pickup(f: &FileIn) -> String {
    let after = match f.after {
        AfterPickup::Move => format!("then to {}/", f.done),
        AfterPickup::Delete => "then deleted".to_owned(),
    };
    format!("{}/{} ({after})", f.dir, f.pattern)
}

/// `user@host:port`, and the pinned key.
fn server_label(s: &SftpServer) -> String {
    format!("{}@{}:{} (host key {})", s.user, s.host, s.port, s.host_key)
}

/// Whether a listener speaks TLS, and to whom.
fn listen_security(m: &MllpListen) -> &'static str {
    match (m.tls, m.plaintext) {
        (Tls::Off, _) => "plaintext",
        (Tls::On, Plaintext::Allow) => "tls, plaintext allowed",
        (Tls::On, Plaintext::Refuse) => "tls only",
    }
}

/// Whether a sender speaks TLS.
fn connect_security(m: &MllpConnect) -> &'static str {
    if m.tls_ca.is_some() || m.tls_fingerprint.is_some() {
        "tls"
    } else {
        "plaintext"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interface::{
        FileIn, FileOut, HttpConnect, HttpListen, Inbound, InboundDef, Outbound, OutboundDef,
        Route, RouterDef,
    };

    static ROUTER: RouterDef = RouterDef {
        name: "lab_router",
        route: |_| Route::unrouted(),
    };
    static IB: InboundDef = InboundDef {
        name: "IB_Lab",
        transport: InboundTransport::Mllp(MllpListen {
            port: 2575,
            plaintext: Plaintext::Refuse,
            ..MllpListen::DEFAULT
        }),
        router: &ROUTER,
    };
    static IB_FILES: InboundDef = InboundDef {
        name: "IB_Files",
        transport: InboundTransport::File(FileIn {
            dir: "/data/in",
            ..FileIn::DEFAULT
        }),
        router: &ROUTER,
    };
    static OB: OutboundDef = OutboundDef {
        name: "OB_EHR",
        transport: OutboundTransport::Mllp(MllpConnect {
            host: "ehr.example.org",
            port: 6661,
            tls_ca: Some("ehr-ca.pem"),
            ..MllpConnect::DEFAULT
        }),
    };
    static OB_FILES: OutboundDef = OutboundDef {
        name: "OB_Archive",
        transport: OutboundTransport::File(FileOut {
            dir: "/data/out",
            ..FileOut::DEFAULT
        }),
    };

    static IB_HTTP: InboundDef = InboundDef {
        name: "IB_Web",
        transport: InboundTransport::Http {
            listen: MllpListen {
                port: 8443,
                ..MllpListen::DEFAULT
            },
            http: HttpListen::DEFAULT,
        },
        router: &ROUTER,
    };
    static OB_HTTP: OutboundDef = OutboundDef {
        name: "OB_Web",
        transport: OutboundTransport::Http {
            connect: MllpConnect::DEFAULT,
            http: HttpConnect {
                url: "http://127.0.0.1:8080/hl7",
                ..HttpConnect::DEFAULT
            },
        },
    };

    const LAB_SFTP: SftpServer = SftpServer {
        host: "sftp.lab.example",
        user: "gh",
        host_key: "SHA256:JC/gg2T4+pzUQwIzSmQPJ93YWJ2/g0gvAvep76FLN+0",
        key: Some("keys/lab"),
        ..SftpServer::DEFAULT
    };
    static IB_SFTP: InboundDef = InboundDef {
        name: "IB_Lab_Files",
        transport: InboundTransport::Sftp {
            server: LAB_SFTP,
            folder: FileIn {
                dir: "results",
                after: AfterPickup::Delete,
                ..FileIn::DEFAULT
            },
        },
        router: &ROUTER,
    };
    static OB_SFTP: OutboundDef = OutboundDef {
        name: "OB_Lab_Orders",
        transport: OutboundTransport::Sftp {
            server: LAB_SFTP,
            folder: FileOut {
                dir: "orders",
                ..FileOut::DEFAULT
            },
        },
    };

    #[test]
    fn sftp_connections_show_their_server_pin_and_folder() {
        let wiring = Wiring {
            inbounds: &[Inbound(&IB_SFTP)],
            outbounds: &[Outbound(&OB_SFTP)],
        };
        let mut out = Vec::new();
        print(&wiring, &mut out).unwrap();
        let pin = "host key SHA256:JC/gg2T4+pzUQwIzSmQPJ93YWJ2/g0gvAvep76FLN+0";
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "inbound  IB_Lab_Files  sftp gh@sftp.lab.example:22 ({pin}) results/*.hl7 (then deleted)  -> router lab_router\n\
                 outbound OB_Lab_Orders  sftp gh@sftp.lab.example:22 ({pin}) orders/{{MSH-10}}.hl7\n"
            )
        );
    }

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
            inbounds: &[Inbound(&IB), Inbound(&IB_FILES)],
            outbounds: &[Outbound(&OB), Outbound(&OB_FILES)],
        };
        let mut out = Vec::new();
        print(&wiring, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "inbound  IB_Lab  mllp 0.0.0.0:2575 (tls only)  -> router lab_router\n\
             inbound  IB_Files  file /data/in/*.hl7 (then to done/)  -> router lab_router\n\
             outbound OB_EHR  mllp ehr.example.org:6661 (tls)\n\
             outbound OB_Archive  file /data/out/{MSH-10}.hl7\n"
        );
    }
}
