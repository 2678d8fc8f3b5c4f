//! `serve`: run the interface.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use crate::admin::{Admin, AdminArgs};
use crate::alerts::Channels;
use crate::engine::{Engine, EngineConfig};

use super::Wiring;
use super::environment::EnvironmentArgs;

/// Options of `serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// The store file.
    #[arg(long, default_value = "messagefoundry.redb")]
    pub db: PathBuf,
    /// The settings' environment.
    #[command(flatten)]
    pub environment: EnvironmentArgs,
    /// Delete finished messages received longer ago than this ("30d", "12h"), at start and
    /// then hourly. Messages waiting to be routed, queued or dead-lettered are kept. Without
    /// it nothing is deleted.
    #[arg(long, value_parser = retention)]
    pub retain: Option<Duration>,
    /// Refuse to start while any connection off loopback may carry plaintext (an inbound with
    /// `tls = off` or `plaintext = allow`, an outbound without `tls_ca` or `tls_fingerprint`).
    #[arg(long)]
    pub require_tls: bool,
    /// The admin server.
    #[command(flatten)]
    pub admin: AdminArgs,
    /// How log lines are written to standard error: `text` for people, `json` (one object a
    /// line) for log shippers. Either way no line carries message content.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// The format of log lines.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object a line: `timestamp`, `level`, `fields` (with `message`), `target`.
    Json,
}

/// Reads `--retain`.
fn retention(text: &str) -> Result<Duration, String> {
    crate::config::parse_duration(text)
        .ok_or_else(|| format!("{text:?} is not a duration such as 30d, 12h or 90m"))
}

/// Runs the engine until Ctrl-C or SIGTERM; exit 0 after a clean stop.
pub fn run(wiring: &Wiring<'_>, args: &ServeArgs) -> ExitCode {
    init_logging(args.log_format);
    let settings = match args.environment.settings(wiring) {
        Ok(settings) => settings,
        Err(e) => {
            for error in &e.errors {
                tracing::error!("{error}");
            }
            return ExitCode::from(2);
        }
    };
    let plaintext = settings.plaintext_off_loopback();
    for line in &plaintext {
        tracing::warn!("plaintext allowed off loopback: {line}");
    }
    if args.require_tls && !plaintext.is_empty() {
        tracing::error!(
            "--require-tls: {} connection(s) may carry plaintext off loopback",
            plaintext.len()
        );
        return ExitCode::from(2);
    }
    let tables = match crate::tables::start(&settings.tables) {
        Ok(tables) => tables,
        Err(errors) => {
            for error in &errors {
                tracing::error!("{error}");
            }
            return ExitCode::from(2);
        }
    };
    crate::values::install(&settings.values);
    let admin = match args.admin.plan() {
        Ok(plan) => plan,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::from(2);
        }
    };
    // Secrets and CA files are read now: a wrong one stops `serve` before it listens.
    let channels = match Channels::open(&settings.alerts, &crate::alerts::engine_name()) {
        Ok(channels) => channels,
        Err(e) => {
            tracing::error!("{e}");
            return ExitCode::from(2);
        }
    };
    let certificates = crate::alerts::certificate_files(&settings, admin.as_ref(), &args.db);
    let alert_settings = settings.alerts.clone();
    let Some(runtime) = super::runtime() else {
        return ExitCode::FAILURE;
    };
    runtime.block_on(async {
        let started = jiff::Timestamp::now();
        // Started before the engine, so that `/ready` says 503 while the store opens and the
        // listeners bind, and stopped after it, so that it says 503 while the engine drains.
        let admin = match admin {
            None => None,
            Some(plan) => match Admin::start(plan, &args.db).await {
                Ok(admin) => {
                    say!("admin listening on {}", admin.url());
                    Some(admin)
                }
                Err(e) => {
                    tracing::error!("{e}");
                    return ExitCode::FAILURE;
                }
            },
        };
        let config = EngineConfig {
            db: args.db.clone(),
            inbounds: settings.inbounds,
            outbounds: settings.outbounds,
            file_inbounds: settings.file_inbounds,
            file_outbounds: settings.file_outbounds,
            retention: args.retain,
            store_keys: settings.store,
        };
        let engine = match Engine::start(config).await {
            Ok(engine) => engine,
            Err(e) => {
                tracing::error!("{e}");
                if let Some(admin) = admin {
                    admin.stop().await;
                }
                return ExitCode::FAILURE;
            }
        };
        // Ready before the banners: whoever waits for them finds `/ready` answering 200.
        if let Some(admin) = &admin {
            admin.running(engine.handle());
        }
        for (name, addr) in engine.addresses() {
            let http = wiring
                .inbounds
                .iter()
                .find(|i| i.name() == *name)
                .and_then(|i| i.def().http());
            match http {
                Some(http) => say!("HTTP listening on {addr} ({name}, POST {})", http.path),
                None => say!("MLLP listening on {addr} ({name})"),
            }
        }
        tokio::spawn(crate::tables::watch(tables, engine.shutdown_token()));
        let sources = crate::alerts::Sources {
            engine: engine.handle(),
            certificates,
            db: args.db.clone(),
            started,
        };
        let alerts =
            crate::alerts::start(alert_settings, channels, sources, engine.shutdown_token());
        #[cfg(unix)]
        let control = tokio::spawn(super::control::serve(
            engine.handle(),
            args.db.clone(),
            engine.shutdown_token(),
        ));
        // Asked to stop: exit 0. Stopped by a store failure: exit non-zero, so a service
        // manager restarts it and an operator notices.
        let code = tokio::select! {
            () = stop_signal() => {
                tracing::info!("stopping: finishing frames in flight");
                ExitCode::SUCCESS
            }
            () = engine.stopped() => {
                tracing::error!("stopping after a store failure");
                ExitCode::FAILURE
            }
        };
        if let Some(admin) = &admin {
            admin.stopping();
        }
        engine.shutdown().await;
        if let Some(alerts) = alerts {
            let _ = alerts.await;
        }
        #[cfg(unix)]
        let _ = control.await;
        if let Some(admin) = admin {
            admin.stop().await;
        }
        tracing::info!("stopped");
        code
    })
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                    return;
                }
            };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Log lines to stderr, `RUST_LOG` to choose the level (default info), as text or JSON. A
/// panic's message may quote a message, so the hook logs where it happened, never what it
/// said.
pub(super) fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .try_init(),
        LogFormat::Json => builder.json().with_ansi(false).try_init(),
    };
    std::panic::set_hook(Box::new(|info| {
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(%location, "a router or handler panicked (message not shown: it may hold patient data)");
    }));
}
