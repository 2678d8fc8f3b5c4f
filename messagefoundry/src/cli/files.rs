//! The files a command is given: a folder stands for the `.hl7` files in it, so `test
//! samples/` runs every sample and leaves the folder's README alone.

use std::path::PathBuf;

use messagefoundry_hl7::{Message, ParseError};

/// Each path as given, a folder replaced by the `.hl7` files directly in it (by name; hidden
/// ones and sub-folders left out). A folder that cannot be read, or holds no such file, is an
/// error naming it.
pub(crate) fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let unreadable =
            |e: std::io::Error| format!("cannot read the folder {}: {e}", path.display());
        let mut inside = Vec::new();
        for entry in std::fs::read_dir(path).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            let name = entry.file_name().to_string_lossy().to_lowercase();
            if !name.starts_with('.') && name.ends_with(".hl7") && entry.path().is_file() {
                inside.push(entry.path());
            }
        }
        if inside.is_empty() {
            return Err(format!("the folder {} holds no .hl7 file", path.display()));
        }
        inside.sort();
        files.extend(inside);
    }
    Ok(files)
}

/// A message of a file: its label (`<file> message <n>`) and what parsing it gave.
pub(crate) type Labelled = (String, Result<Message, ParseError>);

/// The messages of one file (one message, a batch, or several one after the other), each
/// named `<file> message <n>` and parsed; `Err` names the file when it cannot be read or split.
/// Errors hold positions and reasons only, never content.
pub(crate) fn messages_in(file: &std::path::Path) -> Result<Vec<Labelled>, String> {
    let bytes = std::fs::read(file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let batch =
        messagefoundry_hl7::batch::split(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(batch
        .messages()
        .enumerate()
        .map(|(n, raw)| (format!("{} message {}", file.display(), n + 1), raw.parse()))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_stands_for_its_hl7_files_in_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.hl7", "a.HL7", ".hidden.hl7", "README.md"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        std::fs::create_dir(dir.path().join("nested.hl7")).unwrap();
        let lone = PathBuf::from("lone.txt");
        let files = expand(&[dir.path().to_path_buf(), lone.clone()]).unwrap();
        assert_eq!(
            files,
            vec![dir.path().join("a.HL7"), dir.path().join("b.hl7"), lone]
        );
    }

    #[test]
    fn a_folder_without_messages_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("README.md"), "x").unwrap();
        let error = expand(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(error.ends_with("holds no .hl7 file"), "{error}");
    }
}
