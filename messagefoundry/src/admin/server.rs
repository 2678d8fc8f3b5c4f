//! Serving HTTP/1.1 on accepted connections, plaintext or TLS, on the engine's runtime. The
//! same code serves both: the connection is generic over its byte stream.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use crate::tls::reload::Reloading;

/// Connections served at once; more wait in the kernel's backlog.
const MAX_CONNECTIONS: usize = 32;
/// A TLS handshake must complete this soon after the connection is accepted.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// A request's headers must arrive this soon; an idle kept-alive connection is closed after it.
const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// At shutdown, requests in progress get this long to finish.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// The peer of a request, for the log.
#[derive(Clone, Copy, Debug)]
pub struct Peer(pub SocketAddr);

/// Accepts and serves connections until `stop`, then lets requests in progress finish.
pub async fn serve(
    listener: TcpListener,
    app: axum::Router,
    tls: Option<Arc<Reloading<rustls::ServerConfig>>>,
    stop: CancellationToken,
) {
    let room = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&room).acquire_owned() => permit,
            () = stop.cancelled() => break,
        };
        let Ok(permit) = permit else { break };
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = stop.cancelled() => break,
        };
        while connections.try_join_next().is_some() {}
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!(error = %e, "admin server: accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let app = app.clone().layer(axum::Extension(Peer(peer)));
        let acceptor = tls.as_ref().map(|t| TlsAcceptor::from(t.current()));
        let stop = stop.clone();
        connections.spawn(async move {
            let _permit = permit;
            match acceptor {
                None => http(stream, app, stop).await,
                Some(acceptor) => {
                    match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                        Ok(Ok(tls)) => http(tls, app, stop).await,
                        Ok(Err(e)) => {
                            tracing::warn!(%peer, error = %e, "admin server: TLS handshake failed")
                        }
                        Err(_) => tracing::debug!(%peer, "admin server: TLS handshake timed out"),
                    }
                }
            }
        });
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Serves HTTP/1.1 requests on one connection until the peer closes it or `stop`.
async fn http<S>(stream: S, app: axum::Router, stop: CancellationToken)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    let connection = builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(app));
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(e) = result {
                tracing::debug!(error = %e, "admin server: connection ended");
            }
        }
        () = stop.cancelled() => {
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(DRAIN_TIMEOUT, connection).await;
        }
    }
}
