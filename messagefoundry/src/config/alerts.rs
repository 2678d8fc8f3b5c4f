//! The `[alerts]` of an environment, read against the interface's connections.

use super::environment::{Environment, EnvironmentError};
use crate::alerts::{AlertSettings, Declared};
use crate::interface::{Inbound, Outbound};

impl Environment {
    /// The alert rules and channels; every mistake is an error naming the file.
    pub fn alerts(
        &self,
        inbounds: &[Inbound],
        outbounds: &[Outbound],
    ) -> Result<AlertSettings, Vec<EnvironmentError>> {
        let inbounds: Vec<&str> = inbounds.iter().map(|i| i.name()).collect();
        let outbounds: Vec<&str> = outbounds.iter().map(|o| o.name()).collect();
        let declared = Declared {
            inbounds: &inbounds,
            outbounds: &outbounds,
        };
        AlertSettings::read(&self.alerts, &declared)
            .map_err(|errors| errors.into_iter().map(|e| self.invalid(e)).collect())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::config::fixtures::{EHR, LAB};

    /// The `[alerts]` of `docs/alerts.md` loads as the page says, against the lab's names.
    #[test]
    fn the_documented_example_loads() {
        let page = include_str!("../../../docs/alerts.md");
        let example = page
            .split("```toml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .expect("docs/alerts.md shows an [alerts] section");
        let env = Environment::parse(example, PathBuf::from("docs/alerts.md")).unwrap();
        let alerts = env.alerts(&[Inbound(&LAB)], &[Outbound(&EHR)]).unwrap();
        assert_eq!(alerts.rules.len(), 9);
        assert_eq!(alerts.zone.iana_name(), Some("America/Chicago"));
        assert!(alerts.webhook.is_some() && alerts.email.is_some());
    }

    #[test]
    fn a_mistake_names_the_file() {
        let env = Environment::parse(
            "[alerts.outbound_down]\noutbound = \"OB_EHR_OR\"\nlonger_than = \"5m\"\n",
            PathBuf::from("environments/prod.toml"),
        )
        .unwrap();
        let errors = env.alerts(&[Inbound(&LAB)], &[Outbound(&EHR)]).unwrap_err();
        assert_eq!(
            errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
            [
                "environments/prod.toml: [alerts.outbound_down] outbound: the interface has no \
              outbound named OB_EHR_OR; did you mean OB_EHR_ORU?"
            ]
        );
    }
}
