//! `[store]` in an environment file: the keys the store's bodies are sealed under.
//!
//! ```toml
//! [store]
//! key = "file:/etc/messagefoundry/store.key"    # or "env:MF_STORE_KEY"
//! previous_keys = ["env:MF_OLD_STORE_KEY"]      # until `store rotate-key` has finished
//! ```

use super::environment::{Environment, EnvironmentError};
use crate::store::{KeySettings, KeySource};

impl Environment {
    /// The store's key settings; without `[store]`, none (bodies stored unencrypted).
    pub fn store_keys(&self) -> Result<KeySettings, EnvironmentError> {
        let mut keys = KeySettings::default();
        for (name, value) in &self.store {
            match (name.as_str(), value) {
                ("key", toml::Value::String(text)) => {
                    keys.current = Some(self.key_source(text)?);
                }
                ("previous_keys", toml::Value::Array(list)) => {
                    for item in list {
                        let toml::Value::String(text) = item else {
                            return Err(self.invalid(
                                "[store] previous_keys holds strings: [\"file:PATH\", \"env:NAME\"]"
                                    .into(),
                            ));
                        };
                        keys.previous.push(self.key_source(text)?);
                    }
                }
                ("key" | "previous_keys", _) => {
                    return Err(self.invalid(format!(
                        "[store] {name} must be \"file:PATH\" or \"env:NAME\" (a list for previous_keys)"
                    )));
                }
                (other, _) => {
                    return Err(self.invalid(format!(
                        "[store] has no setting `{other}`; its settings are `key` and `previous_keys`"
                    )));
                }
            }
        }
        Ok(keys)
    }

    fn key_source(&self, text: &str) -> Result<KeySource, EnvironmentError> {
        KeySource::parse(text).map_err(|e| self.invalid(format!("[store]: {e}")))
    }
}
