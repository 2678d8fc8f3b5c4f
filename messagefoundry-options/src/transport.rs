//! The transports a connection speaks, each with its own options: `mllp(…)`, `file(…)`,
//! `http(…)` and `sftp(…)`.

use crate::table::{Direction, INBOUND, OUTBOUND, Spec};

/// What a connection speaks: the word before its options in `inbound!` and `outbound!`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Transport {
    /// `mllp(…)`: HL7 over TCP (or TLS) with MLLP framing.
    Mllp,
    /// `file(…)`: files in a folder.
    File,
    /// `http(…)`: HL7 v2 in the body of an HTTP `POST`, the ACK in the response.
    Http,
    /// `sftp(…)`: files in a folder on an SFTP server.
    Sftp,
}

impl Transport {
    /// Every transport, in the order the docs list them.
    pub const ALL: &'static [Transport] = &[
        Transport::Mllp,
        Transport::File,
        Transport::Http,
        Transport::Sftp,
    ];

    /// The transport's word: `mllp`, `file`, `http`, `sftp`.
    pub fn word(self) -> &'static str {
        match self {
            Transport::Mllp => "mllp",
            Transport::File => "file",
            Transport::Http => "http",
            Transport::Sftp => "sftp",
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
            (Transport::Http, Direction::Inbound) => crate::http::HTTP_INBOUND,
            (Transport::Http, Direction::Outbound) => crate::http::HTTP_OUTBOUND,
            (Transport::Sftp, Direction::Inbound) => crate::sftp::SFTP_INBOUND,
            (Transport::Sftp, Direction::Outbound) => crate::sftp::SFTP_OUTBOUND,
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
        // An option this transport names differently (MLLP's `max_frame` is HTTP's
        // `max_body`) is suggested by what it sets, whatever the spelling.
        let renamed = self
            .options(direction)
            .iter()
            .find(|spec| spec.name != name && crate::setting_of(spec.name) == name)
            .map(|spec| spec.name);
        let hint = renamed
            .or_else(|| self.nearest(direction, name))
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
        let (last, rest) = words.split_last().expect("there are transports");
        format!(
            "unknown transport `{word}`; the transports are {} and {last}",
            rest.join(", ")
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
            "unknown transport `ftp`; the transports are `mllp(…)`, `file(…)`, `http(…)` and `sftp(…)`"
        );
    }

    #[test]
    fn an_option_named_otherwise_for_http_is_suggested() {
        assert!(
            Transport::Http
                .unknown(Direction::Inbound, "max_frame")
                .starts_with("unknown option `max_frame`; did you mean `max_body`? ")
        );
        assert!(
            Transport::Http
                .unknown(Direction::Outbound, "ack_timeout")
                .starts_with("unknown option `ack_timeout`; did you mean `response_timeout`? ")
        );
    }
}
