//! Secrets of the notification channels (a webhook's token, an SMTP password): named in the
//! environment file by where they are (an environment variable or a file), read when `serve`
//! or `alerts test` starts, and never written anywhere: not in a log, an error or `Debug`.

use std::path::PathBuf;

/// Where a secret is kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// In this environment variable.
    Env(String),
    /// In this file (its content without surrounding white space).
    File(PathBuf),
}

/// A secret's value. `Debug` shows nothing of it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

impl Secret {
    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl SecretSource {
    /// Reads `<what>_env` or `<what>_file` of a channel's table (one of them at most).
    pub fn read(fields: &mut super::fields::Fields<'_>, what: &str) -> Option<SecretSource> {
        let env = fields.text(&format!("{what}_env"));
        let file = fields.path(&format!("{what}_file"));
        match (env, file) {
            (Some(_), Some(_)) => {
                fields.error(format!("give {what}_env or {what}_file, not both"));
                None
            }
            (Some(name), None) => Some(SecretSource::Env(name)),
            (None, Some(path)) => Some(SecretSource::File(path)),
            (None, None) => None,
        }
    }

    /// Reads the secret now. The error names the variable or file, never a value.
    pub fn load(&self) -> Result<Secret, String> {
        let value = match self {
            SecretSource::Env(name) => std::env::var(name)
                .map_err(|_| format!("the environment variable {name} is not set"))?,
            SecretSource::File(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        };
        let value = value.trim();
        if value.is_empty() {
            return Err(format!("{self} is empty"));
        }
        Ok(Secret(value.to_owned()))
    }
}

impl std::fmt::Display for SecretSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretSource::Env(name) => write!(f, "the environment variable {name}"),
            SecretSource::File(path) => write!(f, "the file {}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_comes_from_a_file_and_is_never_shown() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("token");
        std::fs::write(&file, "  s3cret-value\n").unwrap();
        let secret = SecretSource::File(file.clone()).load().unwrap();
        assert_eq!(secret.expose(), "s3cret-value");
        assert!(!format!("{secret:?}").contains("s3cret"));
        std::fs::write(&file, "\n").unwrap();
        let empty = SecretSource::File(file).load().unwrap_err();
        assert!(empty.ends_with("is empty"), "{empty}");
        let unset = SecretSource::Env("MESSAGEFOUNDRY_TEST_UNSET_VARIABLE".into()).load();
        assert_eq!(
            unset.unwrap_err(),
            "the environment variable MESSAGEFOUNDRY_TEST_UNSET_VARIABLE is not set"
        );
    }
}
