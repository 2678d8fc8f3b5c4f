//! Compile-time checks of the DSL: every `ui/**/fail/*.rs` must fail to build with exactly the
//! error in its `.stderr`, and every `ui/**/pass/*.rs` must build and run.
//!
//! The expected compiler output was written with rustc 1.95; other compilers word errors
//! differently. On another version the test fails, saying so, rather than pass without
//! checking anything: a toolchain upgrade must come with regenerated `.stderr` files
//! (`TRYBUILD=overwrite cargo test -p messagefoundry-tests --test ui`, then review the diff and
//! change the version here).

#[test]
fn ui() {
    let version = rustc_version();
    assert!(
        version.starts_with("rustc 1.95."),
        "the UI tests' expected errors were written with rustc 1.95, this is {version:?}: \
         regenerate them with TRYBUILD=overwrite, review the diff, and update the version here"
    );
    let t = trybuild::TestCases::new();
    t.pass("ui/*/pass/*.rs");
    t.compile_fail("ui/*/fail/*.rs");
}

fn rustc_version() -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    std::process::Command::new(rustc)
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}
