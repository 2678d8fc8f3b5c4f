//! The rules applied to what was observed: one [`Found`] per rule and subject, and the little
//! memory some rules need (since when a downstream fails, the counts a rate is measured
//! against). Pure: the time is in what was observed, so tests give it.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use jiff::Timestamp;

use super::incidents::{Finding, Found, Incidents, Notice};
use super::rules::{RateRule, Rule, Space};
use super::settings::AlertSettings;

/// What the engine looked like at one moment.
#[derive(Clone, Debug)]
pub struct Observed {
    /// When.
    pub at: Timestamp,
    /// When `serve` started (an inbound that never received is silent since then).
    pub started: Timestamp,
    /// Each inbound.
    pub inbounds: Vec<InboundSeen>,
    /// Each outbound.
    pub outbounds: Vec<OutboundSeen>,
    /// Each certificate file the engine uses.
    pub certificates: Vec<CertificateSeen>,
    /// The store's file system; `None` when it could not be read.
    pub disk: Option<DiskSeen>,
}

/// An inbound's counters.
#[derive(Clone, Debug, Default)]
pub struct InboundSeen {
    /// Its name.
    pub name: String,
    /// When its last message arrived; `None` before the first.
    pub last_message: Option<Timestamp>,
    /// Message frames received.
    pub received: u64,
    /// Negative answers sent.
    pub naks: u64,
    /// Messages routed.
    pub routed: u64,
    /// Messages whose routing ended in ERROR.
    pub errors: u64,
}

/// An outbound's queue and sender.
#[derive(Clone, Debug, Default)]
pub struct OutboundSeen {
    /// Its name.
    pub name: String,
    /// Messages waiting; `None` when the store could not be read.
    pub queued: Option<u64>,
    /// Age of the oldest, in seconds; `None` when it could not be read.
    pub oldest_age_seconds: Option<f64>,
    /// Dead letters; `None` when the store could not be read.
    pub dead_letters: Option<u64>,
    /// Whether the sender has a connection open.
    pub connected: bool,
    /// Its failed attempts in a row.
    pub consecutive_failures: u32,
}

/// A certificate file.
#[derive(Clone, Debug)]
pub struct CertificateSeen {
    /// Who uses it: `inbound IB_Lab_ORU`, `admin server`.
    pub user: String,
    /// The file.
    pub path: String,
    /// Its first certificate's expiry, or why it could not be read.
    pub expires: Result<Timestamp, String>,
}

/// Space on the store's file system, in bytes.
#[derive(Clone, Copy, Debug)]
pub struct DiskSeen {
    /// Free for the engine's user.
    pub free: u64,
    /// The file system's size.
    pub total: u64,
}

/// The counts of every inbound at one moment, for rates.
#[derive(Clone, Debug)]
struct Sample {
    at: Timestamp,
    counts: HashMap<String, InboundSeen>,
}

/// The rules, their memory and the open incidents.
#[derive(Debug)]
pub struct Evaluator {
    settings: AlertSettings,
    /// When each failing outbound was first seen failing.
    failing_since: HashMap<String, Timestamp>,
    /// Earlier counts, as far back as the longest rate window.
    history: VecDeque<Sample>,
    incidents: Incidents,
}

impl Evaluator {
    /// Nothing seen yet.
    pub fn new(settings: AlertSettings) -> Evaluator {
        Evaluator {
            incidents: Incidents::new(settings.repeat_every),
            settings,
            failing_since: HashMap::new(),
            history: VecDeque::new(),
        }
    }

    /// Applies every rule to what was seen; returns what to notify.
    pub fn evaluate(&mut self, seen: &Observed) -> Vec<Notice> {
        self.remember(seen);
        let mut found = Vec::new();
        for (n, rule) in self.settings.rules.iter().enumerate() {
            let mut add = |subject: &str, finding: Finding| {
                found.push(Found {
                    rule: n,
                    alert: rule.kind(),
                    subject: subject.to_owned(),
                    finding,
                })
            };
            match rule {
                Rule::InboundSilent {
                    inbound,
                    longer_than,
                    during,
                } => {
                    for i in seen.inbounds.iter().filter(|i| named(inbound, &i.name)) {
                        let last = i.last_message.unwrap_or(seen.started).max(seen.started);
                        let silent = elapsed(last, seen.at);
                        let finding = if silent <= *longer_than {
                            Finding::Clear
                        } else if during
                            .as_ref()
                            .is_some_and(|s| !s.contains_time(seen.at, &self.settings.zone))
                        {
                            Finding::Hold
                        } else {
                            Finding::Firing(format!(
                                "{}: no message for {} (more than {})",
                                i.name,
                                words(silent),
                                words(*longer_than)
                            ))
                        };
                        add(&i.name, finding);
                    }
                }
                Rule::Queue {
                    outbound,
                    depth_above,
                    oldest_above,
                } => {
                    for o in seen.outbounds.iter().filter(|o| named(outbound, &o.name)) {
                        add(&o.name, queue(o, *depth_above, *oldest_above));
                    }
                }
                Rule::DeadLetters { outbound } => {
                    for o in seen.outbounds.iter().filter(|o| named(outbound, &o.name)) {
                        let finding = match o.dead_letters {
                            None => Finding::Hold,
                            Some(0) => Finding::Clear,
                            Some(n) => Finding::Firing(format!("{}: {n} dead letter(s)", o.name)),
                        };
                        add(&o.name, finding);
                    }
                }
                Rule::OutboundDown {
                    outbound,
                    longer_than,
                } => {
                    for o in seen.outbounds.iter().filter(|o| named(outbound, &o.name)) {
                        let finding = match self.failing_since.get(&o.name) {
                            Some(since) if elapsed(*since, seen.at) > *longer_than => {
                                Finding::Firing(format!(
                                    "{}: the downstream has been failing for {} ({} failed attempt(s) in a row)",
                                    o.name,
                                    words(elapsed(*since, seen.at)),
                                    o.consecutive_failures
                                ))
                            }
                            _ => Finding::Clear,
                        };
                        add(&o.name, finding);
                    }
                }
                Rule::NakRate(rate) | Rule::ErrorRate(rate) => {
                    // NAKs among received messages, or ERRORs among routed ones, over `over`.
                    let naks = matches!(rule, Rule::NakRate(_));
                    let counts = |i: &InboundSeen| {
                        if naks {
                            (i.naks, i.received)
                        } else {
                            (i.errors, i.routed)
                        }
                    };
                    let what = if naks {
                        "answered negatively"
                    } else {
                        "routed to ERROR"
                    };
                    for i in seen
                        .inbounds
                        .iter()
                        .filter(|i| named(&rate.inbound, &i.name))
                    {
                        let (part, whole) = counts(i);
                        let (base_part, base_whole) =
                            counts(&self.base(&i.name, seen.at, rate.over));
                        let (part, whole) =
                            (part - base_part.min(part), whole - base_whole.min(whole));
                        add(&i.name, share(rate, &i.name, part, whole, what));
                    }
                }
                Rule::Certificates { within } => {
                    for c in &seen.certificates {
                        add(
                            &format!("{} {}", c.user, c.path),
                            certificate(c, seen.at, *within),
                        );
                    }
                }
                Rule::Disk { free_below } => {
                    let finding = match seen.disk {
                        None => Finding::Hold,
                        Some(disk) => disk_space(disk, *free_below),
                    };
                    add("store", finding);
                }
            }
        }
        self.incidents.update(seen.at, found)
    }

    /// Keeps what the rules need of this moment: since when each outbound fails, and the
    /// inbounds' counts (as far back as the longest rate window, and one more).
    fn remember(&mut self, seen: &Observed) {
        for o in &seen.outbounds {
            if !o.connected && o.consecutive_failures > 0 {
                self.failing_since.entry(o.name.clone()).or_insert(seen.at);
            } else {
                self.failing_since.remove(&o.name);
            }
        }
        let window = self
            .settings
            .rules
            .iter()
            .filter_map(|r| match r {
                Rule::NakRate(rate) | Rule::ErrorRate(rate) => Some(rate.over),
                _ => None,
            })
            .max();
        let Some(window) = window else { return };
        self.history.push_back(Sample {
            at: seen.at,
            counts: seen
                .inbounds
                .iter()
                .map(|i| (i.name.clone(), i.clone()))
                .collect(),
        });
        while self.history.len() > 2
            && self
                .history
                .get(1)
                .is_some_and(|s| elapsed(s.at, seen.at) >= window)
        {
            self.history.pop_front();
        }
    }

    /// The counts of an inbound at the start of a window: the latest sample at or before
    /// it, or the oldest kept.
    fn base(&self, inbound: &str, now: Timestamp, over: Duration) -> InboundSeen {
        let sample = self
            .history
            .iter()
            .rev()
            .find(|s| elapsed(s.at, now) >= over)
            .or_else(|| self.history.front());
        sample
            .and_then(|s| s.counts.get(inbound).cloned())
            .unwrap_or_default()
    }
}

/// Whether a rule's connection (none: every one) is this one.
fn named(rule: &Option<String>, name: &str) -> bool {
    rule.as_deref().is_none_or(|r| r == name)
}

fn elapsed(from: Timestamp, to: Timestamp) -> Duration {
    to.duration_since(from).try_into().unwrap_or(Duration::ZERO)
}

fn queue(o: &OutboundSeen, depth_above: Option<u64>, oldest_above: Option<Duration>) -> Finding {
    let (Some(queued), Some(age)) = (o.queued, o.oldest_age_seconds) else {
        return Finding::Hold;
    };
    let mut over = Vec::new();
    if let Some(limit) = depth_above.filter(|limit| queued > *limit) {
        over.push(format!("{queued} message(s) queued (more than {limit})"));
    }
    if let Some(limit) = oldest_above.filter(|limit| age > limit.as_secs_f64()) {
        over.push(format!(
            "the oldest queued for {} (more than {})",
            words(Duration::from_secs_f64(age)),
            words(limit)
        ));
    }
    if over.is_empty() {
        Finding::Clear
    } else {
        Finding::Firing(format!("{}: {}", o.name, over.join(", ")))
    }
}

fn share(rate: &RateRule, name: &str, part: u64, whole: u64, what: &str) -> Finding {
    if whole < rate.min_messages || whole == 0 {
        return Finding::Clear;
    }
    let share = part as f64 / whole as f64;
    if share > rate.above {
        Finding::Firing(format!(
            "{name}: {part} of {whole} message(s) {what} in the last {} ({:.1}%, more than {:.1}%)",
            words(rate.over),
            share * 100.0,
            rate.above * 100.0
        ))
    } else {
        Finding::Clear
    }
}

fn certificate(c: &CertificateSeen, now: Timestamp, within: Duration) -> Finding {
    match &c.expires {
        Err(e) => Finding::Firing(format!(
            "{}: certificate {} cannot be read: {e}",
            c.user, c.path
        )),
        Ok(at) => {
            let date = at.strftime("%Y-%m-%d");
            if *at <= now {
                Finding::Firing(format!(
                    "{}: certificate {} EXPIRED on {date}",
                    c.user, c.path
                ))
            } else if elapsed(now, *at) < within {
                Finding::Firing(format!(
                    "{}: certificate {} expires on {date} (in {})",
                    c.user,
                    c.path,
                    words(elapsed(now, *at))
                ))
            } else {
                Finding::Clear
            }
        }
    }
}

fn disk_space(disk: DiskSeen, free_below: Space) -> Finding {
    let limit = match free_below {
        Space::Bytes(b) => b,
        Space::Share(s) => (disk.total as f64 * s) as u64,
    };
    if disk.free < limit {
        Finding::Firing(format!(
            "the store's file system has {} free of {} (less than {})",
            bytes(disk.free),
            bytes(disk.total),
            bytes(limit)
        ))
    } else {
        Finding::Clear
    }
}

/// A duration in words, to the second: `2h 5m`, `40s`.
pub fn words(d: Duration) -> String {
    let s = d.as_secs();
    let (days, hours, minutes, seconds) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let parts: Vec<String> = [(days, "d"), (hours, "h"), (minutes, "m"), (seconds, "s")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .take(2)
        .map(|(n, unit)| format!("{n}{unit}"))
        .collect();
    if parts.is_empty() {
        format!("{}ms", d.as_millis())
    } else {
        parts.join(" ")
    }
}

/// Bytes in decimal units, as disks are sold: `4.2 GB`.
fn bytes(n: u64) -> String {
    let units = [("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    units
        .iter()
        .find(|(_, size)| n as f64 >= *size)
        .map_or_else(
            || format!("{n} B"),
            |(unit, size)| format!("{:.1} {unit}", n as f64 / size),
        )
}

#[cfg(test)]
mod tests;
