//! File connections as `inbound!(…, file(…), …)` and `outbound!(…, file(…))` declare them.

use std::time::Duration;

use super::connection::{CharsetPolicy, ParsePolicy, RetryPolicy};

/// What an inbound does with a file once every message of it is stored.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AfterPickup {
    /// Moves it to the `done` subfolder. The default.
    Move,
    /// Deletes it.
    Delete,
}

/// A file inbound's settings: the folder it picks files up from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FileIn {
    /// The folder. No default: every file inbound names its folder.
    pub dir: &'static str,
    /// Names picked up (`*` any run of characters, `?` one). Default `*.hl7`.
    pub pattern: &'static str,
    /// A file is read once its size and modification time have held this long. Default 1 s.
    pub settle: Duration,
    /// How often the folder is listed. Default 1 s.
    pub poll: Duration,
    /// What happens to a file once stored. Default [`AfterPickup::Move`].
    pub after: AfterPickup,
    /// The subfolder finished files go to. Default `done`.
    pub done: &'static str,
    /// The subfolder files that cannot be read go to. Default `error`.
    pub error: &'static str,
    /// Largest file read, in bytes. Default 64 MiB.
    pub max_file: usize,
    /// How a message that is not quite well-formed is read. Default tolerant.
    pub parse: ParsePolicy,
    /// The character set text is read in. Default: as MSH-18 declares.
    pub charset: CharsetPolicy,
}

impl FileIn {
    /// The defaults, with an empty folder standing for "not set" (the macro requires one).
    pub const DEFAULT: FileIn = FileIn {
        dir: "",
        pattern: "*.hl7",
        settle: Duration::from_secs(1),
        poll: Duration::from_secs(1),
        after: AfterPickup::Move,
        done: "done",
        error: "error",
        max_file: 64 * 1024 * 1024,
        parse: ParsePolicy::Tolerant,
        charset: CharsetPolicy::Declared,
    };
}

/// A file outbound's settings: the folder it writes one file per message (or per batch) to.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct FileOut {
    /// The folder. No default.
    pub dir: &'static str,
    /// Each file's name, with placeholders (`{seq}`, `{MSH-10}`). Default `{MSH-10}.hl7`.
    pub name: &'static str,
    /// Messages per batch file (FHS, BHS, messages, BTS, FTS). Default: off, a file per message.
    pub batch: Option<usize>,
    /// With `batch`: the longest a batch file not yet full waits for more messages. Default 1 min.
    pub batch_wait: Duration,
    /// Retries of a message whose file name is taken by another file.
    pub retry: RetryPolicy,
}

impl FileOut {
    /// The defaults, with an empty folder standing for "not set" (the macro requires one).
    pub const DEFAULT: FileOut = FileOut {
        dir: "",
        name: "{MSH-10}.hl7",
        batch: None,
        batch_wait: Duration::from_secs(60),
        retry: RetryPolicy::DEFAULT,
    };
}
