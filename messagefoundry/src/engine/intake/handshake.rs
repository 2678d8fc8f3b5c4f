//! The first moments of an inbound connection on a TLS-capable listener: the peer's first byte
//! tells a TLS handshake (0x16) from plaintext MLLP, and the connection is served, or refused,
//! accordingly. The first byte and the handshake must come before the first-frame deadline.

use std::net::SocketAddr;
use std::time::Instant;

use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use super::admission::Ticket;
use super::connection::{self, Context};
use super::tally::Event;
use crate::interface::Plaintext;

/// The first byte of a TLS record carrying a handshake.
const TLS_HANDSHAKE: u8 = 0x16;

/// Serves one accepted connection: through TLS when the listener has it and the peer speaks
/// it, in plaintext when allowed.
pub(crate) async fn accept(stream: TcpStream, peer: SocketAddr, ctx: Context, ticket: Ticket) {
    let inbound = ctx.inbound.name();
    let Some(acceptor) = ctx.tls.as_ref().map(|tls| TlsAcceptor::from(tls.current())) else {
        connection::serve(stream, peer, ctx, ticket).await;
        return;
    };
    // The idle timeout applies too, should it be the shorter.
    let first_by = ticket
        .after_accept(ctx.settings.first_frame_timeout)
        .min(ticket.after_accept(ctx.settings.idle_timeout));
    let mut first = [0u8; 1];
    let peeked = tokio::select! {
        peeked = tokio::time::timeout_at(first_by.into(), stream.peek(&mut first)) => peeked,
        () = ticket.evicted().cancelled() => {
            return tracing::debug!(inbound, %peer, "closed to make room before sending anything");
        }
        () = ctx.shutdown.cancelled() => return,
    };
    match peeked {
        Ok(Ok(1..)) => {}
        Ok(Ok(_)) => return tracing::debug!(inbound, %peer, "closed before sending anything"),
        Ok(Err(e)) => return tracing::debug!(inbound, %peer, error = %e, "connection failed"),
        Err(_) => return silent(&ticket, inbound, peer),
    }
    if first[0] == TLS_HANDSHAKE {
        handshake(acceptor, stream, peer, ctx, ticket, first_by).await;
    } else if ctx.settings.plaintext == Plaintext::Allow {
        if peer.ip().is_loopback() {
            tracing::debug!(inbound, %peer, "plaintext connection on a TLS listener");
        } else {
            tracing::info!(inbound, %peer, "plaintext connection on a TLS listener");
        }
        connection::serve(stream, peer, ctx, ticket).await;
    } else {
        tracing::warn!(inbound, %peer, "plaintext connection refused: this inbound requires TLS");
    }
}

/// A connection that sent nothing in time: closed, and counted for the summary rather than
/// logged one by one.
fn silent(ticket: &Ticket, inbound: &str, peer: SocketAddr) {
    ticket.count(Event::NoFrame);
    tracing::debug!(inbound, %peer, "closed: nothing sent in time");
}

async fn handshake(
    acceptor: TlsAcceptor,
    stream: TcpStream,
    peer: SocketAddr,
    ctx: Context,
    ticket: Ticket,
    first_by: Instant,
) {
    let inbound = ctx.inbound.name();
    let deadline = first_by.min(Instant::now() + ctx.settings.frame_timeout);
    let accepted = tokio::select! {
        accepted = tokio::time::timeout_at(deadline.into(), acceptor.accept(stream)) => accepted,
        () = ticket.evicted().cancelled() => {
            return tracing::debug!(inbound, %peer, "closed to make room during the TLS handshake");
        }
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
            connection::serve(tls, peer, ctx, ticket).await;
        }
        Ok(Err(e)) => tracing::warn!(inbound, %peer, error = %e, "TLS handshake failed"),
        Err(_) => silent(&ticket, inbound, peer),
    }
}
