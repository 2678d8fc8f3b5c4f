//! What the crash tests share: the run's figures from the environment, a load of client
//! connections that follow the engine across restarts, and the wait for delivery to end.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::downstream::Downstream;
use crate::{Client, PATIENCE};

/// How many kills: `CRASH_RESTARTS`, else `default`.
pub fn restarts(default: usize) -> usize {
    std::env::var("CRASH_RESTARTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The seed of the run's random moments: `CRASH_SEED` (to replay a run), else the clock.
pub fn seed() -> u64 {
    std::env::var("CRASH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        })
}

/// What the clients share: where the engine listens now, what it acknowledged, when to stop.
#[derive(Default)]
pub struct Load {
    /// Where the engine listens; `None` while it is down.
    pub addr: Mutex<Option<SocketAddr>>,
    /// The control IDs acknowledged AA.
    pub acknowledged: Mutex<Vec<String>>,
    /// Set when the clients are to stop.
    pub stop: AtomicBool,
}

impl Load {
    /// Whether the clients are to stop.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// A connection to wherever the engine listens now, waiting while it is down; `None` once
    /// the clients are to stop.
    pub async fn connect(&self) -> Option<Client> {
        while !self.stopping() {
            let addr = *self.addr.lock().expect("lock");
            if let Some(addr) = addr
                && let Ok(client) = Client::connect(addr).await
            {
                return Some(client);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    /// Records control IDs as acknowledged.
    pub fn acknowledge(&self, ids: impl IntoIterator<Item = String>) {
        self.acknowledged.lock().expect("lock").extend(ids);
    }
}

/// Waits while the downstream keeps receiving until every acknowledged control ID has come
/// (or nothing more came for the test's patience), and returns what it received, in order.
pub async fn delivered(down: &Downstream, acknowledged: &HashSet<String>) -> Vec<String> {
    let mut last_progress = (tokio::time::Instant::now(), 0);
    loop {
        let delivered = down.control_ids();
        let seen: HashSet<&str> = delivered.iter().map(String::as_str).collect();
        let complete = acknowledged.iter().all(|id| seen.contains(id.as_str()));
        if delivered.len() > last_progress.1 {
            last_progress = (tokio::time::Instant::now(), delivered.len());
        }
        if complete || last_progress.0.elapsed() >= PATIENCE {
            return delivered;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
