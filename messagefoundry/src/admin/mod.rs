//! The admin server of `serve`: `/health`, `/ready`, `/metrics` (Prometheus) and the JSON API
//! `/api/v1/` over the operations of the `messages` command, with its OpenAPI description.
//!
//! It runs on the engine's tokio runtime (axum on hyper), starts before the engine (so `/ready`
//! answers 503 while the store opens and the listeners bind) and stops after it (so `/ready`
//! answers 503 while the engine drains). On loopback it speaks plaintext HTTP by default; off
//! loopback it requires TLS (the listeners' certificate settings and reload) and a bearer
//! token or mutual TLS.

mod api;
pub(crate) mod auth;
mod routes;
mod scrape;
mod server;
mod settings;
mod state;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub(crate) use scrape::queue;
pub use settings::{AdminArgs, AdminCert, AdminPlan, read_token};
use state::AdminState;

use crate::engine::EngineHandle;
use crate::tls::TlsError;
use crate::tls::reload::{self, Reloading};

/// Why the admin server could not start.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// Its address could not be bound.
    #[error(
        "admin server: cannot listen on {address}: {source} (choose another with --admin ADDR, or --admin off)"
    )]
    Bind {
        /// The address.
        address: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Its certificate, key or CA file cannot be used.
    #[error("admin server: {0}")]
    Tls(#[from] TlsError),
    /// Its token file cannot be used.
    #[error("admin server: {0}")]
    Token(String),
}

/// A running admin server.
pub struct Admin {
    state: Arc<AdminState>,
    address: SocketAddr,
    tls: bool,
    stop: CancellationToken,
    task: JoinHandle<()>,
}

impl Admin {
    /// Reads its files, binds its address and starts serving. `db` is the store, beside which
    /// the self-signed certificate is kept.
    pub async fn start(plan: AdminPlan, db: &Path) -> Result<Admin, AdminError> {
        let token = match plan.token_file.clone() {
            Some(file) => Some(
                tokio::task::spawn_blocking(move || read_token(&file))
                    .await
                    .map_err(|e| AdminError::Token(e.to_string()))?
                    .map_err(AdminError::Token)?,
            ),
            None => None,
        };
        let tls = tls_config(&plan, db).await?;
        let listener = tokio::net::TcpListener::bind(plan.address)
            .await
            .map_err(|source| AdminError::Bind {
                address: plan.address,
                source,
            })?;
        let address = listener.local_addr().map_err(|source| AdminError::Bind {
            address: plan.address,
            source,
        })?;
        let state = Arc::new(AdminState::new(token.as_deref().map(auth::Token::new)));
        let stop = CancellationToken::new();
        if let Some(tls) = &tls {
            tokio::spawn(reload::watch(Arc::clone(tls), "admin", stop.clone()));
        }
        let app = routes::router(Arc::clone(&state));
        let task = tokio::spawn(server::serve(listener, app, tls.clone(), stop.clone()));
        Ok(Admin {
            state,
            address,
            tls: tls.is_some(),
            stop,
            task,
        })
    }

    /// Where it listens (the real port when 0 was asked for).
    #[cfg(feature = "test-support")]
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Where it listens, as a URL (`http://127.0.0.1:7575`).
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.address)
    }

    /// The engine runs: `/ready` looks at it, `/metrics` and the API use it.
    pub fn running(&self, engine: EngineHandle) {
        self.state.running(engine);
    }

    /// The engine is stopping: `/ready` answers 503 from now on.
    pub fn stopping(&self) {
        self.state.stopping();
    }

    /// Stops serving, letting requests in progress finish.
    pub async fn stop(self) {
        self.stop.cancel();
        let _ = self.task.await;
    }
}

/// The admin server's TLS, reloaded when its files change; `None` for plaintext.
async fn tls_config(
    plan: &AdminPlan,
    db: &Path,
) -> Result<Option<Arc<Reloading<rustls::ServerConfig>>>, AdminError> {
    let (cert, key) = match &plan.cert {
        AdminCert::Off => return Ok(None),
        AdminCert::Files { cert, key } => (cert.clone(), key.clone()),
        AdminCert::SelfSigned => {
            let db = db.to_path_buf();
            let made =
                tokio::task::spawn_blocking(move || crate::tls::self_signed::load_or_create(&db))
                    .await
                    .map_err(|e| TlsError::Config(e.to_string()))??;
            (made.cert, made.key)
        }
    };
    let client_ca = plan.client_ca.clone();
    let config = tokio::task::spawn_blocking(move || {
        crate::tls::log_expiry("admin", &cert);
        let mut files = vec![cert.clone(), key.clone()];
        files.extend(client_ca.clone());
        Reloading::new(files, move || {
            crate::tls::server_config(&cert, &key, client_ca.as_deref())
        })
    })
    .await
    .map_err(|e| TlsError::Config(e.to_string()))??;
    Ok(Some(Arc::new(config)))
}
