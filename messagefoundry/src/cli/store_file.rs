//! `store`: the store file as a whole: `backup` (a consistent copy, while `serve` runs or
//! not), `verify` (check a copy), `compact` (give freed space back, `serve` stopped).
//!
//! With `serve` running on the store, `backup` asks it through its control socket: redb lets
//! one process open the store, and the running engine copies from one read transaction
//! beside its writer, logging its progress. With `serve` stopped, the command opens the store
//! itself and draws a progress bar. Ctrl-C or SIGTERM stops a backup with nothing written in
//! its place; a client that goes away stops the backup `serve` was making for it.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio_util::sync::CancellationToken;

use super::progress::Progress;
use crate::store::{
    BackupReport, Compacted, FileError, Store, Verified, backup_file, compact, verify_with_keys,
};

/// Options of `store`.
#[derive(clap::Args, Debug)]
pub struct StoreArgs {
    /// The store file.
    #[arg(long, default_value = "messagefoundry.redb", global = true)]
    pub db: PathBuf,
    /// No progress bar.
    #[arg(long, global = true)]
    pub quiet: bool,
    /// Where the store's keys are configured.
    #[command(flatten)]
    pub keys: super::store_keys::StoreKeyArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: StoreCommand,
}

/// What `store` does.
#[derive(clap::Subcommand, Debug)]
pub enum StoreCommand {
    /// Copy the store, as it is at one moment, to a new file, while `serve` runs (through it)
    /// or with it stopped. The copy is written beside PATH and renamed to PATH once complete.
    Backup {
        /// The backup file to write (replaced if it exists).
        path: PathBuf,
    },
    /// Check a store file, such as a backup: layout version, every table read, queue
    /// counters, messages named by the queues; prints what it holds. Exit 1 if a problem is
    /// found.
    Verify {
        /// The file to check.
        path: PathBuf,
    },
    /// Show where a store file's bytes go, table by table (rows, pages, bytes of keys and
    /// values, how full the pages are), read-only: a backup or a stopped engine's store.
    Stats {
        /// The file to read.
        path: PathBuf,
    },
    /// Give the space freed by pruning back to the file system (redb compaction). Needs
    /// `serve` stopped.
    Compact,
    /// Bring a store written by an earlier version to this version's layout, `serve` stopped
    /// (`serve` migrates at start by itself). Interrupted, it goes on where it stopped.
    Migrate,
    /// Re-encrypt every stored message under the current key of the environment's `[store]`
    /// settings, while `serve` runs (through it) or with it stopped. Interrupted, it goes on
    /// where it stopped; once it finishes, the previous keys are no longer needed.
    RotateKey,
    /// Remove every search index row and build them again: type, control ID and time of
    /// every message, and each field an inbound declares (`index = [...]`). Needs `serve`
    /// stopped; `serve` builds a newly declared index itself as it starts.
    Reindex,
}

/// A request only the control socket takes (not the admin API: it writes a file on the
/// engine's host).
#[derive(Serialize, Deserialize, Debug)]
pub(super) enum StoreRequest {
    /// Back the store up to this (absolute) path.
    Backup(PathBuf),
    /// Re-encrypt every stored body under the current key.
    RotateKey,
}

/// Runs `store`.
pub fn run(args: &StoreArgs) -> ExitCode {
    super::init_logging(super::serve::LogFormat::Text);
    let result = match &args.command {
        StoreCommand::Backup { path } => backup(&args.db, path, args.quiet),
        StoreCommand::Verify { path } => return run_verify(path, &args.keys, args.quiet),
        StoreCommand::Stats { path } => super::store_stats::run(path),
        StoreCommand::Compact => run_compact(&args.db, args.quiet),
        StoreCommand::Migrate => super::store_keys::migrate(&args.db, &args.keys, args.quiet),
        StoreCommand::RotateKey => super::store_keys::rotate_key(&args.db, &args.keys, args.quiet),
        StoreCommand::Reindex => super::store_reindex::run(&args.db, &args.keys, args.quiet),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            // 130, as a shell reports a command stopped by Ctrl-C.
            ExitCode::from(if matches!(e, FileError::Interrupted(_)) {
                130
            } else {
                1
            })
        }
    }
}

/// `store backup`: through the running `serve`, or on the store file.
fn backup(db: &Path, path: &Path, quiet: bool) -> Result<(), FileError> {
    let to = std::path::absolute(path).map_err(|source| FileError::Io {
        what: "resolve",
        path: path.to_path_buf(),
        source,
    })?;
    let started = Instant::now();
    let spinner = Spinner::new("backing up through the running serve", quiet);
    let asked = super::control::ask_for::<_, Result<BackupReport, String>>(
        db,
        &StoreRequest::Backup(to.clone()),
    );
    drop(spinner);
    let report = match asked {
        Some(Ok(answer)) => answer.map_err(FileError::Store)?,
        Some(Err(e)) => {
            return Err(FileError::Store(format!(
                "the running serve did not answer: {e}"
            )));
        }
        None => on_file(db, &to, quiet)?,
    };
    say!(
        "backed up {} message(s) ({} rows) to {}: {} bytes in {:.1} s",
        report.messages,
        report.rows,
        report.path.display(),
        report.bytes,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// A backup made by this process, `serve` stopped: a progress bar, and Ctrl-C or SIGTERM
/// stop it.
fn on_file(db: &Path, to: &Path, quiet: bool) -> Result<BackupReport, FileError> {
    let (db, to) = (db.to_path_buf(), to.to_path_buf());
    with_stop_signal(move |flag| {
        let mut bar: Option<Progress> = None;
        let result = backup_file(&db, &to, &flag, &mut |done, total| {
            bar.get_or_insert_with(|| Progress::new(total as usize, "rows", quiet))
                .reach(done);
        });
        if let Some(bar) = bar {
            bar.finish();
        }
        result
    })
}

/// Runs `work` on a blocking thread of a command run with `serve` stopped; Ctrl-C or SIGTERM
/// set the flag it is given, and it stops at its next chunk.
pub(super) fn with_stop_signal<T: Send + 'static>(
    work: impl FnOnce(Arc<AtomicBool>) -> Result<T, FileError> + Send + 'static,
) -> Result<T, FileError> {
    let runtime = super::runtime().ok_or_else(|| FileError::Store("no async runtime".into()))?;
    let cancel = Arc::new(AtomicBool::new(false));
    runtime.block_on(async {
        let flag = Arc::clone(&cancel);
        let mut task = tokio::task::spawn_blocking(move || work(flag));
        let joined = tokio::select! {
            joined = &mut task => joined,
            () = stop_signal() => {
                cancel.store(true, Ordering::Relaxed);
                task.await
            }
        };
        joined.map_err(|e| FileError::Store(e.to_string()))?
    })
}

/// Runs `work` on a blocking thread of a running `serve`, for a command asked through the
/// control socket; the flag it is given is set when the client goes away (its end of the
/// socket closes) or `serve` is stopped, and it stops at its next chunk.
pub(super) async fn in_serve<T: Send + 'static>(
    mut client: impl AsyncRead + Unpin,
    shutdown: CancellationToken,
    work: impl FnOnce(Arc<AtomicBool>) -> T + Send + 'static,
) -> Result<T, String> {
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    let mut task = tokio::task::spawn_blocking(move || work(flag));
    let mut byte = [0u8; 1];
    let joined = tokio::select! {
        joined = &mut task => joined,
        _ = client.read(&mut byte) => {
            cancel.store(true, Ordering::Relaxed);
            task.await
        }
        () = shutdown.cancelled() => {
            cancel.store(true, Ordering::Relaxed);
            task.await
        }
    };
    joined.map_err(|e| e.to_string())
}

/// Ctrl-C or SIGTERM.
pub(super) async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// Answers a [`StoreRequest`] in a running `serve`, as the JSON of its answer.
pub(super) async fn answer(
    store: Store,
    request: StoreRequest,
    client: impl AsyncRead + Unpin,
    shutdown: CancellationToken,
) -> serde_json::Value {
    let answer = match request {
        StoreRequest::Backup(to) => {
            serde_json::to_value(answer_backup(store, to, client, shutdown).await)
        }
        StoreRequest::RotateKey => {
            serde_json::to_value(super::store_keys::answer(store, client, shutdown).await)
        }
    };
    answer.unwrap_or_else(|e| serde_json::Value::String(e.to_string()))
}

/// Backs up in a running `serve`: the backup runs on a blocking thread, logs its progress
/// every few seconds, and stops if the client goes away (its end of the socket closes) or
/// `serve` is stopped.
async fn answer_backup(
    store: Store,
    to: PathBuf,
    client: impl AsyncRead + Unpin,
    shutdown: CancellationToken,
) -> Result<BackupReport, String> {
    let path = to.clone();
    tracing::info!(backup = %path.display(), "backup started");
    let joined = in_serve(client, shutdown, move |flag| {
        let mut last = Instant::now();
        store.backup(&to, &flag, &mut |done, total| {
            if last.elapsed() >= LOG_EVERY {
                last = Instant::now();
                tracing::info!(backup = %to.display(), rows = done, of = total, "backup in progress");
            }
        })
    })
    .await;
    let result = joined.and_then(|r| r.map_err(|e| e.to_string()));
    match &result {
        Ok(report) => tracing::info!(
            backup = %path.display(),
            messages = report.messages,
            rows = report.rows,
            bytes = report.bytes,
            "backup complete"
        ),
        Err(e) => tracing::warn!(backup = %path.display(), error = %e, "backup not made"),
    }
    result
}

/// How often a backup under `serve` logs its progress.
pub(super) const LOG_EVERY: Duration = Duration::from_secs(5);

/// `store verify`.
fn run_verify(path: &Path, keys: &super::store_keys::StoreKeyArgs, quiet: bool) -> ExitCode {
    let keys = match keys.keys() {
        Ok(keys) => keys,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut bar: Option<Progress> = None;
    let verified = verify_with_keys(path, &keys, &mut |done, total| {
        bar.get_or_insert_with(|| Progress::new(total as usize, "rows", quiet))
            .reach(done);
    });
    if let Some(bar) = bar {
        bar.finish();
    }
    match verified {
        Ok(verified) => {
            print_verified(&verified);
            if verified.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_verified(v: &Verified) {
    say!("layout {}", v.layout);
    for (table, rows) in &v.tables {
        say!("  {table:<16} {rows:>10} rows");
    }
    say!(
        "queue counters: {}",
        if v.counters_kept {
            "kept"
        } else {
            "not kept in this file (built when it next opens)"
        }
    );
    for (key, n) in &v.sealed {
        say!("encrypted under key {key}: {n} body(ies)");
    }
    for (key, n) in &v.unopened {
        say!("not decrypted (key {key} not given): {n} body(ies)");
    }
    for problem in &v.problems {
        say!("problem: {problem}");
    }
    say!(
        "{}: {} message(s), {} queued",
        if v.problems.is_empty() {
            "ok"
        } else {
            "NOT OK"
        },
        v.messages,
        v.queued
    );
}

/// `store compact`.
fn run_compact(db: &Path, quiet: bool) -> Result<(), FileError> {
    let spinner = Spinner::new("compacting (Ctrl-C leaves the store sound)", quiet);
    let compacted = compact(db);
    drop(spinner);
    let compacted: Compacted = compacted?;
    say!(
        "compacted {}: {} bytes before, {} after, in {:.1} s",
        db.display(),
        compacted.before,
        compacted.after,
        compacted.millis as f64 / 1000.0
    );
    Ok(())
}

/// A spinner with the time spent, on a terminal, for steps whose length is not known.
struct Spinner(Option<indicatif::ProgressBar>);

impl Spinner {
    fn new(what: &str, quiet: bool) -> Spinner {
        use std::io::IsTerminal;
        if quiet || !std::io::stderr().is_terminal() {
            return Spinner(None);
        }
        let bar = indicatif::ProgressBar::new_spinner().with_message(what.to_owned());
        if let Ok(style) = indicatif::ProgressStyle::with_template("{spinner} {msg}  {elapsed}") {
            bar.set_style(style);
        }
        bar.enable_steady_tick(Duration::from_millis(200));
        Spinner(Some(bar))
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}
