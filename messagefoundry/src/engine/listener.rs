//! An inbound's listener: accepts connections up to the cap and serves each on its own task.

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::connection::Context;
use super::handshake;

/// Accepts connections until shutdown, then waits for the open ones to finish their frame.
pub(crate) async fn run(listener: TcpListener, ctx: Context) {
    let inbound = ctx.inbound.name();
    let permits = Arc::new(Semaphore::new(ctx.settings.max_connections));
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = ctx.shutdown.cancelled() => break,
        };
        // Reap finished connection tasks as we go.
        while connections.try_join_next().is_some() {}
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                // Usually a transient shortage (too many open files): pause, never spin.
                tracing::warn!(inbound, error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            tracing::warn!(inbound, %peer, limit = ctx.settings.max_connections, "connection refused: too many connections");
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let ctx = ctx.clone();
        connections.spawn(async move {
            handshake::accept(stream, peer, ctx).await;
            drop(permit);
        });
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}
