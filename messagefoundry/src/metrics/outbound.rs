//! What an outbound's sender counts. Its queue's depth and age come from the store when
//! scraped; its connection state from the sender's status.

use super::kinds::{Counter, Histogram, Timestamp};

/// Upper bounds of the ACK round trip, in microseconds: 1 ms to 60 s.
const ACK_BOUNDS: [u64; 14] = [
    1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000, 1_000_000, 2_500_000,
    5_000_000, 10_000_000, 60_000_000,
];

/// One outbound's metrics.
#[derive(Debug)]
pub struct OutboundMetrics {
    /// Messages the downstream accepted (AA or CA).
    pub sent: Counter,
    /// Waits before a message is tried again: after a connection failure, a timeout, or an
    /// AE/CE answer.
    pub retries: Counter,
    /// Messages moved to the dead letters.
    pub dead_letters: Counter,
    /// From writing a message to reading its ACK, in microseconds.
    pub ack_round_trip: Histogram,
    /// When the last ACK (of any code) arrived.
    pub last_ack: Timestamp,
}

impl Default for OutboundMetrics {
    fn default() -> OutboundMetrics {
        OutboundMetrics {
            sent: Counter::default(),
            retries: Counter::default(),
            dead_letters: Counter::default(),
            ack_round_trip: Histogram::new(&ACK_BOUNDS),
            last_ack: Timestamp::default(),
        }
    }
}
