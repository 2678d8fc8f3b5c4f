//! `store migrate` and `store rotate-key`: rewriting the stored bodies, a chunk of rows per
//! transaction with the position recorded, so Ctrl-C, SIGTERM or a kill leave a store that the
//! next run (or `serve`) goes on with.
//!
//! `migrate` needs `serve` stopped (`serve` migrates at start by itself). `rotate-key` asks a
//! running `serve` through its control socket, which rotates beside its writer with its own
//! keys and logs its progress; with `serve` stopped it opens the store with the keys of the
//! environment named and draws a progress bar.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Instant;

use tokio::io::AsyncRead;
use tokio_util::sync::CancellationToken;

use super::progress::Progress;
use super::store_file::{LOG_EVERY, in_serve, with_stop_signal};
use crate::config::Environment;
use crate::store::{
    FileError, KeySettings, Rotated, Store, StoreError, migrate_file, store_opening,
};

/// Which environment's `[store]` keys apply to `store migrate` and `store rotate-key`.
#[derive(clap::Args, Debug)]
pub struct StoreKeyArgs {
    /// The environment whose `[store]` settings give the keys (`environments/<NAME>.toml`).
    #[arg(long, global = true)]
    pub env: Option<String>,
    /// Where environment files are.
    #[arg(long, default_value = "environments", global = true)]
    pub environments: PathBuf,
}

impl StoreKeyArgs {
    /// The keys of the environment named; none without one.
    pub(super) fn keys(&self) -> Result<KeySettings, FileError> {
        let Some(name) = &self.env else {
            return Ok(KeySettings::default());
        };
        Environment::load(&self.environments, name)
            .and_then(|env| env.store_keys())
            .map_err(|e| FileError::Refused(e.to_string()))
    }
}

/// A store error as a file command's error: an interruption is one (exit 130).
fn file_error(e: StoreError) -> FileError {
    match e {
        StoreError::Interrupted(what) => FileError::Interrupted(format!(
            "{what} stopped; run it again to go on from where it stopped"
        )),
        e => store_opening(e, "stop serve first (serve migrates at start by itself)"),
    }
}

/// `store migrate`, `serve` stopped.
pub(super) fn migrate(db: &Path, args: &StoreKeyArgs, quiet: bool) -> Result<(), FileError> {
    let keys = args.keys()?;
    let started = Instant::now();
    let db = db.to_path_buf();
    let migrated = with_stop_signal(move |cancel| {
        let mut bar: Option<Progress> = None;
        let result = migrate_file(
            &db,
            &keys,
            &mut |done, total| {
                bar.get_or_insert_with(|| Progress::new(total as usize, "rows", quiet))
                    .reach(done);
            },
            &|| cancel.load(Ordering::Relaxed),
        );
        if let Some(bar) = bar {
            bar.finish();
        }
        result.map_err(file_error)
    })?;
    if migrated.migrated {
        say!(
            "migrated to layout {} in {:.1} s",
            migrated.layout,
            started.elapsed().as_secs_f64()
        );
    } else {
        say!("already at layout {}: nothing to migrate", migrated.layout);
    }
    Ok(())
}

/// `store rotate-key`: through the running `serve`, or on the store file.
pub(super) fn rotate_key(db: &Path, args: &StoreKeyArgs, quiet: bool) -> Result<(), FileError> {
    let started = Instant::now();
    let asked = super::control::ask_for::<_, Result<Rotated, String>>(
        db,
        &super::store_file::StoreRequest::RotateKey,
    );
    let rotated = match asked {
        Some(Ok(answer)) => answer.map_err(FileError::Store)?,
        Some(Err(e)) => {
            return Err(FileError::Store(format!(
                "the running serve did not answer: {e}"
            )));
        }
        None => {
            let keys = args.keys()?;
            let db = db.to_path_buf();
            with_stop_signal(move |cancel| {
                let store = Store::open_with(&db, &keys).map_err(file_error)?;
                let mut bar: Option<Progress> = None;
                let result = store.rotate_key(
                    &mut |done, total| {
                        bar.get_or_insert_with(|| Progress::new(total as usize, "rows", quiet))
                            .reach(done);
                    },
                    &cancel,
                );
                if let Some(bar) = bar {
                    bar.finish();
                }
                store.shutdown();
                result.map_err(file_error)
            })?
        }
    };
    say!(
        "every message is encrypted under key {}: {} body(ies) re-encrypted in {:.1} s",
        rotated.key,
        rotated.resealed,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Answers `store rotate-key` in a running `serve`: the rotation runs on a blocking thread
/// beside the writer, logs its progress, and stops (harmlessly) if the client goes away or
/// `serve` is stopped.
pub(super) async fn answer(
    store: Store,
    client: impl AsyncRead + Unpin,
    shutdown: CancellationToken,
) -> Result<Rotated, String> {
    tracing::info!("key rotation started");
    let joined = in_serve(client, shutdown, move |flag| {
        let mut last = Instant::now();
        store.rotate_key(
            &mut |done, total| {
                if last.elapsed() >= LOG_EVERY {
                    last = Instant::now();
                    tracing::info!(rows = done, of = total, "key rotation in progress");
                }
            },
            &flag,
        )
    })
    .await;
    let result = joined.and_then(|r| r.map_err(|e| e.to_string()));
    match &result {
        Ok(done) => {
            tracing::info!(key = %done.key, resealed = done.resealed, "key rotation complete")
        }
        Err(e) => tracing::warn!(error = %e, "key rotation stopped"),
    }
    result
}
