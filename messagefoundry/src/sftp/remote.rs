//! The SFTP requests a folder is made of, on one connection: list, read, write, rename, make a
//! folder, remove. Each error names the request and the remote path, never the content.

use std::time::{Duration, SystemTime};

use russh_sftp::client::error::Error as SftpClientError;
use russh_sftp::protocol::{FileAttributes, OpenFlags, StatusCode};

use super::connect::Connection;
use super::error::SftpError;
use crate::file::folder::Entry;

/// The file type bits of a mode (POSIX `S_IFMT`), a regular file's and a folder's.
const S_IFMT: u32 = 0o170000;
const S_IFREG: u32 = 0o100000;
const S_IFDIR: u32 = 0o040000;

/// Requests on one connection, naming `server` in their errors.
pub(crate) struct Remote<'a> {
    /// The connection.
    pub conn: &'a Connection,
    /// `user@host:port`.
    pub server: &'a str,
}

fn is_status(error: &SftpClientError, code: StatusCode) -> bool {
    matches!(error, SftpClientError::Status(s) if s.status_code == code)
}

impl Remote<'_> {
    fn fail(&self, op: &'static str, path: &str) -> impl FnOnce(SftpClientError) -> SftpError {
        move |e| SftpError::request(self.server, op, path, e)
    }

    /// The regular files directly inside `dir`.
    pub async fn list(&self, dir: &str) -> Result<Vec<Entry>, SftpError> {
        let sftp = &self.conn.sftp;
        let handle = sftp
            .opendir(dir)
            .await
            .map_err(self.fail("opendir", dir))?
            .handle;
        let mut entries = Vec::new();
        let listed = loop {
            match sftp.readdir(handle.as_str()).await {
                Ok(name) => entries.extend(name.files.into_iter().filter_map(|f| {
                    let mode = f.attrs.permissions?;
                    (mode & S_IFMT == S_IFREG).then(|| Entry {
                        name: f.filename,
                        size: f.attrs.size.unwrap_or(0),
                        modified: f
                            .attrs
                            .mtime
                            .map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(s))),
                    })
                })),
                Err(e) if is_status(&e, StatusCode::Eof) => break Ok(entries),
                Err(e) => break Err(self.fail("readdir", dir)(e)),
            }
        };
        let closed = sftp.close(handle).await.map_err(self.fail("close", dir));
        let entries = listed?;
        closed?;
        Ok(entries)
    }

    /// The whole content of `path`.
    pub async fn read(&self, path: &str) -> Result<Vec<u8>, SftpError> {
        let sftp = &self.conn.sftp;
        let handle = sftp
            .open(path, OpenFlags::READ, FileAttributes::empty())
            .await
            .map_err(self.fail("open", path))?
            .handle;
        let mut content = Vec::new();
        let read = loop {
            let offset = content.len() as u64;
            match sftp.read(handle.as_str(), offset, self.conn.chunk).await {
                Ok(data) if data.data.is_empty() => break Ok(()),
                Ok(data) => content.extend_from_slice(&data.data),
                Err(e) if is_status(&e, StatusCode::Eof) => break Ok(()),
                Err(e) => break Err(self.fail("read", path)(e)),
            }
        };
        let closed = sftp.close(handle).await.map_err(self.fail("close", path));
        read?;
        closed?;
        Ok(content)
    }

    /// Creates `path`, which must not exist, with `bytes`, made stable on the server's disk
    /// when it supports `fsync@openssh.com`, and closed.
    pub async fn create(&self, path: &str, bytes: &[u8]) -> Result<(), SftpError> {
        let sftp = &self.conn.sftp;
        let flags = OpenFlags::WRITE | OpenFlags::CREATE | OpenFlags::EXCLUDE;
        let handle = sftp
            .open(path, flags, FileAttributes::empty())
            .await
            .map_err(self.fail("create", path))?
            .handle;
        let written = async {
            let mut offset = 0u64;
            for chunk in bytes.chunks(self.conn.chunk as usize) {
                sftp.write(handle.as_str(), offset, chunk.to_vec())
                    .await
                    .map_err(self.fail("write", path))?;
                offset += chunk.len() as u64;
            }
            if self.conn.fsync {
                sftp.fsync(handle.as_str())
                    .await
                    .map_err(self.fail("fsync", path))?;
            }
            Ok(())
        }
        .await;
        let closed = sftp.close(handle).await.map_err(self.fail("close", path));
        written?;
        closed?;
        Ok(())
    }

    /// Renames `from` to `to` with the plain SFTP rename, which never replaces: it fails when
    /// `to` exists (OpenSSH links the new name, then unlinks the old).
    pub async fn rename(&self, from: &str, to: &str) -> Result<(), SftpError> {
        self.conn
            .sftp
            .rename(from, to)
            .await
            .map(drop)
            .map_err(self.fail("rename", to))
    }

    /// Whether anything is at `path`.
    pub async fn exists(&self, path: &str) -> Result<bool, SftpError> {
        match self.conn.sftp.lstat(path).await {
            Ok(_) => Ok(true),
            Err(e) if is_status(&e, StatusCode::NoSuchFile) => Ok(false),
            Err(e) => Err(self.fail("stat", path)(e)),
        }
    }

    /// Makes the folder `path` unless it is there.
    pub async fn make_dir(&self, path: &str) -> Result<(), SftpError> {
        match self.conn.sftp.mkdir(path, FileAttributes::empty()).await {
            Ok(_) => Ok(()),
            // SFTP v3 has no "already exists" status: look whether a folder is there.
            Err(e) => match self.conn.sftp.stat(path).await {
                Ok(a) if a.attrs.permissions.is_some_and(|m| m & S_IFMT == S_IFDIR) => Ok(()),
                _ => Err(self.fail("mkdir", path)(e)),
            },
        }
    }

    /// Removes the file `path`.
    pub async fn remove(&self, path: &str) -> Result<(), SftpError> {
        self.conn
            .sftp
            .remove(path)
            .await
            .map(drop)
            .map_err(self.fail("remove", path))
    }
}
