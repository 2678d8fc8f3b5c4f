//! The first moments of an inbound connection on a TLS-capable listener: the peer's first byte
//! tells a TLS handshake (0x16) from plaintext MLLP, and the connection is served, or refused,
//! accordingly.

use std::net::SocketAddr;

use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use super::connection::{self, Context};
use crate::interface::Plaintext;

/// The first byte of a TLS record carrying a handshake.
const TLS_HANDSHAKE: u8 = 0x16;

/// Serves one accepted connection: through TLS when the listener has it and the peer speaks
/// it, in plaintext when allowed.
pub(crate) async fn accept(stream: TcpStream, peer: SocketAddr, ctx: Context) {
    let inbound = ctx.inbound.name();
    let Some(acceptor) = ctx.tls.as_ref().map(|tls| TlsAcceptor::from(tls.current())) else {
        connection::serve(stream, peer, ctx).await;
        return;
    };
    let mut first = [0u8; 1];
    let peeked = tokio::select! {
        peeked = tokio::time::timeout(ctx.settings.idle_timeout, stream.peek(&mut first)) => peeked,
        () = ctx.shutdown.cancelled() => return,
    };
    match peeked {
        Ok(Ok(1..)) => {}
        Ok(Ok(_)) => return tracing::debug!(inbound, %peer, "closed before sending anything"),
        Ok(Err(e)) => return tracing::debug!(inbound, %peer, error = %e, "connection failed"),
        Err(_) => return tracing::info!(inbound, %peer, "idle connection closed"),
    }
    if first[0] == TLS_HANDSHAKE {
        handshake(acceptor, stream, peer, ctx).await;
    } else if ctx.settings.plaintext == Plaintext::Allow {
        if peer.ip().is_loopback() {
            tracing::debug!(inbound, %peer, "plaintext connection on a TLS listener");
        } else {
            tracing::info!(inbound, %peer, "plaintext connection on a TLS listener");
        }
        connection::serve(stream, peer, ctx).await;
    } else {
        tracing::warn!(inbound, %peer, "plaintext connection refused: this inbound requires TLS");
    }
}

async fn handshake(acceptor: TlsAcceptor, stream: TcpStream, peer: SocketAddr, ctx: Context) {
    let inbound = ctx.inbound.name();
    let accepted = tokio::select! {
        accepted = tokio::time::timeout(ctx.settings.frame_timeout, acceptor.accept(stream)) => accepted,
        () = ctx.shutdown.cancelled() => return,
    };
    match accepted {
        Ok(Ok(tls)) => {
            let (_, session) = tls.get_ref();
            let version = session
                .protocol_version()
                .and_then(|v| v.as_str())
                .unwrap_or("TLS");
            let client_certificate = session.peer_certificates().is_some();
            tracing::debug!(inbound, %peer, version, client_certificate, "TLS session");
            connection::serve(tls, peer, ctx).await;
        }
        Ok(Err(e)) => tracing::warn!(inbound, %peer, error = %e, "TLS handshake failed"),
        Err(_) => tracing::warn!(inbound, %peer, "TLS handshake not completed in time"),
    }
}
