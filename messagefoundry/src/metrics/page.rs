//! The `/metrics` page: every family, from the counters and from what was read for this
//! scrape (queues, file size, sender states).

use super::inbound::{AckCode, InboundMetrics, NakReason, ROUTED};
use super::kinds::micros_to_seconds;
use super::outbound::OutboundMetrics;
use super::store::StoreMetrics;
use super::text::{Exposition, Kind};

/// Microseconds per second: histograms observed in microseconds are shown in seconds.
const MICROS: f64 = 1_000_000.0;

/// One outbound as scraped: its counters and what was read now.
pub struct OutboundReading<'a> {
    /// Its name, the `outbound` label.
    pub name: &'a str,
    /// Its counters.
    pub metrics: &'a OutboundMetrics,
    /// Messages waiting in its queue; `None` when the store could not be read.
    pub queued: Option<u64>,
    /// Age of the message at the head of its queue, in seconds since it was received; 0 when
    /// the queue is empty.
    pub oldest_age_seconds: Option<f64>,
    /// Whether its sender has a connection open.
    pub connected: bool,
    /// Its sender's failed attempts in a row.
    pub consecutive_failures: u32,
}

/// Everything one page shows.
pub struct Page<'a> {
    /// Each inbound.
    pub inbounds: &'a [std::sync::Arc<InboundMetrics>],
    /// Each outbound.
    pub outbounds: Vec<OutboundReading<'a>>,
    /// The store writer's counters.
    pub store: &'a StoreMetrics,
    /// Whether the store is open (its writer running).
    pub store_open: bool,
    /// The store file's size; `None` when it could not be read.
    pub store_file_bytes: Option<u64>,
}

impl Page<'_> {
    /// The page in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut page = Exposition::default();
        self.inbound_families(&mut page);
        self.routing_families(&mut page);
        self.outbound_families(&mut page);
        self.store_families(&mut page);
        page.finish()
    }

    fn inbound_families(&self, page: &mut Exposition) {
        let each = |page: &mut Exposition,
                    name: &str,
                    kind: Kind,
                    help: &str,
                    value: &dyn Fn(&InboundMetrics) -> i128| {
            page.family(name, kind, help);
            for m in self.inbounds {
                page.int(name, &[("inbound", m.name)], value(m));
            }
        };
        each(
            page,
            "messagefoundry_inbound_listening",
            Kind::Gauge,
            "1 while the inbound's listener is bound and accepting (a file inbound: while its folder can be listed).",
            &|m| i128::from(m.listening()),
        );
        each(
            page,
            "messagefoundry_inbound_connections_open",
            Kind::Gauge,
            "Connections being served.",
            &|m| i128::from(m.connections_open.get()),
        );
        each(
            page,
            "messagefoundry_inbound_messages_received_total",
            Kind::Counter,
            "Message frames received.",
            &|m| i128::from(m.received.get()),
        );
        each(
            page,
            "messagefoundry_inbound_received_bytes_total",
            Kind::Counter,
            "Bytes of the message frames received.",
            &|m| i128::from(m.received_bytes.get()),
        );
        each(
            page,
            "messagefoundry_inbound_duplicates_total",
            Kind::Counter,
            "Messages answered like an earlier one with the same MSH-3 and MSH-10, not routed.",
            &|m| i128::from(m.duplicates.get()),
        );
        let by = |page: &mut Exposition,
                  name: &str,
                  help: &str,
                  label: &str,
                  count: &dyn Fn(&InboundMetrics) -> Vec<(&'static str, u64)>| {
            page.family(name, Kind::Counter, help);
            for m in self.inbounds {
                for (value, n) in count(m) {
                    page.int(name, &[("inbound", m.name), (label, value)], n);
                }
            }
        };
        by(
            page,
            "messagefoundry_inbound_acks_sent_total",
            "Acknowledgments sent, by MSA-1 code.",
            "code",
            &|m| AckCode::ALL.map(|c| (c.as_str(), m.acks(c))).into(),
        );
        by(
            page,
            "messagefoundry_inbound_naks_total",
            "Negative acknowledgments sent (AE, AR, CE, CR), by reason.",
            "reason",
            &|m| NakReason::ALL.map(|r| (r.as_str(), m.naks(r))).into(),
        );
        let name = "messagefoundry_inbound_last_message_timestamp_seconds";
        page.family(
            name,
            Kind::Gauge,
            "When the last message frame arrived, in seconds since the Unix epoch; 0 until the first.",
        );
        for m in self.inbounds {
            page.real(name, &[("inbound", m.name)], m.last_message.seconds());
        }
    }

    fn routing_families(&self, page: &mut Exposition) {
        let name = "messagefoundry_routed_messages_total";
        page.family(
            name,
            Kind::Counter,
            "Messages routed, by inbound, router and disposition.",
        );
        for m in self.inbounds {
            for disposition in ROUTED {
                page.int(
                    name,
                    &[
                        ("inbound", m.name),
                        ("router", m.router),
                        ("disposition", disposition.as_str()),
                    ],
                    m.routed_count(disposition),
                );
            }
        }
        let name = "messagefoundry_handler_results_total";
        page.family(
            name,
            Kind::Counter,
            "Handler results, by inbound, handler and disposition.",
        );
        for m in self.inbounds {
            for ((handler, disposition), count) in m.handler_results() {
                page.int(
                    name,
                    &[
                        ("inbound", m.name),
                        ("handler", handler),
                        ("disposition", disposition),
                    ],
                    count,
                );
            }
        }
    }

    fn outbound_families(&self, page: &mut Exposition) {
        let each = |page: &mut Exposition,
                    name: &str,
                    kind: Kind,
                    help: &str,
                    value: &dyn Fn(&OutboundReading<'_>) -> Option<f64>| {
            page.family(name, kind, help);
            for o in &self.outbounds {
                if let Some(v) = value(o) {
                    page.real(name, &[("outbound", o.name)], v);
                }
            }
        };
        each(
            page,
            "messagefoundry_outbound_queued_messages",
            Kind::Gauge,
            "Messages waiting in the outbound's queue.",
            &|o| o.queued.map(|q| q as f64),
        );
        each(
            page,
            "messagefoundry_outbound_oldest_queued_age_seconds",
            Kind::Gauge,
            "Age of the message at the head of the queue, since it was received; 0 when empty.",
            &|o| o.oldest_age_seconds,
        );
        each(
            page,
            "messagefoundry_outbound_messages_sent_total",
            Kind::Counter,
            "Messages the downstream accepted (AA or CA).",
            &|o| Some(o.metrics.sent.get() as f64),
        );
        each(
            page,
            "messagefoundry_outbound_retries_total",
            Kind::Counter,
            "Waits before trying a message again (connection failure, timeout, AE or CE).",
            &|o| Some(o.metrics.retries.get() as f64),
        );
        each(
            page,
            "messagefoundry_outbound_dead_letters_total",
            Kind::Counter,
            "Messages moved to the dead letters.",
            &|o| Some(o.metrics.dead_letters.get() as f64),
        );
        each(
            page,
            "messagefoundry_outbound_connected",
            Kind::Gauge,
            "1 while the sender has a connection to the downstream open.",
            &|o| Some(if o.connected { 1.0 } else { 0.0 }),
        );
        each(
            page,
            "messagefoundry_outbound_consecutive_failures",
            Kind::Gauge,
            "The sender's failed attempts in a row; 0 after a success.",
            &|o| Some(f64::from(o.consecutive_failures)),
        );
        each(
            page,
            "messagefoundry_outbound_last_ack_timestamp_seconds",
            Kind::Gauge,
            "When the last ACK arrived, in seconds since the Unix epoch; 0 until the first.",
            &|o| Some(o.metrics.last_ack.seconds()),
        );
        let name = "messagefoundry_outbound_ack_round_trip_seconds";
        page.family(
            name,
            Kind::Histogram,
            "From writing a message to reading its ACK.",
        );
        for o in &self.outbounds {
            let snapshot = o.metrics.ack_round_trip.snapshot();
            page.histogram(name, &[("outbound", o.name)], &snapshot, MICROS);
        }
    }

    fn store_families(&self, page: &mut Exposition) {
        page.family(
            "messagefoundry_store_open",
            Kind::Gauge,
            "1 while the store is open and its writer running.",
        );
        page.int(
            "messagefoundry_store_open",
            &[],
            i128::from(self.store_open),
        );
        page.family(
            "messagefoundry_store_commits_total",
            Kind::Counter,
            "Write transactions committed.",
        );
        page.int(
            "messagefoundry_store_commits_total",
            &[],
            self.store.commits.get(),
        );
        let name = "messagefoundry_store_commit_duration_seconds";
        page.family(
            name,
            Kind::Histogram,
            "A commit's duration, from the start of its transaction to the end of its fsync.",
        );
        page.histogram(name, &[], &self.store.commit_duration.snapshot(), MICROS);
        let name = "messagefoundry_store_commit_group_requests";
        page.family(
            name,
            Kind::Histogram,
            "Requests (received messages, routing results, deliveries) written by one commit.",
        );
        page.histogram(name, &[], &self.store.commit_group.snapshot(), 1.0);
        if let Some(bytes) = self.store_file_bytes {
            page.family(
                "messagefoundry_store_file_size_bytes",
                Kind::Gauge,
                "The store file's size.",
            );
            page.int("messagefoundry_store_file_size_bytes", &[], bytes);
        }
    }
}

/// Seconds from `received_micros` to `now_micros`, never negative.
pub fn age_seconds(received_micros: u64, now_micros: u64) -> f64 {
    micros_to_seconds(now_micros.saturating_sub(received_micros))
}
