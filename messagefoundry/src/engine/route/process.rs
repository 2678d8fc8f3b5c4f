//! Running one message through a router and its handlers: the part of the pipeline that is
//! pure logic, shared by the engine and by `testing`.

use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::task::Poll;
use std::time::Duration;

use messagefoundry_hl7::Message;

use crate::interface::{Decision, Delivery, Disposition, Handle, HandlerDef, Outcome, RouterDef};

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

/// Routes `msg` and runs each handler the router names on its own copy, one after another
/// (an `async` handler is awaited before the next one starts). A panic in the router or a
/// handler is an ERROR disposition, never a crash; its payload is not recorded, since it may
/// quote the message. So is an `async` handler that outlasts its timeout.
///
/// The router and plain handlers run on the thread that polls this future: the caller puts it
/// where blocking is harmless. An `async` handler needs a tokio runtime (for its timeout, and
/// for whatever it awaits).
pub async fn process(router: &RouterDef, msg: &Message) -> Processed {
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
        let outcome = call(handler, msg.clone()).await;
        let before = sends.len();
        let (disposition, reason) = match outcome.map(|o| o.0) {
            Ok(Decision::Send(mut s)) => {
                sends.append(&mut s);
                (Disposition::Processed, None)
            }
            Ok(Decision::Filtered) => (Disposition::Filtered, None),
            Ok(Decision::Error(reason)) => (Disposition::Error, Some(reason)),
            Err(reason) => (Disposition::Error, Some(reason)),
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

/// Calls one handler: its outcome, or why it has none (it panicked, or outlasted its timeout).
async fn call(handler: &HandlerDef, msg: Message) -> Result<Outcome, String> {
    let panicked = || format!("handler {} panicked", handler.name);
    match handler.handle {
        Handle::Sync(f) => catch_unwind(AssertUnwindSafe(|| f(msg))).map_err(|_| panicked()),
        Handle::Async { call, timeout } => {
            let future = catch_unwind(AssertUnwindSafe(|| call(msg))).map_err(|_| panicked())?;
            match tokio::time::timeout(timeout, unwinding(future)).await {
                Ok(Some(outcome)) => Ok(outcome),
                Ok(None) => Err(panicked()),
                Err(_) => Err(timed_out(handler.name, timeout)),
            }
        }
    }
}

/// The reason of a handler that outlasted its timeout: its name and the timeout, as
/// `#[handler(timeout = …)]` writes it.
fn timed_out(name: &str, timeout: Duration) -> String {
    format!(
        "handler {name} did not finish within its timeout of {}",
        messagefoundry_options::format_duration(timeout)
    )
}

/// `future`'s output, or `None` if polling it panicked (it is not polled again).
async fn unwinding<F: Future + Unpin>(mut future: F) -> Option<F::Output> {
    poll_fn(|cx| {
        match catch_unwind(AssertUnwindSafe(|| {
            std::pin::Pin::new(&mut future).poll(cx)
        })) {
            Ok(Poll::Ready(output)) => Poll::Ready(Some(output)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(None),
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::route::standalone::process_here as routed;
    use crate::interface::{MllpConnect, Outbound, OutboundDef, Route};

    static OB: OutboundDef = OutboundDef {
        name: "OB",
        transport: crate::interface::OutboundTransport::Mllp(MllpConnect::DEFAULT),
    };
    static SENDS: HandlerDef = HandlerDef {
        name: "sends",
        handle: Handle::Sync(|m| Outcome::send(Outbound(&OB), m)),
        message: None,
    };
    static FILTERS: HandlerDef = HandlerDef {
        name: "filters",
        handle: Handle::Sync(|_| Outcome::filtered()),
        message: None,
    };
    static PANICS: HandlerDef = HandlerDef {
        name: "panics",
        handle: Handle::Sync(|_| panic!("boom")),
        message: None,
    };
    /// Awaits a timer, then sends.
    static AWAITS: HandlerDef = HandlerDef {
        name: "awaits",
        handle: Handle::Async {
            call: |m| {
                Box::pin(async move {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    Outcome::send(Outbound(&OB), m)
                })
            },
            timeout: Duration::from_secs(30),
        },
        message: None,
    };
    /// Awaits far longer than its timeout.
    static OUTLASTS: HandlerDef = HandlerDef {
        name: "outlasts",
        handle: Handle::Async {
            call: |_| {
                Box::pin(async {
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Outcome::filtered()
                })
            },
            timeout: Duration::from_millis(50),
        },
        message: None,
    };
    /// Panics after its first await.
    static PANICS_LATER: HandlerDef = HandlerDef {
        name: "panics_later",
        handle: Handle::Async {
            call: |_| {
                Box::pin(async {
                    tokio::task::yield_now().await;
                    panic!("boom")
                })
            },
            timeout: Duration::from_secs(30),
        },
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
        let p = routed(&all, &msg());
        assert_eq!(p.disposition, Disposition::Processed);
        assert_eq!(p.sends.len(), 1);
        assert_eq!(p.sends[0].outbound, Outbound(&OB));
        let none = RouterDef {
            name: "none",
            route: |_| Route::unrouted(),
        };
        assert_eq!(routed(&none, &msg()).disposition, Disposition::Unrouted);
        let filter = RouterDef {
            name: "filter",
            route: |_| Route::to(vec![&FILTERS]),
        };
        assert_eq!(routed(&filter, &msg()).disposition, Disposition::Filtered);
        let dropped = RouterDef {
            name: "dropped",
            route: |_| Route::filtered(),
        };
        let p = routed(&dropped, &msg());
        assert_eq!(p.disposition, Disposition::Filtered);
        assert!(p.handlers.is_empty());
        let empty = RouterDef {
            name: "empty",
            route: |_| Route::to(Vec::new()),
        };
        assert_eq!(routed(&empty, &msg()).disposition, Disposition::Unrouted);
    }

    #[test]
    fn panics_are_errors() {
        let router = RouterDef {
            name: "r",
            route: |_| Route::to(vec![&PANICS, &SENDS]),
        };
        let p = routed(&router, &msg());
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
        assert_eq!(routed(&bad_router, &msg()).disposition, Disposition::Error);
    }

    #[test]
    fn async_handlers_are_awaited_in_route_order() {
        let router = RouterDef {
            name: "r",
            route: |_| Route::to(vec![&AWAITS, &FILTERS, &SENDS]),
        };
        let p = routed(&router, &msg());
        assert_eq!(p.disposition, Disposition::Processed);
        let by: Vec<&str> = p.sends_by_handler().map(|(h, _)| h).collect();
        assert_eq!(by, ["awaits", "sends"]);
    }

    #[test]
    fn a_timeout_is_an_error_naming_the_handler_and_the_others_go_on() {
        let router = RouterDef {
            name: "r",
            route: |_| Route::to(vec![&OUTLASTS, &SENDS]),
        };
        let p = routed(&router, &msg());
        assert_eq!(p.disposition, Disposition::Error);
        assert_eq!(p.handlers[0].disposition, Disposition::Error);
        assert_eq!(
            p.handlers[0].reason.as_deref(),
            Some("handler outlasts did not finish within its timeout of 50ms")
        );
        assert_eq!(p.handlers[1].disposition, Disposition::Processed);
        assert!(p.partly_sent());
    }

    #[test]
    fn a_panic_after_an_await_is_an_error() {
        let router = RouterDef {
            name: "r",
            route: |_| Route::to(vec![&PANICS_LATER, &SENDS]),
        };
        let p = routed(&router, &msg());
        assert_eq!(
            p.handlers[0].reason.as_deref(),
            Some("handler panics_later panicked")
        );
        assert_eq!(p.handlers[1].disposition, Disposition::Processed);
    }

    /// `testing` is called from async tests too, where no runtime may start on the thread.
    #[tokio::test]
    async fn routes_from_inside_a_runtime() {
        let router = RouterDef {
            name: "r",
            route: |_| Route::to(vec![&AWAITS]),
        };
        assert_eq!(routed(&router, &msg()).disposition, Disposition::Processed);
    }
}
