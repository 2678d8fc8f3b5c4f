//! The files a command is given: a folder stands for the files in it, so `test samples/` runs
//! every sample.

use std::path::PathBuf;

/// Each path as given, a folder replaced by the files directly in it (by name; hidden ones and
/// sub-folders left out). An unreadable folder is an error naming it.
pub(crate) fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let unreadable = |e: std::io::Error| format!("cannot read the folder {}: {e}", path.display());
        let mut inside = Vec::new();
        for entry in std::fs::read_dir(path).map_err(unreadable)? {
            let entry = entry.map_err(unreadable)?;
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            if !hidden && entry.path().is_file() {
                inside.push(entry.path());
            }
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
    fn a_folder_stands_for_its_files_in_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.hl7", "a.hl7", ".hidden.hl7"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        std::fs::create_dir(dir.path().join("nested")).unwrap();
        let lone = PathBuf::from("lone.hl7");
        let files = expand(&[dir.path().to_path_buf(), lone.clone()]).unwrap();
        assert_eq!(
            files,
            vec![dir.path().join("a.hl7"), dir.path().join("b.hl7"), lone]
        );
    }
}
