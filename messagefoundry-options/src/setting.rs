//! Values per environment for handlers (a receiving facility, a URL): each is declared with a
//! type in `values!`, set under `[values]` in an environment file, and read in handlers with
//! `value!("name")`. The type is checked here, the same at build time (a declared default) and
//! in an environment file.
//!
//! ```
//! use messagefoundry_options::{Setting, SettingType, Written};
//! let kind = SettingType::from_word("duration").unwrap();
//! let set = kind.check("lookup_timeout", &Written::Str("5s".into()));
//! assert_eq!(set, Ok(Setting::Duration(std::time::Duration::from_secs(5))));
//! ```

use std::borrow::Cow;
use std::time::Duration;

use crate::duration::parse_duration;
use crate::value::Written;

/// What a value holds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SettingType {
    /// Text, such as a facility name or a URL: a TOML string.
    Text,
    /// A whole number: a TOML integer.
    Integer,
    /// `true` or `false`.
    Flag,
    /// A duration written as a string: `"500ms"`, `"30s"`, `"10m"`.
    Duration,
}

/// A value of a [`SettingType`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Setting {
    /// Text.
    Text(Cow<'static, str>),
    /// A whole number.
    Integer(i64),
    /// `true` or `false`.
    Flag(bool),
    /// A duration.
    Duration(Duration),
}

impl SettingType {
    /// Every type, by the word that declares it.
    pub const ALL: &'static [(&'static str, SettingType)] = &[
        ("text", SettingType::Text),
        ("integer", SettingType::Integer),
        ("flag", SettingType::Flag),
        ("duration", SettingType::Duration),
    ];

    /// The type a word of `values!` declares: `text`, `integer`, `flag` or `duration`.
    pub fn from_word(word: &str) -> Option<SettingType> {
        Self::ALL.iter().find(|(w, _)| *w == word).map(|(_, t)| *t)
    }

    /// The word that declares this type.
    pub fn word(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("text", |(w, _)| w)
    }

    /// Checks a value written for the value `name`. The error names the value and the type
    /// expected, never what was written: a value may be a credential.
    pub fn check(self, name: &str, written: &Written) -> Result<Setting, String> {
        let checked = match (self, written) {
            (SettingType::Text, Written::Str(s)) => Some(Setting::Text(Cow::Owned(s.clone()))),
            (SettingType::Integer, Written::Int(n)) => i64::try_from(*n).ok().map(Setting::Integer),
            (SettingType::Flag, Written::Bool(b)) => Some(Setting::Flag(*b)),
            (SettingType::Duration, Written::Str(s)) => parse_duration(s).map(Setting::Duration),
            _ => None,
        };
        checked.ok_or_else(|| {
            let expected = match self {
                SettingType::Text => "a string",
                SettingType::Integer => "a whole number",
                SettingType::Flag => "`true` or `false`",
                SettingType::Duration => "a duration such as \"500ms\", \"30s\" or \"10m\"",
            };
            format!("value {name} is {} ({expected})", self.word())
        })
    }
}

impl Setting {
    /// The type of this value.
    pub fn kind(&self) -> SettingType {
        match self {
            Setting::Text(_) => SettingType::Text,
            Setting::Integer(_) => SettingType::Integer,
            Setting::Flag(_) => SettingType::Flag,
            Setting::Duration(_) => SettingType::Duration,
        }
    }
}

impl From<&str> for Setting {
    fn from(text: &str) -> Setting {
        Setting::Text(Cow::Owned(text.to_owned()))
    }
}

impl From<String> for Setting {
    fn from(text: String) -> Setting {
        Setting::Text(Cow::Owned(text))
    }
}

impl From<i64> for Setting {
    fn from(n: i64) -> Setting {
        Setting::Integer(n)
    }
}

impl From<bool> for Setting {
    fn from(b: bool) -> Setting {
        Setting::Flag(b)
    }
}

impl From<Duration> for Setting {
    fn from(d: Duration) -> Setting {
        Setting::Duration(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_takes_its_own_kind_of_value() {
        let text = SettingType::Text.check("facility", &Written::Str("GENHOSP".into()));
        assert_eq!(text, Ok(Setting::Text(Cow::Borrowed("GENHOSP"))));
        assert_eq!(
            SettingType::Integer.check("n", &Written::Int(-3)),
            Ok(Setting::Integer(-3))
        );
        assert_eq!(
            SettingType::Flag.check("f", &Written::Bool(true)),
            Ok(Setting::Flag(true))
        );
        assert_eq!(
            SettingType::Text.check("facility", &Written::Int(3)),
            Err("value facility is text (a string)".to_owned())
        );
        let refused = SettingType::Duration
            .check("timeout", &Written::Str("soon-SECRET".into()))
            .unwrap_err();
        assert!(
            refused.starts_with("value timeout is duration"),
            "{refused}"
        );
        assert!(!refused.contains("SECRET"), "{refused}");
        assert!(
            SettingType::Integer
                .check("n", &Written::Int(i128::from(i64::MAX) + 1))
                .is_err()
        );
    }

    #[test]
    fn words_name_types_both_ways() {
        for (word, kind) in SettingType::ALL {
            assert_eq!(SettingType::from_word(word), Some(*kind));
            assert_eq!(kind.word(), *word);
        }
        assert_eq!(SettingType::from_word("string"), None);
    }
}
