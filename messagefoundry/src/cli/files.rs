//! The files a command is given: a folder stands for the `.hl7` files in it, so `test
//! samples/` runs every sample and leaves the folder's README alone.

use std::path::PathBuf;

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
