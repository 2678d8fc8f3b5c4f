//! The table: every option of `inbound!` and `outbound!`, with its kind, default and meaning.
//!
//! An option's name is also its key in an environment file, under `[inbound.NAME]` or
//! `[outbound.NAME]`. The runtime's defaults (`MllpListen::DEFAULT`, `MllpConnect::DEFAULT`)
//! are held to the defaults here by a test of the `messagefoundry` crate.

use std::time::Duration;

/// The runtime setting an option sets, where its name differs from the option's: an HTTP
/// option that means what an MLLP one means under a name that fits HTTP (`max_body` is
/// MLLP's `max_frame`). Other options set the setting of their own name.
pub fn setting_of(option: &str) -> &str {
    match option {
        "max_body" => "max_frame",
        "request_timeout" => "frame_timeout",
        "response_timeout" => "ack_timeout",
        other => other,
    }
}

/// Which macro declares a connection, and which section of an environment file overrides it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Direction {
    /// `inbound!`, `[inbound.NAME]`: an MLLP listener.
    Inbound,
    /// `outbound!`, `[outbound.NAME]`: an MLLP sender.
    Outbound,
}

impl Direction {
    /// Every option of `mllp(…)` in this direction, in the order the docs list them
    /// ([`crate::Transport::options`] for the others).
    pub fn options(self) -> &'static [Spec] {
        match self {
            Direction::Inbound => INBOUND,
            Direction::Outbound => OUTBOUND,
        }
    }

    /// The option with this name, if there is one.
    pub fn option(self, name: &str) -> Option<&'static Spec> {
        self.options().iter().find(|spec| spec.name == name)
    }

    /// `inbound` or `outbound`: the macro's name and the environment file's section.
    pub fn section(self) -> &'static str {
        match self {
            Direction::Inbound => "inbound",
            Direction::Outbound => "outbound",
        }
    }

    /// The option a name that is no option was likely meant to be.
    pub fn nearest(self, name: &str) -> Option<&'static str> {
        crate::Transport::Mllp.nearest(self, name)
    }

    /// The error for a name that is no option: a suggestion when it looks like a typo, and the
    /// list of options.
    pub fn unknown(self, name: &str) -> String {
        crate::Transport::Mllp.unknown(self, name)
    }
}

/// What an option's value is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// A TCP port, 1 to 65535.
    Port,
    /// A TCP port to listen on: 1 to 65535, or 0 in an environment file for any free port.
    ListenPort,
    /// A host name or an address.
    Host,
    /// A duration written as a string: `"500ms"`, `"30s"`, `"10m"`, `"1h"`, `"2d"`.
    Duration,
    /// A positive number of bytes.
    Bytes,
    /// A positive count.
    Count,
    /// `true` or `false`.
    Flag,
    /// One of a few words: bare in the macro (`tls = off`), a string in an environment file
    /// (`tls = "off"`).
    Choice(&'static [&'static str]),
    /// A non-empty list of addresses and networks: `["127.0.0.1", "10.1.2.0/24"]`.
    Addresses,
    /// The path of a PEM file.
    File,
    /// Other text, such as a certificate fingerprint.
    Text,
    /// The path of a folder.
    Folder,
    /// A file name with placeholders: `"{MSH-10}.hl7"` ([`crate::name_template`]).
    NameTemplate,
    /// An `http://` or `https://` URL with a host: `"https://ehr.example.org/hl7"`.
    Url,
    /// The path part of a URL: `"/hl7"`.
    UrlPath,
    /// A list of HTTP header lines: `["X-Partner: lab"]`.
    Headers,
    /// An SSH server's host key, pinned: `"SHA256:…"` as `ssh-keygen -lf` prints it, or a
    /// `known_hosts` or public key line.
    HostKey,
}

/// The largest count an option takes (retries are counted in 32 bits).
pub const MAX_COUNT: u64 = u32::MAX as u64;

/// The largest number of bytes an option takes: 1 TiB, far past any frame.
pub const MAX_BYTES: u64 = 1 << 40;

/// What applies when an option is not given.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Default {
    /// Nothing: the macro requires the option.
    Required,
    /// The option is unset; the text says what that means ("off", "every peer", …).
    Unset(&'static str),
    /// A duration.
    Duration(Duration),
    /// A number of bytes, or a count.
    Number(u64),
    /// A TCP port.
    Port(u16),
    /// `true` or `false`.
    Flag(bool),
    /// One word of a choice.
    Word(&'static str),
    /// Text, such as an address to bind.
    Text(&'static str),
}

/// One option: everything the macros, the environment loader and the docs know of it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Spec {
    /// The option's name, and its key in an environment file.
    pub name: &'static str,
    /// What its value is.
    pub kind: Kind,
    /// What applies without it.
    pub default: Default,
    /// What it does, in a line of the docs (Markdown).
    pub meaning: &'static str,
}

pub(crate) const fn secs(n: u64) -> Default {
    Default::Duration(Duration::from_secs(n))
}

pub(crate) const MIB: u64 = 1024 * 1024;

/// An option one table shares with another: the same row, so they cannot drift apart.
pub(crate) const fn shared(table: &'static [Spec], name: &str) -> Spec {
    let mut i = 0;
    while i < table.len() {
        if same(table[i].name, name) {
            return table[i];
        }
        i += 1;
    }
    panic!("a table names an option the table it shares with does not have");
}

/// String equality in a constant.
pub(crate) const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The options of `inbound!`.
pub const INBOUND: &[Spec] = &[
    Spec {
        name: "port",
        kind: Kind::ListenPort,
        default: Default::Required,
        meaning: "TCP port to listen on; in an environment file 0 takes any free port (`serve` prints the one it got)",
    },
    Spec {
        name: "bind",
        kind: Kind::Host,
        default: Default::Text("0.0.0.0"),
        meaning: "address to listen on",
    },
    Spec {
        name: "max_frame",
        kind: Kind::Bytes,
        default: Default::Number(16 * MIB),
        meaning: "largest frame accepted, in bytes; a larger one is refused (AR) while it arrives",
    },
    Spec {
        name: "max_connections",
        kind: Kind::Count,
        default: Default::Number(64),
        meaning: "connections served at once; at the cap one that delivered no frame, else the one quiet longest, is closed to make room",
    },
    Spec {
        name: "max_connections_per_peer",
        kind: Kind::Count,
        default: Default::Unset("off"),
        meaning: "connections at once from one peer address",
    },
    Spec {
        name: "allow",
        kind: Kind::Addresses,
        default: Default::Unset("every peer"),
        meaning: "peer addresses and networks served: `allow = [\"127.0.0.1\", \"10.1.2.0/24\"]`",
    },
    Spec {
        name: "first_frame_timeout",
        kind: Kind::Duration,
        default: secs(5),
        meaning: "a new connection must begin its first frame this soon",
    },
    Spec {
        name: "idle_timeout",
        kind: Kind::Duration,
        default: secs(600),
        meaning: "a connection with no frame for this long is closed",
    },
    Spec {
        name: "frame_timeout",
        kind: Kind::Duration,
        default: secs(30),
        meaning: "a frame must end this soon after it begins",
    },
    Spec {
        name: "max_frame_memory",
        kind: Kind::Bytes,
        default: Default::Number(64 * MIB),
        meaning: "bytes the inbound's arriving frames may hold together beyond 64 KiB each",
    },
    Spec {
        name: "ack_mode",
        kind: Kind::Choice(&["original", "enhanced", "after_processing", "none"]),
        default: Default::Word("original"),
        meaning: "`original` (AA once stored), `enhanced` (CA, then the application ACK as MSH-15/16 ask), `after_processing` (AA/AE once routed), `none`",
    },
    Spec {
        name: "duplicate_window",
        kind: Kind::Duration,
        default: Default::Unset("off"),
        meaning: "a message repeating MSH-3 + MSH-10 within this time is answered and not routed again: `duplicate_window = \"24h\"`",
    },
    Spec {
        name: "tls",
        kind: Kind::Choice(&["on", "off"]),
        default: Default::Word("on"),
        meaning: "`on`: TLS for peers that speak it (a self-signed certificate unless `tls_cert`); `off`: plaintext only",
    },
    Spec {
        name: "plaintext",
        kind: Kind::Choice(&["allow", "refuse"]),
        default: Default::Word("allow"),
        meaning: "serve or refuse plaintext peers on a TLS listener",
    },
    Spec {
        name: "parse",
        kind: Kind::Choice(&["tolerant", "strict"]),
        default: Default::Word("tolerant"),
        meaning: "`tolerant`: repair blank lines, line endings and trailing whitespace (recorded with the message); `strict`: refuse them",
    },
    Spec {
        name: "charset",
        kind: Kind::Choice(&["declared", "utf8", "latin1"]),
        default: Default::Word("declared"),
        meaning: "`declared`: read text in the character set MSH-18 names; `utf8` or `latin1`: read it in that set whatever MSH-18 says, for a sender known to mislabel (the bytes are stored as received)",
    },
    Spec {
        name: "validate",
        kind: Kind::Choice(&["off", "tolerant", "strict"]),
        default: Default::Word("off"),
        meaning: "`tolerant` or `strict`: validate each message against the schema (the presets of `hl7 validate`); one that fails is answered AE with an ERR per finding, stored as ERROR and not routed",
    },
    Spec {
        name: "invalid_ack",
        kind: Kind::Choice(&["ae", "ar"]),
        default: Default::Word("ae"),
        meaning: "the code a message that fails validation is answered with: `ae` (application error) or `ar` (application reject)",
    },
    Spec {
        name: "tls_cert",
        kind: Kind::File,
        default: Default::Unset("generated"),
        meaning: "the listener's certificate chain; with `tls_key`",
    },
    Spec {
        name: "tls_key",
        kind: Kind::File,
        default: Default::Unset("generated"),
        meaning: "the private key of `tls_cert`",
    },
    Spec {
        name: "tls_client_ca",
        kind: Kind::File,
        default: Default::Unset("none"),
        meaning: "ask for client certificates signed by these CAs (mutual TLS)",
    },
];

/// The options of `outbound!`.
pub const OUTBOUND: &[Spec] = &[
    Spec {
        name: "host",
        kind: Kind::Host,
        default: Default::Required,
        meaning: "the downstream's host name or address",
    },
    Spec {
        name: "port",
        kind: Kind::Port,
        default: Default::Required,
        meaning: "the downstream's TCP port",
    },
    Spec {
        name: "connect_timeout",
        kind: Kind::Duration,
        default: secs(10),
        meaning: "time to connect, the TLS handshake included",
    },
    Spec {
        name: "send_timeout",
        kind: Kind::Duration,
        default: secs(30),
        meaning: "time to write one message",
    },
    Spec {
        name: "ack_timeout",
        kind: Kind::Duration,
        default: secs(30),
        meaning: "time for the ACK to arrive",
    },
    Spec {
        name: "persistent",
        kind: Kind::Flag,
        default: Default::Flag(true),
        meaning: "keep one connection between messages (`false`: a connection per message)",
    },
    Spec {
        name: "batch",
        kind: Kind::Count,
        default: Default::Unset("off"),
        meaning: "send queued messages as batches (BHS … BTS in one frame) of at most this many, and read the batch acknowledgment",
    },
    Spec {
        name: "batch_wait",
        kind: Kind::Duration,
        default: Default::Duration(Duration::from_millis(500)),
        meaning: "with `batch`, how long a batch not yet full waits for more queued messages",
    },
    Spec {
        name: "retries",
        kind: Kind::Count,
        default: Default::Number(5),
        meaning: "attempts for a message answered AE/CE before it is dead-lettered",
    },
    Spec {
        name: "backoff",
        kind: Kind::Duration,
        default: secs(1),
        meaning: "the first wait before a retry, doubled each time",
    },
    Spec {
        name: "max_backoff",
        kind: Kind::Duration,
        default: secs(60),
        meaning: "the longest wait before a retry",
    },
    Spec {
        name: "tls_ca",
        kind: Kind::File,
        default: Default::Unset("none"),
        meaning: "speak TLS, trusting the CAs (or self-signed certificate) in this file",
    },
    Spec {
        name: "tls_fingerprint",
        kind: Kind::Text,
        default: Default::Unset("none"),
        meaning: "speak TLS, trusting only the certificate with this SHA-256 fingerprint",
    },
    Spec {
        name: "tls_server_name",
        kind: Kind::Host,
        default: Default::Unset("the host"),
        meaning: "the name the downstream's certificate must carry",
    },
    Spec {
        name: "tls_cert",
        kind: Kind::File,
        default: Default::Unset("none"),
        meaning: "a client certificate chain, for mutual TLS; with `tls_key`",
    },
    Spec {
        name: "tls_key",
        kind: Kind::File,
        default: Default::Unset("none"),
        meaning: "the private key of `tls_cert`",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_choices_hold_their_default() {
        let tables = crate::Transport::ALL.iter().flat_map(|t| {
            [
                t.options(Direction::Inbound),
                t.options(Direction::Outbound),
            ]
        });
        for options in tables {
            for (i, spec) in options.iter().enumerate() {
                assert!(
                    options[..i].iter().all(|s| s.name != spec.name),
                    "{} twice",
                    spec.name
                );
                if let (Kind::Choice(words), Default::Word(w)) = (spec.kind, spec.default) {
                    assert!(words.contains(&w), "{}: default {w}", spec.name);
                }
                assert!(
                    spec.default.value().is_none() || spec.check_default().is_ok(),
                    "{}: its default is not a value of its kind",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn unknown_names_get_a_suggestion() {
        assert_eq!(
            Direction::Outbound.unknown("ack_timout"),
            "unknown option `ack_timout`; did you mean `ack_timeout`? the options are: host, port, connect_timeout, send_timeout, ack_timeout, persistent, batch, batch_wait, retries, backoff, max_backoff, tls_ca, tls_fingerprint, tls_server_name, tls_cert, tls_key"
        );
        assert!(
            !Direction::Inbound
                .unknown("zzzzzz")
                .contains("did you mean")
        );
    }
}
