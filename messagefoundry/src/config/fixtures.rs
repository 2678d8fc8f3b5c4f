//! Connections declared by hand for the tests of this module.

use crate::interface::{InboundDef, MllpConnect, MllpListen, OutboundDef, Route, RouterDef};

static ROUTER: RouterDef = RouterDef {
    name: "r",
    route: |_| Route::unrouted(),
};

/// An inbound on port 2575, otherwise the defaults.
pub(super) static IB: InboundDef = InboundDef {
    name: "IB_A",
    mllp: MllpListen {
        port: 2575,
        ..MllpListen::DEFAULT
    },
    router: &ROUTER,
    http: None,
};

/// An outbound to 127.0.0.1:6661, otherwise the defaults.
pub(super) static OB: OutboundDef = OutboundDef {
    name: "OB_B",
    mllp: MllpConnect {
        host: "127.0.0.1",
        port: 6661,
        ..MllpConnect::DEFAULT
    },
    http: None,
};

/// The lab example's names, with the settings of [`IB`] and [`OB`].
pub(super) static LAB: InboundDef = InboundDef {
    name: "IB_Lab_ORU",
    mllp: IB.mllp,
    router: &ROUTER,
    http: None,
};

/// See [`LAB`].
pub(super) static EHR: OutboundDef = OutboundDef {
    name: "OB_EHR_ORU",
    mllp: OB.mllp,
    http: None,
};

/// An HTTP inbound on port 8080, otherwise the defaults.
pub(super) static IB_HTTP: InboundDef = InboundDef {
    name: "IB_Web",
    mllp: MllpListen {
        port: 8080,
        ..MllpListen::DEFAULT
    },
    router: &ROUTER,
    http: Some(crate::interface::HttpListen::DEFAULT),
};

/// An HTTP outbound to http://127.0.0.1:8081/hl7, otherwise the defaults.
pub(super) static OB_HTTP: OutboundDef = OutboundDef {
    name: "OB_Web",
    mllp: MllpConnect::DEFAULT,
    http: Some(crate::interface::HttpConnect {
        url: "http://127.0.0.1:8081/hl7",
        ..crate::interface::HttpConnect::DEFAULT
    }),
};
