//! The table as Markdown, for the macros' rustdoc and the docs pages.

use std::fmt::Write as _;

use crate::duration::format_duration;
use crate::table::{Default, Direction, Kind, Spec};

/// The rows of one direction of `mllp(…)`: `| option | value | default | meaning |`.
pub fn markdown_table(direction: Direction) -> String {
    markdown_table_of(crate::Transport::Mllp, direction)
}

/// The rows of one transport's options in one direction.
pub fn markdown_table_of(transport: crate::Transport, direction: Direction) -> String {
    let mut out = String::from("| option | value | default | meaning |\n|---|---|---|---|\n");
    for spec in transport.options(direction) {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            spec.name,
            value_form(spec),
            default_text(spec),
            spec.meaning
        );
    }
    out
}

/// What the value is, in a few words.
fn value_form(spec: &Spec) -> String {
    match spec.kind {
        Kind::Port | Kind::ListenPort => "port".to_owned(),
        Kind::Host => "host name or address".to_owned(),
        Kind::Duration => "duration".to_owned(),
        Kind::Bytes => "bytes".to_owned(),
        Kind::Count => "count".to_owned(),
        Kind::Flag => "`true`, `false`".to_owned(),
        Kind::Choice(words) => words
            .iter()
            .map(|w| format!("`{w}`"))
            .collect::<Vec<_>>()
            .join(", "),
        Kind::Addresses => "addresses and networks".to_owned(),
        Kind::File => "PEM file".to_owned(),
        Kind::Text => "text".to_owned(),
        Kind::Url => "URL".to_owned(),
        Kind::UrlPath => "path".to_owned(),
        Kind::Headers => "header lines".to_owned(),
        Kind::Folder => "folder".to_owned(),
        Kind::NameTemplate => "file name template".to_owned(),
        Kind::HostKey => "host key fingerprint".to_owned(),
    }
}

/// The default as the docs show it: as written in the macro, or what its absence means.
pub fn default_text(spec: &Spec) -> String {
    match spec.default {
        Default::Required => "(required)".to_owned(),
        Default::Unset(meaning) => meaning.to_owned(),
        Default::Duration(d) => format!("`\"{}\"`", format_duration(d)),
        Default::Number(n) if spec.kind == Kind::Bytes => bytes(n),
        Default::Number(n) => n.to_string(),
        Default::Port(p) => p.to_string(),
        Default::Flag(b) => format!("`{b}`"),
        Default::Word(w) => format!("`{w}`"),
        Default::Text(t) => format!("`\"{t}\"`"),
    }
}

/// A size in the largest binary unit that divides it: 16 MiB.
fn bytes(n: u64) -> String {
    for (unit, size) in [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)] {
        if n.is_multiple_of(size) {
            return format!("{} {unit}", n / size);
        }
    }
    format!("{n} bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_show_defaults_as_written() {
        let table = markdown_table(Direction::Inbound);
        assert!(table.starts_with("| option | value | default | meaning |\n|---|---|---|---|\n"));
        assert!(table.contains("| `port` | port | (required) | TCP port to listen on;"));
        assert!(table.contains("| `max_frame` | bytes | 16 MiB |"));
        assert!(table.contains("| `idle_timeout` | duration | `\"10m\"` |"));
        assert!(table.contains("| `tls` | `on`, `off` | `on` |"));
        assert!(table.contains("| `bind` | host name or address | `\"0.0.0.0\"` |"));
        assert_eq!(
            table.lines().count(),
            2 + Direction::Inbound.options().len()
        );
        assert_eq!(bytes(3072), "3 KiB");
        assert_eq!(bytes(1536), "1536 bytes");
    }
}
