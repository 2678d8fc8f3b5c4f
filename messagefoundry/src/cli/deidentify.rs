//! `hl7 deidentify`: test data from production message files, with what identifies a person
//! replaced (see `crate::deidentify` for what changes and what stays).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::deidentify::{Deidentifier, Options, Report};

/// The shortest key accepted: shorter keys could be found by trying them all.
const MIN_KEY_BYTES: usize = 16;

/// What `hl7 deidentify` was asked to do.
pub struct Request<'a> {
    /// Files holding one message, a batch, or several messages one after the other.
    pub files: &'a [PathBuf],
    /// The secret key's file; without one, a random key for this run.
    pub key_file: Option<&'a Path>,
    /// Replace free text (NTE-3, text OBX-5) too.
    pub free_text: bool,
    /// Write each file's messages to a file of the same name in this folder, instead of
    /// printing them.
    pub out_dir: Option<&'a Path>,
}

/// Runs `hl7 deidentify`; exit 1 when a file or message could not be read or written.
pub fn run(request: &Request<'_>, out: &mut impl Write) -> std::io::Result<ExitCode> {
    let options = if request.free_text {
        Options::default().with_free_text()
    } else {
        Options::default()
    };
    let deidentifier = match request.key_file {
        Some(path) => match std::fs::read(path) {
            Ok(key) if key.len() >= MIN_KEY_BYTES => Deidentifier::new(&key, options),
            Ok(key) => {
                eprintln!(
                    "error: the key file {} holds {} bytes; {MIN_KEY_BYTES} or more are needed \
                     (32 random bytes: head -c 32 /dev/urandom > KEYFILE)",
                    path.display(),
                    key.len()
                );
                return Ok(ExitCode::from(2));
            }
            Err(e) => {
                eprintln!("error: cannot read the key file {}: {e}", path.display());
                return Ok(ExitCode::from(2));
            }
        },
        None => match Deidentifier::with_random_key(options) {
            Ok(d) => d,
            Err(_) => {
                eprintln!("error: no random key: the system's random source failed");
                return Ok(ExitCode::FAILURE);
            }
        },
    };
    let mut total = Report::default();
    let (mut messages, mut failed) = (0usize, false);
    for file in request.files {
        let Some(written) = deidentify_file(&deidentifier, file, &mut total, &mut failed) else {
            continue;
        };
        messages += written.len();
        match request.out_dir {
            Some(dir) => failed |= !write_file(dir, file, &written),
            None => print(&written, out)?,
        }
    }
    eprintln!(
        "de-identified {messages} messages from {} files ({}); {total}",
        request.files.len(),
        if request.key_file.is_some() {
            "stand-ins from the key file: the same in every run with that key"
        } else {
            "random key: stand-ins are consistent within this run only"
        }
    );
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The de-identified messages of one file, each as bytes; `None` when the file could not be
/// read or split. A message that does not parse is reported and left out.
fn deidentify_file(
    deidentifier: &Deidentifier,
    file: &Path,
    total: &mut Report,
    failed: &mut bool,
) -> Option<Vec<Vec<u8>>> {
    let messages = match super::files::messages_in(file) {
        Ok(messages) => messages,
        Err(e) => {
            eprintln!("error: {e}");
            *failed = true;
            return None;
        }
    };
    let mut written = Vec::new();
    for (label, parsed) in messages {
        // Errors name the file and position only: the message is patient data.
        let mut msg = match parsed {
            Ok(msg) => msg,
            Err(e) => {
                eprintln!("error: {label}: {e}; left out");
                *failed = true;
                continue;
            }
        };
        match deidentifier.apply(&mut msg) {
            Ok(report) => {
                total.add(&report);
                written.push(msg.into_bytes());
            }
            Err(e) => {
                eprintln!("error: {label}: {e}; left out");
                *failed = true;
            }
        }
    }
    Some(written)
}

/// Prints messages one segment per line, a blank line between messages.
fn print(messages: &[Vec<u8>], out: &mut impl Write) -> std::io::Result<()> {
    for msg in messages {
        for segment in msg.split(|&b| b == b'\r').filter(|s| !s.is_empty()) {
            out.write_all(segment)?;
            out.write_all(b"\n")?;
        }
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes `messages` to the file named like `source` in `dir`, never over `source` itself;
/// false (reported) when it could not.
fn write_file(dir: &Path, source: &Path, messages: &[Vec<u8>]) -> bool {
    let Some(name) = source.file_name() else {
        eprintln!("error: {} names no file", source.display());
        return false;
    };
    let target = dir.join(name);
    let same = match (source.canonicalize(), target.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        eprintln!(
            "error: {} would be written over itself; choose another --out folder",
            source.display()
        );
        return false;
    }
    // Segments end in carriage returns as HL7 wants; messages are one per line group.
    let mut bytes = Vec::new();
    for msg in messages {
        bytes.extend_from_slice(msg);
        bytes.push(b'\n');
    }
    let written = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&target, bytes));
    if let Err(e) = written {
        eprintln!("error: cannot write {}: {e}", target.display());
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "MSH|^~\\&|A|B|C|D|20240101||ADT^A01^ADT_A01|1|P|2.5.1\rPID|1||8675309^^^H^MR||Doe^Jane\r\n\
MSH|^~\\&|A|B|C|D|20240102||ADT^A08^ADT_A01|2|P|2.5.1\rPID|1||8675309^^^H^MR||Doe^Jane\r";

    fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("adt.hl7");
        std::fs::write(&file, TWO).unwrap();
        let key = dir.path().join("key");
        std::fs::write(&key, [7u8; 32]).unwrap();
        (dir, file, key)
    }

    #[test]
    fn writes_a_folder_of_messages_that_read_back_and_link() {
        let (dir, file, key) = setup();
        let out_dir = dir.path().join("out");
        let files = [file];
        let request = Request {
            files: &files,
            key_file: Some(&key),
            free_text: false,
            out_dir: Some(&out_dir),
        };
        let mut printed = Vec::new();
        assert_eq!(run(&request, &mut printed).unwrap(), ExitCode::SUCCESS);
        assert!(printed.is_empty());
        let written = std::fs::read(out_dir.join("adt.hl7")).unwrap();
        let batch = messagefoundry_hl7::batch::split(&written).unwrap();
        let msgs: Vec<_> = batch.messages().map(|m| m.parse().unwrap()).collect();
        assert_eq!(msgs.len(), 2);
        let mrn = |m: &messagefoundry_hl7::Message| {
            m[messagefoundry_hl7::Path::parse_const("PID-3.1")].to_string()
        };
        assert_ne!(mrn(&msgs[0]), "8675309");
        assert_eq!(
            mrn(&msgs[0]),
            mrn(&msgs[1]),
            "one patient stays one patient"
        );
        assert!(!String::from_utf8_lossy(&written).contains("Doe"));
    }

    #[test]
    fn refuses_short_keys_and_overwriting() {
        let (dir, file, key) = setup();
        let short = dir.path().join("short");
        std::fs::write(&short, b"abc").unwrap();
        let files = [file];
        let mut request = Request {
            files: &files,
            key_file: Some(&short),
            free_text: false,
            out_dir: None,
        };
        assert_eq!(run(&request, &mut Vec::new()).unwrap(), ExitCode::from(2));
        request.key_file = Some(&key);
        request.out_dir = Some(dir.path());
        assert_eq!(run(&request, &mut Vec::new()).unwrap(), ExitCode::FAILURE);
        assert_eq!(
            std::fs::read_to_string(&files[0]).unwrap(),
            TWO,
            "source untouched"
        );
    }

    #[test]
    fn prints_segments_on_lines() {
        let (_dir, file, _key) = setup();
        let files = [file];
        let request = Request {
            files: &files,
            key_file: None,
            free_text: false,
            out_dir: None,
        };
        let mut printed = Vec::new();
        assert_eq!(run(&request, &mut printed).unwrap(), ExitCode::SUCCESS);
        let text = String::from_utf8(printed).unwrap();
        assert_eq!(text.lines().filter(|l| l.starts_with("MSH|")).count(), 2);
        assert!(!text.contains("8675309"));
    }
}
