//! `test FILE…`: a dry run through an inbound's router and handlers.
//!
//! It prints dispositions and, for each send, the outbound and the message's type and control
//! ID: never message content.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use messagefoundry_hl7::Path;

use super::Wiring;
use super::progress::Progress;
use crate::interface::{Disposition, Inbound};
use crate::testing::{TestError, TestRun};

/// Runs each file; the exit code is 1 if any file could not be read or parsed, or ended in
/// ERROR.
pub fn run(
    wiring: &Wiring<'_>,
    inbound: Option<&str>,
    files: &[PathBuf],
    progress: &Progress,
    out: &mut impl Write,
) -> std::io::Result<ExitCode> {
    let inbound = match pick(wiring, inbound) {
        Ok(i) => i,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut failed = false;
    for file in files {
        let run = crate::testing::run_file(inbound, file);
        progress.step();
        failed |= progress.above(|| report(file, &run, &mut *out))?;
    }
    progress.finish();
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Prints what became of one file; true when it failed (unreadable, unparsable, or ERROR).
fn report(
    file: &std::path::Path,
    run: &Result<TestRun, TestError>,
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
