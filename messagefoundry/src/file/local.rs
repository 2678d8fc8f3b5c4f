//! A folder on this machine's file systems.
//!
//! Writes go to a hidden temporary name (`.NAME.part`) in the target's folder, are flushed
//! with `fsync`, renamed to their name, and the folder is flushed too, so a crash leaves
//! either no file or the whole one. A new file never replaces an existing one of the same
//! name: that is an [`std::io::ErrorKind::AlreadyExists`] error.

use std::io;
use std::path::{Path, PathBuf};

use super::folder::{Entry, Folder};

/// A local folder.
#[derive(Clone, Debug)]
pub struct LocalFolder {
    root: PathBuf,
}

impl LocalFolder {
    /// The folder at `root`.
    pub fn new(root: impl Into<PathBuf>) -> LocalFolder {
        LocalFolder { root: root.into() }
    }

    /// The path of `name`, which must stay inside the folder: one name, or `sub/name` for a
    /// direct subfolder.
    fn path(&self, name: &str, subfolder_allowed: bool) -> io::Result<PathBuf> {
        let parts: Vec<&str> = name.split('/').collect();
        let fits = match parts.as_slice() {
            [file] => plain(file),
            [sub, file] => subfolder_allowed && plain(sub) && plain(file),
            _ => false,
        };
        if !fits {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("`{name}` is not a file name inside the folder"),
            ));
        }
        Ok(self.root.join(name))
    }
}

/// One path component that stays where it is.
fn plain(part: &str) -> bool {
    !part.is_empty() && part != "." && part != ".." && !part.contains(['\\', '\0'])
}

/// Runs blocking file work off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(io::Error::other)?
}

/// Flushes a folder's entries (a rename, a new or removed file) to stable storage.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

impl Folder for LocalFolder {
    async fn list(&self) -> io::Result<Vec<Entry>> {
        let root = self.root.clone();
        blocking(move || {
            let mut entries = Vec::new();
            for item in std::fs::read_dir(&root)? {
                let item = item?;
                if !item.file_type()?.is_file() {
                    continue;
                }
                // A name that is not UTF-8 cannot be matched or named in a log; left alone.
                let Ok(name) = item.file_name().into_string() else {
                    continue;
                };
                let meta = item.metadata()?;
                entries.push(Entry {
                    name,
                    size: meta.len(),
                    modified: meta.modified().ok(),
                });
            }
            Ok(entries)
        })
        .await
    }

    async fn read(&self, name: &str) -> io::Result<Vec<u8>> {
        let path = self.path(name, false)?;
        blocking(move || std::fs::read(path)).await
    }

    async fn write_new(&self, name: &str, bytes: &[u8]) -> io::Result<()> {
        let path = self.path(name, true)?;
        let in_subfolder = name.contains('/');
        let bytes = bytes.to_vec();
        blocking(move || {
            let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            // A subfolder is made when missing; the folder itself must be there (a missing
            // one is a downstream that is away, not something to create).
            if in_subfolder {
                std::fs::create_dir(&dir).or_else(|e| match e.kind() {
                    io::ErrorKind::AlreadyExists => Ok(()),
                    _ => Err(e),
                })?;
            }
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if path.exists() {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("a file named {file_name} is already there"),
                ));
            }
            let temporary = dir.join(format!(".{file_name}.part"));
            let mut file = std::fs::File::create(&temporary)?;
            io::Write::write_all(&mut file, &bytes)?;
            file.sync_all()?;
            drop(file);
            std::fs::rename(&temporary, &path)?;
            sync_dir(&dir)
        })
        .await
    }

    async fn move_to(&self, name: &str, subfolder: &str) -> io::Result<()> {
        let from = self.path(name, false)?;
        let target_dir = self.path(subfolder, false)?;
        let name = name.to_owned();
        let root = self.root.clone();
        blocking(move || {
            std::fs::create_dir(&target_dir).or_else(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => Ok(()),
                _ => Err(e),
            })?;
            let mut to = target_dir.join(&name);
            let mut n = 1;
            while to.exists() {
                to = target_dir.join(format!("{name}.{n}"));
                n += 1;
            }
            std::fs::rename(&from, &to)?;
            sync_dir(&target_dir)?;
            sync_dir(&root)
        })
        .await
    }

    async fn remove(&self, name: &str) -> io::Result<()> {
        let path = self.path(name, false)?;
        let root = self.root.clone();
        blocking(move || {
            std::fs::remove_file(path)?;
            sync_dir(&root)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<T>(f: impl Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[test]
    fn writes_lists_moves_and_removes() {
        let dir = tempfile::tempdir().unwrap();
        let folder = LocalFolder::new(dir.path());
        block(async {
            let away = LocalFolder::new(dir.path().join("missing"));
            let e = away.write_new("a.hl7", b"MSH|1").await.unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::NotFound);
            assert!(away.write_new("sub/a.hl7", b"MSH|1").await.is_err());
            folder.write_new("a.hl7", b"MSH|1").await.unwrap();
            folder.write_new("out/b.hl7", b"MSH|2").await.unwrap();
            let again = folder.write_new("a.hl7", b"other").await.unwrap_err();
            assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
            let names: Vec<String> = folder
                .list()
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.name)
                .collect();
            // The subfolder is no file, and no temporary file is left.
            assert_eq!(names, vec!["a.hl7".to_owned()]);
            assert_eq!(folder.read("a.hl7").await.unwrap(), b"MSH|1");
            folder.move_to("a.hl7", "done").await.unwrap();
            folder.write_new("a.hl7", b"MSH|3").await.unwrap();
            folder.move_to("a.hl7", "done").await.unwrap();
            assert_eq!(
                std::fs::read(dir.path().join("done/a.hl7")).unwrap(),
                b"MSH|1"
            );
            assert_eq!(
                std::fs::read(dir.path().join("done/a.hl7.1")).unwrap(),
                b"MSH|3"
            );
            folder.write_new("c.hl7", b"x").await.unwrap();
            folder.remove("c.hl7").await.unwrap();
            assert!(folder.list().await.unwrap().is_empty());
        });
    }

    #[test]
    fn names_stay_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let folder = LocalFolder::new(dir.path());
        block(async {
            for name in ["../x", "a/b/c", "/etc/passwd", "", "sub/.."] {
                let e = folder.write_new(name, b"x").await.unwrap_err();
                assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{name}");
            }
            assert!(folder.read("sub/x").await.is_err());
        });
    }
}
