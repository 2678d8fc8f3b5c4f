//! Retention: finished messages older than the configured age are deleted, at start and then
//! periodically. Messages waiting to be routed, queued or dead-lettered are never deleted.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::store::{Store, now_micros};

/// The longest wait between two prunes.
const MAX_INTERVAL: Duration = Duration::from_secs(3600);

/// Prunes messages older than `age` until shutdown: at start, then every hour (or every `age`
/// when that is shorter).
pub(crate) async fn run(store: Store, age: Duration, shutdown: CancellationToken) {
    let interval = age.min(MAX_INTERVAL);
    loop {
        let cut = now_micros().saturating_sub(age.as_micros().try_into().unwrap_or(u64::MAX));
        match store.prune(cut).await {
            Ok(0) => tracing::debug!("retention: nothing to delete"),
            Ok(deleted) => tracing::info!(deleted, ?age, "retention: old messages deleted"),
            Err(e) => {
                // A store failure stops the engine elsewhere; nothing more to do here.
                tracing::error!(error = %e, "retention stopped");
                return;
            }
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = shutdown.cancelled() => return,
        }
    }
}
