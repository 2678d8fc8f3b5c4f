//! An HTTP outbound's side of an exchange: `POST` one message on a kept-alive HTTP/1.1
//! connection and read the answer as the ACK it stands for.
//!
//! The client is hyper's own connection API over the sender's TCP or TLS stream: the stream is
//! opened by the same code as MLLP's (timeouts, the TLS trust settings, a certificate pinned by
//! fingerprint, no fallback to plaintext), and a sender sends one message at a time, in order,
//! so a connection pool would only add a way to reorder.
//!
//! | the answer | read as |
//! |---|---|
//! | 408, 429, 502, 503, 504 (busy, away), 401, 403, 404, 405, 407 (a setting is wrong) | the downstream cannot take messages now: the queue holds and the message is retried with backoff for as long as it takes |
//! | a body that is an HL7 ACK for the message (any other status) | that ACK: AA/CA delivered, AE/CE retried, AR/CR dead-lettered |
//! | a body that is an ACK for another message | AE: retried, then dead-lettered |
//! | 2xx without an ACK | delivered |
//! | other 4xx without an ACK | AR: dead-lettered at once |
//! | other 5xx without an ACK | AE: retried, then dead-lettered |

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper_util::rt::TokioIo;
use messagefoundry_hl7::Message;
use messagefoundry_hl7::ack::{Ack, Code};
use messagefoundry_options::HttpUrl;
use tokio_util::sync::CancellationToken;

use crate::config::OutboundSettings;
use crate::engine::deliver::exchange::{ExchangeError, Stream};

/// Statuses that say the downstream cannot take a message now, whatever the message: the
/// queue holds rather than spend the message's attempts.
const HELD: [u16; 10] = [401, 403, 404, 405, 407, 408, 429, 502, 503, 504];

/// Where and how an outbound posts: fixed at start, its secrets read from the environment.
#[derive(Debug)]
pub(crate) struct Target {
    /// `Host`.
    host: HeaderValue,
    /// The path and query.
    path: String,
    /// The configured header lines and `Authorization`, if any.
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Target {
    /// The target of an HTTP outbound's settings; `None` for MLLP. The error names what is
    /// wrong (a missing environment variable), never a secret.
    pub(crate) fn of(settings: &OutboundSettings) -> Result<Option<Arc<Target>>, String> {
        let Some(http) = &settings.http else {
            return Ok(None);
        };
        let url = HttpUrl::parse(&http.url).map_err(|e| format!("url: {e}"))?;
        let default_port = if url.tls { 443 } else { 80 };
        let host = match (url.host.contains(':'), url.port == default_port) {
            (true, true) => format!("[{}]", url.host),
            (true, false) => format!("[{}]:{}", url.host, url.port),
            (false, true) => url.host.clone(),
            (false, false) => format!("{}:{}", url.host, url.port),
        };
        let host = HeaderValue::from_str(&host).map_err(|e| format!("url: {e}"))?;
        let mut headers = Vec::new();
        for line in &http.headers {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("`{line}` is not a header line"))?;
            let name = HeaderName::from_bytes(name.trim().as_bytes())
                .map_err(|e| format!("header `{name}`: {e}"))?;
            let value =
                HeaderValue::from_str(value.trim()).map_err(|e| format!("header `{name}`: {e}"))?;
            headers.push((name, value));
        }
        let authorization = match (
            &http.auth_token_env,
            &http.auth_user,
            &http.auth_password_env,
        ) {
            (Some(variable), _, _) => Some(format!("Bearer {}", super::auth::secret(variable)?)),
            (None, Some(user), Some(variable)) => {
                Some(super::auth::basic(user, &super::auth::secret(variable)?))
            }
            _ => None,
        };
        if let Some(authorization) = authorization {
            let mut value = HeaderValue::from_str(&authorization)
                .map_err(|_| "the credentials are not valid in a header".to_owned())?;
            value.set_sensitive(true);
            headers.push((header::AUTHORIZATION, value));
        }
        Ok(Some(Arc::new(Target {
            host,
            path: url.target,
            headers,
        })))
    }
}

/// An open HTTP/1.1 connection to the downstream.
pub(crate) struct Link {
    sender: SendRequest<Full<Bytes>>,
    target: Arc<Target>,
    /// Cancelled when the connection has ended.
    closed: CancellationToken,
    /// Drives the connection; stopped when the link is dropped.
    driver: tokio::task::JoinHandle<()>,
}

impl Drop for Link {
    fn drop(&mut self) {
        self.driver.abort();
    }
}

impl Link {
    /// Speaks HTTP/1.1 on an open stream.
    pub(crate) async fn open(
        stream: Box<dyn Stream>,
        target: Arc<Target>,
    ) -> Result<Link, ExchangeError> {
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| ExchangeError::Io(std::io::Error::other(e)))?;
        let closed = CancellationToken::new();
        let done = closed.clone();
        let driver = tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "HTTP connection to the downstream ended");
            }
            done.cancel();
        });
        Ok(Link {
            sender,
            target,
            closed,
            driver,
        })
    }

    /// Whether the downstream has closed the connection.
    pub(crate) fn is_closed(&self) -> bool {
        self.closed.is_cancelled() || self.sender.is_closed()
    }

    /// Waits until the downstream closes the connection.
    pub(crate) async fn closed(&self) {
        self.closed.cancelled().await;
    }

    /// Posts `payload` and reads the answer as an ACK (see the module's table), all within
    /// `timeout`; `max_answer` bytes of answer at most.
    pub(crate) async fn post(
        &mut self,
        payload: &[u8],
        control_id: &str,
        timeout: Duration,
        max_answer: usize,
    ) -> Result<Ack, ExchangeError> {
        let mut request = hyper::Request::post(self.target.path.as_str())
            .header(header::HOST, self.target.host.clone())
            .header(header::CONTENT_TYPE, "application/hl7-v2")
            .body(Full::new(Bytes::copy_from_slice(payload)))
            .map_err(|e| ExchangeError::Io(std::io::Error::other(e)))?;
        for (name, value) in &self.target.headers {
            request.headers_mut().insert(name.clone(), value.clone());
        }
        let exchange = async {
            self.sender.ready().await.map_err(closed)?;
            let response = self.sender.send_request(request).await.map_err(closed)?;
            let status = response.status().as_u16();
            let body = Limited::new(response.into_body(), max_answer)
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            Ok::<_, ExchangeError>((status, body))
        };
        let (status, body) = tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| ExchangeError::AckTimeout {
                after: timeout,
                stray: None,
            })??;
        read_answer(status, &body, control_id)
    }
}

/// A failure of the connection while posting: the downstream closed it, or it broke.
fn closed(e: hyper::Error) -> ExchangeError {
    if e.is_closed() || e.is_incomplete_message() || e.is_canceled() {
        ExchangeError::Closed
    } else {
        ExchangeError::Io(std::io::Error::other(e))
    }
}

/// The answer as an ACK, by the module's table.
fn read_answer(status: u16, body: &[u8], control_id: &str) -> Result<Ack, ExchangeError> {
    if HELD.contains(&status) {
        return Err(ExchangeError::Status(status));
    }
    let ack = Message::parse(body.to_vec())
        .ok()
        .and_then(|msg| Ack::read(&msg).ok());
    let made = |code: Code, text: String| Ack {
        code,
        control_id: control_id.to_owned(),
        text: Some(text),
        errors: Vec::new(),
    };
    Ok(match ack {
        Some(ack) if ack.acknowledges(control_id) => ack,
        Some(_) => made(
            Code::ApplicationError,
            format!("HTTP {status} with an ACK for another message"),
        ),
        None if (200..300).contains(&status) => {
            made(Code::ApplicationAccept, format!("HTTP {status}"))
        }
        None if (400..500).contains(&status) => {
            made(Code::ApplicationReject, format!("HTTP {status}"))
        }
        None => made(Code::ApplicationError, format!("HTTP {status}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ack(code: &str, id: &str) -> Vec<u8> {
        format!("MSH|^~\\&|EHR|H|MF|H|20260101||ACK|A1|P|2.5.1\rMSA|{code}|{id}\r").into_bytes()
    }

    #[test]
    fn answers_read_as_the_acks_they_stand_for() {
        let code =
            |status, body: &[u8]| read_answer(status, body, "M1").map(|a| a.code.to_string());
        assert_eq!(code(200, b"").unwrap(), "AA");
        assert_eq!(code(200, &ack("AE", "M1")).unwrap(), "AE");
        assert_eq!(code(422, &ack("AR", "M1")).unwrap(), "AR");
        assert_eq!(code(200, &ack("AA", "OTHER")).unwrap(), "AE");
        assert_eq!(code(400, b"bad").unwrap(), "AR");
        assert_eq!(code(500, b"oops").unwrap(), "AE");
        assert!(code(503, &ack("AR", "M1")).is_err());
        assert!(code(401, b"").is_err());
    }
}
