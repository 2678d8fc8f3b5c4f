//! Folders on SFTP servers: the file transport over SSH.
//!
//! [`SftpFolder`] is a [`Folder`](crate::file::folder::Folder) on a server reached with russh
//! (SSH) and russh-sftp (its SFTP subsystem). The server's host key is pinned
//! ([`HostKeyPin`]), never trusted on first use; the client logs in with a key file or a
//! password ([`Auth`]). A new file is written under a temporary name, made stable with
//! `fsync@openssh.com` where the server has it, and renamed into place with
//! `posix-rename@openssh.com` where it has that, so a reader never sees half a file.

mod connect;
mod error;
mod folder;
mod host_key;
mod names;
mod remote;
mod settings;

#[cfg(any(test, feature = "test-support"))]
pub use error::SftpError;
pub use folder::SftpFolder;
pub use host_key::HostKeyPin;
pub use settings::{Auth, Secret, SftpSettings};
