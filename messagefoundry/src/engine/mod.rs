//! The engine behind `serve`: listeners, the store, one pipeline per inbound, one sender per
//! outbound.
//!
//! ```text
//! peer ─MLLP─▶ connection ─frame─▶ store writer (group commit) ─commit─▶ ACK to peer
//!                                        │
//!                                        ▼
//!                     pipeline: router ─▶ handlers ─▶ outcome + sends, one transaction
//!                                        │
//!                                        ▼
//!                         outbound queue (FIFO per connection) ─▶ sender
//! ```
//!
//! Each stage has its module: `intake` (listeners, connections, ACKs), `route` (the
//! pipelines), `deliver` (the senders). [`Engine::start`] starts them all.

pub mod deliver;
pub(crate) mod intake;
mod retention;
pub(crate) mod route;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::config::{FileInSettings, FileOutSettings, InboundSettings, OutboundSettings};
use crate::interface::{Inbound, Outbound};
use crate::metrics::{InboundMetrics, OutboundMetrics};
use crate::store::{QueueKey, Store, StoreError};
use crate::tls::reload::{self, Reloading};
use crate::tls::{ListenerCert, TlsError};
use deliver::OutboundWorker;
pub use deliver::SenderStatus;

/// What the engine runs.
pub struct EngineConfig {
    /// The store file.
    pub db: PathBuf,
    /// Each inbound with its effective settings.
    pub inbounds: Vec<(Inbound, InboundSettings)>,
    /// Each outbound with its effective settings.
    pub outbounds: Vec<(Outbound, OutboundSettings)>,
    /// Each file inbound with its effective settings.
    pub file_inbounds: Vec<(Inbound, FileInSettings)>,
    /// Each file outbound with its effective settings.
    pub file_outbounds: Vec<(Outbound, FileOutSettings)>,
    /// Delete finished messages older than this (checked at start, then hourly); `None`
    /// keeps everything.
    pub retention: Option<Duration>,
    /// The keys the store's bodies are sealed under; the default stores them unencrypted.
    pub store_keys: crate::store::KeySettings,
}

/// Why the engine could not start.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A listener could not bind its address.
    #[error("inbound {inbound}: cannot listen on {address}: {source}")]
    Bind {
        /// The inbound.
        inbound: &'static str,
        /// The address.
        address: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// An HTTP connection's settings could not be used (a secret's environment variable unset).
    #[error("{connection}: {message}")]
    Http {
        /// The inbound or outbound.
        connection: &'static str,
        /// What is wrong, without any secret.
        message: String,
    },
    /// A connection's TLS could not be set up (a missing or wrong certificate or key file).
    #[error("{connection}: {source}")]
    Tls {
        /// The inbound or outbound.
        connection: &'static str,
        /// Why.
        #[source]
        source: crate::tls::TlsError,
    },
}

/// A running engine.
pub struct Engine {
    store: Store,
    shutdown: CancellationToken,
    tasks: JoinSet<()>,
    addresses: Arc<Vec<(&'static str, SocketAddr)>>,
    outbound_wakes: Arc<HashMap<String, Arc<Notify>>>,
    inbound_wakes: Arc<HashMap<String, Arc<Notify>>>,
    senders: Arc<Vec<(&'static str, watch::Receiver<SenderStatus>)>>,
    metrics: Arc<ConnectionMetrics>,
}

/// What each connection counts, for `/metrics`, in declaration order.
#[derive(Debug, Default)]
pub struct ConnectionMetrics {
    /// Each inbound's.
    pub inbounds: Vec<Arc<InboundMetrics>>,
    /// Each outbound's, with its name.
    pub outbounds: Vec<(&'static str, Arc<OutboundMetrics>)>,
}

/// What can be done with a running engine from elsewhere (the command line's control socket):
/// its store, its senders' states, and a replay that wakes the sender. Cheap to clone.
#[derive(Clone)]
pub struct EngineHandle {
    store: Store,
    outbound_wakes: Arc<HashMap<String, Arc<Notify>>>,
    inbound_wakes: Arc<HashMap<String, Arc<Notify>>>,
    senders: Arc<Vec<(&'static str, watch::Receiver<SenderStatus>)>>,
    metrics: Arc<ConnectionMetrics>,
    addresses: Arc<Vec<(&'static str, SocketAddr)>>,
}

impl EngineHandle {
    /// The store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Puts a dead letter back at the end of its outbound's queue and wakes that sender, so it
    /// goes out at once.
    pub async fn replay(&self, key: QueueKey) -> Result<QueueKey, StoreError> {
        let queued = self.store.replay(key).await?;
        if let Some(wake) = self.outbound_wakes.get(&queued.outbound) {
            wake.notify_one();
        }
        Ok(queued)
    }

    /// Wakes an outbound's sender (something was queued for it); false if there is none.
    pub fn wake_outbound(&self, outbound: &str) -> bool {
        self.outbound_wakes
            .get(outbound)
            .map(|wake| wake.notify_one())
            .is_some()
    }

    /// Wakes an inbound's pipeline (a message waits to be routed); false if there is none.
    pub fn wake_inbound(&self, inbound: &str) -> bool {
        self.inbound_wakes
            .get(inbound)
            .map(|wake| wake.notify_one())
            .is_some()
    }

    /// The inbounds' names.
    pub fn inbounds(&self) -> Vec<&str> {
        self.inbound_wakes.keys().map(String::as_str).collect()
    }

    /// The outbounds' names, in declaration order.
    pub fn outbounds(&self) -> Vec<&'static str> {
        self.senders.iter().map(|(name, _)| *name).collect()
    }

    /// Each sender's state now, in declaration order.
    pub fn sender_statuses(&self) -> Vec<(&'static str, SenderStatus)> {
        self.senders
            .iter()
            .map(|(name, status)| (*name, status.borrow().clone()))
            .collect()
    }

    /// What each connection counts.
    pub fn metrics(&self) -> &ConnectionMetrics {
        &self.metrics
    }

    /// The address each inbound listens on.
    pub fn addresses(&self) -> &[(&'static str, SocketAddr)] {
        &self.addresses
    }
}

/// Runs TLS set-up (it reads files) off the async workers.
async fn blocking_tls<T: Send + 'static>(
    connection: &'static str,
    setup: impl FnOnce() -> Result<T, TlsError> + Send + 'static,
) -> Result<T, EngineError> {
    tokio::task::spawn_blocking(setup)
        .await
        .unwrap_or_else(|e| Err(TlsError::Config(e.to_string())))
        .map_err(|source| EngineError::Tls { connection, source })
}

/// The TLS of an inbound: its configured certificate, or the self-signed one kept beside the
/// store (loaded or generated once for all inbounds, and its fingerprint logged).
async fn acceptor(
    inbound: Inbound,
    settings: &InboundSettings,
    db: &std::path::Path,
    self_signed: &mut Option<crate::tls::self_signed::SelfSigned>,
) -> Result<Option<Arc<Reloading<rustls::ServerConfig>>>, EngineError> {
    let name = inbound.name();
    let chosen = crate::tls::listener_cert(settings).map_err(|source| EngineError::Tls {
        connection: name,
        source,
    })?;
    let (cert, key) = match chosen {
        ListenerCert::Off => return Ok(None),
        ListenerCert::Files { cert, key } => (cert, key),
        ListenerCert::SelfSigned => {
            let made = match self_signed {
                Some(known) => known.clone(),
                None => {
                    let db = db.to_path_buf();
                    let made =
                        blocking_tls(name, move || crate::tls::self_signed::load_or_create(&db))
                            .await?;
                    tracing::info!(
                        certificate = %made.cert.display(),
                        fingerprint = %made.fingerprint,
                        generated = made.generated,
                        "self-signed TLS certificate (SHA-256 fingerprint for partners to pin)"
                    );
                    self_signed.insert(made).clone()
                }
            };
            (made.cert, made.key)
        }
    };
    let client_ca = settings.tls_client_ca.clone();
    let config = blocking_tls(name, move || {
        crate::tls::log_expiry(name, &cert);
        let mut files = vec![cert.clone(), key.clone()];
        files.extend(client_ca.clone());
        Reloading::new(files, move || {
            crate::tls::server_config(&cert, &key, client_ca.as_deref())
        })
    })
    .await?;
    Ok(Some(Arc::new(config)))
}

impl Engine {
    /// Opens the store, binds every listener and starts the pipelines. Messages stored but not
    /// routed by an earlier run are routed first.
    pub async fn start(config: EngineConfig) -> Result<Engine, EngineError> {
        let db = config.db.clone();
        let keys = config.store_keys.clone();
        let store = tokio::task::spawn_blocking(move || {
            let store = Store::open_with(db, &keys)?;
            crate::store::index::build_declared(&store)?;
            Ok::<_, StoreError>(store)
        })
        .await
        .map_err(|e| StoreError::Write(e.to_string()))??;
        let shutdown = CancellationToken::new();
        let outbound_wakes: Arc<HashMap<String, Arc<Notify>>> = Arc::new(
            config
                .outbounds
                .iter()
                .map(|(o, _)| o.name())
                .chain(config.file_outbounds.iter().map(|(o, _)| o.name()))
                .map(|name| (name.to_owned(), Arc::new(Notify::new())))
                .collect(),
        );
        let mut tasks = JoinSet::new();
        let mut senders = Vec::new();
        let mut metrics = ConnectionMetrics::default();
        for (outbound, settings) in config.outbounds {
            let Some(wake) = outbound_wakes.get(outbound.name()).cloned() else {
                continue;
            };
            let worker = OutboundWorker::new(
                outbound.name(),
                settings,
                store.clone(),
                wake,
                shutdown.clone(),
            );
            let worker = worker
                .with_http_from_settings()
                .map_err(|message| EngineError::Http {
                    connection: outbound.name(),
                    message,
                })?;
            let worker =
                blocking_tls(outbound.name(), move || worker.with_tls_from_settings()).await?;
            senders.push((outbound.name(), worker.status()));
            metrics.outbounds.push((outbound.name(), worker.metrics()));
            if let Some(tls) = worker.tls_config() {
                tasks.spawn(reload::watch(tls, outbound.name(), shutdown.clone()));
            }
            tasks.spawn(worker.run());
        }
        for (outbound, settings) in config.file_outbounds {
            let Some(wake) = outbound_wakes.get(outbound.name()).cloned() else {
                continue;
            };
            let status = watch::Sender::new(SenderStatus::default());
            let counted = Arc::new(OutboundMetrics::default());
            senders.push((outbound.name(), status.subscribe()));
            metrics
                .outbounds
                .push((outbound.name(), Arc::clone(&counted)));
            let sender = crate::file::deliver::FileSender {
                name: outbound.name(),
                folder: crate::file::place::Place::of(&settings.dir, settings.remote.as_ref()),
                settings,
                store: store.clone(),
                wake,
                shutdown: shutdown.clone(),
                status,
                metrics: counted,
            };
            tasks.spawn(sender.run());
        }
        let mut addresses = Vec::new();
        let mut inbound_wakes = HashMap::new();
        let mut self_signed = None;
        for (inbound, settings) in config.inbounds {
            let gate = match &settings.http {
                Some(http) => Some(
                    crate::http::auth::Gate::of(http, settings.tls_client_ca.is_some()).map_err(
                        |message| EngineError::Http {
                            connection: inbound.name(),
                            message,
                        },
                    )?,
                ),
                None => None,
            };
            let tls = acceptor(inbound, &settings, &config.db, &mut self_signed).await?;
            let address = format!("{}:{}", settings.bind, settings.port);
            let listener =
                TcpListener::bind(&address)
                    .await
                    .map_err(|source| EngineError::Bind {
                        inbound: inbound.name(),
                        address: address.clone(),
                        source,
                    })?;
            let local = listener.local_addr().map_err(|source| EngineError::Bind {
                inbound: inbound.name(),
                address,
                source,
            })?;
            addresses.push((inbound.name(), local));
            let counted = Arc::new(InboundMetrics::new(
                inbound.name(),
                inbound.def().router.name,
            ));
            metrics.inbounds.push(Arc::clone(&counted));
            let wake = Arc::new(Notify::new());
            inbound_wakes.insert(inbound.name().to_owned(), Arc::clone(&wake));
            let waiters = Arc::new(Mutex::new(HashMap::new()));
            let pipeline = route::pipeline::Pipeline {
                inbound,
                charset: settings.charset,
                store: store.clone(),
                wake: Arc::clone(&wake),
                outbound_wakes: Arc::clone(&outbound_wakes),
                waiters: Arc::clone(&waiters),
                shutdown: shutdown.clone(),
                metrics: Arc::clone(&counted),
            };
            tasks.spawn(pipeline.run());
            // Bound is listening: connections wait in the backlog until the task accepts
            // them, so `/ready` may say so as soon as this returns.
            counted.set_listening(true);
            let ctx = intake::Context {
                inbound,
                frame_memory: Arc::new(intake::FrameBudget::new(settings.max_frame_memory)),
                settings: Arc::new(settings),
                store: store.clone(),
                wake,
                waiters,
                shutdown: shutdown.clone(),
                tls: tls.clone(),
                metrics: counted,
            };
            if let Some(tls) = tls {
                tasks.spawn(reload::watch(tls, inbound.name(), shutdown.clone()));
            }
            match gate {
                Some(gate) => tasks.spawn(crate::http::run(listener, ctx, gate)),
                None => tasks.spawn(intake::run(listener, ctx)),
            };
        }
        for (inbound, settings) in config.file_inbounds {
            let counted = Arc::new(InboundMetrics::new(
                inbound.name(),
                inbound.def().router.name,
            ));
            metrics.inbounds.push(Arc::clone(&counted));
            let wake = Arc::new(Notify::new());
            inbound_wakes.insert(inbound.name().to_owned(), Arc::clone(&wake));
            let pipeline = route::pipeline::Pipeline {
                inbound,
                charset: settings.charset,
                store: store.clone(),
                wake: Arc::clone(&wake),
                outbound_wakes: Arc::clone(&outbound_wakes),
                waiters: Arc::new(Mutex::new(HashMap::new())),
                shutdown: shutdown.clone(),
                metrics: Arc::clone(&counted),
            };
            tasks.spawn(pipeline.run());
            let pickup = crate::file::pickup::Pickup {
                inbound,
                folder: crate::file::place::Place::of(&settings.dir, settings.remote.as_ref()),
                settings,
                store: store.clone(),
                wake,
                shutdown: shutdown.clone(),
                metrics: counted,
            };
            tasks.spawn(pickup.run());
        }
        if let Some(age) = config.retention {
            tasks.spawn(retention::run(store.clone(), age, shutdown.clone()));
        }
        Ok(Engine {
            store,
            shutdown,
            tasks,
            addresses: Arc::new(addresses),
            outbound_wakes,
            inbound_wakes: Arc::new(inbound_wakes),
            senders: Arc::new(senders),
            metrics: Arc::new(metrics),
        })
    }

    /// The address each inbound listens on (the real port when 0 was asked for).
    pub fn addresses(&self) -> &[(&'static str, SocketAddr)] {
        &self.addresses
    }

    /// Each outbound sender's status.
    #[cfg(feature = "test-support")]
    pub fn senders(&self) -> &[(&'static str, watch::Receiver<SenderStatus>)] {
        &self.senders
    }

    /// A handle on the running engine, for use elsewhere (replays that wake their sender).
    pub fn handle(&self) -> EngineHandle {
        EngineHandle {
            store: self.store.clone(),
            outbound_wakes: Arc::clone(&self.outbound_wakes),
            inbound_wakes: Arc::clone(&self.inbound_wakes),
            senders: Arc::clone(&self.senders),
            metrics: Arc::clone(&self.metrics),
            addresses: Arc::clone(&self.addresses),
        }
    }

    /// The store, for reading dispositions, queues and dead letters.
    #[cfg(feature = "test-support")]
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// A token that stops the engine when cancelled (a failed store cancels it too).
    pub fn shutdown_token(&self) -> CancellationToken {
        self.shutdown.clone()
    }

    /// Waits until the engine is told to stop.
    pub async fn stopped(&self) {
        self.shutdown.cancelled().await;
    }

    /// Stops accepting, lets connections finish the frame they are reading, stops the
    /// pipelines, and closes the store after its last commit.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        while self.tasks.join_next().await.is_some() {}
        let store = self.store.clone();
        drop(self.store);
        let _ = tokio::task::spawn_blocking(move || store.shutdown()).await;
    }
}
