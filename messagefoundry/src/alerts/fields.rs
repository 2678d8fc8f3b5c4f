//! Reading one table of `[alerts]`: each key taken once, its value checked, and every key
//! left over named as unknown with a suggestion. Mistakes are collected, not returned one by
//! one, so `check` lists them all.

use std::time::Duration;

/// One table of the `[alerts]` section being read.
pub struct Fields<'a> {
    /// Where it is, as the error messages name it: `[[alerts.queue]] #2`.
    at: String,
    table: &'a toml::Table,
    /// The keys this table may have.
    known: &'static [&'static str],
    /// Every mistake found so far, in the whole section.
    errors: &'a mut Vec<String>,
}

impl<'a> Fields<'a> {
    /// Reads `table`, found at `at`, which may hold the `known` keys.
    pub fn new(
        at: String,
        table: &'a toml::Table,
        known: &'static [&'static str],
        errors: &'a mut Vec<String>,
    ) -> Fields<'a> {
        Fields {
            at,
            table,
            known,
            errors,
        }
    }

    /// Records a mistake in this table.
    pub fn error(&mut self, message: impl std::fmt::Display) {
        self.errors.push(format!("{} {message}", self.at));
    }

    /// Reports every key that is not one of the known keys. Call once, after reading.
    pub fn finish(mut self) {
        let unknown: Vec<String> = self
            .table
            .keys()
            .filter(|k| !self.known.contains(&k.as_str()))
            .cloned()
            .collect();
        for key in unknown {
            let hint = messagefoundry_options::nearest(&key, self.known)
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            let known = self.known.join(", ");
            self.error(format!("unknown key `{key}`{hint} the keys are: {known}"));
        }
    }

    /// The raw value of a key.
    pub fn get(&self, key: &str) -> Option<&'a toml::Value> {
        self.table.get(key)
    }

    /// A text value.
    pub fn text(&mut self, key: &str) -> Option<String> {
        match self.table.get(key)? {
            toml::Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            _ => {
                self.error(format!("{key} must be a non-empty string"));
                None
            }
        }
    }

    /// A duration such as `"15m"`.
    pub fn duration(&mut self, key: &str) -> Option<Duration> {
        let value = self.table.get(key)?;
        let parsed = value
            .as_str()
            .and_then(messagefoundry_options::parse_duration);
        if parsed.is_none() {
            self.error(format!(
                "{key} is a duration such as \"30s\", \"15m\", \"2h\" or \"7d\""
            ));
        }
        parsed
    }

    /// A duration that must be given.
    pub fn required_duration(&mut self, key: &str) -> Option<Duration> {
        if self.table.contains_key(key) {
            self.duration(key)
        } else {
            self.error(format!("needs {key} (a duration such as \"15m\")"));
            None
        }
    }

    /// A whole number of at least `min`.
    pub fn integer(&mut self, key: &str, min: u64) -> Option<u64> {
        let value = self.table.get(key)?;
        match value.as_integer().and_then(|n| u64::try_from(n).ok()) {
            Some(n) if n >= min => Some(n),
            _ => {
                self.error(format!("{key} is a whole number, at least {min}"));
                None
            }
        }
    }

    /// A share of messages: `"5%"` or `0.05`, above 0 and at most 1.
    pub fn rate(&mut self, key: &str) -> Option<f64> {
        let value = self.table.get(key)?;
        let rate = match value {
            toml::Value::Float(f) => Some(*f),
            toml::Value::String(s) => s
                .trim()
                .strip_suffix('%')
                .and_then(|n| n.trim().parse::<f64>().ok())
                .map(|percent| percent / 100.0),
            _ => None,
        };
        match rate {
            Some(r) if r > 0.0 && r <= 1.0 => Some(r),
            _ => {
                self.error(format!(
                    "{key} is a share of messages such as \"5%\" or 0.05 (above 0, at most 100%)"
                ));
                None
            }
        }
    }

    /// A connection name, checked against the interface's: `None` (every connection) when
    /// absent, an error with a suggestion when it names none of them.
    pub fn connection(&mut self, key: &str, declared: &[&str]) -> Option<String> {
        let name = self.text(key)?;
        if declared.contains(&name.as_str()) {
            return Some(name);
        }
        let hint = messagefoundry_options::nearest(&name, declared)
            .map(|n| format!("; did you mean {n}?"))
            .unwrap_or_default();
        self.error(format!(
            "{key}: the interface has no {key} named {name}{hint}"
        ));
        None
    }

    /// A path to a file.
    pub fn path(&mut self, key: &str) -> Option<std::path::PathBuf> {
        self.text(key).map(std::path::PathBuf::from)
    }
}
