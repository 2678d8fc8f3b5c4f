//! A scrape of `/metrics`: the counters as they are, and what is read from the store now (each
//! queue's depth and oldest message, the file's size).
//!
//! The queue figures are the counters the store's writer keeps beside each queue: one lookup
//! per outbound, on a blocking thread beside the writer, whatever the queue's depth. The alert
//! rules read the queues through [`queue`] too, so both see the same figures.

use crate::engine::EngineHandle;
use crate::metrics::{OutboundReading, Page, age_seconds};
use crate::store::{Store, now_micros};

/// One outbound's queue, read now.
pub(crate) struct Queue {
    /// Messages waiting; `None` when it could not be read.
    pub depth: Option<u64>,
    /// Age of the message at the head, in seconds (0 when empty); `None` when unreadable.
    pub oldest_age_seconds: Option<f64>,
}

/// The `/metrics` page of a running engine.
pub async fn page(engine: &EngineHandle) -> String {
    let store = engine.store().clone();
    let names: Vec<&'static str> = engine.metrics().outbounds.iter().map(|(n, _)| *n).collect();
    let read = tokio::task::spawn_blocking(move || {
        let queues: Vec<Queue> = names.iter().map(|name| queue(&store, name)).collect();
        (queues, store.file_size().ok())
    })
    .await;
    let (queues, file_bytes) = read.unwrap_or_default();
    let statuses = engine.sender_statuses();
    let outbounds = engine
        .metrics()
        .outbounds
        .iter()
        .enumerate()
        .map(|(n, (name, metrics))| {
            let status = statuses.iter().find(|(s, _)| s == name).map(|(_, s)| s);
            let queue = queues.get(n);
            OutboundReading {
                name,
                metrics,
                queued: queue.and_then(|q| q.depth),
                oldest_age_seconds: queue.and_then(|q| q.oldest_age_seconds),
                connected: status.is_some_and(|s| s.connected),
                consecutive_failures: status.map_or(0, |s| s.consecutive_failures),
            }
        })
        .collect();
    Page {
        inbounds: &engine.metrics().inbounds,
        outbounds,
        store: engine.store().metrics(),
        store_open: engine.store().is_open(),
        store_file_bytes: file_bytes,
    }
    .render()
}

/// An outbound's depth and oldest age; `None` for what could not be read. Blocking.
pub(crate) fn queue(store: &Store, outbound: &str) -> Queue {
    match store.queue_count(outbound) {
        Ok(count) => Queue {
            depth: Some(count.depth),
            oldest_age_seconds: Some(
                count
                    .head_received_at_micros
                    .map_or(0.0, |received| age_seconds(received, now_micros())),
            ),
        },
        Err(_) => Queue {
            depth: None,
            oldest_age_seconds: None,
        },
    }
}
