//! Incidents: a rule that starts to hold opens one, which is notified once, again every
//! `repeat_every` while it stays open, and once more when it is resolved. A rule outside its
//! schedule holds its incident as it is (no new one, no repeat, no resolution).

use std::collections::BTreeMap;
use std::time::Duration;

use jiff::Timestamp;

/// What a rule says of one subject (a connection, a certificate, the disk) now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finding {
    /// The rule holds; the summary says what was seen (names and counts, never content).
    Firing(String),
    /// The rule does not hold.
    Clear,
    /// The rule does not apply now (outside its schedule, or the state could not be read):
    /// an open incident stays open, quietly.
    Hold,
}

/// One rule's finding on one subject.
#[derive(Clone, Debug)]
pub struct Found {
    /// The rule's place in the settings (two rules on one subject are two incidents).
    pub rule: usize,
    /// The rule's kind.
    pub alert: &'static str,
    /// What it is about.
    pub subject: String,
    /// What it says.
    pub finding: Finding,
}

/// What a notification says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// An incident opened, or is still open (a repeat).
    Firing,
    /// An incident closed.
    Resolved,
    /// `alerts test`: nothing happened.
    Test,
}

/// One notification, the same for every channel.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Firing, resolved, or a test.
    pub status: Status,
    /// The rule's kind (`outbound_down`).
    pub alert: &'static str,
    /// What it is about (a connection's name).
    pub subject: String,
    /// What was seen.
    pub summary: String,
    /// When the incident opened.
    pub since: Timestamp,
    /// When this notification was made.
    pub at: Timestamp,
    /// 0 for the first notification of an incident, then 1, 2, … for the repeats.
    pub repeat: u32,
}

/// An open incident.
#[derive(Clone, Debug)]
struct Open {
    alert: &'static str,
    since: Timestamp,
    last_sent: Timestamp,
    repeats: u32,
    summary: String,
}

/// The open incidents, by rule and subject.
#[derive(Debug)]
pub struct Incidents {
    open: BTreeMap<(usize, String), Open>,
    repeat_every: Duration,
}

impl Incidents {
    /// None open yet.
    pub fn new(repeat_every: Duration) -> Incidents {
        Incidents {
            open: BTreeMap::new(),
            repeat_every,
        }
    }

    /// How many are open.
    #[cfg(test)]
    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    /// Takes one round of findings at `now` and returns what to notify. An open incident
    /// that no finding names any longer is resolved.
    pub fn update(&mut self, now: Timestamp, found: Vec<Found>) -> Vec<Notice> {
        let mut notices = Vec::new();
        let mut named = std::collections::BTreeSet::new();
        for Found {
            rule,
            alert,
            subject,
            finding,
        } in found
        {
            let key = (rule, subject);
            named.insert(key.clone());
            match (finding, self.open.get_mut(&key)) {
                (Finding::Firing(summary), None) => {
                    notices.push(Notice {
                        status: Status::Firing,
                        alert,
                        subject: key.1.clone(),
                        summary: summary.clone(),
                        since: now,
                        at: now,
                        repeat: 0,
                    });
                    self.open.insert(
                        key,
                        Open {
                            alert,
                            since: now,
                            last_sent: now,
                            repeats: 0,
                            summary,
                        },
                    );
                }
                (Finding::Firing(summary), Some(open)) => {
                    open.summary = summary;
                    if now.duration_since(open.last_sent).unsigned_abs() >= self.repeat_every {
                        open.last_sent = now;
                        open.repeats += 1;
                        notices.push(Notice {
                            status: Status::Firing,
                            alert,
                            subject: key.1,
                            summary: open.summary.clone(),
                            since: open.since,
                            at: now,
                            repeat: open.repeats,
                        });
                    }
                }
                (Finding::Clear, Some(_)) => notices.extend(self.resolve(&key, now)),
                (Finding::Clear | Finding::Hold, None) | (Finding::Hold, Some(_)) => {}
            }
        }
        let gone: Vec<(usize, String)> = self
            .open
            .keys()
            .filter(|k| !named.contains(*k))
            .cloned()
            .collect();
        for key in gone {
            notices.extend(self.resolve(&key, now));
        }
        notices
    }

    fn resolve(&mut self, key: &(usize, String), now: Timestamp) -> Option<Notice> {
        let open = self.open.remove(key)?;
        Some(Notice {
            status: Status::Resolved,
            alert: open.alert,
            subject: key.1.clone(),
            summary: open.summary,
            since: open.since,
            at: now,
            repeat: open.repeats,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + seconds).unwrap()
    }

    fn found(finding: Finding) -> Vec<Found> {
        vec![Found {
            rule: 0,
            alert: "outbound_down",
            subject: "OB_EHR".into(),
            finding,
        }]
    }

    fn firing() -> Vec<Found> {
        found(Finding::Firing("OB_EHR: failing for 5m".into()))
    }

    fn statuses(notices: &[Notice]) -> Vec<(Status, u32)> {
        notices.iter().map(|n| (n.status, n.repeat)).collect()
    }

    #[test]
    fn one_notification_per_incident_then_repeats_then_resolved() {
        let mut incidents = Incidents::new(Duration::from_secs(3600));
        assert_eq!(
            statuses(&incidents.update(at(0), firing())),
            [(Status::Firing, 0)]
        );
        assert!(
            incidents.update(at(60), firing()).is_empty(),
            "no second notice within the hour"
        );
        assert!(incidents.update(at(3599), firing()).is_empty());
        let repeat = incidents.update(at(3600), firing());
        assert_eq!(statuses(&repeat), [(Status::Firing, 1)]);
        assert_eq!(repeat[0].since, at(0));
        assert!(incidents.update(at(3700), firing()).is_empty());
        let resolved = incidents.update(at(3800), found(Finding::Clear));
        assert_eq!(statuses(&resolved), [(Status::Resolved, 1)]);
        assert_eq!((resolved[0].since, resolved[0].at), (at(0), at(3800)));
        assert_eq!(incidents.open_count(), 0);
        assert!(incidents.update(at(3900), found(Finding::Clear)).is_empty());
        assert_eq!(
            statuses(&incidents.update(at(4000), firing())),
            [(Status::Firing, 0)],
            "a new incident"
        );
    }

    #[test]
    fn held_incidents_neither_open_nor_repeat_nor_resolve() {
        let mut incidents = Incidents::new(Duration::from_secs(60));
        assert!(incidents.update(at(0), found(Finding::Hold)).is_empty());
        assert_eq!(incidents.open_count(), 0);
        incidents.update(at(0), firing());
        assert!(incidents.update(at(600), found(Finding::Hold)).is_empty());
        assert_eq!(incidents.open_count(), 1);
        assert_eq!(
            statuses(&incidents.update(at(601), firing())),
            [(Status::Firing, 1)]
        );
    }

    #[test]
    fn an_incident_no_longer_found_is_resolved_and_rules_on_one_subject_are_apart() {
        let mut incidents = Incidents::new(Duration::from_secs(60));
        let mut two = firing();
        two.push(Found {
            rule: 1,
            ..firing().remove(0)
        });
        assert_eq!(incidents.update(at(0), two).len(), 2);
        let notices = incidents.update(at(10), firing());
        assert_eq!(statuses(&notices), [(Status::Resolved, 0)]);
        assert_eq!(incidents.open_count(), 1);
    }
}
