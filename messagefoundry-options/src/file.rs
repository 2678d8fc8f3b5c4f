//! The options of `file(…)`: a folder messages are picked up from, or written to.

use std::time::Duration;

use crate::table::{Default, Kind, Spec};

const fn secs(n: u64) -> Default {
    Default::Duration(Duration::from_secs(n))
}

/// The options of `inbound!(…, file(…), …)`.
pub const FILE_INBOUND: &[Spec] = &[
    Spec {
        name: "dir",
        kind: Kind::Folder,
        default: Default::Required,
        meaning: "the folder files are picked up from",
    },
    Spec {
        name: "pattern",
        kind: Kind::Text,
        default: Default::Text("*.hl7"),
        meaning: "names picked up (`*` any run of characters, `?` one); a writer may write under another name and rename the file in when it is complete",
    },
    Spec {
        name: "settle",
        kind: Kind::Duration,
        default: secs(1),
        meaning: "a file is read once its size and modification time have not changed for this long, so one still being written is left alone",
    },
    Spec {
        name: "poll",
        kind: Kind::Duration,
        default: secs(1),
        meaning: "how often the folder is listed",
    },
    Spec {
        name: "after",
        kind: Kind::Choice(&["move", "delete"]),
        default: Default::Word("move"),
        meaning: "once every message of a file is stored: `move` it to the `done` subfolder, or `delete` it",
    },
    Spec {
        name: "done",
        kind: Kind::Text,
        default: Default::Text("done"),
        meaning: "the subfolder finished files are moved to",
    },
    Spec {
        name: "error",
        kind: Kind::Text,
        default: Default::Text("error"),
        meaning: "the subfolder a file that cannot be read as HL7 is moved to, beside a `.reason` file saying why",
    },
    Spec {
        name: "max_file",
        kind: Kind::Bytes,
        default: Default::Number(64 * 1024 * 1024),
        meaning: "largest file read, in bytes; a larger one goes to the error subfolder",
    },
    Spec {
        name: "parse",
        kind: Kind::Choice(&["tolerant", "strict"]),
        default: Default::Word("tolerant"),
        meaning: "`tolerant`: repair blank lines, line endings and trailing whitespace; `strict`: a message that needs repair sends its file to the error subfolder",
    },
    Spec {
        name: "charset",
        kind: Kind::Choice(&["declared", "utf8", "latin1"]),
        default: Default::Word("declared"),
        meaning: "`declared`: read text in the character set MSH-18 names; `utf8` or `latin1`: in that set whatever MSH-18 says",
    },
];

/// The options of `outbound!(…, file(…))`.
pub const FILE_OUTBOUND: &[Spec] = &[
    Spec {
        name: "dir",
        kind: Kind::Folder,
        default: Default::Required,
        meaning: "the folder files are written to",
    },
    Spec {
        name: "name",
        kind: Kind::NameTemplate,
        default: Default::Text("{MSH-10}.hl7"),
        meaning: "each file's name: text with placeholders, `{seq}` (the message's place in the queue) or an HL7 path such as `{MSH-10}`; for a batch file, those of the batch's first message",
    },
    Spec {
        name: "batch",
        kind: Kind::Count,
        default: Default::Unset("off: a file per message"),
        meaning: "write queued messages as batch files (FHS, BHS, the messages, BTS, FTS) of at most this many",
    },
    Spec {
        name: "batch_wait",
        kind: Kind::Duration,
        default: secs(60),
        meaning: "with `batch`, the longest a batch file not yet full waits for more messages before it is written as it is",
    },
    Spec {
        name: "retries",
        kind: Kind::Count,
        default: Default::Number(5),
        meaning: "attempts for a message whose file name is taken by another file before it is dead-lettered",
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
];
