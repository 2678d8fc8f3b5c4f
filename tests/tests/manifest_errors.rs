//! What the macros read from the user's Cargo.toml, checked on real crates: an unknown HL7
//! version is one compile error per crate, at the first path literal, and declared Z-segments
//! are checked like standard ones. (trybuild cannot set package metadata, so these crates are
//! made here.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate is in the workspace")
        .to_path_buf()
}

/// Writes a binary crate using `path!` with the given metadata and builds it; returns
/// (success, compiler output).
fn build(name: &str, metadata: &str, main: &str) -> (bool, String) {
    build_file(name, metadata, "main.rs", main)
}

/// Writes a crate whose one source file is `src/<file>` (`main.rs` or `lib.rs`) and builds it.
fn build_file(name: &str, metadata: &str, file: &str, source: &str) -> (bool, String) {
    let dir = fixture(name);
    write_manifest(&dir, name, metadata);
    std::fs::write(dir.join("src").join(file), source).expect("fixture source");
    check(&dir)
}

/// The folder of a fixture crate, under the workspace's target folder.
fn fixture(name: &str) -> PathBuf {
    let dir = workspace()
        .join("target")
        .join("manifest-fixtures")
        .join(name);
    std::fs::create_dir_all(dir.join("src")).expect("fixture folder");
    dir
}

/// Writes a fixture's Cargo.toml with the given metadata.
fn write_manifest(dir: &Path, name: &str, metadata: &str) {
    let root = workspace();
    let macros = root.join("messagefoundry-macros");
    std::fs::write(
        dir.join("Cargo.toml"),
        format!(
            "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n{metadata}\n\n\
             [dependencies]\nmessagefoundry-macros = {{ path = {:?} }}\n\n[workspace]\n",
            macros.display().to_string()
        ),
    )
    .expect("fixture manifest");
    // The workspace's lock file pins the same dependency versions, so the build needs no
    // network and resolves like the workspace does.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("lock file");
}

/// `cargo check` of a fixture; returns (success, compiler output).
fn check(dir: &Path) -> (bool, String) {
    let root = workspace();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .args(["check", "--quiet", "--offline", "--message-format", "short"])
        .current_dir(dir)
        .env(
            "CARGO_TARGET_DIR",
            root.join("target").join("manifest-fixtures").join("target"),
        )
        .output()
        .expect("cargo runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The expansions of `path!`, `segment!`, `new_message!` and `main!` name
/// `::messagefoundry::hl7::{Path, SegmentId, Message}` and
/// `::messagefoundry::__private::run_main`; the fixture only needs to get as far as the macros'
/// own checks, so it stands in for that crate itself.
const PRELUDE: &str = "extern crate self as messagefoundry;\n\
    pub mod hl7 {\n\
    #[derive(Clone, Copy)] pub struct Path;\n\
    impl Path { pub const fn from_parts(_: [u8; 3], _: Option<u16>, _: u16, _: Option<u16>, _: Option<u16>, _: Option<u16>) -> Path { Path } }\n\
    #[derive(Clone, Copy)] pub struct SegmentId;\n\
    impl SegmentId { pub const fn new(_: [u8; 3]) -> Option<SegmentId> { Some(SegmentId) } }\n\
    pub struct Message; pub struct Builder;\n\
    impl Message { pub fn builder(_: &str, _: &str) -> Builder { Builder } }\n\
    impl Builder { pub fn time_zone_named(self, _: &str) -> Builder { self } }\n\
    }\n\
    pub mod __private { pub fn run_main() -> std::process::ExitCode { std::process::ExitCode::SUCCESS } }\n\
    use hl7::{Path, SegmentId};\n";

/// The metadata of a crate declaring a version that does not exist.
const BAD_VERSION: &str = "[package.metadata.messagefoundry]\nhl7-version = \"2.9\"";

/// Where an error at the first path literal of a fixture is: the line after the prelude and
/// the `use`.
fn first_path_line() -> String {
    format!("src/main.rs:{}:", PRELUDE.lines().count() + 2)
}

/// How many times the compiler output reports the unknown version.
fn version_errors(out: &str) -> usize {
    out.matches("hl7-version: unknown HL7 version 2.9").count()
}

#[test]
fn manifest_settings_reach_the_macros() {
    let (ok, out) = build(
        "bad-version",
        BAD_VERSION,
        &format!(
            "{PRELUDE}use ::messagefoundry_macros::path;\nconst P: Path = path!(\"PID-3\");\nfn main() {{ let _ = P; }}\n"
        ),
    );
    assert!(!ok, "an unknown version must fail the build");
    assert!(
        out.contains(&first_path_line()) && version_errors(&out) == 1,
        "{out}"
    );

    let zpi = "[package.metadata.messagefoundry]\nhl7-version = \"2.3\"\n\n\
        [package.metadata.messagefoundry.segments.ZPI]\nname = \"Patient extras\"\n\
        fields = [{ name = \"Set ID\", type = \"SI\" }, { name = \"Care team\", type = \"XCN\", repeating = true }]";
    let (ok, out) = build(
        "z-segment",
        zpi,
        &format!(
            "{PRELUDE}use ::messagefoundry_macros::path;\nconst A: Path = path!(\"ZPI-2.1\");\nconst B: Path = path!(\"PID-30\");\nfn main() {{ let _ = (A, B); }}\n"
        ),
    );
    assert!(ok, "declared ZPI-2.1 and 2.3's PID-30 resolve: {out}");

    let (ok, out) = build(
        "z-segment-past-end",
        zpi,
        &format!(
            "{PRELUDE}use ::messagefoundry_macros::path;\nconst A: Path = path!(\"ZPI-3\");\nconst B: Path = path!(\"PID-31\");\nfn main() {{ let _ = (A, B); }}\n"
        ),
    );
    assert!(!ok);
    assert!(out.contains("ZPI has 2 fields"), "{out}");
    assert!(out.contains("PID has 30 fields in HL7 2.3"), "{out}");
}

/// An unusable manifest is one mistake: it is one error in a crate with many path literals, in
/// a library crate, and in a binary whose only reader of the manifest is `main!`.
#[test]
fn a_bad_version_is_one_error_per_crate() {
    let paths: String = (1..=11)
        .map(|i| format!("pub const P{i}: Path = path!(\"PID-{i}\");\n"))
        .collect();
    let (ok, out) = build(
        "bad-version-many-paths",
        BAD_VERSION,
        &format!("{PRELUDE}use ::messagefoundry_macros::path;\n{paths}fn main() {{}}\n"),
    );
    assert!(!ok, "an unknown version must fail the build");
    assert_eq!(version_errors(&out), 1, "{out}");
    assert!(out.contains(&first_path_line()), "at the first path: {out}");

    let (ok, out) = build_file(
        "bad-version-library",
        BAD_VERSION,
        "lib.rs",
        &format!("{PRELUDE}use ::messagefoundry_macros::path;\n{paths}"),
    );
    assert!(!ok, "an unknown version must fail a library's build");
    assert_eq!(version_errors(&out), 1, "{out}");

    let (ok, out) = build(
        "bad-version-main-only",
        BAD_VERSION,
        &format!("{PRELUDE}::messagefoundry_macros::main!();\n"),
    );
    assert!(!ok, "main! reads the manifest too");
    assert_eq!(version_errors(&out), 1, "{out}");
}

/// Editing only the metadata re-runs the checks on the next build: the manifest is an input of
/// every expansion that read it.
#[test]
fn editing_the_metadata_checks_again() {
    let name = "metadata-edits";
    let zpi = "[package.metadata.messagefoundry.segments.ZPI]\nname = \"Patient extras\"\n\
        fields = [{ name = \"Set ID\", type = \"SI\" }]";
    let dir = fixture(name);
    // 2.5.1's PID has 39 fields, 2.3's has 30.
    std::fs::write(
        dir.join("src/main.rs"),
        format!(
            "{PRELUDE}use ::messagefoundry_macros::path;\nconst A: Path = path!(\"PID-35\");\nconst B: Path = path!(\"ZPI-1\");\nfn main() {{ let _ = (A, B); }}\n"
        ),
    )
    .expect("fixture source");
    let version = |v: &str| format!("[package.metadata.messagefoundry]\nhl7-version = \"{v}\"\n\n");

    write_manifest(&dir, name, &format!("{}{zpi}", version("2.5.1")));
    let (ok, out) = check(&dir);
    assert!(ok, "PID-35 and a declared ZPI-1 resolve in 2.5.1: {out}");

    write_manifest(&dir, name, &format!("{}{zpi}", version("2.3")));
    let (ok, out) = check(&dir);
    assert!(!ok, "the version changed to 2.3: PID-35 must fail now");
    assert!(out.contains("PID has 30 fields in HL7 2.3"), "{out}");

    write_manifest(&dir, name, &version("2.5.1"));
    let (ok, out) = check(&dir);
    assert!(!ok, "ZPI is no longer declared");
    assert!(out.contains("ZPI"), "{out}");

    write_manifest(&dir, name, &format!("{}{zpi}", version("2.5.1")));
    let (ok, out) = check(&dir);
    assert!(ok, "declared again: {out}");
}

/// `segment!` makes the manifest an input too: a crate whose only checked literal is a segment
/// ID is checked again when its declared segments change.
#[test]
fn segment_ids_follow_the_metadata() {
    let name = "segment-edits";
    let dir = fixture(name);
    std::fs::write(
        dir.join("src/main.rs"),
        format!(
            "{PRELUDE}use ::messagefoundry_macros::segment;\nconst Z: SegmentId = segment!(\"ZPI\");\nfn main() {{ let _ = Z; }}\n"
        ),
    )
    .expect("fixture source");
    let zpi = "[package.metadata.messagefoundry.segments.ZPI]\nname = \"Patient extras\"\n\
        fields = [{ name = \"Set ID\", type = \"SI\" }]";

    write_manifest(&dir, name, zpi);
    let (ok, out) = check(&dir);
    assert!(ok, "a declared ZPI resolves: {out}");

    write_manifest(&dir, name, "");
    let (ok, out) = check(&dir);
    assert!(!ok, "ZPI is no longer declared");
    assert!(out.contains("segment ZPI is not declared"), "{out}");
}

/// `new_message!` checks the type against the version of the manifest, and the manifest's time
/// zone is checked when the crate builds.
#[test]
fn new_messages_follow_the_metadata() {
    // OMG^O19 came with HL7 2.4.
    let source = format!(
        "{PRELUDE}use ::messagefoundry_macros::new_message;\nfn main() {{ let _ = new_message!(\"OMG^O19\"); }}\n"
    );
    let version = |v: &str| format!("[package.metadata.messagefoundry]\nhl7-version = \"{v}\"\n");
    let (ok, out) = build("new-message-2-5-1", &version("2.5.1"), &source);
    assert!(ok, "OMG^O19 is a type of 2.5.1: {out}");
    let (ok, out) = build("new-message-2-3", &version("2.3"), &source);
    assert!(!ok, "OMG^O19 is not a type of 2.3");
    assert!(
        out.contains("OMG^O19 is not a message type of HL7 2.3"),
        "{out}"
    );

    let zone = |z: &str| format!("[package.metadata.messagefoundry]\ntime-zone = \"{z}\"\n");
    let (ok, out) = build("new-message-zone", &zone("America/Chicago"), &source);
    assert!(ok, "a known time zone: {out}");
    let (ok, out) = build("new-message-zone-typo", &zone("America/Chicgo"), &source);
    assert!(!ok, "a mistyped time zone must fail the build");
    assert!(
        out.contains(
            "time-zone: unknown time zone \"America/Chicgo\" (did you mean America/Chicago?)"
        ),
        "{out}"
    );
}
