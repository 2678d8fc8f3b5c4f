//! Connections declared by hand for the tests of this module.

use crate::interface::{
    FileIn, FileOut, HttpConnect, HttpListen, InboundDef, InboundTransport, MllpConnect,
    MllpListen, OutboundDef, OutboundTransport, Route, RouterDef, SftpServer,
};

static ROUTER: RouterDef = RouterDef {
    name: "r",
    route: |_| Route::unrouted(),
};

/// Port 2575, otherwise the defaults.
pub(super) const LISTEN: MllpListen = MllpListen {
    port: 2575,
    ..MllpListen::DEFAULT
};

/// 127.0.0.1:6661, otherwise the defaults.
pub(super) const CONNECT: MllpConnect = MllpConnect {
    host: "127.0.0.1",
    port: 6661,
    ..MllpConnect::DEFAULT
};

/// An inbound on port 2575, otherwise the defaults.
pub(super) static IB: InboundDef = InboundDef {
    name: "IB_A",
    transport: InboundTransport::Mllp(LISTEN),
    router: &ROUTER,
};

/// An outbound to 127.0.0.1:6661, otherwise the defaults.
pub(super) static OB: OutboundDef = OutboundDef {
    name: "OB_B",
    transport: OutboundTransport::Mllp(CONNECT),
};

/// The lab example's names, with the settings of [`IB`] and [`OB`].
pub(super) static LAB: InboundDef = InboundDef {
    name: "IB_Lab_ORU",
    transport: InboundTransport::Mllp(LISTEN),
    router: &ROUTER,
};

/// See [`LAB`].
pub(super) static EHR: OutboundDef = OutboundDef {
    name: "OB_EHR_ORU",
    transport: OutboundTransport::Mllp(CONNECT),
};

/// A file inbound picking files up from `in`.
pub(super) static FILES_IN: InboundDef = InboundDef {
    name: "IB_FILES",
    transport: InboundTransport::File(FileIn {
        dir: "in",
        ..FileIn::DEFAULT
    }),
    router: &ROUTER,
};

/// A file outbound writing to `out`.
pub(super) static FILES_OUT: OutboundDef = OutboundDef {
    name: "OB_FILES",
    transport: OutboundTransport::File(FileOut {
        dir: "out",
        ..FileOut::DEFAULT
    }),
};

/// An HTTP inbound on port 8080, otherwise the defaults.
pub(super) static IB_HTTP: InboundDef = InboundDef {
    name: "IB_Web",
    transport: InboundTransport::Http {
        listen: MllpListen {
            port: 8080,
            ..MllpListen::DEFAULT
        },
        http: HttpListen::DEFAULT,
    },
    router: &ROUTER,
};

/// An HTTP outbound to http://127.0.0.1:8081/hl7, otherwise the defaults.
pub(super) static OB_HTTP: OutboundDef = OutboundDef {
    name: "OB_Web",
    transport: OutboundTransport::Http {
        connect: MllpConnect::DEFAULT,
        http: HttpConnect {
            url: "http://127.0.0.1:8081/hl7",
            ..HttpConnect::DEFAULT
        },
    },
};

/// The SFTP inbound `docs/sftp.md` declares: a key login, files from `results`.
pub(super) static IB_SFTP: InboundDef = InboundDef {
    name: "IB_Lab_Results",
    transport: InboundTransport::Sftp {
        server: SftpServer {
            host: "sftp.lab.example",
            user: "gh",
            host_key: "SHA256:JC/gg2T4+pzUQwIzSmQPJ93YWJ2/g0gvAvep76FLN+0",
            key: Some("keys/lab_ed25519"),
            ..SftpServer::DEFAULT
        },
        folder: FileIn {
            dir: "results",
            ..FileIn::DEFAULT
        },
    },
    router: &ROUTER,
};
