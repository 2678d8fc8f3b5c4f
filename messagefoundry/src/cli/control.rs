//! The control socket of a running `serve`: `messages` commands reach the store through it,
//! since redb lets one process open the store at a time.
//!
//! The socket is `<store>.sock` beside the store file, readable and writable by its owner
//! only (message content passes through it). One request per connection: a JSON
//! [`Request`], answered by a JSON [`Answer`].

use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio_util::sync::CancellationToken;

use super::store_file::StoreRequest;
use crate::engine::EngineHandle;
use crate::operations::{Request, Response, Scope, execute};

/// The longest request accepted: an edit carries a whole message (up to a listener's 16 MiB
/// `max_frame`), each byte written in JSON as up to four characters.
const MAX_REQUEST: u64 = 72 * 1024 * 1024;

/// What `serve` answers a request with: what the operation gave, or why it failed.
pub(super) type Answer = Result<Response, String>;

/// The socket of the store `db`.
pub(super) fn socket_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".sock");
    PathBuf::from(name)
}

/// Serves requests until shutdown, then removes the socket.
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
    let scope = Scope::Serving(engine);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => break,
        };
        let Ok((stream, _)) = accepted else { continue };
        let scope = scope.clone();
        let shutdown = shutdown.clone();
        tokio::spawn(async move {
            if let Err(e) = answer(stream, &scope, shutdown).await {
                tracing::debug!(error = %e, "control request failed");
            }
        });
    }
    let _ = tokio::fs::remove_file(&path).await;
}

#[cfg(unix)]
async fn answer(
    stream: tokio::net::UnixStream,
    scope: &Scope,
    shutdown: CancellationToken,
) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut line = String::new();
    let mut read = tokio::io::AsyncReadExt::take(BufReader::new(read), MAX_REQUEST);
    read.read_line(&mut line).await?;
    let answer = match serde_json::from_str::<Request>(&line) {
        Ok(request) => {
            serde_json::to_vec::<Answer>(&execute(scope, &request).await.map_err(|e| e.to_string()))
        }
        Err(e) => match (serde_json::from_str::<StoreRequest>(&line), scope) {
            (Ok(request), Scope::Serving(engine)) => serde_json::to_vec(
                &super::store_file::answer(engine.store().clone(), request, read, shutdown).await,
            ),
            _ => serde_json::to_vec::<Answer>(&Err(format!("not a request: {e}"))),
        },
    };
    let mut bytes = answer.map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    write.write_all(&bytes).await?;
    write.shutdown().await
}

/// Sends an operation to the `serve` running on `db`: `None` when none is listening, else its
/// answer, or why the exchange failed.
pub(super) fn ask(db: &Path, request: &Request) -> Option<Result<Answer, String>> {
    ask_for(db, request)
}

/// [`ask`] for any request the socket takes (an operation, a [`StoreRequest`]) and its
/// answer's type.
#[cfg(unix)]
pub(super) fn ask_for<Q: serde::Serialize, A: serde::de::DeserializeOwned>(
    db: &Path,
    request: &Q,
) -> Option<Result<A, String>> {
    use std::io::{BufRead, Write};
    let path = socket_path(db);
    let mut stream = std::os::unix::net::UnixStream::connect(&path).ok()?;
    let mut exchange = || -> Result<A, String> {
        let mut bytes = serde_json::to_vec(request).map_err(|e| e.to_string())?;
        bytes.push(b'\n');
        stream.write_all(&bytes).map_err(|e| e.to_string())?;
        let mut line = String::new();
        std::io::BufReader::new(&stream)
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        serde_json::from_str(&line).map_err(|e| format!("an answer that is not understood: {e}"))
    };
    Some(exchange())
}

/// No control socket off Unix: `messages` needs `serve` stopped.
#[cfg(not(unix))]
pub(super) fn ask_for<Q, A>(_db: &Path, _request: &Q) -> Option<Result<A, String>> {
    None
}
