//! The alert rules of `[alerts]`: what is watched, on which connection, from what threshold.
//! Each kind of rule is an array of tables (`[[alerts.queue]]`), or one table when there is
//! one rule of the kind; a rule without `inbound`/`outbound` watches every one.

use std::time::Duration;

use super::fields::Fields;
use super::schedule::Schedule;

/// One rule.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// No message has arrived for longer than `longer_than`, while `during` holds.
    InboundSilent {
        /// The inbound; `None` for every inbound.
        inbound: Option<String>,
        /// How long silence is normal.
        longer_than: Duration,
        /// When the rule applies; `None` for always.
        during: Option<Schedule>,
    },
    /// An outbound's queue is deeper than `depth_above`, or its oldest message older than
    /// `oldest_above`.
    Queue {
        /// The outbound; `None` for every outbound.
        outbound: Option<String>,
        /// Messages waiting.
        depth_above: Option<u64>,
        /// Age of the message at the head.
        oldest_above: Option<Duration>,
    },
    /// An outbound has dead letters.
    DeadLetters {
        /// The outbound; `None` for every outbound.
        outbound: Option<String>,
    },
    /// An outbound's downstream has been failing (no connection, failures in a row) for
    /// longer than `longer_than`.
    OutboundDown {
        /// The outbound; `None` for every outbound.
        outbound: Option<String>,
        /// How long a failing downstream is tolerated.
        longer_than: Duration,
    },
    /// An inbound answered more than this share of its messages negatively (AE, AR, CE, CR).
    NakRate(RateRule),
    /// Routing ended in ERROR (a router or handler error) for more than this share of an
    /// inbound's messages.
    ErrorRate(RateRule),
    /// A certificate the engine uses expires within `within`.
    Certificates {
        /// How long before the expiry.
        within: Duration,
    },
    /// The store's file system has less free space than this.
    Disk {
        /// The limit.
        free_below: Space,
    },
}

/// A share of an inbound's messages over a window.
#[derive(Clone, Debug, PartialEq)]
pub struct RateRule {
    /// The inbound; `None` for every inbound.
    pub inbound: Option<String>,
    /// The share, above 0, at most 1.
    pub above: f64,
    /// The window the share is measured over.
    pub over: Duration,
    /// Fewer messages than this in the window say nothing.
    pub min_messages: u64,
}

/// Free space: bytes, or a share of the file system.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Space {
    /// At least this many bytes free.
    Bytes(u64),
    /// At least this share free (0 to 1).
    Share(f64),
}

impl Rule {
    /// The kind, as the section names it and notifications say it.
    pub fn kind(&self) -> &'static str {
        match self {
            Rule::InboundSilent { .. } => "inbound_silent",
            Rule::Queue { .. } => "queue",
            Rule::DeadLetters { .. } => "dead_letters",
            Rule::OutboundDown { .. } => "outbound_down",
            Rule::NakRate(_) => "nak_rate",
            Rule::ErrorRate(_) => "error_rate",
            Rule::Certificates { .. } => "certificates",
            Rule::Disk { .. } => "disk",
        }
    }
}

/// Every kind of rule, as `[alerts]` names it.
pub const KINDS: [&str; 8] = [
    "inbound_silent",
    "queue",
    "dead_letters",
    "outbound_down",
    "nak_rate",
    "error_rate",
    "certificates",
    "disk",
];

/// The interface's connection names, to check rules against.
pub struct Declared<'a> {
    /// Every inbound.
    pub inbounds: &'a [&'a str],
    /// Every outbound.
    pub outbounds: &'a [&'a str],
}

/// Reads the rules of one kind from its value (a table or an array of tables).
pub fn read(
    kind: &str,
    value: &toml::Value,
    declared: &Declared<'_>,
    errors: &mut Vec<String>,
) -> Vec<Rule> {
    let tables: Vec<&toml::Table> = match value {
        toml::Value::Table(t) => vec![t],
        toml::Value::Array(items) => {
            let tables: Vec<&toml::Table> =
                items.iter().filter_map(toml::Value::as_table).collect();
            if tables.len() != items.len() {
                errors.push(format!("[[alerts.{kind}]] must hold tables"));
            }
            tables
        }
        _ => {
            errors.push(format!(
                "[alerts.{kind}] must be a table or an array of tables ([[alerts.{kind}]])"
            ));
            return Vec::new();
        }
    };
    let many = tables.len() > 1;
    tables
        .into_iter()
        .enumerate()
        .filter_map(|(n, table)| {
            let at = if many {
                format!("[[alerts.{kind}]] #{}", n + 1)
            } else {
                format!("[alerts.{kind}]")
            };
            one(kind, at, table, declared, errors)
        })
        .collect()
}

/// One rule; `None` when it has a mistake (recorded in `errors`).
fn one(
    kind: &str,
    at: String,
    table: &toml::Table,
    declared: &Declared<'_>,
    errors: &mut Vec<String>,
) -> Option<Rule> {
    let before = errors.len();
    let rule = match kind {
        "inbound_silent" => {
            let mut f = Fields::new(at, table, &["inbound", "longer_than", "during"], errors);
            let inbound = f.connection("inbound", declared.inbounds);
            let longer_than = f.required_duration("longer_than");
            let during = during(&mut f);
            f.finish();
            Rule::InboundSilent {
                inbound,
                longer_than: longer_than?,
                during,
            }
        }
        "queue" => {
            let mut f = Fields::new(
                at,
                table,
                &["outbound", "depth_above", "oldest_above"],
                errors,
            );
            let outbound = f.connection("outbound", declared.outbounds);
            let depth_above = f.integer("depth_above", 0);
            let oldest_above = f.duration("oldest_above");
            if f.get("depth_above").is_none() && f.get("oldest_above").is_none() {
                f.error("needs depth_above (messages) or oldest_above (a duration), or both");
            }
            f.finish();
            Rule::Queue {
                outbound,
                depth_above,
                oldest_above,
            }
        }
        "dead_letters" => {
            let mut f = Fields::new(at, table, &["outbound"], errors);
            let outbound = f.connection("outbound", declared.outbounds);
            f.finish();
            Rule::DeadLetters { outbound }
        }
        "outbound_down" => {
            let mut f = Fields::new(at, table, &["outbound", "longer_than"], errors);
            let outbound = f.connection("outbound", declared.outbounds);
            let longer_than = f.required_duration("longer_than");
            f.finish();
            Rule::OutboundDown {
                outbound,
                longer_than: longer_than?,
            }
        }
        "nak_rate" | "error_rate" => {
            let mut f = Fields::new(
                at,
                table,
                &["inbound", "above", "over", "min_messages"],
                errors,
            );
            let inbound = f.connection("inbound", declared.inbounds);
            let above = f.rate("above");
            if f.get("above").is_none() {
                f.error("needs above (a share such as \"5%\")");
            }
            let over = f.duration("over").unwrap_or(Duration::from_secs(15 * 60));
            let min_messages = f.integer("min_messages", 1).unwrap_or(10);
            f.finish();
            let rate = RateRule {
                inbound,
                above: above?,
                over,
                min_messages,
            };
            if kind == "nak_rate" {
                Rule::NakRate(rate)
            } else {
                Rule::ErrorRate(rate)
            }
        }
        "certificates" => {
            let mut f = Fields::new(at, table, &["expire_within"], errors);
            let within = f.required_duration("expire_within");
            f.finish();
            Rule::Certificates { within: within? }
        }
        "disk" => {
            let mut f = Fields::new(at, table, &["free_below"], errors);
            let free_below = match f.get("free_below") {
                None => {
                    f.error("needs free_below (such as \"5GB\" or \"10%\")");
                    None
                }
                Some(value) => match space(value) {
                    Ok(space) => Some(space),
                    Err(e) => {
                        f.error(e);
                        None
                    }
                },
            };
            f.finish();
            Rule::Disk {
                free_below: free_below?,
            }
        }
        _ => return None,
    };
    (errors.len() == before).then_some(rule)
}

/// `during`: one window or a list of them.
fn during(f: &mut Fields<'_>) -> Option<Schedule> {
    let value = f.get("during")?;
    let windows: Option<Vec<&str>> = match value {
        toml::Value::String(s) => Some(vec![s.as_str()]),
        toml::Value::Array(items) => items.iter().map(toml::Value::as_str).collect(),
        _ => None,
    };
    let Some(windows) = windows else {
        f.error("during is a window such as \"Mon-Fri 07:00-19:00\", or a list of them");
        return None;
    };
    match Schedule::parse(&windows) {
        Ok(s) => Some(s),
        Err(e) => {
            f.error(format!("during {e}"));
            None
        }
    }
}

/// `"5GB"`, `"500MB"`, `"2GiB"`, `"10%"`, or a number of bytes.
fn space(value: &toml::Value) -> Result<Space, String> {
    const UNITS: [(&str, u64); 8] = [
        ("KiB", 1 << 10),
        ("MiB", 1 << 20),
        ("GiB", 1 << 30),
        ("TiB", 1 << 40),
        ("KB", 1_000),
        ("MB", 1_000_000),
        ("GB", 1_000_000_000),
        ("TB", 1_000_000_000_000),
    ];
    let bad =
        || "free_below is a size such as \"5GB\", \"500MiB\" or a share such as \"10%\"".to_owned();
    match value {
        toml::Value::Integer(n) if *n > 0 => {
            Ok(Space::Bytes(u64::try_from(*n).map_err(|_| bad())?))
        }
        toml::Value::String(s) => {
            let s = s.trim();
            if let Some(percent) = s.strip_suffix('%') {
                let p: f64 = percent.trim().parse().map_err(|_| bad())?;
                return if p > 0.0 && p < 100.0 {
                    Ok(Space::Share(p / 100.0))
                } else {
                    Err(bad())
                };
            }
            let (number, unit) = UNITS
                .iter()
                .find_map(|(u, size)| s.strip_suffix(u).map(|n| (n.trim(), *size)))
                .ok_or_else(bad)?;
            let n: u64 = number.parse().map_err(|_| bad())?;
            n.checked_mul(unit)
                .filter(|b| *b > 0)
                .map(Space::Bytes)
                .ok_or_else(bad)
        }
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECLARED: Declared<'static> = Declared {
        inbounds: &["IB_ADT", "IB_Lab_ORU"],
        outbounds: &["OB_EHR_ORU"],
    };

    fn rules(text: &str) -> Result<Vec<Rule>, Vec<String>> {
        let table: toml::Table = toml::from_str(text).unwrap();
        let mut errors = Vec::new();
        let mut all = Vec::new();
        for kind in KINDS {
            if let Some(value) = table.get(kind) {
                all.extend(read(kind, value, &DECLARED, &mut errors));
            }
        }
        if errors.is_empty() {
            Ok(all)
        } else {
            Err(errors)
        }
    }

    #[test]
    fn every_kind_of_rule_reads() {
        let got = rules(
            r#"
            [[inbound_silent]]
            inbound = "IB_ADT"
            longer_than = "15m"
            during = "Mon-Fri 07:00-19:00"
            [[inbound_silent]]
            inbound = "IB_ADT"
            longer_than = "2h"
            during = ["Mon-Fri 19:00-07:00", "Sat,Sun"]
            [queue]
            depth_above = 500
            oldest_above = "10m"
            [dead_letters]
            [outbound_down]
            outbound = "OB_EHR_ORU"
            longer_than = "5m"
            [nak_rate]
            above = "5%"
            [error_rate]
            inbound = "IB_Lab_ORU"
            above = 0.1
            over = "1h"
            min_messages = 50
            [certificates]
            expire_within = "30d"
            [disk]
            free_below = "5GB"
            "#,
        )
        .unwrap();
        assert_eq!(got.len(), 9);
        assert_eq!(
            got[2],
            Rule::Queue {
                outbound: None,
                depth_above: Some(500),
                oldest_above: Some(Duration::from_secs(600))
            }
        );
        assert_eq!(
            got[5],
            Rule::NakRate(RateRule {
                inbound: None,
                above: 0.05,
                over: Duration::from_secs(900),
                min_messages: 10
            })
        );
        assert_eq!(
            got[6],
            Rule::ErrorRate(RateRule {
                inbound: Some("IB_Lab_ORU".into()),
                above: 0.1,
                over: Duration::from_secs(3600),
                min_messages: 50
            })
        );
        assert_eq!(
            got[8],
            Rule::Disk {
                free_below: Space::Bytes(5_000_000_000)
            }
        );
        assert_eq!(
            got.iter().map(Rule::kind).collect::<Vec<_>>(),
            [
                "inbound_silent",
                "inbound_silent",
                "queue",
                "dead_letters",
                "outbound_down",
                "nak_rate",
                "error_rate",
                "certificates",
                "disk"
            ]
        );
    }

    #[test]
    fn a_misspelt_connection_or_key_is_named_with_a_suggestion() {
        let errors = rules(
            "[[outbound_down]]\noutbound = \"OB_EHR_OR\"\nlonger_than = \"5m\"\n\
             [[outbound_down]]\noutbound = \"OB_EHR_ORU\"\nlonger_then = \"5m\"\n",
        )
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "[[alerts.outbound_down]] #1 outbound: the interface has no outbound named OB_EHR_OR; did you mean OB_EHR_ORU?",
                "[[alerts.outbound_down]] #2 needs longer_than (a duration such as \"15m\")",
                "[[alerts.outbound_down]] #2 unknown key `longer_then`; did you mean `longer_than`? the keys are: outbound, longer_than",
            ]
        );
    }

    #[test]
    fn bad_values_are_named() {
        let errors = rules(
            "[queue]\n\
             [nak_rate]\nabove = \"150%\"\n\
             [disk]\nfree_below = \"5 parsecs\"\n\
             [inbound_silent]\nlonger_than = 15\nduring = \"Mon-Fry\"\n",
        )
        .unwrap_err();
        assert_eq!(
            errors,
            [
                "[alerts.inbound_silent] longer_than is a duration such as \"30s\", \"15m\", \"2h\" or \"7d\"",
                "[alerts.inbound_silent] during \"Mon-Fry\": `Fry` is not a day; days are Mon, Tue, Wed, Thu, Fri, Sat, Sun",
                "[alerts.queue] needs depth_above (messages) or oldest_above (a duration), or both",
                "[alerts.nak_rate] above is a share of messages such as \"5%\" or 0.05 (above 0, at most 100%)",
                "[alerts.disk] free_below is a size such as \"5GB\", \"500MiB\" or a share such as \"10%\"",
            ]
        );
    }

    #[test]
    fn sizes_and_shares_of_free_space() {
        let s = |t: &str| space(&toml::Value::String(t.into()));
        assert_eq!(s("500MiB"), Ok(Space::Bytes(500 << 20)));
        assert_eq!(s("10%"), Ok(Space::Share(0.1)));
        assert_eq!(space(&toml::Value::Integer(4096)), Ok(Space::Bytes(4096)));
        assert!(s("0GB").is_err() && s("100%").is_err() && s("GB").is_err());
    }
}
