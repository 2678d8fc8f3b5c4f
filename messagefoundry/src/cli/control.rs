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

use super::messages::{MessagesCommand, Scope, execute_to_text};
use crate::engine::EngineHandle;

/// The longest request accepted.
const MAX_REQUEST: u64 = 64 * 1024;

/// What `serve` answers a command with.
#[derive(Serialize, Deserialize, Debug)]
pub(super) struct Reply {
    /// What it printed.
    pub output: String,
    /// Why it failed; `None` when it succeeded.
    pub error: Option<String>,
}

impl From<Result<String, String>> for Reply {
    fn from(result: Result<String, String>) -> Reply {
        match result {
            Ok(output) => Reply {
                output,
                error: None,
            },
            Err(error) => Reply {
                output: String::new(),
                error: Some(error),
            },
        }
    }
}

/// The socket of the store `db`.
pub(super) fn socket_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".sock");
    PathBuf::from(name)
}

/// Serves commands until shutdown, then removes the socket.
#[cfg(unix)]
pub(super) async fn serve(engine: EngineHandle, db: PathBuf, shutdown: CancellationToken) {
    let path = socket_path(&db);
    // The store is ours (redb's lock), so a socket left here is stale.
    let _ = tokio::fs::remove_file(&path).await;
    let listener = match tokio::net::UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(socket = %path.display(), error = %e, "no control socket: `messages` needs serve stopped");
            return;
        }
    };
    {
        use std::os::unix::fs::PermissionsExt;
        let owner_only = std::fs::Permissions::from_mode(0o600);
        if let Err(e) = tokio::fs::set_permissions(&path, owner_only).await {
            tracing::warn!(socket = %path.display(), error = %e, "control socket left without restricted permissions; closing it");
            let _ = tokio::fs::remove_file(&path).await;
            return;
        }
    }
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => break,
        };
        let Ok((stream, _)) = accepted else { continue };
        let engine = engine.clone();
        tokio::spawn(async move {
            if let Err(e) = answer(stream, engine).await {
                tracing::debug!(error = %e, "control request failed");
            }
        });
    }
    let _ = tokio::fs::remove_file(&path).await;
}

#[cfg(unix)]
async fn answer(stream: tokio::net::UnixStream, engine: EngineHandle) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    tokio::io::AsyncReadExt::take(BufReader::new(read), MAX_REQUEST)
        .read_line(&mut line)
        .await?;
    let reply = match serde_json::from_str::<MessagesCommand>(&line) {
        Ok(command) => {
            // The commands block on the store: on a thread of their own.
            let (tx, rx) = tokio::sync::oneshot::channel();
            std::thread::spawn(move || {
                let _ = tx.send(execute_to_text(&Scope::Serving(&engine), &command));
            });
            rx.await
                .unwrap_or_else(|_| Err("the command did not finish".into()))
                .into()
        }
        Err(e) => Reply::from(Err(format!("not a command: {e}"))),
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
