//! The control socket of a running `serve`: `messages` commands reach the store through it,
//! since redb lets one process open the store at a time.
//!
//! The socket is `<store>.sock` beside the store file, readable and writable by its owner
//! only (message content passes through it). One request per connection: a JSON
//! `MessagesCommand`, answered by a JSON [`Reply`].

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_util::sync::CancellationToken;

use super::messages::{MessagesCommand, execute_to_text};
use crate::store::Store;

/// The longest request accepted.
const MAX_REQUEST: u64 = 64 * 1024;

/// What `serve` answers a command with.
#[derive(Serialize, Deserialize, Debug)]
pub(super) struct Reply {
    /// Whether the command succeeded.
    pub ok: bool,
    /// What it printed.
    pub output: String,
    /// Why it failed.
    pub error: Option<String>,
}

/// The socket of the store `db`.
pub(super) fn socket_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".sock");
    PathBuf::from(name)
}

/// The sender wake-ups, by outbound name: a replayed message is sent at once.
pub(super) type Wakes =
    std::sync::Arc<std::collections::HashMap<String, std::sync::Arc<tokio::sync::Notify>>>;

/// The senders' states, by outbound name, in declaration order.
pub(super) type Senders = std::sync::Arc<
    Vec<(
        String,
        tokio::sync::watch::Receiver<crate::sender::SenderStatus>,
    )>,
>;

/// Serves commands until shutdown, then removes the socket.
#[cfg(unix)]
pub(super) async fn serve(
    store: Store,
    db: PathBuf,
    wakes: Wakes,
    senders: Senders,
    shutdown: CancellationToken,
) {
    let path = socket_path(&db);
    // The store is ours (redb's lock), so a socket left here is stale.
    let _ = std::fs::remove_file(&path);
    let listener = match tokio::net::UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(socket = %path.display(), error = %e, "no control socket: `messages` needs serve stopped");
            return;
        }
    };
    {
        use std::os::unix::fs::PermissionsExt;
        if let Err(e) = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)) {
            tracing::warn!(socket = %path.display(), error = %e, "control socket left without restricted permissions; closing it");
            let _ = std::fs::remove_file(&path);
            return;
        }
    }
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => break,
        };
        let Ok((stream, _)) = accepted else { continue };
        let store = store.clone();
        let wakes = std::sync::Arc::clone(&wakes);
        let senders = std::sync::Arc::clone(&senders);
        tokio::spawn(async move {
            if let Err(e) = answer(stream, store, wakes, senders).await {
                tracing::debug!(error = %e, "control request failed");
            }
        });
    }
    let _ = std::fs::remove_file(&path);
}

#[cfg(unix)]
async fn answer(
    stream: tokio::net::UnixStream,
    store: Store,
    wakes: Wakes,
    senders: Senders,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    tokio::io::AsyncReadExt::take(BufReader::new(read), MAX_REQUEST)
        .read_line(&mut line)
        .await?;
    let reply = match serde_json::from_str::<MessagesCommand>(&line) {
        Ok(command) => {
            let replayed = match &command {
                MessagesCommand::Replay { outbound, .. } => wakes.get(outbound).cloned(),
                _ => None,
            };
            let outbounds: Vec<_> = senders
                .iter()
                .map(|(name, status)| (name.clone(), Some(status.borrow().clone())))
                .collect();
            // The commands block on the store: on a thread of their own.
            let (tx, rx) = tokio::sync::oneshot::channel();
            std::thread::spawn(move || {
                let _ = tx.send(execute_to_text(&store, &outbounds, &command));
            });
            match rx.await {
                Ok(Ok(output)) => {
                    if let Some(wake) = replayed {
                        wake.notify_one();
                    }
                    Reply {
                        ok: true,
                        output,
                        error: None,
                    }
                }
                Ok(Err(e)) => Reply {
                    ok: false,
                    output: String::new(),
                    error: Some(e),
                },
                Err(_) => Reply {
                    ok: false,
                    output: String::new(),
                    error: Some("the command did not finish".into()),
                },
            }
        }
        Err(e) => Reply {
            ok: false,
            output: String::new(),
            error: Some(format!("not a command: {e}")),
        },
    };
    let mut bytes = serde_json::to_vec(&reply).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    write.write_all(&bytes).await?;
    write.shutdown().await
}

/// Sends a command to the `serve` running on `db`; `None` when none is listening.
#[cfg(unix)]
pub(super) fn ask(db: &Path, command: &MessagesCommand) -> Option<Result<Reply, String>> {
    use std::io::{BufRead, Write};
    let path = socket_path(db);
    let mut stream = std::os::unix::net::UnixStream::connect(&path).ok()?;
    let mut exchange = || -> Result<Reply, String> {
        let mut request = serde_json::to_vec(command).map_err(|e| e.to_string())?;
        request.push(b'\n');
        stream.write_all(&request).map_err(|e| e.to_string())?;
        let mut line = String::new();
        std::io::BufReader::new(&stream)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        serde_json::from_str(&line).map_err(|e| format!("a reply that is not understood: {e}"))
    };
    Some(exchange())
}

/// No control socket off Unix: `messages` needs `serve` stopped.
#[cfg(not(unix))]
pub(super) fn ask(_db: &Path, _command: &MessagesCommand) -> Option<Result<Reply, String>> {
    None
}
