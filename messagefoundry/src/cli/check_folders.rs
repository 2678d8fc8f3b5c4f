//! `check` of file connections: each folder exists, is a folder, and can be written (an
//! inbound moves files into its subfolders; an outbound writes its files there). A folder on
//! an SFTP server is reached as `serve` reaches it: its pinned host key verified, the login
//! accepted.

use std::path::Path;

use crate::file::folder::Folder;
use crate::sftp::{SftpFolder, SftpSettings};

/// An SFTP folder: connects, lists it, writes a hidden file and removes it. `Ok` with the line
/// to show, or `Err` with what is wrong (the server's own words, never a secret).
pub(super) async fn writable_remote_folder(settings: &SftpSettings) -> Result<String, String> {
    let folder = SftpFolder::new(settings.clone());
    let server = settings.label();
    let dir = &settings.dir;
    folder.probe().await.map_err(|e| e.to_string())?;
    let probe = format!(".messagefoundry-check-{}", std::process::id());
    let written = match folder.write_new(&probe, b"").await {
        Ok(()) => folder.remove(&probe).await,
        Err(e) => Err(e),
    };
    written.map_err(|e| format!("SFTP folder {dir} on {server} cannot be written: {e}"))?;
    Ok(format!(
        "SFTP folder {dir} on {server} is writable (host key {} verified)",
        settings.host_key
    ))
}

/// What a folder is: `Ok` with a line to show, or `Err` with what is wrong.
pub(super) fn writable_folder(dir: &Path) -> Result<(), String> {
    let shown = dir.display();
    match std::fs::metadata(dir) {
        Err(e) => return Err(format!("folder {shown}: {e}")),
        Ok(meta) if !meta.is_dir() => return Err(format!("{shown} is not a folder")),
        Ok(_) => {}
    }
    let probe = dir.join(format!(".messagefoundry-check-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| format!("folder {shown} cannot be written: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_folder_or_a_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(writable_folder(dir.path()), Ok(()));
        assert!(writable_folder(&dir.path().join("missing")).is_err());
        let file = dir.path().join("f");
        std::fs::write(&file, b"x").unwrap();
        assert!(
            writable_folder(&file)
                .unwrap_err()
                .contains("is not a folder")
        );
    }
}
