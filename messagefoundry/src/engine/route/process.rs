//! Running one message through a router and its handlers: the part of the pipeline that is
//! pure logic, shared by the engine and by `testing`.

use std::panic::{AssertUnwindSafe, catch_unwind};

use messagefoundry_hl7::Message;

use crate::interface::{Decision, Delivery, Disposition, RouterDef};

/// What one handler did.
#[derive(Debug, Clone)]
pub struct HandlerResult {
    /// The handler's name.
    pub handler: &'static str,
    /// FILTERED, PROCESSED or ERROR.
    pub disposition: Disposition,
    /// The reason of an ERROR (the error's text, or "the handler panicked").
    pub reason: Option<String>,
    /// How many of [`Processed::sends`] are this handler's: they follow those of the
    /// handlers before it.
    pub sends: usize,
}

/// What became of one message.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The message's disposition: UNROUTED or FILTERED (as the router said), ERROR (the router
    /// failed), or the result of its handlers: ERROR if any failed, else PROCESSED if any
    /// processed it, else FILTERED.
    pub disposition: Disposition,
    /// The router's failure, if it failed.
    pub router_error: Option<String>,
    /// Each handler's result, in route order.
    pub handlers: Vec<HandlerResult>,
    /// Every send of every handler that processed the message, in order. A handler in error
    /// does not hold back the others' sends: each destination stands on its own.
    pub sends: Vec<Delivery>,
}

impl Processed {
    /// Each send with the name of the handler that made it, in order.
    pub fn sends_by_handler(&self) -> impl Iterator<Item = (&'static str, &Delivery)> {
        self.handlers
            .iter()
            .flat_map(|h| std::iter::repeat_n(h.handler, h.sends))
            .zip(&self.sends)
    }

    /// Whether some handlers failed while others sent: the message is ERROR and its other
    /// destinations were queued all the same.
    pub fn partly_sent(&self) -> bool {
        self.disposition == Disposition::Error && !self.sends.is_empty()
    }
}

/// Routes `msg` and runs each handler the router names on its own copy. A panic in the router
/// or a handler is an ERROR disposition, never a crash; its payload is not recorded, since it
/// may quote the message.
pub fn process(router: &RouterDef, msg: &Message) -> Processed {
    let route = match catch_unwind(AssertUnwindSafe(|| (router.route)(msg))) {
        Ok(route) => route,
        Err(_) => {
            return Processed {
                disposition: Disposition::Error,
                router_error: Some(format!("router {} panicked", router.name)),
                handlers: Vec::new(),
                sends: Vec::new(),
            };
        }
    };
    if let Some(disposition) = route.disposition_without_handlers() {
        return Processed {
            disposition,
            router_error: None,
            handlers: Vec::new(),
            sends: Vec::new(),
        };
    }
    let mut handlers = Vec::with_capacity(route.handlers().len());
    let mut sends = Vec::new();
    for handler in route.handlers() {
        let copy = msg.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| (handler.handle)(copy)));
        let before = sends.len();
        let (disposition, reason) = match outcome.map(|o| o.0) {
            Ok(Decision::Send(mut s)) => {
                sends.append(&mut s);
                (Disposition::Processed, None)
            }
            Ok(Decision::Filtered) => (Disposition::Filtered, None),
            Ok(Decision::Error(reason)) => (Disposition::Error, Some(reason)),
            Err(_) => (
                Disposition::Error,
                Some(format!("handler {} panicked", handler.name)),
            ),
        };
        handlers.push(HandlerResult {
            handler: handler.name,
            disposition,
            reason,
            sends: sends.len() - before,
        });
    }
    let any = |d| handlers.iter().any(|h| h.disposition == d);
    let disposition = if any(Disposition::Error) {
        Disposition::Error
    } else if any(Disposition::Processed) {
        Disposition::Processed
    } else {
        Disposition::Filtered
    };
    Processed {
        disposition,
        router_error: None,
        handlers,
        sends,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interface::{
        HandlerDef, MllpConnect, Outbound, OutboundDef, Outcome, Route, RouterDef,
    };

    static OB: OutboundDef = OutboundDef {
        name: "OB",
        transport: crate::interface::OutboundTransport::Mllp(MllpConnect::DEFAULT),
    };
    static SENDS: HandlerDef = HandlerDef {
        name: "sends",
        handle: |m| Outcome::send(Outbound(&OB), m),
        message: None,
    };
    static FILTERS: HandlerDef = HandlerDef {
        name: "filters",
        handle: |_| Outcome::filtered(),
        message: None,
    };
    static PANICS: HandlerDef = HandlerDef {
        name: "panics",
        handle: |_| panic!("boom"),
        message: None,
    };

    fn msg() -> Message {
        Message::parse(&b"MSH|^~\\&|A|B|C|D|2024||ORU^R01|1|P|2.5.1\r"[..]).unwrap()
    }

    #[test]
    fn dispositions() {
        let all = RouterDef {
            name: "all",
            route: |_| Route::to(vec![&SENDS, &FILTERS]),
        };
        let p = process(&all, &msg());
        assert_eq!(p.disposition, Disposition::Processed);
        assert_eq!(p.sends.len(), 1);
        assert_eq!(p.sends[0].outbound, Outbound(&OB));
        let none = RouterDef {
            name: "none",
            route: |_| Route::unrouted(),
        };
        assert_eq!(process(&none, &msg()).disposition, Disposition::Unrouted);
        let filter = RouterDef {
            name: "filter",
            route: |_| Route::to(vec![&FILTERS]),
        };
        assert_eq!(process(&filter, &msg()).disposition, Disposition::Filtered);
        let dropped = RouterDef {
            name: "dropped",
            route: |_| Route::filtered(),
        };
        let p = process(&dropped, &msg());
        assert_eq!(p.disposition, Disposition::Filtered);
        assert!(p.handlers.is_empty());
        let empty = RouterDef {
            name: "empty",
            route: |_| Route::to(Vec::new()),
        };
        assert_eq!(process(&empty, &msg()).disposition, Disposition::Unrouted);
    }

    #[test]
    fn panics_are_errors() {
        let router = RouterDef {
            name: "r",
            route: |_| Route::to(vec![&PANICS, &SENDS]),
        };
        let p = process(&router, &msg());
        assert_eq!(p.disposition, Disposition::Error);
        assert_eq!(
            p.handlers[0].reason.as_deref(),
            Some("handler panics panicked")
        );
        assert_eq!(p.handlers[1].disposition, Disposition::Processed);
        // The other handler's send stands: the message is partly sent.
        assert!(p.partly_sent());
        let by: Vec<&str> = p.sends_by_handler().map(|(h, _)| h).collect();
        assert_eq!(by, ["sends"]);
        let bad_router = RouterDef {
            name: "bad",
            route: |_| panic!("router boom"),
        };
        assert_eq!(process(&bad_router, &msg()).disposition, Disposition::Error);
    }
}
