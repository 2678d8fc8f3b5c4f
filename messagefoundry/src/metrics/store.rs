//! What the store's writer counts: its commits, how long each took and how many requests it
//! held.

use super::kinds::{Counter, Histogram};

/// Upper bounds of a commit's duration, in microseconds: 100 µs to 10 s.
const COMMIT_BOUNDS: [u64; 15] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
    1_000_000, 2_500_000, 10_000_000,
];

/// Upper bounds of a commit's group size, in requests (the writer takes at most 1 024).
const GROUP_BOUNDS: [u64; 11] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/// The store writer's metrics; observed once per commit, on the writer thread.
#[derive(Debug)]
pub struct StoreMetrics {
    /// Transactions committed.
    pub commits: Counter,
    /// From the start of a write transaction to the end of its commit (fsync included), in
    /// microseconds.
    pub commit_duration: Histogram,
    /// Requests (received messages, routing results, deliveries, …) per commit.
    pub commit_group: Histogram,
}

impl Default for StoreMetrics {
    fn default() -> StoreMetrics {
        StoreMetrics {
            commits: Counter::default(),
            commit_duration: Histogram::new(&COMMIT_BOUNDS),
            commit_group: Histogram::new(&GROUP_BOUNDS),
        }
    }
}
