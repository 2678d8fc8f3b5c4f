//! `test FILE…`: a dry run through an inbound's router and handlers.
//!
//! It prints dispositions and, for each send, the outbound and the message's type and control
//! ID; with `--print`, each message sent, one segment per line; with `--expect`, whether each
//! matches its expected file, and how it differs. With `--env`, handlers read that
//! environment's values and tables, as under `serve`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use messagefoundry_hl7::Path;

use super::Wiring;
use super::environment::EnvironmentArgs;
use super::expected::Expected;
use super::progress::Progress;
use crate::interface::{Disposition, Inbound};
use crate::testing::{TestError, TestRun};

/// Options of `test`.
#[derive(clap::Args, Debug)]
pub struct TestArgs {
    /// The inbound to run the files through; needed when there are several.
    #[arg(long)]
    pub inbound: Option<String>,
    /// Print each message sent, one segment per line (message content: test data only).
    #[arg(long)]
    pub print: bool,
    /// Compare each message sent with its expected file, and fail on a difference: a folder
    /// holding `<file stem>.<OUTBOUND>.hl7` per destination (`.<n>.hl7` for the n-th message
    /// to one outbound), or one file when a single message is sent.
    #[arg(long, value_name = "FOLDER_OR_FILE")]
    pub expect: Option<PathBuf>,
    /// Write each message sent as its expected file (in `--expect`) instead of comparing;
    /// review them before keeping them.
    #[arg(long, requires = "expect")]
    pub write_expected: bool,
    /// Draw no progress bar (none is drawn where standard error is not a terminal either).
    #[arg(long)]
    pub quiet: bool,
    /// The environment whose values and tables the handlers read.
    #[command(flatten)]
    pub environment: EnvironmentArgs,
    /// Files holding one HL7 v2 message each; a folder stands for the .hl7 files in it.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Runs each file; the exit code is 1 if any file could not be read or parsed, ended in
/// ERROR, or sent something else than expected.
pub fn run(
    wiring: &Wiring<'_>,
    args: &TestArgs,
    out: &mut impl Write,
) -> std::io::Result<ExitCode> {
    let inbound = match pick(wiring, args.inbound.as_deref()) {
        Ok(i) => i,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    let files = match super::files::expand(&args.files) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    if !use_environment(wiring, &args.environment) {
        return Ok(ExitCode::from(2));
    }
    let expected = args.expect.as_deref().map(Expected::at);
    let outbounds: Vec<&str> = wiring.outbounds.iter().map(|o| o.name()).collect();
    let progress = Progress::new(files.len(), "files", args.quiet);
    let mut failed = false;
    for file in &files {
        let run = crate::testing::run_file(inbound, file);
        progress.step();
        failed |= progress.above(|| -> std::io::Result<bool> {
            let mut failed = report(file, &run, args.print, &mut *out)?;
            if let (Some(expected), Ok(run)) = (&expected, &run) {
                let sent: Vec<(&str, &messagefoundry_hl7::Message)> = run
                    .processed
                    .sends
                    .iter()
                    .map(|s| (s.outbound.name(), &s.message))
                    .collect();
                let findings = if args.write_expected {
                    expected.write(file, &sent)
                } else {
                    expected.compare(file, &sent, &outbounds)
                };
                for finding in findings {
                    failed |= !finding.matched;
                    for line in finding.lines {
                        writeln!(out, "  {line}")?;
                    }
                }
            }
            Ok(failed)
        })?;
    }
    progress.finish();
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Makes the environment's values and tables what handlers read; false (reported) when an
/// environment was named and its settings are wrong. Without `--env`, the declared defaults
/// and the tables built into the binary apply, and a value with no default is said to need one.
fn use_environment(wiring: &Wiring<'_>, environment: &EnvironmentArgs) -> bool {
    let settings = match environment.settings(wiring) {
        Ok(settings) => settings,
        Err(e) if environment.env.is_none() => {
            for error in &e.errors {
                eprintln!("note: {error} (give --env NAME to read an environment's values)");
            }
            return true;
        }
        Err(e) => {
            for error in &e.errors {
                eprintln!("error: {error}");
            }
            return false;
        }
    };
    if let Err(errors) = crate::tables::start(&settings.tables) {
        for error in &errors {
            eprintln!("error: {error}");
        }
        return false;
    }
    crate::values::install(&settings.values);
    true
}

/// Prints what became of one file; true when it failed (unreadable, unparsable, or ERROR).
fn report(
    file: &std::path::Path,
    run: &Result<TestRun, TestError>,
    print: bool,
    out: &mut impl Write,
) -> std::io::Result<bool> {
    let run = match run {
        Err(e) => {
            writeln!(out, "{}: {e}", file.display())?;
            return Ok(true);
        }
        Ok(run) => run,
    };
    writeln!(out, "{}: {}", file.display(), run.disposition())?;
    if let Some(e) = &run.processed.router_error {
        writeln!(out, "  router: {e}")?;
    }
    for h in run.handlers() {
        let reason = h
            .reason
            .as_deref()
            .map(|r| format!(" ({r})"))
            .unwrap_or_default();
        writeln!(out, "  handler {}: {}{reason}", h.handler, h.disposition)?;
    }
    for send in &run.processed.sends {
        writeln!(
            out,
            "  send -> {}: {} control ID {}",
            send.outbound.name(),
            send.message.get(Path::parse_const("MSH-9")).er7(),
            send.message.control_id()
        )?;
        if print {
            super::messages::segments(out, send.message.as_bytes(), "    ")?;
        }
    }
    Ok(run.disposition() == Disposition::Error)
}

fn pick(wiring: &Wiring<'_>, name: Option<&str>) -> Result<Inbound, String> {
    let names = || {
        wiring
            .inbounds
            .iter()
            .map(|i| i.name())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match name {
        Some(name) => wiring
            .inbounds
            .iter()
            .copied()
            .find(|i| i.name() == name)
            .ok_or_else(|| format!("no inbound named {name}; the inbounds are: {}", names())),
        None => match wiring.inbounds {
            [only] => Ok(*only),
            [] => Err("the interface declares no inbound".to_owned()),
            _ => Err(format!(
                "several inbounds; choose one with --inbound: {}",
                names()
            )),
        },
    }
}
