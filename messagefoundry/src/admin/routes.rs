//! The admin server's routes: `/health`, `/ready`, `/metrics`, the JSON API under `/api/v1/`
//! and its OpenAPI description.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::api;
use super::auth::require_token;
use super::state::AdminState;

/// The OpenAPI description of the API, served at `/api/v1/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Every route, sharing `state`.
pub fn router(state: Arc<AdminState>) -> axum::Router {
    let guarded = api::routes(axum::Router::new())
        .route("/metrics", get(metrics))
        .route("/api/v1/connections", get(connections))
        .route_layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            require_token,
        ));
    axum::Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/api/v1/openapi.json", get(openapi))
        .merge(guarded)
        .fallback(not_found)
        .with_state(state)
}

/// The process is alive and answering.
async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// 200 while the engine takes messages, 503 otherwise, with what was looked at.
async fn ready(State(state): State<Arc<AdminState>>) -> Response {
    let readiness = state.readiness();
    let status = if readiness.ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(readiness)).into_response()
}

/// The Prometheus page.
async fn metrics(State(state): State<Arc<AdminState>>) -> Response {
    let Some(engine) = state.engine() else {
        return api::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the engine is starting".into(),
        );
    };
    let page = super::scrape::page(engine).await;
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], page).into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

async fn not_found() -> Response {
    api::error(
        StatusCode::NOT_FOUND,
        "no such route; see /api/v1/openapi.json".into(),
    )
}

/// One connection in `/api/v1/connections`.
#[derive(Serialize)]
struct Connection {
    name: &'static str,
    direction: &'static str,
    /// An inbound's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    /// An inbound's listener is bound, or an outbound's sender connected.
    #[serde(skip_serializing_if = "Option::is_none")]
    listening: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    connections_open: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sender: Option<crate::engine::SenderStatus>,
}

/// Each inbound (address, listening, connections open) and each outbound (its sender's state).
async fn connections(State(state): State<Arc<AdminState>>) -> Response {
    let Some(engine) = state.engine() else {
        return api::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the engine is starting".into(),
        );
    };
    let inbounds = engine.metrics().inbounds.iter().map(|m| Connection {
        name: m.name,
        direction: "inbound",
        address: engine
            .addresses()
            .iter()
            .find(|(n, _)| *n == m.name)
            .map(|(_, a)| a.to_string()),
        listening: Some(m.listening()),
        connections_open: Some(m.connections_open.get()),
        sender: None,
    });
    let outbounds = engine
        .sender_statuses()
        .into_iter()
        .map(|(name, status)| Connection {
            name,
            direction: "outbound",
            address: None,
            listening: None,
            connections_open: None,
            sender: Some(status),
        });
    Json(inbounds.chain(outbounds).collect::<Vec<_>>()).into_response()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The routes that are not operations of the `messages` command.
    const OWN_ROUTES: [(&str, &str); 5] = [
        ("/health", "get"),
        ("/ready", "get"),
        ("/metrics", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/connections", "get"),
    ];

    #[test]
    fn the_openapi_description_names_every_route_and_no_other() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
        let described: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .expect("paths")
            .iter()
            .flat_map(|(path, methods)| {
                let methods = methods.as_object().expect("methods").keys().cloned();
                methods.map(move |m| (path.clone(), m))
            })
            .collect();
        let routed: BTreeSet<(String, String)> = api::OPERATIONS
            .iter()
            .map(|o| (o.path.to_owned(), o.method.as_str().to_owned()))
            .chain(OWN_ROUTES.map(|(p, m)| (p.to_owned(), m.to_owned())))
            .collect();
        assert_eq!(described, routed);
    }

    #[test]
    fn every_schema_the_description_refers_to_is_in_it() {
        let doc: serde_json::Value = serde_json::from_str(OPENAPI).expect("openapi.json is JSON");
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(!refs.is_empty());
        for reference in refs {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{reference} is not a schema"));
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{reference} is not described"
            );
        }
    }

    fn collect_refs(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(r)) = map.get("$ref") {
                    out.push(r.clone());
                }
                map.values().for_each(|v| collect_refs(v, out));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
            _ => {}
        }
    }
}
