//! The kinds of metric, each a few atomics: counting on the hot path takes no lock and
//! allocates nothing. They are read only when `/metrics` is scraped.

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// A count that only grows.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }

    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The count now.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down (connections open).
#[derive(Debug, Default)]
pub struct Gauge(AtomicI64);

impl Gauge {
    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Takes one away.
    pub fn dec(&self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }

    /// The value now.
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The time of the last event, kept as microseconds since the Unix epoch; 0 until the first.
#[derive(Debug, Default)]
pub struct Timestamp(AtomicU64);

impl Timestamp {
    /// Records an event at `micros` since the epoch.
    pub fn set(&self, micros: u64) {
        self.0.store(micros, Ordering::Relaxed);
    }

    /// Seconds since the epoch of the last event, 0 if none yet.
    pub fn seconds(&self) -> f64 {
        micros_to_seconds(self.0.load(Ordering::Relaxed))
    }
}

/// Observations sorted into buckets by upper bound, with their count and sum. Each observation
/// adds to one bucket; the cumulative counts Prometheus expects are summed when read.
#[derive(Debug)]
pub struct Histogram {
    /// Upper bounds, ascending, in the unit observed (seconds are observed in microseconds and
    /// scaled when read).
    bounds: &'static [u64],
    /// One per bound, then one for everything above the last.
    buckets: Box<[AtomicU64]>,
    count: AtomicU64,
    sum: AtomicU64,
}

/// What a histogram holds at one moment, ready to print.
#[derive(Debug, Clone, PartialEq)]
pub struct HistogramSnapshot {
    /// (upper bound, observations at or below it), ascending; `+Inf` is the count.
    pub buckets: Vec<(u64, u64)>,
    /// How many observations.
    pub count: u64,
    /// Their sum, in the unit observed.
    pub sum: u64,
}

impl Histogram {
    /// A histogram with these upper bounds (ascending).
    pub fn new(bounds: &'static [u64]) -> Histogram {
        Histogram {
            bounds,
            buckets: (0..=bounds.len()).map(|_| AtomicU64::new(0)).collect(),
            count: AtomicU64::new(0),
            sum: AtomicU64::new(0),
        }
    }

    /// Records one observation.
    pub fn observe(&self, value: u64) {
        let slot = self.bounds.partition_point(|&bound| bound < value);
        if let Some(bucket) = self.buckets.get(slot) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        self.sum.fetch_add(value, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// The cumulative counts now. Read without a lock while others observe, so a scrape may
    /// see an observation in its bucket before it shows in the count; the `+Inf` bucket is
    /// the count, and every bucket is capped by it, so the output stays consistent.
    pub fn snapshot(&self) -> HistogramSnapshot {
        let count = self.count.load(Ordering::Relaxed);
        let mut seen = 0u64;
        let buckets = self
            .bounds
            .iter()
            .zip(self.buckets.iter())
            .map(|(&bound, bucket)| {
                seen += bucket.load(Ordering::Relaxed);
                (bound, seen.min(count))
            })
            .collect();
        HistogramSnapshot {
            buckets,
            count,
            sum: self.sum.load(Ordering::Relaxed),
        }
    }
}

/// Microseconds as seconds.
pub fn micros_to_seconds(micros: u64) -> f64 {
    micros as f64 / 1_000_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_histogram_counts_each_observation_in_the_first_bucket_that_holds_it() {
        static BOUNDS: [u64; 3] = [10, 100, 1000];
        let h = Histogram::new(&BOUNDS);
        for value in [0, 10, 11, 100, 5000] {
            h.observe(value);
        }
        assert_eq!(
            h.snapshot(),
            HistogramSnapshot {
                buckets: vec![(10, 2), (100, 4), (1000, 4)],
                count: 5,
                sum: 5121,
            }
        );
    }

    #[test]
    fn a_gauge_goes_down_as_well_as_up() {
        let g = Gauge::default();
        g.inc();
        g.inc();
        g.dec();
        assert_eq!(g.get(), 1);
    }
}
