use super::*;
use crate::alerts::incidents::Status;
use crate::alerts::rules::Declared;

/// 2026-11-30 is a Monday; this is 12:00 UTC.
fn monday_noon() -> Timestamp {
    "2026-11-30T12:00:00Z".parse().unwrap()
}

fn later(seconds: i64) -> Timestamp {
    monday_noon() + jiff::SignedDuration::from_secs(seconds)
}

fn evaluator(alerts: &str) -> Evaluator {
    let section: toml::Table = toml::from_str(alerts).unwrap();
    let declared = Declared {
        inbounds: &["IB_ADT"],
        outbounds: &["OB_EHR"],
    };
    Evaluator::new(AlertSettings::read(&section, &declared).unwrap())
}

fn seen(at: Timestamp) -> Observed {
    Observed {
        at,
        started: monday_noon(),
        inbounds: vec![InboundSeen {
            name: "IB_ADT".into(),
            ..InboundSeen::default()
        }],
        outbounds: vec![OutboundSeen {
            name: "OB_EHR".into(),
            queued: Some(0),
            oldest_age_seconds: Some(0.0),
            dead_letters: Some(0),
            connected: true,
            consecutive_failures: 0,
        }],
        certificates: Vec::new(),
        disk: None,
    }
}

fn said(notices: &[Notice]) -> Vec<(Status, &str, &str)> {
    notices
        .iter()
        .map(|n| (n.status, n.alert, n.summary.as_str()))
        .collect()
}

#[test]
fn an_inbound_silent_in_business_hours_fires_and_at_night_waits_longer() {
    let mut e = evaluator(
        r#"
        time_zone = "UTC"
        [[inbound_silent]]
        inbound = "IB_ADT"
        longer_than = "15m"
        during = "Mon-Fri 07:00-19:00"
        [[inbound_silent]]
        longer_than = "2h"
        during = ["Mon-Fri 19:00-07:00", "Sat,Sun"]
        "#,
    );
    let mut s = seen(later(10 * 60));
    assert!(e.evaluate(&s).is_empty(), "silent for 10 minutes is normal");
    s.at = later(16 * 60);
    assert_eq!(
        said(&e.evaluate(&s)),
        [(
            Status::Firing,
            "inbound_silent",
            "IB_ADT: no message for 16m (more than 15m)"
        )]
    );
    // A message arrives: resolved.
    s.inbounds[0].last_message = Some(later(17 * 60));
    s.at = later(18 * 60);
    assert_eq!(said(&e.evaluate(&s))[0].0, Status::Resolved);
    // From 19:00 the business rule holds; the night rule allows two hours.
    s.inbounds[0].last_message = Some(later(7 * 3600 + 10 * 60));
    s.at = later(8 * 3600);
    assert!(e.evaluate(&s).is_empty(), "20:00, silent since 19:10");
    s.at = later(9 * 3600 + 11 * 60);
    assert_eq!(
        said(&e.evaluate(&s)),
        [(
            Status::Firing,
            "inbound_silent",
            "IB_ADT: no message for 2h 1m (more than 2h)"
        )]
    );
}

#[test]
fn a_downstream_failing_longer_than_allowed_fires_and_resolves_when_it_answers() {
    let mut e = evaluator("[outbound_down]\nlonger_than = \"5m\"\n");
    let mut s = seen(monday_noon());
    s.outbounds[0].connected = false;
    s.outbounds[0].consecutive_failures = 3;
    assert!(e.evaluate(&s).is_empty());
    s.at = later(300);
    assert!(
        e.evaluate(&s).is_empty(),
        "exactly five minutes is not more"
    );
    s.at = later(301);
    s.outbounds[0].consecutive_failures = 9;
    assert_eq!(
        said(&e.evaluate(&s)),
        [(
            Status::Firing,
            "outbound_down",
            "OB_EHR: the downstream has been failing for 5m 1s (9 failed attempt(s) in a row)"
        )]
    );
    s.outbounds[0].connected = true;
    s.outbounds[0].consecutive_failures = 0;
    s.at = later(400);
    assert_eq!(said(&e.evaluate(&s))[0].0, Status::Resolved);
    // Failing again starts the clock again.
    s.outbounds[0].connected = false;
    s.outbounds[0].consecutive_failures = 1;
    s.at = later(500);
    assert!(e.evaluate(&s).is_empty());
}

#[test]
fn queues_and_dead_letters() {
    let mut e = evaluator(
        "[queue]\ndepth_above = 100\noldest_above = \"10m\"\n[dead_letters]\noutbound = \"OB_EHR\"\n",
    );
    let mut s = seen(monday_noon());
    s.outbounds[0].queued = Some(101);
    s.outbounds[0].oldest_age_seconds = Some(601.0);
    s.outbounds[0].dead_letters = Some(2);
    assert_eq!(
        said(&e.evaluate(&s)),
        [
            (
                Status::Firing,
                "queue",
                "OB_EHR: 101 message(s) queued (more than 100), the oldest queued for 10m 1s (more than 10m)"
            ),
            (Status::Firing, "dead_letters", "OB_EHR: 2 dead letter(s)"),
        ]
    );
    // The store cannot be read: nothing changes.
    s.outbounds[0].queued = None;
    s.outbounds[0].dead_letters = None;
    s.at = later(60);
    assert!(e.evaluate(&s).is_empty());
    s.outbounds[0].queued = Some(0);
    s.outbounds[0].oldest_age_seconds = Some(0.0);
    s.outbounds[0].dead_letters = Some(0);
    let resolved = e.evaluate(&s);
    assert_eq!(resolved.len(), 2);
    assert!(resolved.iter().all(|n| n.status == Status::Resolved));
}

#[test]
fn a_nak_rate_is_measured_over_its_window() {
    let mut e = evaluator("[nak_rate]\nabove = \"10%\"\nover = \"10m\"\nmin_messages = 20\n");
    let mut s = seen(monday_noon());
    let count = |s: &mut Observed, received: u64, naks: u64| {
        s.inbounds[0].received = received;
        s.inbounds[0].naks = naks;
    };
    count(&mut s, 1000, 500);
    assert!(
        e.evaluate(&s).is_empty(),
        "no window yet: nothing counted since the first sample"
    );
    s.at = later(300);
    count(&mut s, 1010, 505);
    assert!(e.evaluate(&s).is_empty(), "10 messages are too few to say");
    s.at = later(600);
    count(&mut s, 1100, 520);
    assert_eq!(
        said(&e.evaluate(&s)),
        [(
            Status::Firing,
            "nak_rate",
            "IB_ADT: 20 of 100 message(s) answered negatively in the last 10m (20.0%, more than 10.0%)"
        )]
    );
    // Over the ten minutes since 12:05: 190 messages, 16 NAKs.
    s.at = later(900);
    count(&mut s, 1200, 521);
    assert_eq!(
        said(&e.evaluate(&s))[0].0,
        Status::Resolved,
        "16 of 190 is 8.4%"
    );
}

#[test]
fn certificates_and_disk_space() {
    let mut e =
        evaluator("[certificates]\nexpire_within = \"30d\"\n[disk]\nfree_below = \"10%\"\n");
    let mut s = seen(monday_noon());
    s.certificates = vec![
        CertificateSeen {
            user: "inbound IB_ADT".into(),
            path: "/etc/mf/adt.pem".into(),
            expires: Ok(later(10 * 86_400)),
        },
        CertificateSeen {
            user: "admin server".into(),
            path: "/etc/mf/admin.pem".into(),
            expires: Ok(later(90 * 86_400)),
        },
    ];
    s.disk = Some(DiskSeen {
        free: 4_000_000_000,
        total: 100_000_000_000,
    });
    assert_eq!(
        said(&e.evaluate(&s)),
        [
            (
                Status::Firing,
                "certificates",
                "inbound IB_ADT: certificate /etc/mf/adt.pem expires on 2026-12-10 (in 10d)"
            ),
            (
                Status::Firing,
                "disk",
                "the store's file system has 4.0 GB free of 100.0 GB (less than 10.0 GB)"
            ),
        ]
    );
}

#[test]
fn durations_in_words() {
    assert_eq!(words(Duration::from_secs(3 * 86_400 + 7200 + 5)), "3d 2h");
    assert_eq!(words(Duration::from_secs(45)), "45s");
    assert_eq!(words(Duration::from_millis(200)), "200ms");
}
