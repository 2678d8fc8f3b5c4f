//! Certificates reloaded without a restart: a TLS configuration is rebuilt when one of its
//! files changes, and new connections use the new one. Connections already open keep theirs.
//!
//! [`Reloading`] itself knows nothing of TLS: code tables follow their files with it too.

use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use super::TlsError;

/// How often the files are looked at.
pub const CHECK_INTERVAL: Duration = Duration::from_secs(2);

/// Builds a configuration from its files.
type Build<T, E> = Box<dyn Fn() -> Result<Arc<T>, E> + Send + Sync>;

/// A TLS configuration (server or client), or anything else built from files, that follows
/// its files.
pub struct Reloading<T, E = TlsError> {
    current: RwLock<Arc<T>>,
    files: Vec<PathBuf>,
    seen: Mutex<Vec<Option<SystemTime>>>,
    build: Build<T, E>,
}

impl<T, E> Reloading<T, E> {
    /// Builds the configuration now, and remembers its files for [`Reloading::refresh`].
    /// Blocking: it reads the files.
    pub fn new(
        files: Vec<PathBuf>,
        build: impl Fn() -> Result<Arc<T>, E> + Send + Sync + 'static,
    ) -> Result<Reloading<T, E>, E> {
        let seen = stamps(&files);
        let first = build()?;
        Ok(Reloading {
            current: RwLock::new(first),
            files,
            seen: Mutex::new(seen),
            build: Box::new(build),
        })
    }

    /// The configuration new connections use.
    pub fn current(&self) -> Arc<T> {
        match self.current.read() {
            Ok(c) => Arc::clone(&c),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Rebuilds the configuration if a file changed since the last look. `Ok(true)` when it was
    /// replaced; on an error the previous configuration stays in use. Blocking.
    pub fn refresh(&self) -> Result<bool, E> {
        let now = stamps(&self.files);
        {
            let mut seen = match self.seen.lock() {
                Ok(s) => s,
                Err(poisoned) => poisoned.into_inner(),
            };
            if *seen == now {
                return Ok(false);
            }
            // Remember the new stamps even if the build fails: a half-written pair of files is
            // retried when it changes again, not logged every interval.
            *seen = now;
        }
        let fresh = (self.build)()?;
        match self.current.write() {
            Ok(mut c) => *c = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(true)
    }
}

/// Each file's modification time (`None` if it cannot be read).
fn stamps(files: &[PathBuf]) -> Vec<Option<SystemTime>> {
    files
        .iter()
        .map(|f| std::fs::metadata(f).and_then(|m| m.modified()).ok())
        .collect()
}

/// Looks at the files every [`CHECK_INTERVAL`] until shutdown, and logs each reload.
pub(crate) async fn watch<T: Send + Sync + 'static>(
    config: Arc<Reloading<T>>,
    connection: &'static str,
    shutdown: tokio_util::sync::CancellationToken,
) {
    every_interval(shutdown, move || match config.refresh() {
        Ok(true) => tracing::info!(
            connection,
            "TLS files changed: reloaded for new connections"
        ),
        Ok(false) => {}
        Err(e) => tracing::error!(
            connection,
            error = %e,
            "TLS files changed but cannot be used; the previous ones stay in use"
        ),
    })
    .await;
}

/// Runs `look` on a blocking thread (it reads files) every [`CHECK_INTERVAL`] until shutdown.
pub(crate) async fn every_interval(
    shutdown: tokio_util::sync::CancellationToken,
    look: impl Fn() + Send + Sync + 'static,
) {
    let look = Arc::new(look);
    loop {
        tokio::select! {
            () = tokio::time::sleep(CHECK_INTERVAL) => {}
            () = shutdown.cancelled() => return,
        }
        let looking = Arc::clone(&look);
        if tokio::task::spawn_blocking(move || looking())
            .await
            .is_err()
        {
            return;
        }
    }
}
