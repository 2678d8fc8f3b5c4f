//! An inbound's listener: admits connections (see `admission`) and serves each on its own
//! task; logs what it refused as a periodic summary.

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::task::JoinSet;

use super::admission::Door;
use super::connection::Context;
use super::handshake;
use super::tally::SUMMARY_EVERY;
use crate::metrics::OpenConnection;

/// Accepts connections until shutdown, then waits for the open ones to finish their frame.
pub(crate) async fn run(listener: TcpListener, ctx: Context) {
    let inbound = ctx.inbound.name();
    let door = Arc::new(Door::new(&ctx.settings));
    let mut summary = tokio::time::interval(SUMMARY_EVERY);
    summary.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut connections = JoinSet::new();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = summary.tick() => {
                door.tally.log(inbound);
                continue;
            }
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
        // Refused before anything is read; counted for the summary, not logged one by one.
        let Ok(ticket) = door.admit(peer.ip()) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let ctx = ctx.clone();
        let open = OpenConnection::new(Arc::clone(&ctx.metrics));
        connections.spawn(async move {
            handshake::accept(stream, peer, ctx, ticket).await;
            drop(open);
        });
    }
    ctx.metrics.set_listening(false);
    drop(listener);
    while connections.join_next().await.is_some() {}
    door.tally.log(inbound);
}
