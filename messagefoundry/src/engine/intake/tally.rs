//! Connections a listener refused or closed for its own protection, counted and logged as one
//! summary line per interval: a peer that opens thousands of connections cannot fill the log.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How often a listener logs its summary, when there is anything to report.
pub(crate) const SUMMARY_EVERY: Duration = Duration::from_secs(10);

/// What is counted.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Event {
    /// Refused: the peer is not on the allow-list.
    NotAllowed,
    /// Refused: the peer has its most connections open.
    PerPeer,
    /// Refused: the cap is reached and no open connection could make room.
    Full,
    /// Closed to make room for a newcomer.
    Evicted,
    /// Closed before delivering a frame: none began within `first_frame_timeout`, the first
    /// did not complete in time, or the connection failed or was cut inside it.
    NoFrame,
}

/// Counts since the last summary.
#[derive(Default, Debug)]
pub(crate) struct Tally([AtomicU64; 5]);

/// The counts of one interval.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Counts {
    pub not_allowed: u64,
    pub per_peer: u64,
    pub full: u64,
    pub evicted: u64,
    pub no_frame: u64,
}

impl Tally {
    /// Counts one event.
    pub fn count(&self, event: Event) {
        self.0[event as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// The counts so far, starting again from zero.
    pub fn take(&self) -> Counts {
        let [not_allowed, per_peer, full, evicted, no_frame] =
            self.0.each_ref().map(|c| c.swap(0, Ordering::Relaxed));
        Counts {
            not_allowed,
            per_peer,
            full,
            evicted,
            no_frame,
        }
    }

    /// Logs the counts since the last summary in one line, if there are any.
    pub fn log(&self, inbound: &str) {
        let c = self.take();
        if c == Counts::default() {
            return;
        }
        tracing::warn!(
            inbound,
            refused_not_allowed = c.not_allowed,
            refused_per_peer = c.per_peer,
            refused_full = c.full,
            closed_to_make_room = c.evicted,
            closed_without_a_frame = c.no_frame,
            "connections refused or closed to protect the listener since the last summary"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_start_again_after_each_summary() {
        let t = Tally::default();
        t.count(Event::Full);
        t.count(Event::Full);
        t.count(Event::NoFrame);
        let c = t.take();
        assert_eq!((c.full, c.no_frame, c.not_allowed), (2, 1, 0));
        assert_eq!(t.take(), Counts::default());
    }
}
