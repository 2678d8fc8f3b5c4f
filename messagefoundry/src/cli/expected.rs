//! `test --expect`: each message a test run sends, compared with a file holding what that
//! destination should receive, so a transform is checked from the command line.
//!
//! With a folder, the file for the message that `samples/adt_a01.hl7` sends to `OB_EHR` is
//! `<folder>/adt_a01.OB_EHR.hl7` (a second message to the same outbound:
//! `adt_a01.OB_EHR.2.hl7`). With a file, the run must send exactly one message. Segments may
//! end in `\r`, `\n` or `\r\n` in the file; blank lines are ignored.

use std::path::{Path, PathBuf};

use messagefoundry_hl7::Message;

/// Where the expected output is.
pub(super) enum Expected<'a> {
    /// One file per destination in this folder.
    Folder(&'a Path),
    /// One file, for a run that sends one message.
    File(&'a Path),
}

/// What a comparison found for one destination, or for the run as a whole.
pub(super) struct Finding {
    /// Whether it matched.
    pub matched: bool,
    /// What to print, the first line first.
    pub lines: Vec<String>,
}

impl<'a> Expected<'a> {
    /// A folder if `path` is one, else a file.
    pub(super) fn at(path: &'a Path) -> Expected<'a> {
        if path.is_dir() {
            Expected::Folder(path)
        } else {
            Expected::File(path)
        }
    }

    /// Compares the messages a run of `input` sent (outbound name, message, in order) with
    /// the expected files. `outbounds` are the interface's outbounds, to recognise expected
    /// files for destinations that were sent nothing.
    pub(super) fn compare(
        &self,
        input: &Path,
        sent: &[(&str, &Message)],
        outbounds: &[&str],
    ) -> Vec<Finding> {
        match self {
            Expected::File(file) => match sent {
                [(outbound, msg)] => vec![compare_one(outbound, msg, file)],
                _ => vec![Finding {
                    matched: false,
                    lines: vec![format!(
                        "expected one message (in {}), but {} were sent; give an existing \
                         folder to --expect for several",
                        file.display(),
                        sent.len()
                    )],
                }],
            },
            Expected::Folder(folder) => {
                let files = files_for(folder, input, sent);
                let mut findings: Vec<Finding> = sent
                    .iter()
                    .zip(&files)
                    .map(|((outbound, msg), file)| compare_one(outbound, msg, file))
                    .collect();
                for orphan in unsent(folder, input, &files, outbounds) {
                    findings.push(Finding {
                        matched: false,
                        lines: vec![format!(
                            "{} expects a message that was not sent",
                            orphan.display()
                        )],
                    });
                }
                findings
            }
        }
    }

    /// Writes each message a run sent as its expected file (a folder is created if needed).
    pub(super) fn write(&self, input: &Path, sent: &[(&str, &Message)]) -> Vec<Finding> {
        let files = match self {
            Expected::File(file) if sent.len() == 1 => vec![file.to_path_buf()],
            Expected::File(file) => {
                return vec![Finding {
                    matched: false,
                    lines: vec![format!(
                        "{} can hold one message, but {} were sent; give an existing folder",
                        file.display(),
                        sent.len()
                    )],
                }];
            }
            Expected::Folder(folder) => files_for(folder, input, sent),
        };
        sent.iter()
            .zip(files)
            .map(|((outbound, msg), file)| {
                let written = std::fs::write(&file, msg.as_bytes());
                Finding {
                    matched: written.is_ok(),
                    lines: vec![match written {
                        Ok(()) => format!("{outbound}: written to {}", file.display()),
                        Err(e) => format!("{outbound}: cannot write {}: {e}", file.display()),
                    }],
                }
            })
            .collect()
    }
}

/// The expected file of each message sent, in order.
fn files_for(folder: &Path, input: &Path, sent: &[(&str, &Message)]) -> Vec<PathBuf> {
    let stem = stem(input);
    let mut seen: Vec<&str> = Vec::new();
    sent.iter()
        .map(|(outbound, _)| {
            seen.push(outbound);
            let nth = seen.iter().filter(|o| *o == outbound).count();
            let name = if nth == 1 {
                format!("{stem}.{outbound}.hl7")
            } else {
                format!("{stem}.{outbound}.{nth}.hl7")
            };
            folder.join(name)
        })
        .collect()
}

/// Expected files in `folder` for `input` and one of the outbounds that no message sent
/// matched.
fn unsent(folder: &Path, input: &Path, used: &[PathBuf], outbounds: &[&str]) -> Vec<PathBuf> {
    let prefix = format!("{}.", stem(input));
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut orphans: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|path| !used.contains(path))
        .filter(|path| {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                return false;
            };
            let Some(rest) = name
                .strip_prefix(&prefix)
                .and_then(|r| r.strip_suffix(".hl7"))
            else {
                return false;
            };
            // `OUTBOUND` or `OUTBOUND.n`: outbound names never hold a dot.
            let outbound = match rest.split_once('.') {
                Some((name, nth)) if nth.parse::<u32>().is_ok() => name,
                Some(_) => return false,
                None => rest,
            };
            outbounds.contains(&outbound)
        })
        .collect();
    orphans.sort();
    orphans
}

fn stem(input: &Path) -> String {
    input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Compares one message with its expected file.
fn compare_one(outbound: &str, msg: &Message, file: &Path) -> Finding {
    let expected = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) => {
            return Finding {
                matched: false,
                lines: vec![format!(
                    "{outbound}: no expected output in {} ({e}); `--write-expected` writes it",
                    file.display()
                )],
            };
        }
    };
    let want = segments(&expected);
    let got = segments(msg.as_bytes());
    let diff = super::diff::lines(&want, &got);
    if diff.is_empty() {
        return Finding {
            matched: true,
            lines: vec![format!("{outbound}: as expected in {}", file.display())],
        };
    }
    let mut lines = vec![format!(
        "{outbound}: differs from {} (- expected, + got):",
        file.display()
    )];
    lines.extend(diff.into_iter().map(|l| format!("  {l}")));
    Finding {
        matched: false,
        lines,
    }
}

/// A message's segments: split at `\r` or `\n`, blank lines dropped.
fn segments(bytes: &[u8]) -> Vec<&[u8]> {
    bytes
        .split(|b| *b == b'\r' || *b == b'\n')
        .filter(|s| !s.is_empty())
        .collect()
}
