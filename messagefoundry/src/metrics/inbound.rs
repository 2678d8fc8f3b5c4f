//! What an inbound counts: its listener, its connections, what it received and answered, and
//! what its pipeline made of it.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use super::kinds::{Counter, Gauge, Timestamp};
use crate::interface::Disposition;

/// The acknowledgment codes, as counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AckCode {
    /// Application accept.
    Aa,
    /// Application error.
    Ae,
    /// Application reject.
    Ar,
    /// Commit accept.
    Ca,
    /// Commit error.
    Ce,
    /// Commit reject.
    Cr,
}

impl AckCode {
    /// Every code, in the order they are shown.
    pub const ALL: [AckCode; 6] = [
        AckCode::Aa,
        AckCode::Ae,
        AckCode::Ar,
        AckCode::Ca,
        AckCode::Ce,
        AckCode::Cr,
    ];

    /// Whether it refuses or reports an error: AE, AR, CE, CR.
    pub fn is_negative(self) -> bool {
        !matches!(self, AckCode::Aa | AckCode::Ca)
    }

    /// The code as HL7 writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            AckCode::Aa => "AA",
            AckCode::Ae => "AE",
            AckCode::Ar => "AR",
            AckCode::Ca => "CA",
            AckCode::Ce => "CE",
            AckCode::Cr => "CR",
        }
    }

    /// The code of an acknowledgment the engine built: MSA-1, read from the MSA segment that
    /// follows MSH (the engine's ACKs always put it there). `None` for anything else.
    pub fn of_ack(bytes: &[u8]) -> Option<AckCode> {
        let at = memchr::memmem::find(bytes, b"\rMSA")?;
        // `\rMSA`, the field separator, then the two letters of the code.
        let code = bytes.get(at + 5..at + 7)?;
        AckCode::ALL
            .into_iter()
            .find(|c| c.as_str().as_bytes() == code)
    }
}

/// Why an inbound answered a message negatively.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NakReason {
    /// The frame is not valid HL7.
    Unparseable,
    /// MSH-9 or MSH-10 is empty.
    HeaderIncomplete,
    /// The message failed the inbound's validation.
    Invalid,
    /// The frame was over the size limit, or over the memory for arriving frames.
    Oversize,
    /// The store could not commit it.
    StoreFailed,
    /// The router or a handler recorded an ERROR (after-processing and enhanced modes).
    Error,
    /// A batch refused as a whole (its envelope is broken or its counts do not match); each of
    /// its messages answered is counted.
    Batch,
}

impl NakReason {
    /// Every reason, in the order they are shown.
    pub const ALL: [NakReason; 7] = [
        NakReason::Unparseable,
        NakReason::HeaderIncomplete,
        NakReason::Invalid,
        NakReason::Oversize,
        NakReason::StoreFailed,
        NakReason::Error,
        NakReason::Batch,
    ];

    /// Its label value.
    pub fn as_str(self) -> &'static str {
        match self {
            NakReason::Unparseable => "unparseable",
            NakReason::HeaderIncomplete => "header_incomplete",
            NakReason::Invalid => "invalid",
            NakReason::Oversize => "oversize",
            NakReason::StoreFailed => "store_failed",
            NakReason::Error => "error",
            NakReason::Batch => "batch",
        }
    }
}

/// The dispositions a routed message can end with.
pub const ROUTED: [Disposition; 4] = [
    Disposition::Unrouted,
    Disposition::Filtered,
    Disposition::Processed,
    Disposition::Error,
];

/// One inbound's metrics. Intake counts with atomics only; the handler results, counted once
/// per routed batch, take a lock the intake path never touches.
#[derive(Debug)]
pub struct InboundMetrics {
    /// The inbound's name, the `inbound` label.
    pub name: &'static str,
    /// Its router's name.
    pub router: &'static str,
    /// Whether its listener is bound and accepting.
    listening: AtomicBool,
    /// Connections being served.
    pub connections_open: Gauge,
    /// Message frames received (stored, or refused because the store failed).
    pub received: Counter,
    /// Their bytes.
    pub received_bytes: Counter,
    /// Messages answered like an earlier one with the same MSH-3 and MSH-10.
    pub duplicates: Counter,
    /// When the last message frame arrived.
    pub last_message: Timestamp,
    acks: [Counter; AckCode::ALL.len()],
    naks: [Counter; NakReason::ALL.len()],
    routed: [Counter; ROUTED.len()],
    handlers: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
}

impl InboundMetrics {
    /// Nothing counted yet; not listening yet.
    pub fn new(name: &'static str, router: &'static str) -> InboundMetrics {
        InboundMetrics {
            name,
            router,
            listening: AtomicBool::new(false),
            connections_open: Gauge::default(),
            received: Counter::default(),
            received_bytes: Counter::default(),
            duplicates: Counter::default(),
            last_message: Timestamp::default(),
            acks: Default::default(),
            naks: Default::default(),
            routed: Default::default(),
            handlers: Mutex::new(BTreeMap::new()),
        }
    }

    /// Records whether the listener is accepting.
    pub fn set_listening(&self, listening: bool) {
        self.listening.store(listening, Ordering::Relaxed);
    }

    /// Whether the listener is accepting.
    pub fn listening(&self) -> bool {
        self.listening.load(Ordering::Relaxed)
    }

    /// Counts an acknowledgment written to the peer; an acknowledgment batch counts each of
    /// its messages.
    pub fn ack_sent(&self, ack: &[u8]) {
        for at in memchr::memmem::find_iter(ack, b"\rMSA") {
            if let Some(code) = AckCode::of_ack(&ack[at..]) {
                self.acks[code as usize].inc();
            }
        }
    }

    /// Acknowledgments sent with this code.
    pub fn acks(&self, code: AckCode) -> u64 {
        self.acks[code as usize].get()
    }

    /// Counts a negative answer.
    pub fn nak(&self, reason: NakReason) {
        self.naks[reason as usize].inc();
    }

    /// Negative answers for this reason.
    pub fn naks(&self, reason: NakReason) -> u64 {
        self.naks[reason as usize].get()
    }

    /// Counts a routed message's disposition and its handlers' results.
    pub fn routed(
        &self,
        disposition: Disposition,
        handlers: impl IntoIterator<Item = (&'static str, Disposition)>,
    ) {
        if let Some(slot) = ROUTED.iter().position(|d| *d == disposition) {
            self.routed[slot].inc();
        }
        let mut results = self
            .handlers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for (handler, disposition) in handlers {
            *results.entry((handler, disposition.as_str())).or_default() += 1;
        }
    }

    /// Messages routed to this disposition.
    pub fn routed_count(&self, disposition: Disposition) -> u64 {
        ROUTED
            .iter()
            .position(|d| *d == disposition)
            .map_or(0, |slot| self.routed[slot].get())
    }

    /// Each handler's results so far, by handler and disposition (as operators write it).
    pub fn handler_results(&self) -> Vec<((&'static str, &'static str), u64)> {
        self.handlers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .map(|(k, v)| (*k, *v))
            .collect()
    }
}

/// Counts a connection open while it lives.
pub struct OpenConnection(std::sync::Arc<InboundMetrics>);

impl OpenConnection {
    /// Counts one more connection open on the inbound, until this is dropped.
    pub fn new(metrics: std::sync::Arc<InboundMetrics>) -> OpenConnection {
        metrics.connections_open.inc();
        OpenConnection(metrics)
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.connections_open.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_of_an_ack_is_read_after_msh_whatever_the_separator() {
        assert_eq!(
            AckCode::of_ack(b"MSH|^~\\&|A|B|||1||ACK|1|P|2.5.1\rMSA|CA|C1\r"),
            Some(AckCode::Ca)
        );
        assert_eq!(
            AckCode::of_ack(b"MSH#^~\\&#A#B###1##ACK#1#P#2.5.1\rMSA#AR#C1\rERR#\r"),
            Some(AckCode::Ar)
        );
        assert_eq!(AckCode::of_ack(b"MSH|^~\\&|A\rPID|1\r"), None);
        assert_eq!(AckCode::of_ack(b"MSH|^~\\&|A\rMSA|X"), None);
    }

    #[test]
    fn handler_results_add_up_by_handler_and_disposition() {
        let m = InboundMetrics::new("IB", "r");
        m.routed(Disposition::Processed, [("a", Disposition::Processed)]);
        m.routed(
            Disposition::Error,
            [("a", Disposition::Processed), ("b", Disposition::Error)],
        );
        m.routed(Disposition::Unrouted, []);
        assert_eq!(m.routed_count(Disposition::Processed), 1);
        assert_eq!(m.routed_count(Disposition::Unrouted), 1);
        assert_eq!(
            m.handler_results(),
            [(("a", "PROCESSED"), 2), (("b", "ERROR"), 1)]
        );
    }

    #[test]
    fn a_connection_is_counted_while_it_lives() {
        let m = std::sync::Arc::new(InboundMetrics::new("IB", "r"));
        let open = OpenConnection::new(std::sync::Arc::clone(&m));
        assert_eq!(m.connections_open.get(), 1);
        drop(open);
        assert_eq!(m.connections_open.get(), 0);
    }
}
