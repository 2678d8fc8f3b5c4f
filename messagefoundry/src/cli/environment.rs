//! `--env` and `--environments`: the options that choose the settings, shared by `serve` and
//! `check` so that both read the same settings the same way.

use std::path::PathBuf;

use super::Wiring;
use crate::config::{Declared, Settings, SettingsError};

/// Which environment's settings apply.
#[derive(clap::Args, Debug)]
pub struct EnvironmentArgs {
    /// The environment whose settings apply (`environments/<NAME>.toml`).
    #[arg(long)]
    pub env: Option<String>,
    /// Where environment files are.
    #[arg(long, default_value = "environments")]
    pub environments: PathBuf,
}

impl EnvironmentArgs {
    /// The settings of every connection of the wiring, and of the tables and values the
    /// binary declares, in the chosen environment.
    pub fn settings(&self, wiring: &Wiring<'_>) -> Result<Settings, SettingsError> {
        Settings::load(
            wiring.inbounds,
            wiring.outbounds,
            Declared::linked(),
            self.env.as_deref(),
            &self.environments,
        )
    }
}
