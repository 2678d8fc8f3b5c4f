//! The folder a file connection works on, as its settings choose: on this machine, or on an
//! SFTP server. Pickup and delivery are written once, over [`Folder`]; this is the one place
//! that knows there are two kinds.

use std::io;
use std::path::Path;

use super::folder::{Entry, Folder};
use super::local::LocalFolder;
use crate::sftp::{SftpFolder, SftpSettings};

/// A local folder or a remote one.
pub(crate) enum Place {
    /// A folder on this machine's file systems.
    Local(LocalFolder),
    /// A folder on an SFTP server (boxed: it holds its connection).
    Remote(Box<SftpFolder>),
}

impl Place {
    /// The folder `dir`, on the SFTP server of `remote` when there is one.
    pub(crate) fn of(dir: &Path, remote: Option<&SftpSettings>) -> Place {
        match remote {
            Some(settings) => Place::Remote(Box::new(SftpFolder::new(settings.clone()))),
            None => Place::Local(LocalFolder::new(dir)),
        }
    }
}

impl Folder for Place {
    async fn list(&self) -> io::Result<Vec<Entry>> {
        match self {
            Place::Local(f) => f.list().await,
            Place::Remote(f) => f.list().await,
        }
    }

    async fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        match self {
            Place::Local(f) => f.read(name).await,
            Place::Remote(f) => f.read(name).await,
        }
    }

    async fn write_new(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        match self {
            Place::Local(f) => f.write_new(name, bytes).await,
            Place::Remote(f) => f.write_new(name, bytes).await,
        }
    }

    async fn move_to(&self, name: &str, subfolder: &str) -> io::Result<()> {
        match self {
            Place::Local(f) => f.move_to(name, subfolder).await,
            Place::Remote(f) => f.move_to(name, subfolder).await,
        }
    }

    async fn remove(&self, name: &str) -> io::Result<()> {
        match self {
            Place::Local(f) => f.remove(name).await,
            Place::Remote(f) => f.remove(name).await,
        }
    }
}
