//! `test FILE…`: a dry run through an inbound's router and handlers.
//!
//! It prints dispositions and, for each send, the outbound and the message's type and control
//! ID; with `--print`, each message sent, one segment per line; with `--expect`, whether each
//! matches its expected file, and how it differs.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use messagefoundry_hl7::Path;

use super::Wiring;
use super::expected::Expected;
use crate::interface::{Disposition, Inbound};

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
    /// Files holding one HL7 v2 message each.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
}

/// Runs each file; the exit code is 1 if any file could not be read or parsed, ended in
/// ERROR, or sent something else than expected.
pub fn run(wiring: &Wiring<'_>, args: &TestArgs, out: &mut impl Write) -> std::io::Result<ExitCode> {
    let inbound = match pick(wiring, args.inbound.as_deref()) {
        Ok(i) => i,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    let expected = args.expect.as_deref().map(Expected::at);
    let outbounds: Vec<&str> = wiring.outbounds.iter().map(|o| o.name()).collect();
    let mut failed = false;
    for file in &args.files {
        let run = match crate::testing::run_file(inbound, file) {
            Ok(run) => run,
            Err(e) => {
                failed = true;
                writeln!(out, "{}: {e}", file.display())?;
                continue;
            }
        };
        failed |= run.disposition() == Disposition::Error;
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
            if args.print {
                super::messages::segments(out, send.message.as_bytes(), "    ")?;
            }
        }
        if let Some(expected) = &expected {
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
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
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
