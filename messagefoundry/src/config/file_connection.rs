//! The settings of a file connection as the engine uses them: what `file(…)` declared, with
//! an environment's overrides set by option name.

use std::path::PathBuf;
use std::time::Duration;

use messagefoundry_options::{Piece, Value, name_template};

use super::connection::{CHARSET, PARSE, mismatch, size, too_large, word};
use crate::interface::{AfterPickup, CharsetPolicy, FileIn, FileOut, ParsePolicy, RetryPolicy};
use crate::sftp::SftpSettings;

/// The effective settings of a file inbound.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FileInSettings {
    /// The folder files are picked up from.
    pub dir: PathBuf,
    /// Names picked up.
    pub pattern: String,
    /// How long a file's size and modification time must hold before it is read.
    pub settle: Duration,
    /// How often the folder is listed.
    pub poll: Duration,
    /// What happens to a file once stored.
    pub after: AfterPickup,
    /// The subfolder finished files go to.
    pub done: String,
    /// The subfolder unreadable files go to.
    pub error: String,
    /// Largest file read, in bytes.
    pub max_file: usize,
    /// Tolerant or strict reading of messages.
    pub parse: ParsePolicy,
    /// The character set text is read in.
    pub charset: CharsetPolicy,
    /// The SFTP server `dir` is on; `None` for a local folder.
    pub remote: Option<SftpSettings>,
}

/// The effective settings of a file outbound.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FileOutSettings {
    /// The folder files are written to.
    pub dir: PathBuf,
    /// Each file's name template.
    pub name: String,
    /// Messages per batch file; `None`: a file per message.
    pub batch: Option<usize>,
    /// How long a batch file not yet full waits for more messages.
    pub batch_wait: Duration,
    /// Retries of a message whose name is taken.
    pub retry: RetryPolicy,
    /// The SFTP server `dir` is on; `None` for a local folder.
    pub remote: Option<SftpSettings>,
}

impl From<&FileIn> for FileInSettings {
    fn from(f: &FileIn) -> Self {
        FileInSettings {
            dir: PathBuf::from(f.dir),
            pattern: f.pattern.to_owned(),
            settle: f.settle,
            poll: f.poll,
            after: f.after,
            done: f.done.to_owned(),
            error: f.error.to_owned(),
            max_file: f.max_file,
            parse: f.parse,
            charset: f.charset,
            remote: None,
        }
    }
}

impl From<&FileOut> for FileOutSettings {
    fn from(f: &FileOut) -> Self {
        FileOutSettings {
            dir: PathBuf::from(f.dir),
            name: f.name.to_owned(),
            batch: f.batch,
            batch_wait: f.batch_wait,
            retry: f.retry,
            remote: None,
        }
    }
}

const AFTER: &[(&str, AfterPickup)] =
    &[("move", AfterPickup::Move), ("delete", AfterPickup::Delete)];

impl FileInSettings {
    /// Sets the option `name` to a value the options table checked for it.
    pub(crate) fn set(&mut self, name: &str, value: Value) -> Result<(), String> {
        match (name, value) {
            ("dir", Value::Text(t)) => self.dir = t.into(),
            ("pattern", Value::Text(t)) => self.pattern = t,
            ("settle", Value::Duration(d)) => self.settle = d,
            ("poll", Value::Duration(d)) => self.poll = d,
            ("after", Value::Word(w)) => self.after = word(w, AFTER)?,
            ("done", Value::Text(t)) => self.done = subfolder(t)?,
            ("error", Value::Text(t)) => self.error = subfolder(t)?,
            ("max_file", Value::Number(n)) => self.max_file = size(n)?,
            ("parse", Value::Word(w)) => self.parse = word(w, PARSE)?,
            ("charset", Value::Word(w)) => self.charset = word(w, CHARSET)?,
            (name, value) => return Err(mismatch(name, &value)),
        }
        Ok(())
    }
}

impl FileOutSettings {
    /// Sets the option `name` to a value the options table checked for it. A name template's
    /// paths are parsed here (the macros check them against the schema as well).
    pub(crate) fn set(&mut self, name: &str, value: Value) -> Result<(), String> {
        match (name, value) {
            ("dir", Value::Text(t)) => self.dir = t.into(),
            ("name", Value::Text(t)) => {
                template_paths(&t)?;
                self.name = t;
            }
            ("batch", Value::Number(n)) => self.batch = Some(size(n)?),
            ("batch_wait", Value::Duration(d)) => self.batch_wait = d,
            ("retries", Value::Number(n)) => {
                self.retry.max_attempts = u32::try_from(n).map_err(|_| too_large(n))?
            }
            ("backoff", Value::Duration(d)) => self.retry.initial_backoff = d,
            ("max_backoff", Value::Duration(d)) => self.retry.max_backoff = d,
            (name, value) => return Err(mismatch(name, &value)),
        }
        Ok(())
    }
}

/// Checks that each path of a name template parses.
fn template_paths(template: &str) -> Result<(), String> {
    for (_, piece) in name_template(template)? {
        if let Piece::Path(path) = piece {
            messagefoundry_hl7::Path::parse(path)
                .map_err(|e| format!("malformed HL7 path {path:?} in the name: {e}"))?;
        }
    }
    Ok(())
}

/// A subfolder's name: one name directly inside the folder.
fn subfolder(name: String) -> Result<String, String> {
    if name.contains(['/', '\\']) || name == "." || name == ".." {
        return Err(format!(
            "`{name}` must be one subfolder's name, without `/`"
        ));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use messagefoundry_options::{Direction, Origin, Transport, Written};

    fn set_in(name: &str, written: Written) -> Result<FileInSettings, String> {
        let mut s = FileInSettings::from(&FileIn::DEFAULT);
        let spec = Transport::File.option(Direction::Inbound, name).unwrap();
        let value = spec
            .check(&written, Origin::Environment)
            .map_err(|p| p[0].message.clone())?;
        s.set(name, value)?;
        Ok(s)
    }

    /// The runtime's defaults are the table's: every option with a default is set to it and
    /// reads back as the declaration's default.
    #[test]
    fn defaults_are_the_tables() {
        for direction in [Direction::Inbound, Direction::Outbound] {
            for spec in Transport::File.options(direction) {
                let Some(written) = spec.default.written() else {
                    continue;
                };
                let value = spec.check(&written, Origin::Environment).unwrap();
                match direction {
                    Direction::Inbound => {
                        let mut s = FileInSettings::from(&FileIn::DEFAULT);
                        s.set(spec.name, value).unwrap();
                        assert_eq!(s, FileInSettings::from(&FileIn::DEFAULT), "{}", spec.name);
                    }
                    Direction::Outbound => {
                        let mut s = FileOutSettings::from(&FileOut::DEFAULT);
                        s.set(spec.name, value).unwrap();
                        assert_eq!(s, FileOutSettings::from(&FileOut::DEFAULT), "{}", spec.name);
                    }
                }
            }
        }
    }

    #[test]
    fn every_option_is_settable() {
        let s = set_in("after", Written::Str("delete".into())).unwrap();
        assert_eq!(s.after, AfterPickup::Delete);
        let s = set_in("settle", Written::Str("250ms".into())).unwrap();
        assert_eq!(s.settle, Duration::from_millis(250));
        assert!(set_in("done", Written::Str("a/b".into())).is_err());
        let mut out = FileOutSettings::from(&FileOut::DEFAULT);
        out.set("name", Value::Text("{PID-3.1}_{seq}.hl7".into()))
            .unwrap();
        assert_eq!(out.name, "{PID-3.1}_{seq}.hl7");
        out.set("batch", Value::Number(100)).unwrap();
        out.set("batch_wait", Value::Duration(Duration::from_secs(300)))
            .unwrap();
        assert_eq!(
            (out.batch, out.batch_wait),
            (Some(100), Duration::from_secs(300))
        );
        assert!(
            out.set("name", Value::Text("{PID-0}.hl7".into()))
                .unwrap_err()
                .contains("malformed HL7 path")
        );
    }
}
