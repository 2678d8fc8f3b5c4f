//! `hl7`: tools over message files, with no network and no store: the JSON form, a
//! validation report, the acknowledgment a message would get, and de-identified copies.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use messagefoundry_hl7::validate::{Options, validate};
use messagefoundry_hl7::{Message, ack};

use super::progress::Progress;

/// `hl7` and its options.
#[derive(clap::Args, Debug)]
pub struct Hl7Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Hl7Command,
    /// Draw no progress bar (none is drawn where standard error is not a terminal either).
    #[arg(long, global = true)]
    pub quiet: bool,
}

/// What `hl7` does.
#[derive(clap::Subcommand, Debug)]
pub enum Hl7Command {
    /// Print each message as JSON (one line each; lossless: `docs/json.md`).
    Json {
        /// Files holding one message, a batch, or several messages one after the other; a
        /// folder stands for the .hl7 files in it.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Validate each message against the embedded schema of its version (MSH-12) and print
    /// the findings; exit 1 if any message has an error.
    Validate {
        /// Files holding one message, a batch, or several messages one after the other; a
        /// folder stands for the .hl7 files in it.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Also check lengths, tables and withdrawn fields, and refuse undeclared segments.
        #[arg(long)]
        strict: bool,
    },
    /// Replace what identifies a person (names, identifiers, addresses, telecoms; dates
    /// shifted consistently) to make test data; prints one segment per line, or writes files.
    Deidentify {
        /// Files holding one message, a batch, or several messages one after the other; a
        /// folder stands for the .hl7 files in it.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A file holding the secret key (16 bytes or more): the same key gives the same
        /// stand-ins in every run. Without it, a random key for this run.
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
        /// Also replace free text: NTE-3, and OBX-5 when OBX-2 is TX, FT or ST.
        #[arg(long)]
        free_text: bool,
        /// Write each file's messages to a file of the same name in this folder.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Print the acknowledgment of each message, one segment per line.
    Ack {
        /// Files holding one message, a batch, or several messages one after the other; a
        /// folder stands for the .hl7 files in it.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// The code: AA, AE, AR, CA, CE or CR.
        #[arg(long, default_value = "AA")]
        code: String,
        /// The error text of an AE/AR/CE/CR (an ERR segment).
        #[arg(long)]
        text: Option<String>,
    },
}

/// Runs `hl7`; exit 1 when a message fails to parse or (for `validate`) has errors.
pub fn run(args: &Hl7Args, out: &mut impl Write) -> std::io::Result<ExitCode> {
    let (files, action): (&[PathBuf], Action<'_>) = match &args.command {
        Hl7Command::Json { files } => (files, Action::Json),
        Hl7Command::Deidentify {
            files,
            key_file,
            free_text,
            out: out_dir,
        } => {
            let files = match super::files::expand(files) {
                Ok(files) => files,
                Err(message) => {
                    eprintln!("error: {message}");
                    return Ok(ExitCode::from(2));
                }
            };
            let request = super::deidentify::Request {
                files: &files,
                key_file: key_file.as_deref(),
                free_text: *free_text,
                out_dir: out_dir.as_deref(),
            };
            return super::deidentify::run(&request, out);
        }
        Hl7Command::Validate { files, strict } => (files, Action::Validate { strict: *strict }),
        Hl7Command::Ack { files, code, text } => {
            let Some(code) = ack::Code::parse(code) else {
                eprintln!("error: --code is one of AA, AE, AR, CA, CE, CR");
                return Ok(ExitCode::from(2));
            };
            (
                files,
                Action::Ack {
                    code,
                    text: text.as_deref(),
                },
            )
        }
    };
    let files = match super::files::expand(files) {
        Ok(files) => files,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let progress = Progress::new(files.len(), "files", args.quiet);
    let mut failed = false;
    for file in &files {
        progress.step();
        let messages = match super::files::messages_in(file) {
            Ok(messages) => messages,
            Err(e) => {
                progress.above(|| eprintln!("error: {e}"));
                failed = true;
                continue;
            }
        };
        for (label, parsed) in messages {
            match parsed {
                Ok(msg) => failed |= !progress.above(|| action.apply(&label, &msg, &mut *out))?,
                Err(e) => {
                    progress.above(|| eprintln!("error: {label}: {e}"));
                    failed = true;
                }
            }
        }
    }
    progress.finish();
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

enum Action<'a> {
    Json,
    Validate {
        strict: bool,
    },
    Ack {
        code: ack::Code,
        text: Option<&'a str>,
    },
}

impl Action<'_> {
    /// Does the action on one message; false when it failed.
    fn apply(&self, label: &str, msg: &Message, out: &mut impl Write) -> std::io::Result<bool> {
        match self {
            Action::Json => {
                writeln!(out, "{}", messagefoundry_hl7::json::to_json_string(msg))?;
                Ok(true)
            }
            Action::Validate { strict } => {
                let options = if *strict {
                    Options::strict()
                } else {
                    Options::tolerant()
                };
                let report = validate(msg, &options);
                let against = match (report.version, report.structure) {
                    (Some(v), Some(s)) => format!("{s} of HL7 {v}"),
                    (Some(v), None) => format!("HL7 {v}, structure unknown"),
                    _ => "no embedded schema for its version".to_owned(),
                };
                let verdict = if report.is_valid() {
                    "valid"
                } else {
                    "invalid"
                };
                writeln!(out, "{label}: {verdict} ({against})")?;
                for finding in &report.findings {
                    writeln!(out, "  {finding}")?;
                }
                Ok(report.is_valid())
            }
            Action::Ack { code, text } => {
                let mut builder = ack::Builder::new(msg, *code);
                if let Some(text) = text {
                    builder = builder.error(
                        ack::ErrorEntry::new(ack::ErrorEntry::APPLICATION_INTERNAL_ERROR)
                            .with_text(*text),
                    );
                }
                match builder.build_now() {
                    Ok(ack) => {
                        for segment in ack.as_bytes().split(|b| *b == b'\r') {
                            if !segment.is_empty() {
                                out.write_all(segment)?;
                                out.write_all(b"\n")?;
                            }
                        }
                        Ok(true)
                    }
                    Err(e) => {
                        eprintln!("error: {label}: {e}");
                        Ok(false)
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORU: &str = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01^ORU_R01|C1|P|2.5.1\rPID|1||MRN1^^^HOSP^MR||Doe^Jo\rOBR|1|||2345-7^Glucose^LN\r";
    const NO_PATIENT_ID: &str =
        "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01^ORU_R01|C2|P|2.5.1\rPID|1\rOBR|1\r";

    fn run_on(text: &str, command: impl FnOnce(Vec<PathBuf>) -> Hl7Command) -> (ExitCode, String) {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("m.hl7");
        std::fs::write(&file, text).unwrap();
        let mut out = Vec::new();
        let args = Hl7Args {
            command: command(vec![file]),
            quiet: false,
        };
        let code = run(&args, &mut out).unwrap();
        (code, String::from_utf8(out).unwrap())
    }

    #[test]
    fn json_round_trips() {
        let (code, out) = run_on(ORU, |files| Hl7Command::Json { files });
        assert_eq!(code, ExitCode::SUCCESS);
        let back = messagefoundry_hl7::json::from_json_str(out.trim_end()).unwrap();
        assert_eq!(back.as_bytes(), ORU.as_bytes());
    }

    #[test]
    fn validate_reports_and_fails_on_errors() {
        let (code, out) = run_on(ORU, |files| Hl7Command::Validate {
            files,
            strict: false,
        });
        assert_eq!(code, ExitCode::SUCCESS, "{out}");
        assert!(out.contains("valid (ORU_R01 of HL7 2.5.1)"), "{out}");
        let (code, out) = run_on(NO_PATIENT_ID, |files| Hl7Command::Validate {
            files,
            strict: false,
        });
        assert_eq!(code, ExitCode::FAILURE);
        assert!(out.contains("invalid"), "{out}");
        assert!(out.contains("error 101 [required-field] at PID-3"), "{out}");
    }

    #[test]
    fn ack_prints_the_acknowledgment() {
        let (code, out) = run_on(ORU, |files| Hl7Command::Ack {
            files,
            code: "AR".into(),
            text: Some("no such patient".into()),
        });
        assert_eq!(code, ExitCode::SUCCESS);
        let lines: Vec<&str> = out.lines().collect();
        assert!(
            lines[0].starts_with("MSH|^~\\&|EHR|HOSP|LAB|HOSP|"),
            "{out}"
        );
        assert_eq!(lines[1], "MSA|AR|C1|no such patient");
        assert!(lines[2].starts_with("ERR|"), "{out}");
    }
}
