//! The option tables of the docs are what `gen-options` makes from the options table, and
//! every other place the docs give an option's default agrees with it.

use std::path::Path;

use messagefoundry_options::{Direction, default_text};

/// Runs `xtask gen-options` into a temporary folder and compares what it wrote with the
/// checked-in files.
#[test]
fn generated_option_docs_are_current() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path();
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["gen-options", "--out"])
        .arg(out)
        .status()
        .expect("xtask runs");
    assert!(status.success());
    let root = xtask::workspace_root();
    let mut stale = Vec::new();
    for output in xtask::generate_options() {
        let written = std::fs::read_to_string(out.join(&output.path)).unwrap_or_default();
        assert_eq!(written, output.text, "gen-options wrote what it generates");
        let on_disk = std::fs::read_to_string(root.join(&output.path)).unwrap_or_default();
        if on_disk != written {
            stale.push(output.path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "the option docs are out of date; run `cargo run -p xtask -- gen-options`:\n  {}",
        stale.join("\n  ")
    );
}

/// Where the hand-written docs give a default, it is the table's: in a table row whose header
/// has a `default` column, and in "`name = word` (default)". (`docs/options.md` is generated.)
#[test]
fn hand_written_defaults_agree_with_the_table() {
    let root = xtask::workspace_root();
    let mut pages = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs"))
        .expect("docs/")
        .flatten()
    {
        if entry.file_name() != "options.md" {
            pages.push(entry.path());
        }
    }
    let mut wrong = Vec::new();
    let mut seen = 0;
    for page in pages
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
    {
        let text = std::fs::read_to_string(page).expect("a docs page");
        for (line, problem) in disagreements(&text, &mut seen) {
            wrong.push(format!("{}:{line}: {problem}", shown(page, &root)));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The check looked at something: engine.md's connection table (7 rows) and tls.md's two
    // choices.
    assert!(seen >= 9, "only {seen} defaults found in the docs");
}

fn shown(page: &Path, root: &Path) -> String {
    page.strip_prefix(root)
        .unwrap_or(page)
        .display()
        .to_string()
}

/// The option of either direction with this name; its default must be the same in both.
fn default_of(name: &str) -> Option<String> {
    let found: Vec<String> = [Direction::Inbound, Direction::Outbound]
        .iter()
        .filter_map(|d| d.option(name))
        .map(default_text)
        .collect();
    match found.as_slice() {
        [one] => Some(one.clone()),
        [a, b] if a == b => Some(a.clone()),
        _ => None,
    }
}

/// Each default in `text` that is not the table's, with its line number.
fn disagreements(text: &str, seen: &mut usize) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut default_column = None;
    for (n, line) in text.lines().enumerate() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if !line.trim_start().starts_with('|') {
            default_column = None;
        } else if cells.contains(&"option") {
            default_column = cells.iter().position(|c| *c == "default");
        } else if let (Some(col), Some(first)) = (default_column, cells.first()) {
            let names: Vec<&str> = first
                .split(',')
                .map(|s| s.trim().trim_matches('`'))
                .filter(|s| !s.is_empty())
                .collect();
            for name in names {
                let Some(expected) = default_of(name) else {
                    continue;
                };
                *seen += 1;
                let given = cells.get(col).copied().unwrap_or_default();
                if given != expected {
                    found.push((
                        n + 1,
                        format!("`{name}` default {given}, the table says {expected}"),
                    ));
                }
            }
        }
        for (start, _) in line.match_indices("` (default)") {
            let before = &line[..start];
            let Some(open) = before.rfind('`') else {
                continue;
            };
            let Some((name, word)) = before[open + 1..].split_once(" = ") else {
                continue;
            };
            let Some(expected) = default_of(name.trim()) else {
                continue;
            };
            *seen += 1;
            let given = format!("`{}`", word.trim());
            if given != expected {
                found.push((
                    n + 1,
                    format!("`{name}` default {given}, the table says {expected}"),
                ));
            }
        }
    }
    found
}
