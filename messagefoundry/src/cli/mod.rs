//! The interface binary's command line, as `main!()` runs it.
//!
//! Built so far: `serve` (listen, store, acknowledge, route, deliver), `check` (the pre-flight
//! of settings, TLS files, ports and downstreams), `send` (an MLLP client and load generator),
//! `graph` (the wiring) and `test` (a dry run of files through an inbound's router and
//! handlers), `sink` (a receiver that acknowledges everything), `hl7` (JSON, validation,
//! ACKs and de-identified copies of message files), `store` (backup, verify, compact),
//! `messages` (list, search, show per
//! destination, dead letters, replay, resend, edit, prune; through a running `serve`'s control
//! socket, or on a stopped engine's store).

/// `println!` that does not panic when standard output is gone (a closed pipe, as in
/// `send … | head -1`): what the commands print is best effort; their exit status says the rest.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

mod alerts;
mod check;
mod check_folders;
mod control;
mod deidentify;
mod diff;
mod edit;
mod environment;
mod expected;
mod files;
mod graph;
mod hl7;
mod messages;
mod progress;
mod send;
mod serve;
mod sink;
mod store_file;
mod store_keys;
mod store_reindex;
mod store_stats;
mod test_files;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::interface::{Inbound, Outbound};
use serve::init_logging;

/// The command line of an interface binary.
#[derive(Parser, Debug)]
#[command(about = "A MessageFoundry HL7 v2 interface")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the interface: listen, store, acknowledge, route.
    Serve(serve::ServeArgs),
    /// Check what the build cannot: environment settings, TLS files, ports, downstreams.
    Check(check::CheckArgs),
    /// Alert notifications: `alerts test` sends one through every configured channel.
    Alerts(alerts::AlertsArgs),
    /// Send messages over MLLP and print each ACK; with --count, a load generator.
    Send(send::SendArgs),
    /// Receive messages over MLLP, acknowledge each (AA, or --code), print type and control
    /// ID (and with --print, each message).
    Sink(sink::SinkArgs),
    /// Print the interface's wiring: inbounds with their routers, and outbounds.
    Graph,
    /// The store: list, search and show messages, dead letters, replay, resend, edit, prune.
    Messages(messages::MessagesArgs),
    /// Tools over message files: JSON, validation, acknowledgments.
    Hl7(hl7::Hl7Args),
    /// The store file: backup (while serve runs or not), verify a copy, compact.
    Store(store_file::StoreArgs),
    /// Run message files through an inbound's router and handlers, with no network and no
    /// store, and print what would happen; print what each destination gets, or compare it
    /// with expected files.
    Test(test_files::TestArgs),
}

/// The connections the binary declares.
pub struct Wiring<'a> {
    /// Every inbound.
    pub inbounds: &'a [Inbound],
    /// Every outbound.
    pub outbounds: &'a [Outbound],
}

impl Wiring<'_> {
    /// Names declared twice (possible across modules), which the engine refuses.
    pub fn duplicate_names(&self) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self
            .inbounds
            .iter()
            .map(|i| i.name())
            .chain(self.outbounds.iter().map(|o| o.name()))
            .collect();
        names.sort_unstable();
        let mut dups: Vec<&'static str> = names
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0])
            .collect();
        dups.dedup();
        dups
    }
}

/// Parses the command line and runs it against the given wiring.
pub fn run(wiring: &Wiring<'_>, args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let dups = wiring.duplicate_names();
    if !dups.is_empty() {
        eprintln!(
            "error: connection names declared more than once: {}",
            dups.join(", ")
        );
        return ExitCode::from(2);
    }
    // Only the single-threaded commands hold the stdout lock: the others print from tasks on
    // other threads, which would wait for it forever.
    let result = match cli.command {
        Command::Serve(args) => return serve::run(wiring, &args),
        Command::Check(args) => return check::run(wiring, &args),
        Command::Alerts(args) => return alerts::run(wiring, &args),
        Command::Send(args) => return send::run(&args),
        Command::Sink(args) => return sink::run(&args),
        Command::Messages(args) => return messages::run(wiring, &args),
        Command::Store(args) => return store_file::run(&args),
        Command::Graph => graph::print(wiring, &mut std::io::stdout().lock()),
        Command::Hl7(args) => hl7::run(&args, &mut std::io::stdout().lock()),
        Command::Test(args) => test_files::run(wiring, &args, &mut std::io::stdout().lock()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The async runtime of the commands that do network work; `None` (after saying why) if it
/// cannot start.
fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            None
        }
    }
}
