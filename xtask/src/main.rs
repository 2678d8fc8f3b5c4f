//! `cargo run -p xtask -- gen-schema`: regenerate the embedded HL7 schema tables.
//! `cargo run -p xtask -- gen-options [--out DIR]`: regenerate the option tables of the docs
//! (into the workspace, or under DIR).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("gen-schema") => match gen_schema() {
            Ok(n) => {
                println!("wrote {n} files");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("gen-schema: {e}");
                ExitCode::FAILURE
            }
        },
        Some("gen-options") => {
            let root = match (args.get(1).map(String::as_str), args.get(2)) {
                (None, _) => xtask::workspace_root(),
                (Some("--out"), Some(dir)) => dir.into(),
                _ => {
                    eprintln!("usage: cargo run -p xtask -- gen-options [--out DIR]");
                    return ExitCode::FAILURE;
                }
            };
            match xtask::write_options(&root) {
                Ok(n) => {
                    println!("wrote {n} files");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("gen-options: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!("usage: cargo run -p xtask -- gen-schema | gen-options [--out DIR]");
            ExitCode::FAILURE
        }
    }
}

fn gen_schema() -> Result<usize, String> {
    let root = xtask::workspace_root();
    let outputs = xtask::generate(&root)?;
    for dir in xtask::output_dirs() {
        let dir = root.join(dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        // Files no longer generated (a version dropped) must not linger.
        let entries =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let generated = std::fs::read_to_string(&path)
                .map(|t| t.starts_with(xtask::HEADER))
                .unwrap_or(false);
            if generated && !outputs.iter().any(|o| root.join(&o.path) == path) {
                std::fs::remove_file(&path)
                    .map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
            }
        }
    }
    for output in &outputs {
        let path = root.join(&output.path);
        std::fs::write(&path, &output.text)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(outputs.len())
}
