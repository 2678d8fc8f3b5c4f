//! The pipeline of one inbound: routes stored messages in arrival order, runs their handlers,
//! and records the outcome and the sends in one transaction per message.
//!
//! It works from the store, not from memory: it takes the inbound's messages that wait to be
//! routed, oldest first. A message stored before a crash is therefore routed at the next
//! start, and the same code serves both cases.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::interface::{CharsetPolicy, ParsePolicy};
use tokio::sync::{Notify, oneshot};
use tokio_util::sync::CancellationToken;

use super::process::{Processed, process};
use crate::interface::{Disposition, Inbound};
use crate::store::{HandlerRecord, MessageId, RouteRecord, SendRecord, Store, StoreError};

/// How many waiting messages one round takes.
const BATCH: usize = 256;

/// How long one round goes on taking messages of its batch before it records what it has.
const ROUND_TIME: Duration = Duration::from_millis(200);

/// What the pipeline tells a connection waiting for a message's result (after-processing
/// ACK mode).
#[derive(Debug, Clone)]
pub(crate) struct RouteResult {
    pub disposition: Disposition,
    pub reason: Option<String>,
}

/// Connections waiting for results, by message id.
pub(crate) type Waiters = Arc<Mutex<HashMap<MessageId, oneshot::Sender<RouteResult>>>>;

/// One inbound's router worker.
pub(crate) struct Pipeline {
    pub inbound: Inbound,
    /// The character set the inbound's messages are read in (its `charset` setting).
    pub charset: CharsetPolicy,
    pub store: Store,
    /// Signalled by the inbound's connections after each stored message.
    pub wake: Arc<Notify>,
    /// Each outbound's wake-up, signalled after sends are queued for it.
    pub outbound_wakes: Arc<HashMap<String, Arc<Notify>>>,
    pub waiters: Waiters,
    pub shutdown: CancellationToken,
    /// What the inbound counts: each message's disposition and its handlers' results.
    pub metrics: Arc<crate::metrics::InboundMetrics>,
}

impl Pipeline {
    /// Runs until shutdown or until the store fails.
    pub(crate) async fn run(self) {
        loop {
            match self.round().await {
                Ok(0) => {}
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!(inbound = self.inbound.name(), error = %e, "pipeline stopped");
                    return;
                }
            }
            tokio::select! {
                () = self.wake.notified() => {}
                () = self.shutdown.cancelled() => return,
            }
        }
    }

    /// Routes one batch of waiting messages; returns how many.
    async fn round(&self) -> Result<usize, StoreError> {
        let store = self.store.clone();
        let name = self.inbound.name();
        let pending = tokio::task::spawn_blocking(move || store.pending_routes_for(name, BATCH))
            .await
            .map_err(|e| StoreError::Read(e.to_string()))??;
        if pending.is_empty() {
            return Ok(0);
        }
        let inbound = self.inbound;
        let charset = self.charset;
        let runtime = tokio::runtime::Handle::current();
        let shutdown = self.shutdown.clone();
        // Routers and handlers are the user's code: they run on a blocking thread, which also
        // awaits the `async` handlers, so a handler that blocks holds up this inbound only.
        let results = tokio::task::spawn_blocking(move || {
            runtime.block_on(route_batch(inbound, charset, pending, shutdown))
        })
        .await
        .map_err(|e| StoreError::Write(e.to_string()))?;
        let count = results.len();
        if count == 0 {
            return Ok(0);
        }
        // One request for the whole batch: the writer queues the sends in this order, the
        // inbound's arrival order, so each outbound stays first in, first out by construction.
        let (results, records): (Vec<_>, Vec<_>) = results
            .into_iter()
            .map(|(id, processed, record)| ((id, processed), record))
            .unzip();
        self.store.record_routes(records).await?;
        // A peer waiting for an application ACK is told the routing result: it must survive a
        // power loss first, as the message itself did before its first ACK.
        let promised = match self.waiters.lock() {
            Ok(map) => results.iter().any(|(id, _)| map.contains_key(id)),
            Err(poisoned) => results
                .iter()
                .any(|(id, _)| poisoned.get_ref().contains_key(id)),
        };
        if promised {
            self.store.sync().await?;
        }
        for (id, processed) in results {
            self.metrics.routed(
                processed.disposition,
                processed
                    .handlers
                    .iter()
                    .map(|h| (h.handler, h.disposition)),
            );
            for send in &processed.sends {
                if let Some(wake) = self.outbound_wakes.get(send.outbound.name()) {
                    wake.notify_one();
                }
            }
            tracing::debug!(
                inbound = inbound.name(),
                id = %id,
                disposition = %processed.disposition,
                "routed"
            );
            let waiter = match self.waiters.lock() {
                Ok(mut map) => map.remove(&id),
                Err(poisoned) => poisoned.into_inner().remove(&id),
            };
            if let Some(waiter) = waiter {
                let reason = processed
                    .router_error
                    .clone()
                    .or_else(|| processed.handlers.iter().find_map(|h| h.reason.clone()));
                let _ = waiter.send(RouteResult {
                    disposition: processed.disposition,
                    reason,
                });
            }
        }
        Ok(count)
    }
}

/// Routes `pending` in order, until all are done, or a handler has awaited and the round has
/// run for [`ROUND_TIME`] (the rest wait in the store for the next round, so results are
/// recorded soon after their handlers return), or shutdown comes while a handler awaits (that
/// message and the rest stay unrouted in the store and are routed at the next start).
async fn route_batch(
    inbound: Inbound,
    charset: CharsetPolicy,
    pending: Vec<(MessageId, Vec<u8>)>,
    shutdown: CancellationToken,
) -> Vec<(MessageId, Processed, RouteRecord)> {
    let started = Instant::now();
    let mut awaited = false;
    let mut done = Vec::with_capacity(pending.len());
    for (id, raw) in pending {
        if awaited && started.elapsed() >= ROUND_TIME {
            break;
        }
        // The routing first: a message without `async` handlers is done at its first poll,
        // whatever shutdown says.
        let processed = tokio::select! {
            biased;
            processed = noting_waits(route_one(inbound, charset, raw.clone()), &mut awaited) => {
                processed
            }
            () = shutdown.cancelled() => break,
        };
        let record = record(id, &processed, &raw);
        done.push((id, processed, record));
    }
    done
}

/// `future`'s output; sets `awaited` if it was not ready at once.
async fn noting_waits<F: Future>(future: F, awaited: &mut bool) -> F::Output {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        let poll = future.as_mut().poll(cx);
        *awaited |= poll.is_pending();
        poll
    })
    .await
}

/// Parses and routes one stored message. It parsed when it was received, so a failure here
/// means the store holds something else than was received: an ERROR, never a panic.
async fn route_one(inbound: Inbound, charset: CharsetPolicy, raw: Vec<u8>) -> Processed {
    match ParsePolicy::stored(raw) {
        Ok(mut msg) => {
            charset.apply(&mut msg);
            process(inbound.def().router, &msg).await
        }
        Err(e) => Processed {
            disposition: Disposition::Error,
            router_error: Some(format!("the stored message no longer parses: {e}")),
            handlers: Vec::new(),
            sends: Vec::new(),
        },
    }
}

/// The record of a routing. A send of the message exactly as received is queued by reference
/// (an empty payload), so the store writes its bytes once.
fn record(id: MessageId, processed: &Processed, raw: &[u8]) -> RouteRecord {
    let detail = match &processed.router_error {
        Some(error) => error.clone(),
        None if processed.partly_sent() => partly_sent(processed),
        None => String::new(),
    };
    RouteRecord {
        message: id,
        disposition: processed.disposition,
        detail,
        handlers: processed
            .handlers
            .iter()
            .map(|h| HandlerRecord {
                handler: h.handler.to_owned(),
                disposition: h.disposition,
                reason: h.reason.clone().unwrap_or_default(),
            })
            .collect(),
        sends: processed
            .sends_by_handler()
            .map(|(handler, s)| {
                let bytes = s.message.as_bytes();
                let payload = if bytes == raw {
                    Vec::new()
                } else {
                    bytes.to_vec()
                };
                SendRecord {
                    outbound: s.outbound.name().to_owned(),
                    handler: handler.to_owned(),
                    payload,
                    control_id: s.message.control_id().to_string(),
                }
            })
            .collect(),
    }
}

/// The detail of a message some handlers failed while others sent: which failed, and how many
/// copies went on all the same (no content: handler names and counts).
fn partly_sent(processed: &Processed) -> String {
    let failed: Vec<&str> = processed
        .handlers
        .iter()
        .filter(|h| h.disposition == Disposition::Error)
        .map(|h| h.handler)
        .collect();
    format!(
        "partly sent: {} failed; the other handlers' {} message(s) were queued",
        failed.join(", "),
        processed.sends.len()
    )
}

#[cfg(test)]
mod tests;
