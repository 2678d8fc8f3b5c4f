//! Compile-time checks of the DSL: every `ui/**/fail/*.rs` must fail to build with exactly the
//! error in its `.stderr`, and every `ui/**/pass/*.rs` must build and run.
//!
//! The expected compiler output was written with rustc 1.95; other compilers word errors
//! differently, so the test runs only on that version. Regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p messagefoundry-tests --test ui` and review the diff.

#[test]
fn ui() {
    let version = rustc_version();
    if !version.starts_with("rustc 1.95.") {
        eprintln!("skipping the UI tests: they were written for rustc 1.95, this is {version}");
        return;
    }
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
