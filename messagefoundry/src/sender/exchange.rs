//! One exchange with the downstream: send a framed message, wait for the ACK that names it.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use messagefoundry_hl7::{Ack, Message};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

use crate::mllp::{Frame, MllpCodec, MllpError};

/// A byte stream to the downstream: plain TCP or TLS.
pub(crate) trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}

impl<S: AsyncRead + AsyncWrite + Unpin + Send> Stream for S {}

/// An open connection to the downstream.
pub(crate) type Connection = Framed<Box<dyn Stream>, MllpCodec>;

/// Why an exchange failed; each of these closes the connection.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ExchangeError {
    #[error("connect failed: {0}")]
    Connect(std::io::Error),
    #[error("connect timed out")]
    ConnectTimeout,
    #[error("TLS handshake failed: {0}")]
    Handshake(std::io::Error),
    #[error("send timed out")]
    SendTimeout,
    #[error("no ACK within {0:?}")]
    AckTimeout(Duration),
    #[error("the downstream closed the connection")]
    Closed,
    #[error("connection failed: {0}")]
    Io(std::io::Error),
}

impl From<MllpError> for ExchangeError {
    fn from(e: MllpError) -> Self {
        match e {
            MllpError::Io(e) => ExchangeError::Io(e),
            MllpError::TruncatedFrame { .. } => ExchangeError::Closed,
        }
    }
}

/// Connects, and with `tls` completes the handshake, within the timeout. A TLS sender never
/// falls back to plaintext.
pub(crate) async fn connect(
    host: &str,
    port: u16,
    timeout: Duration,
    max_frame: usize,
    tls: Option<&crate::tls::Client>,
) -> Result<Connection, ExchangeError> {
    let connecting = async {
        let stream = TcpStream::connect((host, port))
            .await
            .map_err(ExchangeError::Connect)?;
        let _ = stream.set_nodelay(true);
        let stream: Box<dyn Stream> = match tls {
            Some(tls) => Box::new(
                tokio_rustls::TlsConnector::from(tls.config.current())
                    .connect(tls.server_name.clone(), stream)
                    .await
                    .map_err(ExchangeError::Handshake)?,
            ),
            None => Box::new(stream),
        };
        Ok::<_, ExchangeError>(stream)
    };
    let stream = tokio::time::timeout(timeout, connecting)
        .await
        .map_err(|_| ExchangeError::ConnectTimeout)??;
    Ok(Framed::new(stream, MllpCodec::new(max_frame)))
}

/// Sends `payload` and returns the ACK whose MSA-2 is `control_id`. Frames that are not that
/// ACK (a late ACK of an earlier message, a wrong MSA-2, garbage) are dropped and logged, never
/// credited to this message.
pub(crate) async fn exchange(
    conn: &mut Connection,
    payload: &[u8],
    control_id: &str,
    send_timeout: Duration,
    ack_timeout: Duration,
    outbound: &str,
) -> Result<Ack, ExchangeError> {
    tokio::time::timeout(send_timeout, conn.send(payload))
        .await
        .map_err(|_| ExchangeError::SendTimeout)??;
    let deadline = tokio::time::Instant::now() + ack_timeout;
    loop {
        let frame = tokio::time::timeout_at(deadline, conn.next())
            .await
            .map_err(|_| ExchangeError::AckTimeout(ack_timeout))?;
        let bytes = match frame {
            None => return Err(ExchangeError::Closed),
            Some(Err(e)) => return Err(e.into()),
            Some(Ok(Frame::Oversize { len })) => {
                tracing::warn!(outbound, len, "oversize frame from the downstream dropped");
                continue;
            }
            Some(Ok(Frame::Message(bytes))) => bytes,
        };
        let ack = Message::parse(bytes.to_vec())
            .ok()
            .and_then(|msg| Ack::parse(&msg).ok());
        match ack {
            Some(ack) if ack.acknowledges(control_id) => return Ok(ack),
            Some(_) => {
                tracing::warn!(
                    outbound,
                    "ACK for another message dropped (late, or a wrong MSA-2)"
                );
            }
            None => tracing::warn!(outbound, "a frame that is not an ACK was dropped"),
        }
    }
}
