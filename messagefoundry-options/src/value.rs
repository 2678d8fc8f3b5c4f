//! Checking an option's value: from what was written, in the macro or in an environment file,
//! to a value of the option's kind, with the same error messages in both places.

use std::time::Duration;

use crate::cidr::Cidr;
use crate::duration::{format_duration, parse_duration};
use crate::table::{Default, Kind, MAX_BYTES, MAX_COUNT, Spec};

/// Where a value was written. It decides how a choice is spelled (a bare word in the macro, a
/// string in an environment file) and whether a listening port may be 0.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Origin {
    /// Inside `mllp(…)` of `inbound!` or `outbound!`.
    Declaration,
    /// Under `[inbound.NAME]` or `[outbound.NAME]` of an environment file.
    Environment,
}

/// A value as written, before it is checked: the common ground of a Rust expression and a
/// TOML value.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Written {
    /// An integer.
    Int(i128),
    /// A string.
    Str(String),
    /// A bare word (only the macro has them): `on`, `enhanced`.
    Word(String),
    /// `true` or `false`.
    Bool(bool),
    /// An array.
    List(Vec<Written>),
    /// Anything else: a float, a table, an expression.
    Other,
}

/// A checked value.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Value {
    /// A port (0 only for a listener in an environment file).
    Port(u16),
    /// A duration, more than zero.
    Duration(Duration),
    /// A number of bytes, or a count; more than zero.
    Number(u64),
    /// `true` or `false`.
    Flag(bool),
    /// One word of a choice.
    Word(&'static str),
    /// Non-blank text: a host, a file, a fingerprint.
    Text(String),
    /// A non-empty list of addresses and networks.
    Addresses(Vec<Cidr>),
    /// A list of texts, each checked: HTTP header lines.
    Texts(Vec<String>),
}

/// Why a value was refused.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Invalid {
    /// The entry of a list at fault; `None` for the value as a whole.
    pub item: Option<usize>,
    /// What is wrong, in words (it names the option when it is about the whole value).
    pub message: String,
}

impl Invalid {
    fn whole(message: String) -> Vec<Invalid> {
        vec![Invalid {
            item: None,
            message,
        }]
    }
}

impl Default {
    /// The default as a value; `None` when there is none (required or unset).
    pub fn value(self) -> Option<Value> {
        match self {
            Default::Required | Default::Unset(_) => None,
            Default::Duration(d) => Some(Value::Duration(d)),
            Default::Number(n) => Some(Value::Number(n)),
            Default::Port(p) => Some(Value::Port(p)),
            Default::Flag(b) => Some(Value::Flag(b)),
            Default::Word(w) => Some(Value::Word(w)),
            Default::Text(t) => Some(Value::Text(t.to_owned())),
        }
    }

    /// The default as an environment file writes it; `None` when there is none.
    pub fn written(self) -> Option<Written> {
        match self {
            Default::Required | Default::Unset(_) => None,
            Default::Duration(d) => Some(Written::Str(format_duration(d))),
            Default::Number(n) => Some(Written::Int(i128::from(n))),
            Default::Port(p) => Some(Written::Int(i128::from(p))),
            Default::Flag(b) => Some(Written::Bool(b)),
            Default::Word(w) | Default::Text(w) => Some(Written::Str(w.to_owned())),
        }
    }
}

impl Spec {
    /// Checks a value written for this option. Every bad entry of a list is reported.
    pub fn check(&self, written: &Written, origin: Origin) -> Result<Value, Vec<Invalid>> {
        let name = self.name;
        match self.kind {
            Kind::Port | Kind::ListenPort => {
                let any_port = self.kind == Kind::ListenPort && origin == Origin::Environment;
                let range = if any_port {
                    "a port is an integer from 1 to 65535, or 0 for any free port"
                } else {
                    "a port is an integer from 1 to 65535"
                };
                match written {
                    Written::Int(n) => match u16::try_from(*n) {
                        Ok(p) if p > 0 || any_port => Ok(Value::Port(p)),
                        _ => Err(Invalid::whole(format!(
                            "{name} {n} is out of range; {range}"
                        ))),
                    },
                    _ => Err(Invalid::whole(range.to_owned())),
                }
            }
            Kind::Duration => match written {
                Written::Str(text) => parse_duration(text).map(Value::Duration),
                _ => None,
            }
            .ok_or_else(|| {
                Invalid::whole(format!(
                    "{name} is a duration such as \"500ms\", \"30s\", \"10m\" or \"1h\""
                ))
            }),
            Kind::Bytes => number(name, written, MAX_BYTES),
            Kind::Count => number(name, written, MAX_COUNT),
            Kind::Flag => match written {
                Written::Bool(b) => Ok(Value::Flag(*b)),
                _ => Err(Invalid::whole(format!("{name} must be `true` or `false`"))),
            },
            Kind::Choice(words) => choice(name, words, written, origin),
            Kind::Host | Kind::File | Kind::Text | Kind::Folder => match written {
                Written::Str(s) if !s.trim().is_empty() => Ok(Value::Text(s.clone())),
                _ => Err(Invalid::whole(format!("{name} must be a non-empty string"))),
            },
            Kind::NameTemplate => match written {
                Written::Str(s) => crate::template::name_template(s)
                    .map(|_| Value::Text(s.clone()))
                    .map_err(|e| Invalid::whole(format!("{name}: {e}"))),
                _ => Err(Invalid::whole(format!(
                    "{name} is a file name such as \"{{MSH-10}}.hl7\""
                ))),
            },
            Kind::Addresses => addresses(name, written),
            Kind::Url => match written {
                Written::Str(s) => crate::url::HttpUrl::parse(s)
                    .map(|_| Value::Text(s.clone()))
                    .map_err(|e| Invalid::whole(format!("{name}: {e}"))),
                _ => Err(Invalid::whole(format!(
                    "{name} is a URL string, such as \"https://ehr.example.org/hl7\""
                ))),
            },
            Kind::UrlPath => match written {
                Written::Str(s) => crate::url::check_path(s)
                    .map(|()| Value::Text(s.clone()))
                    .map_err(|e| Invalid::whole(format!("{name}: {e}"))),
                _ => Err(Invalid::whole(format!(
                    "{name} is a path string, such as \"/hl7\""
                ))),
            },
            Kind::Headers => headers(name, written),
            Kind::HostKey => match written {
                Written::Str(s) => crate::host_key::check(s)
                    .map(|()| Value::Text(s.clone()))
                    .map_err(|e| Invalid::whole(format!("{name}: {e}"))),
                _ => Err(Invalid::whole(format!(
                    "{name} is a string: {}",
                    crate::host_key::FORM
                ))),
            },
        }
    }
}

/// A positive integer up to `max`.
fn number(name: &str, written: &Written, max: u64) -> Result<Value, Vec<Invalid>> {
    match written {
        Written::Int(n) if *n > 0 => u64::try_from(*n)
            .ok()
            .filter(|n| *n <= max)
            .map(Value::Number)
            .ok_or_else(|| Invalid::whole(format!("{name} is too large; at most {max}"))),
        _ => Err(Invalid::whole(format!("{name} must be a positive integer"))),
    }
}

/// One of `words`: bare in a declaration, a string in an environment file.
fn choice(
    name: &str,
    words: &'static [&'static str],
    written: &Written,
    origin: Origin,
) -> Result<Value, Vec<Invalid>> {
    let given = match (written, origin) {
        (Written::Word(w), Origin::Declaration) | (Written::Str(w), Origin::Environment) => {
            Some(w.as_str())
        }
        _ => None,
    };
    if let Some(word) = given.and_then(|g| words.iter().find(|w| **w == g)) {
        return Ok(Value::Word(word));
    }
    let quoted: Vec<String> = words
        .iter()
        .map(|w| match origin {
            Origin::Declaration => format!("`{w}`"),
            Origin::Environment => format!("\"{w}\""),
        })
        .collect();
    let list = match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.concat(),
    };
    // A choice written as a string in the macro is the one mistake worth a hint.
    let hint = match (written, origin) {
        (Written::Str(s), Origin::Declaration) if words.contains(&s.as_str()) => {
            format!("; write it bare: `{name} = {s}`")
        }
        _ => String::new(),
    };
    Err(Invalid::whole(format!("{name} is {list}{hint}")))
}

/// A list of header lines, every bad one reported.
fn headers(name: &str, written: &Written) -> Result<Value, Vec<Invalid>> {
    let Written::List(items) = written else {
        return Err(Invalid::whole(format!(
            "{name} is a list of header lines, such as [\"X-Partner: lab\"]"
        )));
    };
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let checked = match item {
            Written::Str(s) => crate::url::check_header(s).map(|()| s.clone()),
            _ => Err(format!("{name} entries are strings `Name: value`")),
        };
        match checked {
            Ok(line) => lines.push(line),
            Err(message) => problems.push(Invalid {
                item: Some(i),
                message,
            }),
        }
    }
    if problems.is_empty() {
        Ok(Value::Texts(lines))
    } else {
        Err(problems)
    }
}

/// A non-empty list of addresses and networks.
fn addresses(name: &str, written: &Written) -> Result<Value, Vec<Invalid>> {
    let usage = format!(
        "{name} is a list of addresses or networks, such as [\"127.0.0.1\", \"10.1.2.0/24\"]"
    );
    let Written::List(items) = written else {
        return Err(Invalid::whole(usage));
    };
    if items.is_empty() {
        return Err(Invalid::whole(format!(
            "{name} needs at least one address; leave it out to accept every peer"
        )));
    }
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let entry = match item {
            Written::Str(s) => s.parse::<Cidr>().map_err(|e| e.to_string()),
            _ => Err(usage.clone()),
        };
        match entry {
            Ok(cidr) => entries.push(cidr),
            Err(message) => problems.push(Invalid {
                item: Some(i),
                message,
            }),
        }
    }
    if problems.is_empty() {
        Ok(Value::Addresses(entries))
    } else {
        Err(problems)
    }
}

#[cfg(test)]
impl Spec {
    /// The default, written as an environment file would, checked back.
    pub(crate) fn check_default(&self) -> Result<Value, Vec<Invalid>> {
        let written = self.default.written().ok_or_else(Vec::new)?;
        let value = self.check(&written, Origin::Environment)?;
        assert_eq!(Some(&value), self.default.value().as_ref(), "{}", self.name);
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Direction;

    fn check(direction: Direction, name: &str, written: Written, origin: Origin) -> String {
        let spec = direction.option(name).unwrap();
        match spec.check(&written, origin) {
            Ok(v) => format!("{v:?}"),
            Err(problems) => problems
                .iter()
                .map(|p| format!("{:?}: {}", p.item, p.message))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    #[test]
    fn ports() {
        use Direction::*;
        use Origin::*;
        let port = |d, n, o| check(d, "port", Written::Int(n), o);
        assert_eq!(port(Inbound, 2575, Declaration), "Port(2575)");
        assert_eq!(
            port(Inbound, 0, Declaration),
            "None: port 0 is out of range; a port is an integer from 1 to 65535"
        );
        assert_eq!(port(Inbound, 0, Environment), "Port(0)");
        assert_eq!(
            port(Outbound, 0, Environment),
            "None: port 0 is out of range; a port is an integer from 1 to 65535"
        );
        assert_eq!(
            port(Inbound, 70000, Environment),
            "None: port 70000 is out of range; a port is an integer from 1 to 65535, or 0 for any free port"
        );
        assert_eq!(
            check(Outbound, "port", Written::Str("1".into()), Declaration),
            "None: a port is an integer from 1 to 65535"
        );
    }

    #[test]
    fn numbers_durations_and_flags() {
        use Direction::*;
        use Origin::*;
        assert_eq!(
            check(Outbound, "retries", Written::Int(9), Environment),
            "Number(9)"
        );
        assert_eq!(
            check(Outbound, "retries", Written::Int(0), Environment),
            "None: retries must be a positive integer"
        );
        assert_eq!(
            check(Outbound, "retries", Written::Int(1 << 32), Declaration),
            "None: retries is too large; at most 4294967295"
        );
        assert_eq!(
            check(
                Outbound,
                "ack_timeout",
                Written::Str("1m".into()),
                Environment
            ),
            "Duration(60s)"
        );
        assert_eq!(
            check(Outbound, "ack_timeout", Written::Int(30), Declaration),
            "None: ack_timeout is a duration such as \"500ms\", \"30s\", \"10m\" or \"1h\""
        );
        assert_eq!(
            check(
                Outbound,
                "persistent",
                Written::Str("no".into()),
                Environment
            ),
            "None: persistent must be `true` or `false`"
        );
        assert_eq!(
            check(Inbound, "bind", Written::Str(" ".into()), Declaration),
            "None: bind must be a non-empty string"
        );
    }

    #[test]
    fn choices_are_words_in_the_macro_and_strings_in_a_file() {
        use Direction::*;
        use Origin::*;
        let ack = |w: Written, o| check(Inbound, "ack_mode", w, o);
        assert_eq!(
            ack(Written::Word("enhanced".into()), Declaration),
            "Word(\"enhanced\")"
        );
        assert_eq!(
            ack(Written::Str("enhanced".into()), Environment),
            "Word(\"enhanced\")"
        );
        assert_eq!(
            ack(Written::Str("enhanced".into()), Declaration),
            "None: ack_mode is `original`, `enhanced`, `after_processing` or `none`; write it bare: `ack_mode = enhanced`"
        );
        assert_eq!(
            check(
                Inbound,
                "plaintext",
                Written::Str("maybe".into()),
                Environment
            ),
            "None: plaintext is \"allow\" or \"refuse\""
        );
    }

    #[test]
    fn address_lists_report_every_bad_entry() {
        let list = |items: &[&str]| {
            Written::List(items.iter().map(|s| Written::Str((*s).into())).collect())
        };
        let allow = |w| check(Direction::Inbound, "allow", w, Origin::Declaration);
        assert_eq!(
            allow(list(&["127.0.0.1", "fd00::/8"])),
            "Addresses([Cidr { network: 127.0.0.1, prefix: 32 }, Cidr { network: fd00::, prefix: 8 }])"
        );
        assert_eq!(
            allow(list(&["127.0.0.1", "10.1.2.0/33", "10.1.3.7/24"])),
            "Some(1): `/33` is not a prefix length for IPv4 (0 to 32)\n\
             Some(2): `10.1.3.7/24` has bits set past the prefix; did you mean `10.1.3.0/24`?"
        );
        assert_eq!(
            allow(list(&[])),
            "None: allow needs at least one address; leave it out to accept every peer"
        );
        assert_eq!(
            allow(Written::Str("127.0.0.1".into())),
            "None: allow is a list of addresses or networks, such as [\"127.0.0.1\", \"10.1.2.0/24\"]"
        );
    }
}
