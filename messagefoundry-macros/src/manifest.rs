//! The user's `Cargo.toml`: the HL7 version of `[package.metadata.messagefoundry]`.
//!
//! This is the only file the macros read. It is read once per compilation.

use std::sync::OnceLock;

/// The version used when the crate declares none.
pub const DEFAULT_VERSION: &str = "2.5.1";

/// What the manifest says, or why it could not be read.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The declared HL7 version (`hl7-version`), or the default.
    pub version: String,
}

/// The settings of the crate being compiled; an error message when its manifest is unusable.
pub fn settings() -> Result<&'static Settings, String> {
    static SETTINGS: OnceLock<Result<Settings, String>> = OnceLock::new();
    SETTINGS.get_or_init(read).as_ref().map_err(Clone::clone)
}

fn read() -> Result<Settings, String> {
    let Ok(dir) = std::env::var("CARGO_MANIFEST_DIR") else {
        return Ok(Settings {
            version: DEFAULT_VERSION.to_owned(),
        });
    };
    let path = std::path::Path::new(&dir).join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse(&text)
}

/// Reads `[package.metadata.messagefoundry] hl7-version` from manifest text.
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
    Ok(Settings { version })
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
    }
}
