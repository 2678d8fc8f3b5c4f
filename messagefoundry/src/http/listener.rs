//! An HTTP inbound's listener: admits connections (the allow-list, at most `max_connections`
//! at once), tells TLS from plaintext by the first byte as an MLLP listener does (same
//! certificate, reload and `plaintext` policy), and serves HTTP/1.1 on each.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

use super::auth::Gate;
use super::request::{self, Connection};
use crate::engine::intake::Context;
use crate::interface::Plaintext;
use crate::metrics::OpenConnection;

/// The first byte of a TLS record carrying a handshake.
const TLS_HANDSHAKE: u8 = 0x16;
/// At shutdown, requests in progress get this long to be stored and answered.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Accepts connections until shutdown, then lets the requests in progress finish.
pub(crate) async fn run(listener: TcpListener, ctx: Context, gate: Gate) {
    let inbound = ctx.inbound.name();
    if gate.is_open() {
        tracing::warn!(
            inbound,
            "HTTP inbound without authentication: give auth_token_env, auth_user or tls_client_ca"
        );
    }
    let app = request::router(&ctx, gate);
    let room = Arc::new(Semaphore::new(ctx.settings.max_connections));
    let mut connections = JoinSet::new();
    ctx.metrics.set_listening(true);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&room).acquire_owned() => permit,
            () = ctx.shutdown.cancelled() => break,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = ctx.shutdown.cancelled() => break,
        };
        while connections.try_join_next().is_some() {}
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(inbound, error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let allow = &ctx.settings.allow;
        if !allow.is_empty() && !allow.iter().any(|c| c.contains(peer.ip())) {
            tracing::debug!(inbound, %peer, "refused: not on the allow-list");
            continue;
        }
        let _ = stream.set_nodelay(true);
        let ctx = ctx.clone();
        let app = app.clone();
        let open = OpenConnection::new(Arc::clone(&ctx.metrics));
        connections.spawn(async move {
            accept(stream, peer, &ctx, app).await;
            drop((open, permit));
        });
    }
    ctx.metrics.set_listening(false);
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Serves one connection: through TLS when the listener has it and the peer speaks it, in
/// plaintext when allowed.
async fn accept(stream: TcpStream, peer: SocketAddr, ctx: &Context, app: axum::Router) {
    let inbound = ctx.inbound.name();
    let Some(acceptor) = ctx.tls.as_ref().map(|tls| TlsAcceptor::from(tls.current())) else {
        return http(stream, peer, false, ctx, app).await;
    };
    let timeout = ctx.settings.frame_timeout;
    let mut first = [0u8; 1];
    let peeked = tokio::select! {
        peeked = tokio::time::timeout(timeout, stream.peek(&mut first)) => peeked,
        () = ctx.shutdown.cancelled() => return,
    };
    match peeked {
        Ok(Ok(1..)) => {}
        Ok(Ok(_)) | Err(_) => {
            return tracing::debug!(inbound, %peer, "closed before sending anything");
        }
        Ok(Err(e)) => return tracing::debug!(inbound, %peer, error = %e, "connection failed"),
    }
    if first[0] != TLS_HANDSHAKE {
        if ctx.settings.plaintext == Plaintext::Refuse {
            return tracing::warn!(inbound, %peer, "plaintext connection refused: this inbound requires TLS");
        }
        if peer.ip().is_loopback() {
            tracing::debug!(inbound, %peer, "plaintext connection on a TLS listener");
        } else {
            tracing::info!(inbound, %peer, "plaintext connection on a TLS listener");
        }
        return http(stream, peer, false, ctx, app).await;
    }
    match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => {
            let client_certificate = tls.get_ref().1.peer_certificates().is_some();
            http(tls, peer, client_certificate, ctx, app).await;
        }
        Ok(Err(e)) => tracing::warn!(inbound, %peer, error = %e, "TLS handshake failed"),
        Err(_) => tracing::debug!(inbound, %peer, "TLS handshake not completed in time"),
    }
}

/// Serves HTTP/1.1 requests on one connection until the peer closes it, it stays quiet for
/// `request_timeout`, or shutdown (when the request in progress is finished first).
async fn http<S>(
    stream: S,
    peer: SocketAddr,
    client_certificate: bool,
    ctx: &Context,
    app: axum::Router,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let app = app.layer(axum::Extension(Connection {
        peer,
        client_certificate,
    }));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(ctx.settings.frame_timeout);
    let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(inbound = ctx.inbound.name(), %peer, error = %e, "HTTP connection ended");
            }
        }
        () = ctx.shutdown.cancelled() => {
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(DRAIN_TIMEOUT, connection).await;
        }
    }
}
