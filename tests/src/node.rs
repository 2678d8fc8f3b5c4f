//! Independent peers written for Node.js (`tests/node/`, packages pinned in its
//! `package-lock.json`, installed by `npm ci` there; `.ci/run` does it).

use std::path::PathBuf;
use std::process::Command;

/// The Node.js interpreter: `$NODE`, or `node`.
pub fn node() -> String {
    std::env::var("NODE").unwrap_or_else(|_| "node".to_owned())
}

/// The folder of the Node.js peers, `tests/node/`.
pub fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("node")
}

/// A file of `tests/node/`.
pub fn script(name: &str) -> PathBuf {
    dir().join(name)
}

/// Whether this is a CI run (`CI` set, as CI services and `.ci/run`'s caller set it).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

/// Whether Node.js and the npm `package` of `tests/node/` are installed. Under CI their absence
/// fails the test, saying how to install them; elsewhere the test is skipped with that note.
pub fn available(package: &str) -> bool {
    let version = Command::new(node()).arg("--version").output();
    let installed = dir()
        .join("node_modules")
        .join(package)
        .join("package.json");
    let problem = match version {
        Err(e) => format!("Node.js does not run ({e}): install Node.js 20.15 or later"),
        Ok(o) if !o.status.success() => "`node --version` failed".to_owned(),
        Ok(_) if !installed.is_file() => format!(
            "{package} is not installed: run `npm ci --prefix {}`",
            dir().display()
        ),
        Ok(_) => return true,
    };
    assert!(!in_ci(), "{problem} (.ci/run does)");
    eprintln!("skipped: {problem}");
    false
}
