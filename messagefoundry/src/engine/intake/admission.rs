//! Who a listener serves: peers on its allow-list, up to the per-peer limit and the cap. At the
//! cap a newcomer is served by closing the open connection least worth keeping, so peers that
//! hold sockets without sending frames cannot lock a partner out.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::tally::{Event, Tally};
use crate::config::InboundSettings;
use crate::interface::Cidr;

/// Why a new connection was refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Refusal {
    /// The peer is not on the inbound's allow-list.
    NotAllowed,
    /// The peer already has `max_connections_per_peer` open.
    PerPeer,
    /// The cap is reached and every open connection is in the middle of a frame after earlier
    /// ones: none can be closed without cutting a partner's message.
    Full,
}

/// A listener's admissions: the rules, and the connections open now.
pub(crate) struct Door {
    allow: Vec<Cidr>,
    per_peer: Option<usize>,
    cap: usize,
    /// Timestamps are kept as microseconds since this instant, so they fit an atomic.
    epoch: Instant,
    open: Mutex<Vec<Arc<Presence>>>,
    /// Refusals and closings counted for the listener's periodic summary.
    pub tally: Tally,
}

/// What the listener knows of one open connection, kept current by the connection itself.
#[derive(Debug)]
pub(crate) struct Presence {
    peer: IpAddr,
    accepted: Instant,
    /// Since when the connection has been quiet: its last complete frame, or its acceptance.
    quiet_since: AtomicU64,
    /// Whether it has delivered a complete frame: it is a peer speaking MLLP.
    proven: AtomicBool,
    /// Whether a frame is arriving now.
    mid_frame: AtomicBool,
    /// Cancelled when the listener closes the connection to make room.
    evicted: CancellationToken,
}

/// A connection's place at the door, given back when it is dropped.
pub(crate) struct Ticket {
    door: Arc<Door>,
    presence: Arc<Presence>,
}

impl Door {
    /// The door of an inbound with these settings.
    pub fn new(settings: &InboundSettings) -> Door {
        Door {
            allow: settings.allow.clone(),
            per_peer: settings.max_connections_per_peer,
            cap: settings.max_connections,
            epoch: Instant::now(),
            open: Mutex::new(Vec::new()),
            tally: Tally::default(),
        }
    }

    fn open(&self) -> MutexGuard<'_, Vec<Arc<Presence>>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn micros(&self, at: Instant) -> u64 {
        u64::try_from(at.saturating_duration_since(self.epoch).as_micros()).unwrap_or(u64::MAX)
    }

    /// Admits a connection from `peer`, closing another to make room at the cap; or says why
    /// not. Either way it is counted.
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Ticket, Refusal> {
        let peer = peer.to_canonical();
        let refused = |why: Refusal| {
            self.tally.count(match why {
                Refusal::NotAllowed => Event::NotAllowed,
                Refusal::PerPeer => Event::PerPeer,
                Refusal::Full => Event::Full,
            });
            Err(why)
        };
        if !self.allow.is_empty() && !self.allow.iter().any(|c| c.contains(peer)) {
            return refused(Refusal::NotAllowed);
        }
        let mut open = self.open();
        if let Some(limit) = self.per_peer
            && open.iter().filter(|p| p.peer == peer).count() >= limit
        {
            return refused(Refusal::PerPeer);
        }
        if open.len() >= self.cap {
            let Some(at) = victim(&open) else {
                return refused(Refusal::Full);
            };
            // Out of the count at once, so it is never chosen twice; it closes on its own task.
            open.swap_remove(at).evicted.cancel();
            self.tally.count(Event::Evicted);
        }
        let now = Instant::now();
        let presence = Arc::new(Presence {
            peer,
            accepted: now,
            quiet_since: AtomicU64::new(self.micros(now)),
            proven: AtomicBool::new(false),
            mid_frame: AtomicBool::new(false),
            evicted: CancellationToken::new(),
        });
        open.push(Arc::clone(&presence));
        Ok(Ticket {
            door: Arc::clone(self),
            presence,
        })
    }
}

/// The connection to close for a newcomer: one that has not delivered a frame yet, connected
/// longest ago; else one between frames, quiet longest. Never one in the middle of a frame
/// after earlier ones, which would cut a partner's message.
fn victim(open: &[Arc<Presence>]) -> Option<usize> {
    open.iter()
        .enumerate()
        .filter_map(|(at, p)| {
            let proven = p.proven.load(Ordering::Relaxed);
            if proven && p.mid_frame.load(Ordering::Relaxed) {
                return None;
            }
            Some(((proven, p.quiet_since.load(Ordering::Relaxed)), at))
        })
        .min_by_key(|(key, _)| *key)
        .map(|(_, at)| at)
}

impl Presence {
    /// Whether a frame is arriving now; the decoder keeps this current.
    pub fn set_mid_frame(&self, mid_frame: bool) {
        if self.mid_frame.load(Ordering::Relaxed) != mid_frame {
            self.mid_frame.store(mid_frame, Ordering::Relaxed);
        }
    }
}

impl Ticket {
    /// The instant `within` after the connection was accepted: a deadline for its first frame.
    pub fn after_accept(&self, within: Duration) -> Instant {
        self.presence.accepted + within
    }

    /// Cancelled when the listener closes this connection to make room for another.
    pub fn evicted(&self) -> &CancellationToken {
        &self.presence.evicted
    }

    /// What the connection's decoder keeps current.
    pub fn presence(&self) -> Arc<Presence> {
        Arc::clone(&self.presence)
    }

    /// A complete frame arrived: the connection is proven and quiet from now.
    pub fn frame_done(&self) {
        let now = self.door.micros(Instant::now());
        self.presence.quiet_since.store(now, Ordering::Relaxed);
        self.presence.proven.store(true, Ordering::Relaxed);
    }

    /// Counts how the connection ended, for the listener's summary.
    pub fn count(&self, event: Event) {
        self.door.tally.count(event);
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut open = self.door.open();
        if let Some(at) = open.iter().position(|p| Arc::ptr_eq(p, &self.presence)) {
            open.swap_remove(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interface::MllpListen;

    fn door(configure: impl FnOnce(&mut InboundSettings)) -> Arc<Door> {
        let mut settings = InboundSettings::from(&MllpListen::DEFAULT);
        configure(&mut settings);
        Arc::new(Door::new(&settings))
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_allow_list_and_the_per_peer_limit_refuse_and_count() {
        let d = door(|s| {
            s.allow = vec!["10.1.2.0/24".parse().unwrap(), "::1".parse().unwrap()];
            s.max_connections_per_peer = Some(2);
        });
        assert_eq!(d.admit(ip("10.1.3.1")).err(), Some(Refusal::NotAllowed));
        let a = d.admit(ip("10.1.2.1")).unwrap();
        let _b = d.admit(ip("::ffff:10.1.2.1")).unwrap();
        assert_eq!(d.admit(ip("10.1.2.1")).err(), Some(Refusal::PerPeer));
        let _other = d.admit(ip("10.1.2.2")).unwrap();
        let _v6 = d.admit(ip("::1")).unwrap();
        drop(a);
        let _again = d.admit(ip("10.1.2.1")).unwrap();
        let counts = d.tally.take();
        assert_eq!(
            (counts.not_allowed, counts.per_peer, counts.full),
            (1, 1, 0)
        );
    }

    #[test]
    fn at_the_cap_the_silent_go_first_then_the_longest_quiet() {
        let d = door(|s| s.max_connections = 3);
        let partner = d.admit(ip("10.0.0.1")).unwrap();
        partner.frame_done();
        let busy = d.admit(ip("10.0.0.2")).unwrap();
        busy.frame_done();
        let silent = d.admit(ip("10.0.0.3")).unwrap();
        // The one that never sent a frame makes room, even though it is the newest.
        let newcomer = d.admit(ip("10.0.0.4")).unwrap();
        assert!(silent.evicted().is_cancelled());
        assert!(!partner.evicted().is_cancelled());
        // A newcomer still silent goes before a proven one.
        let next = d.admit(ip("10.0.0.5")).unwrap();
        assert!(newcomer.evicted().is_cancelled());
        // Among proven ones the quiet longest goes, but never one in the middle of a frame.
        next.frame_done();
        let quiet = |t: &Ticket, since: u64| t.presence.quiet_since.store(since, Ordering::Relaxed);
        quiet(&partner, 0);
        quiet(&next, 50);
        quiet(&busy, 100);
        partner.presence().set_mid_frame(true);
        let _last = d.admit(ip("10.0.0.6")).unwrap();
        assert!(!partner.evicted().is_cancelled() && !busy.evicted().is_cancelled());
        assert!(next.evicted().is_cancelled());
        assert_eq!(d.tally.take().evicted, 3);
    }

    #[test]
    fn a_full_door_of_frames_in_progress_refuses() {
        let d = door(|s| s.max_connections = 1);
        let t = d.admit(ip("10.0.0.1")).unwrap();
        t.frame_done();
        t.presence().set_mid_frame(true);
        assert_eq!(d.admit(ip("10.0.0.2")).err(), Some(Refusal::Full));
        t.presence().set_mid_frame(false);
        assert!(d.admit(ip("10.0.0.2")).is_ok());
        assert!(t.evicted().is_cancelled());
    }
}
