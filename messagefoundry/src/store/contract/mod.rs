//! The store contract: what every [`Backend`](super::Backend) promises, as tests any backend
//! can run.
//!
//! Each promise is a function over a [`Subject`], a store opened by a [`Harness`] that can
//! open the same store again (a restart). [`store_contract!`](crate::store_contract) makes one
//! `#[test]` per promise for a backend:
//!
//! ```ignore
//! struct InTempDir(tempfile::TempDir);
//!
//! impl messagefoundry::store::contract::Harness for InTempDir {
//!     fn open_with(&self, keys: &messagefoundry::store::KeySettings) -> messagefoundry::store::Store {
//!         messagefoundry::store::Store::open_with(self.0.path().join("contract.redb"), keys).unwrap()
//!     }
//! }
//!
//! messagefoundry::store_contract!(InTempDir(tempfile::tempdir().unwrap()));
//! ```
//!
//! The promises speak only through [`Store`]'s operations, so they hold every backend to the
//! same words. What needs a real crash (a kill between commit and answer) or a broken disk is
//! checked by process tests of each backend, not here.

mod control_ids;
mod index;
mod intake;
mod queue;
mod retention;

use std::future::Future;
use std::sync::Arc;

pub use control_ids::the_queue_head_carries_the_control_id_queued;
pub use index::{
    a_declared_index_finds_exactly_the_messages_with_the_value,
    an_encrypted_index_finds_a_whole_value_and_refuses_a_start,
    an_index_declared_later_is_built_over_earlier_messages,
    rotate_key_leaves_every_body_and_the_index_under_the_new_key,
    search_by_type_control_id_and_time_range,
};
pub use intake::{
    a_batch_is_stored_whole_and_in_order, a_receive_is_durable_before_its_answer,
    duplicates_are_found_within_the_window_only, file_progress_is_kept_with_its_messages,
    ids_only_grow_and_are_never_reused, reads_give_back_what_was_stored,
};
pub use queue::{
    a_replay_goes_to_the_end_with_no_attempts, a_resend_queues_the_last_copy_or_the_original,
    an_edit_is_a_message_of_its_own, delivered_all_moves_every_entry_together,
    delivered_attempted_and_dead_letter_move_the_entry,
    queue_counters_equal_a_scan_after_each_change, queue_head_is_first_in_first_out,
    routes_queue_copies_in_record_order_per_outbound,
};
pub use retention::{
    errors_carry_no_message_content, missing_entries_are_not_found,
    pending_routes_survive_a_restart, prune_keeps_what_is_needed_and_removes_the_rest,
};

use super::{
    Dedupe, Incoming, KeySettings, MessageId, MessageInfo, QueueKey, RouteRecord, SendRecord, Store,
};
use crate::interface::Disposition;

/// Opens the store under test. One harness stands for one store, new and empty at the first
/// [`Harness::open_with`].
pub trait Harness: Send + 'static {
    /// Opens the store with the keys of `keys` (none: unencrypted): new at the first call; the
    /// same store again at later calls, made after the previous handle was shut down or
    /// dropped (a restart). A backend that releases its store in the background after a drop
    /// waits for that here. Blocking.
    fn open_with(&self, keys: &KeySettings) -> Store;

    /// [`Harness::open_with`] without keys.
    fn open(&self) -> Store {
        self.open_with(&KeySettings::default())
    }
}

/// A store under test, with a runtime to wait for its writes in.
pub struct Subject {
    harness: Box<dyn Harness>,
    store: Option<Store>,
    runtime: tokio::runtime::Runtime,
}

impl Subject {
    /// Opens the harness's store.
    pub fn new(harness: Box<dyn Harness>) -> Subject {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime for the contract tests");
        let store = harness.open();
        Subject {
            harness,
            store: Some(store),
            runtime,
        }
    }

    /// The open store.
    pub fn store(&self) -> &Store {
        self.store.as_ref().expect("the store is open")
    }

    /// Waits for a write's answer.
    pub fn wait<F: Future>(&self, future: F) -> F::Output {
        self.runtime.block_on(future)
    }

    /// Stops the store in order and opens it again.
    pub fn restart(&mut self) {
        if let Some(store) = self.store.take() {
            store.shutdown();
        }
        self.store = Some(self.harness.open());
    }

    /// Stops the store in order and opens it again with the keys of `keys`.
    pub fn restart_with(&mut self, keys: &KeySettings) {
        if let Some(store) = self.store.take() {
            store.shutdown();
        }
        self.store = Some(self.harness.open_with(keys));
    }

    /// Drops the store without stopping it (nothing more is asked of it) and opens it again.
    pub fn drop_and_reopen(&mut self) {
        drop(self.store.take());
        self.store = Some(self.harness.open());
    }
}

impl Drop for Subject {
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            store.shutdown();
        }
    }
}

/// Checks one promise on a new store of the harness.
pub fn check(harness: impl Harness, promise: fn(&mut Subject)) {
    let mut subject = Subject::new(Box::new(harness));
    promise(&mut subject);
}

/// Makes one `#[test]` per promise of the store contract, each on a new store made by the
/// expression given (a [`Harness`]).
#[macro_export]
macro_rules! store_contract {
    ($harness:expr) => {
        $crate::store_contract!(@each $harness;
            ids_only_grow_and_are_never_reused,
            a_receive_is_durable_before_its_answer,
            duplicates_are_found_within_the_window_only,
            a_batch_is_stored_whole_and_in_order,
            file_progress_is_kept_with_its_messages,
            reads_give_back_what_was_stored,
            routes_queue_copies_in_record_order_per_outbound,
            queue_head_is_first_in_first_out,
            delivered_attempted_and_dead_letter_move_the_entry,
            delivered_all_moves_every_entry_together,
            a_replay_goes_to_the_end_with_no_attempts,
            a_resend_queues_the_last_copy_or_the_original,
            an_edit_is_a_message_of_its_own,
            queue_counters_equal_a_scan_after_each_change,
            pending_routes_survive_a_restart,
            prune_keeps_what_is_needed_and_removes_the_rest,
            missing_entries_are_not_found,
            errors_carry_no_message_content,
            the_queue_head_carries_the_control_id_queued,
            a_declared_index_finds_exactly_the_messages_with_the_value,
            an_index_declared_later_is_built_over_earlier_messages,
            search_by_type_control_id_and_time_range,
            an_encrypted_index_finds_a_whole_value_and_refuses_a_start,
            rotate_key_leaves_every_body_and_the_index_under_the_new_key,
        );
    };
    (@each $harness:expr; $($promise:ident),+ $(,)?) => {
        $(
            #[test]
            fn $promise() {
                $crate::store::contract::check($harness, $crate::store::contract::$promise);
            }
        )+
    };
}

/// A day in microseconds.
const DAY: u64 = 86_400_000_000;

/// Patient data in every test message: no error may carry it.
const PATIENT: &str = "CONTRACT^PATIENT";

/// An ORU^R01 from `LAB` with the control ID, and a patient.
fn oru(control: &str) -> String {
    format!(
        "MSH|^~\\&|LAB|GENLAB|EHR|GENHOSP|20240101||ORU^R01|{control}|P|2.5.1\r\
         PID|1||{control}-MRN||{PATIENT}\r"
    )
}

/// A message received on `inbound` at `at` (µs since the Unix epoch), waiting to be routed.
fn incoming_at(inbound: &str, control: &str, at: u64) -> Incoming {
    let text = oru(control);
    let msg = messagefoundry_hl7::Message::parse(text.as_bytes()).expect("test message parses");
    Incoming {
        inbound: Arc::from(inbound),
        info: MessageInfo::of(inbound, at, &msg),
        raw: text.into_bytes().into(),
        refused: None,
        dedupe: None,
        index: Vec::new(),
    }
}

/// [`incoming_at`] on `IB`, now.
fn incoming(control: &str) -> Incoming {
    incoming_at("IB", control, super::now_micros())
}

/// The same, with duplicate detection on MSH-3 + MSH-10 over the window.
fn deduped(mut incoming: Incoming, window_micros: u64) -> Incoming {
    incoming.dedupe = Some(Dedupe {
        sending_application: incoming.info.sending_application.clone(),
        control_id: incoming.info.control_id.clone(),
        window_micros,
    });
    incoming
}

/// Stores a message; its id.
fn receive(s: &Subject, incoming: Incoming) -> MessageId {
    s.wait(s.store().receive(incoming)).expect("stored").id
}

/// A PROCESSED record of `message` with these sends (an empty payload: as received).
fn routed(message: MessageId, sends: &[(&str, &[u8])]) -> RouteRecord {
    RouteRecord {
        message,
        disposition: Disposition::Processed,
        detail: String::new(),
        handlers: Vec::new(),
        sends: sends
            .iter()
            .map(|(outbound, payload)| SendRecord {
                outbound: (*outbound).to_owned(),
                handler: "to_ob".to_owned(),
                payload: payload.to_vec(),
                control_id: String::new(),
            })
            .collect(),
    }
}

/// Records one message's route; its queue keys.
fn route(s: &Subject, message: MessageId, sends: &[(&str, &[u8])]) -> Vec<QueueKey> {
    let mut keys = s
        .wait(s.store().record_routes(vec![routed(message, sends)]))
        .expect("routed");
    keys.pop().expect("one record's keys")
}

/// The keys of an outbound's queue, in order.
fn head_keys(s: &Subject, outbound: &str) -> Vec<QueueKey> {
    s.store()
        .queue_head(outbound, usize::MAX)
        .expect("queue read")
        .into_iter()
        .map(|e| e.key)
        .collect()
}
