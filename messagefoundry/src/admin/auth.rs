//! The bearer token of `/metrics` and `/api/v1/`: compared in constant time, never logged.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use super::state::AdminState;

/// A bearer token, kept as its SHA-256 digest: a comparison of digests takes the same time
/// whatever the guess, and the token itself is not kept in memory longer than needed.
#[derive(Clone)]
pub struct Token(ring::digest::Digest);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(…)")
    }
}

impl Token {
    /// The token `text`.
    pub fn new(text: &str) -> Token {
        Token(ring::digest::digest(&ring::digest::SHA256, text.as_bytes()))
    }

    /// Whether `offered` is the token.
    pub fn matches(&self, offered: &str) -> bool {
        let offered = ring::digest::digest(&ring::digest::SHA256, offered.as_bytes());
        let differ = self
            .0
            .as_ref()
            .iter()
            .zip(offered.as_ref())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b));
        differ == 0
    }
}

/// Lets a request through when no token is required or it carries the token
/// (`Authorization: Bearer TOKEN`); else 401.
pub async fn require_token(
    State(state): State<Arc<AdminState>>,
    request: Request,
    next: Next,
) -> Response {
    let Some(token) = &state.token else {
        return next.run(request).await;
    };
    let offered = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if offered.is_some_and(|t| token.matches(t)) {
        return next.run(request).await;
    }
    let mut refused = (
        StatusCode::UNAUTHORIZED,
        axum::Json(serde_json::json!({ "error": "a bearer token is required (Authorization: Bearer TOKEN)" })),
    )
        .into_response();
    refused.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"messagefoundry\""),
    );
    refused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_token_itself_matches() {
        let token = Token::new("0123456789abcdef");
        assert!(token.matches("0123456789abcdef"));
        assert!(!token.matches("0123456789abcdeF"));
        assert!(!token.matches(""));
        assert_eq!(format!("{token:?}"), "Token(…)");
    }
}
