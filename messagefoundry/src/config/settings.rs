//! Every connection's settings, read once: the declarations with the chosen environment's
//! overrides. `serve` runs on them and `check` checks them; both read them here.

use std::path::{Path, PathBuf};

use messagefoundry_options::Setting;

use super::connection::{InboundSettings, OutboundSettings};
use super::data::{Declared, TableSetting};
use super::environment::{Environment, EnvironmentError};
use super::environment::{InboundConnection, OutboundConnection};
use super::file_connection::{FileInSettings, FileOutSettings};
use crate::alerts::AlertSettings;
use crate::interface::{Inbound, Outbound};
use crate::values::ValueDef;

/// The effective settings of every connection of an interface.
#[derive(Debug, Default)]
pub struct Settings {
    /// The environment file they came from; `None` when the declarations apply as written.
    pub environment: Option<PathBuf>,
    /// Each listening inbound (MLLP, or HTTP with `http` set) with its settings.
    pub inbounds: Vec<(Inbound, InboundSettings)>,
    /// Each sending outbound (MLLP, or HTTP with `http` set) with its settings.
    pub outbounds: Vec<(Outbound, OutboundSettings)>,
    /// Each file inbound with its settings.
    pub file_inbounds: Vec<(Inbound, FileInSettings)>,
    /// Each file outbound with its settings.
    pub file_outbounds: Vec<(Outbound, FileOutSettings)>,
    /// Where each declared table is read from.
    pub tables: Vec<TableSetting>,
    /// Each declared value's setting.
    pub values: Vec<(&'static ValueDef, Setting)>,
    /// The alert rules and channels.
    pub alerts: AlertSettings,
    /// The keys the store's bodies are sealed under (`[store]`).
    pub store: crate::store::KeySettings,
}

/// Settings that could not all be read.
#[derive(Debug)]
pub struct SettingsError {
    /// Every mistake found, each naming the file, and the connection and key where it has one.
    pub errors: Vec<EnvironmentError>,
    /// The connections whose settings were read, so `check` can go on with them; none when
    /// the file itself could not be used.
    pub readable: Box<Settings>,
}

impl Settings {
    /// Reads the settings of every declared connection, table and value, with the overrides
    /// of `<dir>/<environment>.toml` when an environment is named.
    pub fn load(
        inbounds: &[Inbound],
        outbounds: &[Outbound],
        declared: Declared,
        environment: Option<&str>,
        dir: &Path,
    ) -> Result<Settings, SettingsError> {
        let file = match environment {
            None => Ok(Environment::default()),
            Some(name) => Environment::load(dir, name)
                .and_then(|env| env.check_names(inbounds, outbounds).map(|()| env)),
        };
        let env = file.map_err(|e| SettingsError {
            errors: vec![e],
            readable: Box::default(),
        })?;
        let mut settings = Settings {
            environment: env.path.clone(),
            ..Settings::default()
        };
        let (tables, mut errors) = env.tables(declared.tables);
        let (values, value_errors) = env.values(declared.values);
        errors.extend(value_errors);
        match env.alerts(inbounds, outbounds) {
            Ok(alerts) => settings.alerts = alerts,
            Err(e) => errors.extend(e),
        }
        match env.store_keys() {
            Ok(keys) => settings.store = keys,
            Err(e) => errors.push(e),
        }
        settings.tables = tables;
        settings.values = values;
        for inbound in inbounds {
            match env.inbound(*inbound) {
                Ok(InboundConnection::Mllp(s) | InboundConnection::Http(s)) => {
                    settings.inbounds.push((*inbound, s))
                }
                Ok(InboundConnection::File(s)) => settings.file_inbounds.push((*inbound, s)),
                Err(e) => errors.push(e),
            }
        }
        for outbound in outbounds {
            match env.outbound(*outbound) {
                Ok(OutboundConnection::Mllp(s) | OutboundConnection::Http(s)) => {
                    settings.outbounds.push((*outbound, s))
                }
                Ok(OutboundConnection::File(s)) => settings.file_outbounds.push((*outbound, s)),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(settings)
        } else {
            Err(SettingsError {
                errors,
                readable: Box::new(settings),
            })
        }
    }
}
