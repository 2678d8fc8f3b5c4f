//! The options of `sftp(…)`: a folder on an SFTP server. The server's own options come first
//! ([`SFTP_SERVER`]); the folder's are the rows of `file(…)` themselves, so a remote folder is
//! picked up from and written to exactly as a local one.

use crate::file::{FILE_INBOUND, FILE_OUTBOUND};
use crate::table::{Default, Kind, Spec, same, secs};

/// The options that say which server and how to log in, in both directions.
pub const SFTP_SERVER: &[Spec] = &[
    Spec {
        name: "host",
        kind: Kind::Host,
        default: Default::Required,
        meaning: "the SFTP server's host name or address",
    },
    Spec {
        name: "port",
        kind: Kind::Port,
        default: Default::Port(22),
        meaning: "its SSH port",
    },
    Spec {
        name: "user",
        kind: Kind::Text,
        default: Default::Required,
        meaning: "the user to log in as",
    },
    Spec {
        name: "host_key",
        kind: Kind::HostKey,
        default: Default::Required,
        meaning: "the server's host key, pinned: `\"SHA256:…\"` as `ssh-keygen -lf` prints it, or a known_hosts line; a server showing another key is refused (no trust on first use)",
    },
    Spec {
        name: "key",
        kind: Kind::Text,
        default: Default::Unset("none"),
        meaning: "the private key file to log in with (OpenSSH or PEM format); give `key` or a password",
    },
    Spec {
        name: "key_passphrase_env",
        kind: Kind::Text,
        default: Default::Unset("none"),
        meaning: "the environment variable holding the passphrase of `key`, if it has one",
    },
    Spec {
        name: "key_passphrase_file",
        kind: Kind::Text,
        default: Default::Unset("none"),
        meaning: "a file holding the passphrase of `key` (one trailing line break dropped)",
    },
    Spec {
        name: "password_env",
        kind: Kind::Text,
        default: Default::Unset("none"),
        meaning: "the environment variable holding the user's password",
    },
    Spec {
        name: "password_file",
        kind: Kind::Text,
        default: Default::Unset("none"),
        meaning: "a file holding the user's password (one trailing line break dropped)",
    },
    Spec {
        name: "connect_timeout",
        kind: Kind::Duration,
        default: secs(15),
        meaning: "time to connect: TCP, key exchange, login and starting SFTP",
    },
    Spec {
        name: "io_timeout",
        kind: Kind::Duration,
        default: secs(30),
        meaning: "the longest one SFTP request may wait for its answer",
    },
];

/// Whether an option of `sftp(…)` is the server's (the others are the folder's, as in `file(…)`).
pub fn is_server_option(name: &str) -> bool {
    SFTP_SERVER.iter().any(|spec| spec.name == name)
}

/// The server's rows, then the folder's, with `dir` meaning the remote folder.
const fn table<const N: usize>(folder: &[Spec], dir: Spec) -> [Spec; N] {
    let mut out = [dir; N];
    let mut i = 0;
    while i < SFTP_SERVER.len() {
        out[i] = SFTP_SERVER[i];
        i += 1;
    }
    let mut j = 0;
    while j < folder.len() {
        if !same(folder[j].name, "dir") {
            out[i + j] = folder[j];
        }
        j += 1;
    }
    assert!(i + j == N, "the SFTP table's length");
    out
}

const INBOUND: [Spec; SFTP_SERVER.len() + FILE_INBOUND.len()] = table(
    FILE_INBOUND,
    Spec {
        name: "dir",
        kind: Kind::Text,
        default: Default::Required,
        meaning: "the folder on the server files are picked up from: relative to the user's login folder, or absolute",
    },
);

const OUTBOUND: [Spec; SFTP_SERVER.len() + FILE_OUTBOUND.len()] = table(
    FILE_OUTBOUND,
    Spec {
        name: "dir",
        kind: Kind::Text,
        default: Default::Required,
        meaning: "the folder on the server files are written to: relative to the user's login folder, or absolute",
    },
);

/// The options of `inbound!(…, sftp(…), …)`.
pub const SFTP_INBOUND: &[Spec] = &INBOUND;

/// The options of `outbound!(…, sftp(…))`.
pub const SFTP_OUTBOUND: &[Spec] = &OUTBOUND;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_options_are_the_file_transports() {
        for (sftp, file) in [(SFTP_INBOUND, FILE_INBOUND), (SFTP_OUTBOUND, FILE_OUTBOUND)] {
            assert_eq!(sftp.len(), SFTP_SERVER.len() + file.len());
            for spec in file.iter().filter(|s| s.name != "dir") {
                assert!(sftp.contains(spec), "{}", spec.name);
            }
            let dir = sftp.iter().find(|s| s.name == "dir").unwrap();
            assert!(dir.meaning.contains("on the server"));
            assert_eq!(sftp.iter().filter(|s| s.name == "dir").count(), 1);
        }
        assert!(is_server_option("host_key"));
        assert!(!is_server_option("pattern"));
    }
}
