//! `alerts test`: sends a test notification through every channel `[alerts]` names (the log,
//! the webhook, the email server) and says which succeeded. Exit status 1 when one failed.

use std::process::ExitCode;

use super::Wiring;
use super::environment::EnvironmentArgs;
use crate::alerts::Channels;

/// Options of `alerts`.
#[derive(clap::Args, Debug)]
pub struct AlertsArgs {
    #[command(subcommand)]
    command: AlertsCommand,
}

#[derive(clap::Subcommand, Debug)]
enum AlertsCommand {
    /// Send a test notification through every configured channel and say which succeeded.
    Test {
        /// The settings' environment.
        #[command(flatten)]
        environment: EnvironmentArgs,
    },
}

/// Runs `alerts`.
pub fn run(wiring: &Wiring<'_>, args: &AlertsArgs) -> ExitCode {
    let AlertsCommand::Test { environment } = &args.command;
    super::init_logging(super::serve::LogFormat::Text);
    let settings = match environment.settings(wiring) {
        Ok(settings) => settings,
        Err(e) => {
            for error in &e.errors {
                eprintln!("error: {error}");
            }
            return ExitCode::from(2);
        }
    };
    let channels = match Channels::open(&settings.alerts, &crate::alerts::engine_name()) {
        Ok(channels) => channels,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let Some(runtime) = super::runtime() else {
        return ExitCode::FAILURE;
    };
    let results = runtime.block_on(channels.send_once(&crate::alerts::test_notice()));
    let mut failed = 0;
    for (channel, result) in &results {
        match result {
            Ok(()) => say!("ok    {channel}"),
            Err(e) => {
                failed += 1;
                say!("error {channel}: {e}");
            }
        }
    }
    if results.len() == 1 {
        say!("no webhook or email in [alerts]: notifications go to the log only");
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
