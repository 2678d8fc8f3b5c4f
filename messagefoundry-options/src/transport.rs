//! The transports a connection speaks, each with its own options: `mllp(…)` and `file(…)`.

use crate::table::{Direction, INBOUND, OUTBOUND, Spec};

/// What a connection speaks: the word before its options in `inbound!` and `outbound!`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Transport {
    /// `mllp(…)`: HL7 over TCP (or TLS) with MLLP framing.
    Mllp,
    /// `file(…)`: files in a folder.
    File,
}

impl Transport {
    /// Every transport, in the order the docs list them.
    pub const ALL: &'static [Transport] = &[Transport::Mllp, Transport::File];

    /// The transport's word: `mllp`, `file`.
    pub fn word(self) -> &'static str {
        match self {
            Transport::Mllp => "mllp",
            Transport::File => "file",
        }
    }

    /// The transport a word names.
    pub fn named(word: &str) -> Option<Transport> {
        Transport::ALL.iter().copied().find(|t| t.word() == word)
    }

    /// Every option of this transport in this direction, in the order the docs list them.
    pub fn options(self, direction: Direction) -> &'static [Spec] {
        match (self, direction) {
            (Transport::Mllp, Direction::Inbound) => INBOUND,
            (Transport::Mllp, Direction::Outbound) => OUTBOUND,
            (Transport::File, Direction::Inbound) => crate::file::FILE_INBOUND,
            (Transport::File, Direction::Outbound) => crate::file::FILE_OUTBOUND,
        }
    }

    /// The option with this name, if there is one.
    pub fn option(self, direction: Direction, name: &str) -> Option<&'static Spec> {
        self.options(direction)
            .iter()
            .find(|spec| spec.name == name)
    }

    /// The option a name that is no option was likely meant to be.
    pub fn nearest(self, direction: Direction, name: &str) -> Option<&'static str> {
        let names: Vec<&'static str> = self.options(direction).iter().map(|s| s.name).collect();
        crate::suggest::nearest(name, &names)
    }

    /// The error for a name that is no option: a suggestion when it looks like a typo, and the
    /// list of options.
    pub fn unknown(self, direction: Direction, name: &str) -> String {
        let names: Vec<&str> = self.options(direction).iter().map(|s| s.name).collect();
        let hint = self
            .nearest(direction, name)
            .map(|n| format!("did you mean `{n}`? "))
            .unwrap_or_default();
        format!(
            "unknown option `{name}`; {hint}the options are: {}",
            names.join(", ")
        )
    }

    /// The error for a word that is no transport.
    pub fn unknown_transport(word: &str) -> String {
        let words: Vec<String> = Transport::ALL
            .iter()
            .map(|t| format!("`{}(…)`", t.word()))
            .collect();
        format!(
            "unknown transport `{word}`; the transports are {}",
            words.join(" and ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_transport_has_its_own_options() {
        assert!(Transport::File.option(Direction::Inbound, "dir").is_some());
        assert!(Transport::File.option(Direction::Inbound, "port").is_none());
        assert!(Transport::Mllp.option(Direction::Inbound, "dir").is_none());
        assert_eq!(
            Transport::File.nearest(Direction::Outbound, "nmae"),
            Some("name")
        );
        assert_eq!(Transport::named("file"), Some(Transport::File));
        assert_eq!(
            Transport::unknown_transport("ftp"),
            "unknown transport `ftp`; the transports are `mllp(…)` and `file(…)`"
        );
    }
}
