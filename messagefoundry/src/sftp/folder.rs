//! A remote folder over SFTP as a [`Folder`]: one connection, reused while it lives and made
//! again when the server went away.

use std::io;
use std::sync::Arc;

use tokio::sync::Mutex;

use super::connect::{Connection, connect};
use super::error::SftpError;
use super::names::{self, join};
use super::remote::Remote;
use super::settings::SftpSettings;
use crate::file::folder::{Entry, Folder};

/// A folder on an SFTP server.
pub struct SftpFolder {
    /// Where and how to connect.
    settings: SftpSettings,
    /// `user@host:port`, for errors and logs.
    server: String,
    /// The connection in use, if any; shared by the operations under way.
    live: Mutex<Option<Arc<Connection>>>,
}

impl SftpFolder {
    /// A folder with these settings; it connects when first used.
    pub fn new(settings: SftpSettings) -> SftpFolder {
        SftpFolder {
            server: settings.label(),
            settings,
            live: Mutex::new(None),
        }
    }

    /// Connects now and lists the folder, so a wrong host key, refused credentials or a
    /// missing folder are found before any file is moved (the pre-flight `check` asks this).
    pub async fn probe(&self) -> io::Result<()> {
        self.list().await.map(drop)
    }

    /// The connection to use: the live one, or a new one if there is none or it has ended.
    /// Also says whether it was reused (only then can it be stale without anyone knowing).
    async fn connection(&self) -> Result<(Arc<Connection>, bool), SftpError> {
        let mut live = self.live.lock().await;
        if let Some(conn) = live.as_ref().filter(|c| !c.is_closed()) {
            return Ok((conn.clone(), true));
        }
        let conn = Arc::new(connect(&self.settings).await?);
        if !conn.fsync {
            tracing::warn!(
                server = %self.server,
                "the SFTP server lacks fsync@openssh.com: files are renamed into place once the \
                 server has them, but may still be in its memory, not on its disk"
            );
        }
        *live = Some(conn.clone());
        Ok((conn, false))
    }

    /// Forgets `conn` if it is still the live one, so the next operation connects again.
    async fn forget(&self, conn: &Arc<Connection>) {
        let mut live = self.live.lock().await;
        if live.as_ref().is_some_and(|c| Arc::ptr_eq(c, conn)) {
            *live = None;
        }
    }

    /// The outcome of an operation on `conn`; a lost connection is forgotten, so the next
    /// operation connects again. For what must not be repeated (moving, removing: the first
    /// try may have done it before the connection was lost), the error goes to the caller.
    async fn finish<T>(
        &self,
        result: Result<T, SftpError>,
        (conn, _): &(Arc<Connection>, bool),
    ) -> io::Result<T> {
        if let Err(e) = &result
            && e.connection_lost()
        {
            self.forget(conn).await;
        }
        result.map_err(io::Error::from)
    }

    /// [`finish`](Self::finish) for what may be repeated (listing, reading, writing a new file,
    /// which writes the same bytes under the same name again): `None` to run it once more on a
    /// new connection, when `conn` was an old one and is lost (the server went away while it
    /// was idle).
    async fn settle<T>(
        &self,
        result: Result<T, SftpError>,
        conn: &(Arc<Connection>, bool),
    ) -> Option<io::Result<T>> {
        if let Err(e) = &result
            && e.connection_lost()
            && conn.1
        {
            self.forget(&conn.0).await;
            tracing::info!(server = %self.server, error = %e, "SFTP connection lost; connecting again");
            return None;
        }
        Some(self.finish(result, conn).await)
    }

    /// Requests on `conn`.
    fn remote<'a>(&'a self, (conn, _): &'a (Arc<Connection>, bool)) -> Remote<'a> {
        Remote {
            conn,
            server: &self.server,
        }
    }
}

impl Folder for SftpFolder {
    async fn list(&self) -> io::Result<Vec<Entry>> {
        loop {
            let conn = self.connection().await?;
            let result = self.remote(&conn).list(&self.settings.dir).await;
            if let Some(done) = self.settle(result, &conn).await {
                return done;
            }
        }
    }

    async fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        let path = join(&self.settings.dir, names::file_name(name)?);
        loop {
            let conn = self.connection().await?;
            let result = self.remote(&conn).read(&path).await;
            if let Some(done) = self.settle(result, &conn).await {
                return done;
            }
        }
    }

    async fn write_new(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let (sub, file) = names::split(name)?;
        loop {
            let conn = self.connection().await?;
            let result = write_new(&self.remote(&conn), &self.settings.dir, sub, file, bytes).await;
            if let Some(done) = self.settle(result, &conn).await {
                return done;
            }
        }
    }

    async fn move_to(&self, name: &str, subfolder: &str) -> io::Result<()> {
        let (name, subfolder) = (names::file_name(name)?, names::file_name(subfolder)?);
        let conn = self.connection().await?;
        let result = move_to(&self.remote(&conn), &self.settings.dir, name, subfolder).await;
        self.finish(result, &conn).await
    }

    async fn remove(&self, name: &str) -> io::Result<()> {
        let path = join(&self.settings.dir, names::file_name(name)?);
        let conn = self.connection().await?;
        let result = self.remote(&conn).remove(&path).await;
        self.finish(result, &conn).await
    }
}

/// Writes `file` (in `sub` of `dir`, made if missing) under a temporary name, then renames it
/// into place; a file already there is never replaced (an `AlreadyExists` error). Errors name
/// the folder, not the file: an outbound's file names are made of message values.
async fn write_new(
    r: &Remote<'_>,
    dir: &str,
    sub: Option<&str>,
    file: &str,
    bytes: &[u8],
) -> Result<(), SftpError> {
    let dir = match sub {
        Some(sub) => {
            let dir = join(dir, sub);
            r.make_dir(&dir).await?;
            dir
        }
        None => dir.to_owned(),
    };
    let target = join(&dir, file);
    let taken = || SftpError::Request {
        server: r.server.to_owned(),
        op: "write",
        path: dir.clone(),
        detail: "a file of that name is already there".to_owned(),
        kind: io::ErrorKind::AlreadyExists,
    };
    if r.exists(&target).await.map_err(|e| e.about(&dir))? {
        return Err(taken());
    }
    let temporary = join(&dir, &names::temporary(file));
    let written = match r.create(&temporary, bytes).await {
        // The plain rename never replaces: a file that came meanwhile makes it fail.
        Ok(()) => r.rename(&temporary, &target).await,
        Err(e) => Err(e),
    };
    let Err(e) = written else { return Ok(()) };
    if e.connection_lost() {
        return Err(e.about(&dir));
    }
    // What was written is of no use under its temporary name.
    let _ = r.remove(&temporary).await;
    match r.exists(&target).await {
        Ok(true) => Err(taken()),
        _ => Err(e.about(&dir)),
    }
}

/// Moves `name` from `dir` into its subfolder `subfolder` (made if missing), under the first
/// of its [candidates](names::candidates) not taken.
async fn move_to(r: &Remote<'_>, dir: &str, name: &str, subfolder: &str) -> Result<(), SftpError> {
    let from = join(dir, name);
    let into = join(dir, subfolder);
    r.make_dir(&into).await?;
    let mut last = None;
    for candidate in names::candidates(name) {
        let to = join(&into, &candidate);
        if r.exists(&to).await? {
            continue;
        }
        // The plain rename never replaces: if another took `to` meanwhile, it fails and the
        // next name is tried.
        match r.rename(&from, &to).await {
            Ok(()) => return Ok(()),
            Err(e) if !e.connection_lost() && r.exists(&to).await? => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| SftpError::Request {
        server: r.server.to_owned(),
        op: "move",
        path: from.clone(),
        detail: format!("every free name for it in {into} is taken"),
        kind: io::ErrorKind::AlreadyExists,
    }))
}
