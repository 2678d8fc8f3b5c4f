//! The user's `Cargo.toml`: the HL7 version, the time zone and the declared Z-segments of
//! `[package.metadata.messagefoundry]`.
//!
//! ```toml
//! [package.metadata.messagefoundry]
//! hl7-version = "2.5.1"
//! time-zone = "America/Chicago"
//!
//! [package.metadata.messagefoundry.segments.ZPI]
//! name = "Patient extras"
//! fields = [
//!     { name = "Set ID", type = "SI" },
//!     { name = "Care Team", type = "XCN", repeating = true },
//! ]
//! ```
//!
//! This is the only file the macros read. It is read once per compilation, and every checked
//! path's expansion includes it with `include_bytes!` (see [`tracking_tokens`]), so that rustc
//! lists it among the crate's inputs and cargo rebuilds the crate when the metadata changes:
//! without that, cargo ignores `[package.metadata]` and paths stay checked against the old
//! version until a source file changes.
//!
//! An unusable manifest is one mistake, so it is one error: the first expansion of the
//! compilation that reads it reports it ([`Manifest::Report`]), and the others check nothing
//! against it ([`Manifest::Reported`]). Any macro that reads it may be first: a path literal, a
//! `#[router]` or `#[handler]`, or `main!`, so library crates are covered too.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use messagefoundry_hl7::schema::{self, Field, Profile, SegmentDef};

/// The version used when the crate declares none.
pub const DEFAULT_VERSION: &str = "2.5.1";

/// What the manifest says.
#[derive(Debug)]
pub struct Settings {
    /// The declared HL7 version (`hl7-version`), or the default.
    pub version: String,
    /// The schema to check paths against: the version plus the declared segments.
    pub profile: Profile<'static>,
    /// The time zone of the messages the crate builds (`time-zone`, an IANA name), if set.
    pub time_zone: Option<String>,
}

/// What an expansion gets from the manifest of the crate being compiled.
#[derive(Debug)]
pub enum Manifest {
    /// The settings to check against.
    Usable(&'static Settings),
    /// The manifest is unusable and this expansion is the first to read it: report this
    /// message.
    Report(&'static str),
    /// The manifest is unusable and an earlier expansion reported it: check nothing against
    /// it, and say nothing.
    Reported,
}

/// The settings of the crate being compiled, or its manifest's problem for the first expansion
/// to ask.
pub fn settings() -> Manifest {
    static SETTINGS: OnceLock<Result<Settings, String>> = OnceLock::new();
    // The compiler loads this crate once per compilation and runs every expansion in that one
    // process, so the flag is per crate compiled.
    static REPORTED: AtomicBool = AtomicBool::new(false);
    match SETTINGS.get_or_init(read) {
        Ok(settings) => Manifest::Usable(settings),
        Err(problem) if !REPORTED.swap(true, Ordering::Relaxed) => Manifest::Report(problem),
        Err(_) => Manifest::Reported,
    }
}

/// The manifest's problem as an error at `span`, if it has one that no expansion reported yet.
pub fn unreported_problem(span: proc_macro2::Span) -> Option<syn::Error> {
    match settings() {
        Manifest::Report(problem) => Some(syn::Error::new(span, problem)),
        Manifest::Usable(_) | Manifest::Reported => None,
    }
}

/// The manifest of the crate being compiled, if cargo said where it is.
fn manifest_path() -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")?;
    Some(std::path::Path::new(&dir).join("Cargo.toml"))
}

/// An item that makes the manifest an input of the compilation (nothing when there is no
/// manifest): an unused constant holding its bytes, which the compiler drops.
pub fn tracking_tokens() -> proc_macro2::TokenStream {
    let Some(path) = manifest_path().and_then(|p| p.to_str().map(str::to_owned)) else {
        return proc_macro2::TokenStream::new();
    };
    quote::quote! {
        const _: &[u8] = ::core::include_bytes!(#path);
    }
}

/// Where a Z-segment is declared, to follow an error that says it is not.
pub fn declare_hint(segment: messagefoundry_hl7::SegmentId) -> String {
    format!(" in Cargo.toml, under [package.metadata.messagefoundry.segments.{segment}]")
}

fn read() -> Result<Settings, String> {
    let Some(path) = manifest_path() else {
        return parse("");
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text)
}

/// Reads the settings from manifest text.
pub fn parse(text: &str) -> Result<Settings, String> {
    let table: toml::Table =
        toml::from_str(text).map_err(|e| format!("cannot parse Cargo.toml: {e}"))?;
    let section = table
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("messagefoundry"));
    let version = match section.and_then(|s| s.get("hl7-version")) {
        None => DEFAULT_VERSION.to_owned(),
        Some(toml::Value::String(v)) => v.clone(),
        Some(_) => {
            return Err(
                "[package.metadata.messagefoundry] hl7-version must be a string such as \"2.5.1\""
                    .to_owned(),
            );
        }
    };
    let schema_version = schema::require_version(&version)
        .map_err(|e| format!("[package.metadata.messagefoundry] hl7-version: {e}"))?;
    let time_zone = match section.and_then(|s| s.get("time-zone")) {
        None => None,
        Some(toml::Value::String(name)) => {
            messagefoundry_hl7::datetime::time_zone(name)
                .map_err(|e| format!("[package.metadata.messagefoundry] time-zone: {e}"))?;
            Some(name.clone())
        }
        Some(_) => {
            return Err(
                "[package.metadata.messagefoundry] time-zone must be a string such as \"America/Chicago\""
                    .to_owned(),
            );
        }
    };
    let segments = match section.and_then(|s| s.get("segments")) {
        None => Vec::new(),
        Some(toml::Value::Table(t)) => declared_segments(t)?,
        Some(_) => {
            return Err(
                "[package.metadata.messagefoundry.segments] must be a table of segments".to_owned(),
            );
        }
    };
    // The schema's types want 'static data; a compilation reads the manifest once, so leaking
    // it costs one small allocation per build.
    let segments: &'static [SegmentDef] = Box::leak(segments.into_boxed_slice());
    let profile = Profile::new(schema_version, segments);
    if let Some(problem) = profile.check().first() {
        return Err(format!(
            "[package.metadata.messagefoundry.segments]: {problem}"
        ));
    }
    Ok(Settings {
        version,
        profile,
        time_zone,
    })
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// Builds the declared segments: `[…segments.ZPI] name = "…", fields = [{ name, type, … }]`.
fn declared_segments(table: &toml::Table) -> Result<Vec<SegmentDef>, String> {
    let mut out = Vec::new();
    for (id, spec) in table {
        let at = format!("[package.metadata.messagefoundry.segments.{id}]");
        let b = id.as_bytes();
        if b.len() != 3 || messagefoundry_hl7::SegmentId::new([b[0], b[1], b[2]]).is_none() {
            return Err(format!(
                "{at}: a segment ID is three upper-case letters or digits, like ZPI"
            ));
        }
        let name = spec.get("name").and_then(toml::Value::as_str).unwrap_or(id);
        let Some(fields) = spec.get("fields").and_then(toml::Value::as_array) else {
            return Err(format!(
                "{at}: needs `fields = [{{ name = \"…\", type = \"ST\" }}, …]`"
            ));
        };
        let mut built = Vec::with_capacity(fields.len());
        for (i, f) in fields.iter().enumerate() {
            let at = format!("{at} field {}", i + 1);
            let fname = f
                .get("name")
                .and_then(toml::Value::as_str)
                .ok_or_else(|| format!("{at}: needs a `name`"))?;
            let ftype = f.get("type").and_then(toml::Value::as_str).unwrap_or("ST");
            let mut field = Field::new(leak(fname), leak(ftype));
            if f.get("required").and_then(toml::Value::as_bool) == Some(true) {
                field = field.required();
            }
            if f.get("repeating").and_then(toml::Value::as_bool) == Some(true) {
                field = field.repeating();
            }
            if let Some(t) = f.get("table").and_then(toml::Value::as_str) {
                field = field.table(leak(t));
            }
            built.push(field);
        }
        let fields: &'static [Field] = Box::leak(built.into_boxed_slice());
        out.push(SegmentDef::custom(leak(id), leak(name), fields));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_version_or_defaults() {
        let s = parse(
            "[package]\nname = \"x\"\n[package.metadata.messagefoundry]\nhl7-version = \"2.3\"\n",
        )
        .unwrap();
        assert_eq!(s.version, "2.3");
        assert_eq!(parse("[package]\nname = \"x\"\n").unwrap().version, "2.5.1");
        assert!(parse("[package.metadata.messagefoundry]\nhl7-version = 2\n").is_err());
        let e = parse("[package.metadata.messagefoundry]\nhl7-version = \"2.9\"\n").unwrap_err();
        assert!(e.contains("unknown HL7 version"), "{e}");
    }

    #[test]
    fn reads_and_checks_the_time_zone() {
        let manifest = |zone: &str| {
            parse(&format!(
                "[package.metadata.messagefoundry]\ntime-zone = {zone}\n"
            ))
        };
        assert_eq!(
            manifest("\"America/Chicago\"")
                .unwrap()
                .time_zone
                .as_deref(),
            Some("America/Chicago")
        );
        assert_eq!(parse("[package]\nname = \"x\"\n").unwrap().time_zone, None);
        let e = manifest("\"America/Chicgo\"").unwrap_err();
        assert!(
            e.starts_with("[package.metadata.messagefoundry] time-zone: unknown time zone \"America/Chicgo\" (did you mean America/Chicago?)"),
            "{e}"
        );
        assert!(manifest("5").unwrap_err().contains("must be a string"));
    }

    #[test]
    fn declared_segments_resolve() {
        let s = parse(
            "[package.metadata.messagefoundry.segments.ZPI]\nname = \"Extras\"\nfields = [{ name = \"Set ID\", type = \"SI\" }, { name = \"Team\", type = \"XCN\", repeating = true }]\n",
        )
        .unwrap();
        let ok = s
            .profile
            .resolve(&messagefoundry_hl7::Path::parse("ZPI-2.1").unwrap());
        assert!(ok.is_ok(), "{ok:?}");
        let past = s
            .profile
            .resolve(&messagefoundry_hl7::Path::parse("ZPI-3").unwrap());
        assert!(past.is_err());
    }
}
