//! `messages edit`: the operator's edit of a stored message, made in an editor (or taken from
//! a file) before it is sent to the store as an [`Request::Edit`].
//!
//! The editor works on a file holding patient data: it is created for the owner only, in the
//! temporary folder, and removed whatever happens.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::operations::{MessageDetail, Request};

/// The edit of `original`: the contents of `file`, or what the operator leaves in the editor,
/// which opens on the message as received, one segment per line.
pub(super) fn request(
    original: &MessageDetail,
    file: Option<&Path>,
    to: Option<String>,
) -> Result<Request, String> {
    let message = match file {
        Some(file) => {
            std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?
        }
        None => in_editor(original)?,
    };
    Ok(Request::Edit {
        id: original.id,
        message,
        to,
    })
}

/// Opens the message in `$VISUAL`, `$EDITOR` or `vi`, and returns what was saved.
fn in_editor(original: &MessageDetail) -> Result<Vec<u8>, String> {
    let mut lines = Vec::with_capacity(original.raw.len() + 1);
    super::messages::segments(&mut lines, &original.raw, "")
        .map_err(|e| format!("cannot prepare the message: {e}"))?;
    let file = EditFile::create(original, &lines)?;
    let editor = ["VISUAL", "EDITOR"]
        .into_iter()
        .find_map(|v| std::env::var(v).ok().filter(|e| !e.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_owned());
    // Through the shell, so an editor with arguments (`code --wait`) works; the path is an
    // argument, never part of the command text.
    let status = if cfg!(unix) {
        Command::new("sh")
            .arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("sh")
            .arg(&file.path)
            .status()
    } else {
        Command::new(&editor).arg(&file.path).status()
    }
    .map_err(|e| format!("cannot start the editor {editor:?}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "the editor {editor:?} failed ({status}); nothing was stored"
        ));
    }
    std::fs::read(&file.path).map_err(|e| format!("cannot read the edited message: {e}"))
}

/// The file the editor works on, removed when dropped.
struct EditFile {
    path: PathBuf,
}

impl EditFile {
    fn create(original: &MessageDetail, text: &[u8]) -> Result<EditFile, String> {
        let path = std::env::temp_dir().join(format!(
            "messagefoundry-edit-{}-{}.hl7",
            std::process::id(),
            original.id.0
        ));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut handle = options
            .open(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let file = EditFile { path };
        handle
            .write_all(text)
            .map_err(|e| format!("cannot write {}: {e}", file.path.display()))?;
        Ok(file)
    }
}

impl Drop for EditFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
