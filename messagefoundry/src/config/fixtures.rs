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
};

/// An outbound to 127.0.0.1:6661, otherwise the defaults.
pub(super) static OB: OutboundDef = OutboundDef {
    name: "OB_B",
    mllp: MllpConnect {
        host: "127.0.0.1",
        port: 6661,
        ..MllpConnect::DEFAULT
    },
};

/// The lab example's names, with the settings of [`IB`] and [`OB`].
pub(super) static LAB: InboundDef = InboundDef {
    name: "IB_Lab_ORU",
    mllp: IB.mllp,
    router: &ROUTER,
};

/// See [`LAB`].
pub(super) static EHR: OutboundDef = OutboundDef {
    name: "OB_EHR_ORU",
    mllp: OB.mllp,
};
