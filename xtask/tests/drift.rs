//! The checked-in schema tables must be exactly what the generator makes from the data set.

use std::collections::BTreeSet;

#[test]
fn generated_files_match_the_data_set() {
    let root = xtask::workspace_root();
    let outputs = match xtask::generate(&root) {
        Ok(o) => o,
        Err(e) => panic!("gen-schema failed: {e}"),
    };
    let mut stale = Vec::new();
    for output in &outputs {
        let path = root.join(&output.path);
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk != output.text {
            stale.push(output.path.display().to_string());
        }
    }
    let expected: BTreeSet<_> = outputs.iter().map(|o| root.join(&o.path)).collect();
    for dir in xtask::output_dirs() {
        for entry in std::fs::read_dir(root.join(&dir))
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = entry.path();
            let generated = std::fs::read_to_string(&path)
                .map(|t| t.starts_with(xtask::HEADER))
                .unwrap_or(false);
            if generated && !expected.contains(&path) {
                stale.push(format!("{} (no longer generated)", path.display()));
            }
        }
    }
    assert!(
        stale.is_empty(),
        "the generated schema files are out of date; run `cargo run -p xtask -- gen-schema`:\n  {}",
        stale.join("\n  ")
    );
}
