//! The JSON API, `/api/v1/`: the operations of the `messages` command (one implementation,
//! [`crate::operations`]) as HTTP routes.
//!
//! Each route is one row of [`OPERATIONS`]: a method, a path, and how its path and query
//! parameters make an operation [`Request`]. The answer is what the operation returns, as
//! JSON. A new operation is one new row (and its entry in `openapi.json`, which a test keeps
//! in step with this table).

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use std::net::SocketAddr;

use axum::extract::{Query, RawPathParams, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodFilter;
use axum::{Extension, Json};
use serde_json::{Value, json};

use super::server::Peer;
use super::state::AdminState;
use crate::interface::Disposition;
use crate::operations::{OperationError, Request, Search, execute, instant};
use crate::store::index::FieldMatch;
use crate::store::{MessageId, QueueKey, StateKind, StoreError};

/// How many messages a list or search returns when `limit` is not given.
const DEFAULT_LIMIT: usize = 50;
/// The most messages one list or search returns.
const MAX_LIMIT: usize = 1000;

/// The methods the API uses: `GET` reads, `POST` changes the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Reads.
    Get,
    /// Changes the store.
    Post,
}

impl Method {
    /// As the OpenAPI description writes it.
    #[cfg(test)]
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Method::Get => MethodFilter::GET,
            Method::Post => MethodFilter::POST,
        }
    }
}

/// One route of the API.
pub struct Operation {
    /// How it is called.
    pub method: Method,
    /// The path, with `{name}` for a path parameter.
    pub path: &'static str,
    /// The operation its parameters ask for, or why they are wrong.
    pub request: fn(&Params) -> Result<Request, String>,
}

/// Every operation the API offers.
pub const OPERATIONS: &[Operation] = &[
    Operation {
        method: Method::Get,
        path: "/api/v1/messages",
        request: |p| {
            Ok(Request::List {
                before: p.optional::<u64>("before")?.map(MessageId),
                limit: p.limit()?,
            })
        },
    },
    Operation {
        method: Method::Get,
        path: "/api/v1/messages/{id}",
        request: |p| Ok(Request::Show(MessageId(p.required("id")?))),
    },
    Operation {
        method: Method::Get,
        path: "/api/v1/search",
        request: |p| {
            let disposition = match p.text("disposition") {
                None => None,
                Some(name) => Some(
                    Disposition::from_name(name)
                        .ok_or_else(|| format!("disposition {name:?} is not a disposition"))?,
                ),
            };
            let state =
                match p.text("state") {
                    None => None,
                    Some(name) => Some(StateKind::from_name(name).ok_or_else(|| {
                        format!("state {name:?} is not queued, delivered or dead")
                    })?),
                };
            Ok(Request::Search(Search {
                control_id: p.text("control_id").map(str::to_owned),
                message_type: p.text("message_type").map(str::to_owned),
                inbound: p.text("inbound").map(str::to_owned),
                disposition,
                outbound: p.text("outbound").map(str::to_owned),
                state,
                fields: p
                    .text("field")
                    .map(FieldMatch::parse)
                    .transpose()?
                    .into_iter()
                    .collect(),
                since: p.text("since").map(instant).transpose()?,
                until: p.text("until").map(instant).transpose()?,
                limit: p.limit()?,
            }))
        },
    },
    Operation {
        method: Method::Get,
        path: "/api/v1/queues",
        request: |_| Ok(Request::Queues),
    },
    Operation {
        method: Method::Get,
        path: "/api/v1/dead-letters",
        request: |p| Ok(Request::DeadLetters(p.text("outbound").map(str::to_owned))),
    },
    Operation {
        method: Method::Post,
        path: "/api/v1/dead-letters/{outbound}/{seq}/replay",
        request: |p| {
            Ok(Request::Replay(QueueKey {
                outbound: p.required::<String>("outbound")?,
                seq: p.required("seq")?,
            }))
        },
    },
    Operation {
        method: Method::Post,
        path: "/api/v1/prune",
        request: |p| {
            let text = p
                .text("older_than")
                .ok_or("older_than is required (\"30d\", \"12h\")")?;
            let age: Duration = crate::config::parse_duration(text)
                .ok_or_else(|| format!("older_than {text:?} is not a duration such as 30d"))?;
            Ok(Request::Prune(age))
        },
    },
];

/// A request's path and query parameters.
pub struct Params {
    path: HashMap<String, String>,
    query: HashMap<String, String>,
}

impl Params {
    /// A parameter's text, from the path or else the query; an empty one counts as absent.
    fn text(&self, name: &str) -> Option<&str> {
        self.path
            .get(name)
            .or_else(|| self.query.get(name))
            .map(String::as_str)
            .filter(|t| !t.is_empty())
    }

    fn optional<T: FromStr>(&self, name: &str) -> Result<Option<T>, String> {
        self.text(name)
            .map(|t| t.parse().map_err(|_| format!("{name} {t:?} is not valid")))
            .transpose()
    }

    fn required<T: FromStr>(&self, name: &str) -> Result<T, String> {
        self.optional(name)?
            .ok_or_else(|| format!("{name} is required"))
    }

    fn limit(&self) -> Result<usize, String> {
        let limit = self.optional("limit")?.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(format!("limit must be between 1 and {MAX_LIMIT}"));
        }
        Ok(limit)
    }
}

/// Adds every operation to `router`.
pub fn routes(mut router: axum::Router<Arc<AdminState>>) -> axum::Router<Arc<AdminState>> {
    for operation in OPERATIONS {
        let make = operation.request;
        let handler = move |State(state): State<Arc<AdminState>>,
                            peer: Option<Extension<Peer>>,
                            path: RawPathParams,
                            Query(query): Query<HashMap<String, String>>| async move {
            let params = Params {
                path: path
                    .iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
                query,
            };
            match make(&params) {
                Ok(request) => run(&state, request, peer.map(|Extension(Peer(p))| p)).await,
                Err(why) => error(StatusCode::BAD_REQUEST, why),
            }
        };
        router = router.route(
            operation.path,
            axum::routing::on(operation.method.filter(), handler),
        );
    }
    router
}

/// Runs an operation on the running engine.
async fn run(state: &AdminState, request: Request, peer: Option<SocketAddr>) -> Response {
    let Some(engine) = state.engine() else {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "the engine is starting".into(),
        );
    };
    let scope = crate::operations::Scope::Serving(engine.clone());
    match execute(&scope, &request).await {
        Ok(response) => {
            if let Request::Show(id) = &request {
                // Message content leaves the engine: say so, without the content.
                let peer = peer.map(|p| p.to_string()).unwrap_or_default();
                tracing::info!(id = %id, %peer, "message shown through the admin API");
            }
            match serde_json::to_value(&response) {
                Ok(value) => Json(unwrap_variant(value)).into_response(),
                Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            }
        }
        Err(e) => {
            let status = match &e {
                OperationError::NoMessage(_) | OperationError::Store(StoreError::NotFound) => {
                    StatusCode::NOT_FOUND
                }
                OperationError::Store(StoreError::Stopped) => StatusCode::SERVICE_UNAVAILABLE,
                OperationError::NotIndexed(_) => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            error(status, e.to_string())
        }
    }
}

/// An operation's answer is one variant of [`crate::operations::Response`], written by serde
/// as `{"Variant": value}`: the API answers with the value.
fn unwrap_variant(value: Value) -> Value {
    match value {
        Value::Object(map) if map.len() == 1 => {
            map.into_iter().next().map_or(Value::Null, |(_, v)| v)
        }
        other => other,
    }
}

/// An error answer: `{"error": "…"}`. Errors never quote message content.
pub fn error(status: StatusCode, why: String) -> Response {
    (status, Json(json!({ "error": why }))).into_response()
}
