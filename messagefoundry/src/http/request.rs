//! One `POST` to an HTTP inbound: checked (who posts, the content type, the size), stored
//! through the same intake path as an MLLP frame, and answered with the ACK once committed.
//! The statuses are listed in the module above.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Extension, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt;

use super::auth::Gate;
use crate::engine::intake::{Answer, Context, Reply, store_one};
use crate::metrics::{AckCode, NakReason};

/// The content types an HL7 v2 message in ER7 is posted with.
const CONTENT_TYPES: [&str; 3] = [
    "application/hl7-v2",
    "x-application/hl7-v2+er7",
    "text/plain",
];
/// The content type of an ACK in a response.
const ACK_CONTENT_TYPE: &str = "application/hl7-v2";

/// What a request knows of its connection.
#[derive(Clone, Copy, Debug)]
pub(super) struct Connection {
    /// The peer, for the log.
    pub peer: SocketAddr,
    /// Whether the peer presented a client certificate the TLS handshake verified.
    pub client_certificate: bool,
}

/// What every request of an inbound shares.
struct Shared {
    ctx: Context,
    gate: Gate,
}

/// The inbound's routes: `POST` on its path; 405 for other methods there, 404 elsewhere.
pub(super) fn router(ctx: &Context, gate: Gate) -> axum::Router {
    let path = ctx
        .settings
        .http
        .as_ref()
        .map_or("/hl7", |h| h.path.as_str())
        .to_owned();
    let shared = Arc::new(Shared {
        ctx: ctx.clone(),
        gate,
    });
    axum::Router::new()
        .route(&path, axum::routing::post(post))
        .fallback(|| async {
            refused(
                StatusCode::NOT_FOUND,
                "nothing here; post HL7 v2 messages to the inbound's path",
            )
        })
        .with_state(shared)
}

/// A refusal in plain text: nothing was stored.
fn refused(status: StatusCode, why: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{why}\n"),
    )
        .into_response()
}

/// Whether the request's content type is one an HL7 v2 message is posted with (parameters
/// such as `charset` aside).
fn hl7_content_type(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|t| t.trim().to_ascii_lowercase())
        .is_some_and(|t| CONTENT_TYPES.contains(&t.as_str()))
}

async fn post(
    State(shared): State<Arc<Shared>>,
    Extension(conn): Extension<Connection>,
    request: Request,
) -> Response {
    let ctx = &shared.ctx;
    let inbound = ctx.inbound.name();
    let peer = conn.peer;
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if !shared.gate.admits(authorization, conn.client_certificate) {
        tracing::warn!(inbound, %peer, "request refused: no valid credentials");
        let mut response = refused(StatusCode::UNAUTHORIZED, "credentials are required");
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(shared.gate.challenge()),
        );
        return response;
    }
    if !hl7_content_type(request.headers()) {
        tracing::warn!(inbound, %peer, "request refused: not an HL7 v2 content type");
        return refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "post HL7 v2 as application/hl7-v2, x-application/hl7-v2+er7 or text/plain",
        );
    }
    let limit = ctx.settings.max_frame;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large(ctx, peer, declared.unwrap_or_default());
    }
    let body = http_body_util::Limited::new(request.into_body(), limit);
    let read = tokio::time::timeout(ctx.settings.frame_timeout, body.collect()).await;
    let raw = match read {
        Err(_) => {
            tracing::warn!(inbound, %peer, "request body not received in time");
            return refused(
                StatusCode::REQUEST_TIMEOUT,
                "the body did not arrive in time; nothing was stored",
            );
        }
        Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
            return too_large(ctx, peer, limit as u64 + 1);
        }
        Ok(Err(e)) => {
            tracing::warn!(inbound, %peer, error = %e, "request body could not be read");
            return refused(
                StatusCode::BAD_REQUEST,
                "the body could not be read; nothing was stored",
            );
        }
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    if raw.iter().all(u8::is_ascii_whitespace) {
        tracing::warn!(inbound, %peer, "request refused: empty body");
        return refused(
            StatusCode::BAD_REQUEST,
            "the body is empty; post one HL7 v2 message",
        );
    }
    // The warning about a mislabelled character set is once per connection for MLLP; a
    // request stands alone.
    let mut charset_warned = false;
    ctx.metrics.received.inc();
    ctx.metrics.received_bytes.add(raw.len() as u64);
    ctx.metrics.last_message.set(crate::store::now_micros());
    let Some((reply, stored)) = store_one(ctx, raw, peer, &mut charset_warned).await else {
        return refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "the store has stopped; nothing was stored, send it again later",
        );
    };
    answer(ctx, reply, stored).await
}

/// 413: the body is over `max_body`; nothing is kept or stored.
fn too_large(ctx: &Context, peer: SocketAddr, len: u64) -> Response {
    let limit = ctx.settings.max_frame;
    tracing::warn!(inbound = ctx.inbound.name(), %peer, len, limit, "request body over the size limit refused");
    ctx.metrics.nak(NakReason::Oversize);
    refused(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!(
            "the body is larger than this inbound accepts ({limit} bytes); nothing was stored"
        ),
    )
}

/// The response to a stored message: the ACK due now; when none is due now but one is owed
/// after processing (after-processing mode, or enhanced mode with an application ACK only),
/// that one; else 204.
async fn answer(ctx: &Context, reply: Reply, stored: bool) -> Response {
    let Reply { now, later } = reply;
    let ack = match (now, later.into_iter().next()) {
        (Answer::Ack(ack), _) => Some(ack),
        (Answer::Nothing, Some(later)) => {
            let awaited = tokio::select! {
                answer = later => Some(answer),
                // Stored, not processed before shutdown: routed at the next start. The sender
                // is told to try again, as an MLLP sender left without an answer would; the
                // repeat is a duplicate, which `duplicate_window` absorbs.
                () = ctx.shutdown.cancelled() => None,
            };
            match awaited {
                Some(Answer::Ack(ack)) => Some(ack),
                Some(Answer::Nothing) => None,
                None => {
                    return refused(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "stopping before the message was processed; send it again later",
                    );
                }
            }
        }
        (Answer::Nothing, None) => None,
    };
    let Some(ack) = ack else {
        return StatusCode::NO_CONTENT.into_response();
    };
    ctx.metrics.ack_sent(&ack);
    let code = AckCode::of_ack(&ack);
    let status = if !stored {
        StatusCode::SERVICE_UNAVAILABLE
    } else if code.is_some_and(AckCode::is_negative) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    (
        status,
        [(header::CONTENT_TYPE, ACK_CONTENT_TYPE)],
        Body::from(ack),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hl7_content_types_are_known_with_their_parameters() {
        let with = |t: &str| {
            let mut h = HeaderMap::new();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_str(t).unwrap());
            hl7_content_type(&h)
        };
        assert!(with("application/hl7-v2"));
        assert!(with("Application/HL7-v2; charset=utf-8"));
        assert!(with("x-application/hl7-v2+er7"));
        assert!(with("text/plain"));
        assert!(!with("application/json"));
        assert!(!hl7_content_type(&HeaderMap::new()));
    }
}
