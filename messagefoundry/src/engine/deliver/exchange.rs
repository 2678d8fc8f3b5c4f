//! One exchange with the downstream: send a framed message, wait for the ACK that names it.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use messagefoundry_hl7::{Message, ack::Ack};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

use crate::mllp::{Frame, MllpCodec, MllpError};

/// A byte stream to the downstream: plain TCP or TLS.
pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<S: AsyncRead + AsyncWrite + Unpin + Send> Stream for S {}

/// An open MLLP connection to the downstream.
pub(crate) type MllpConnection = Framed<Box<dyn Stream>, MllpCodec>;

/// An open connection to the downstream: MLLP frames, or HTTP requests.
pub(crate) enum Connection {
    /// MLLP.
    Mllp(MllpConnection),
    /// HTTP/1.1.
    Http(crate::http::client::Link),
}

/// Why an exchange failed; each of these closes the connection. Connection problems name the
/// peer, so an operator can tell a wrong address from a peer that does not speak TLS.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExchangeError {
    #[error("cannot connect to {peer}: {source}")]
    Connect {
        peer: String,
        source: std::io::Error,
    },
    #[error("no TCP connection to {peer} within {after:?}")]
    ConnectTimeout { peer: String, after: Duration },
    #[error("the TLS handshake with {peer} failed: {source}")]
    Handshake {
        peer: String,
        source: std::io::Error,
    },
    #[error(
        "the TLS handshake with {peer} got no answer within {after:?} (does the peer speak TLS?)"
    )]
    HandshakeTimeout { peer: String, after: Duration },
    #[error("send timed out")]
    SendTimeout,
    #[error("no ACK within {after:?}{}", stray_note(.stray))]
    AckTimeout {
        after: Duration,
        /// The last frame that came instead of the ACK, if any.
        stray: Option<Stray>,
    },
    #[error("the downstream closed the connection")]
    Closed,
    #[error("the downstream answered HTTP {0}; it cannot take messages now")]
    Status(u16),
    #[error("connection failed: {0}")]
    Io(std::io::Error),
}

impl ExchangeError {
    /// Whether the peer closed or reset the connection (rather than a timeout or a failure to
    /// connect).
    pub(crate) fn is_peer_close(&self) -> bool {
        use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset, UnexpectedEof};
        match self {
            ExchangeError::Closed => true,
            ExchangeError::Io(e) => matches!(
                e.kind(),
                BrokenPipe | ConnectionAborted | ConnectionReset | UnexpectedEof
            ),
            _ => false,
        }
    }
}

/// A frame that came while the sender waited for an ACK and was not that ACK: dropped, never
/// credited to the message, and reported so the status says why the ACK is still awaited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Stray {
    #[error("with an ACK for another message (late, or a wrong MSA-2)")]
    OtherAck,
    #[error("with a frame that is not an ACK")]
    NotAnAck,
    #[error("with an oversize frame")]
    Oversize,
}

impl From<MllpError> for ExchangeError {
    fn from(e: MllpError) -> Self {
        match e {
            MllpError::Io(e) => ExchangeError::Io(e),
            MllpError::TruncatedFrame { .. } => ExchangeError::Closed,
        }
    }
}

/// Connects, and with `tls` completes the handshake, both within the timeout. A TLS sender
/// never falls back to plaintext.
pub(crate) async fn connect(
    host: &str,
    port: u16,
    timeout: Duration,
    max_frame: usize,
    tls: Option<&crate::tls::Client>,
) -> Result<MllpConnection, ExchangeError> {
    let peer = peer(host, port);
    let deadline = tokio::time::Instant::now() + timeout;
    let stream = match tokio::time::timeout_at(deadline, TcpStream::connect((host, port))).await {
        Err(_) => {
            return Err(ExchangeError::ConnectTimeout {
                peer,
                after: timeout,
            });
        }
        Ok(Err(source)) => return Err(ExchangeError::Connect { peer, source }),
        Ok(Ok(stream)) => stream,
    };
    let _ = stream.set_nodelay(true);
    let stream: Box<dyn Stream> = match tls {
        // A plaintext peer does not answer a ClientHello, or answers with bytes that are not
        // TLS: either is a handshake problem, not a connection one, and is said so.
        Some(tls) => {
            let handshake = tokio_rustls::TlsConnector::from(tls.config.current())
                .connect(tls.server_name.clone(), stream);
            match tokio::time::timeout_at(deadline, handshake).await {
                Err(_) => {
                    return Err(ExchangeError::HandshakeTimeout {
                        peer,
                        after: timeout,
                    });
                }
                Ok(Err(source)) => return Err(ExchangeError::Handshake { peer, source }),
                Ok(Ok(stream)) => Box::new(stream),
            }
        }
        None => Box::new(stream),
    };
    Ok(Framed::new(stream, MllpCodec::new(max_frame)))
}

/// Connects as [`connect`] does, and speaks MLLP on the connection, or HTTP to `http`.
pub(crate) async fn connect_to(
    host: &str,
    port: u16,
    timeout: Duration,
    max_frame: usize,
    tls: Option<&crate::tls::Client>,
    http: Option<&std::sync::Arc<crate::http::client::Target>>,
) -> Result<Connection, ExchangeError> {
    let framed = connect(host, port, timeout, max_frame, tls).await?;
    match http {
        Some(target) => {
            crate::http::client::Link::open(framed.into_inner(), std::sync::Arc::clone(target))
                .await
                .map(Connection::Http)
        }
        None => Ok(Connection::Mllp(framed)),
    }
}

/// What came instead of the ACK, for the timeout's message.
fn stray_note(stray: &Option<Stray>) -> String {
    stray.map_or_else(String::new, |s| format!("; the downstream answered {s}"))
}

/// `host:port`, with an IPv6 address in brackets.
fn peer(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// What a frame the downstream sent while an answer was awaited amounts to.
pub(crate) enum Heard<T> {
    /// The answer awaited: the exchange is over.
    Answer(T),
    /// Part of the answer (one message's ACK, of a batch answered message by message).
    Part,
    /// Not the answer: dropped, and reported.
    Stray(Stray),
}

/// Sends `payload` and returns the ACK whose MSA-2 is `control_id`. Frames that are not that
/// ACK (a late ACK of an earlier message, a wrong MSA-2, garbage) are dropped and logged, never
/// credited to this message; `on_stray` hears of each as it comes.
///
/// Over HTTP the message is posted and the answer read as an ACK (see `http::client`), within
/// both timeouts together.
pub(crate) async fn exchange(
    conn: &mut Connection,
    payload: &[u8],
    control_id: &str,
    timeouts: (Duration, Duration),
    outbound: &str,
    on_stray: impl FnMut(Stray),
) -> Result<Ack, ExchangeError> {
    if let Connection::Http(link) = conn {
        let timeout = timeouts.0.saturating_add(timeouts.1);
        return link
            .post(payload, control_id, timeout, MAX_HTTP_ANSWER)
            .await;
    }
    exchange_with(
        conn,
        payload,
        timeouts,
        outbound,
        on_stray,
        |bytes| match Message::parse(bytes.to_vec())
            .ok()
            .and_then(|msg| Ack::read(&msg).ok())
        {
            Some(ack) if ack.acknowledges(control_id) => Heard::Answer(ack),
            Some(_) => Heard::Stray(Stray::OtherAck),
            None => Heard::Stray(Stray::NotAnAck),
        },
    )
    .await
}

/// The largest HTTP answer read; a longer one is read as no ACK.
const MAX_HTTP_ANSWER: usize = 1024 * 1024;

/// Sends `payload` (within the send timeout, the first of `timeouts`) and reads frames until
/// `hear` finds the answer in one (within the ACK timeout, the second). Frames `hear` calls
/// strays are dropped and logged; `on_stray` hears of each as it comes. MLLP only: HTTP has
/// no batches (its options have no `batch`), and [`exchange`] posts its messages.
pub(crate) async fn exchange_with<T>(
    conn: &mut Connection,
    payload: &[u8],
    (send_timeout, ack_timeout): (Duration, Duration),
    outbound: &str,
    mut on_stray: impl FnMut(Stray),
    mut hear: impl FnMut(&[u8]) -> Heard<T>,
) -> Result<T, ExchangeError> {
    let Connection::Mllp(conn) = conn else {
        return Err(ExchangeError::Io(std::io::Error::other(
            "frames of answers are read over MLLP only",
        )));
    };
    tokio::time::timeout(send_timeout, conn.send(payload))
        .await
        .map_err(|_| ExchangeError::SendTimeout)??;
    let deadline = tokio::time::Instant::now() + ack_timeout;
    let mut stray = None;
    loop {
        let frame = tokio::time::timeout_at(deadline, conn.next())
            .await
            .map_err(|_| ExchangeError::AckTimeout {
                after: ack_timeout,
                stray,
            })?;
        let dropped = match frame {
            None => return Err(ExchangeError::Closed),
            Some(Err(e)) => return Err(e.into()),
            Some(Ok(Frame::Oversize { len })) => {
                tracing::warn!(outbound, len, "oversize frame from the downstream dropped");
                Stray::Oversize
            }
            Some(Ok(Frame::Message(bytes))) => match hear(&bytes) {
                Heard::Answer(answer) => return Ok(answer),
                Heard::Part => continue,
                Heard::Stray(Stray::OtherAck) => {
                    tracing::warn!(
                        outbound,
                        "ACK for another message dropped (late, or a wrong MSA-2)"
                    );
                    Stray::OtherAck
                }
                Heard::Stray(other) => {
                    tracing::warn!(outbound, "a frame that is not an ACK was dropped");
                    other
                }
            },
        };
        stray = Some(dropped);
        on_stray(dropped);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_says_what_came_instead_of_the_ack() {
        let after = Duration::from_millis(300);
        let e = ExchangeError::AckTimeout { after, stray: None };
        assert_eq!(e.to_string(), "no ACK within 300ms");
        let e = ExchangeError::AckTimeout {
            after,
            stray: Some(Stray::OtherAck),
        };
        assert_eq!(
            e.to_string(),
            "no ACK within 300ms; the downstream answered with an ACK for another message (late, or a wrong MSA-2)"
        );
    }

    #[test]
    fn peers_are_named_as_they_are_dialled() {
        assert_eq!(peer("ehr.example.org", 6661), "ehr.example.org:6661");
        assert_eq!(peer("::1", 6661), "[::1]:6661");
    }
}
