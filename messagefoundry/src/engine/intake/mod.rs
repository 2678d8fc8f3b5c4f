//! Intake: a listener per inbound accepts connections, each connection reads MLLP frames,
//! stores every message and acknowledges it once it is committed; a frame holding a batch is
//! stored in one commit and answered with one acknowledgment batch.

mod acks;
mod admission;
mod batch;
mod batch_answer;
mod connection;
mod frame_memory;
mod handshake;
pub(crate) mod header;
mod listener;
mod tally;
mod validation;

pub(crate) use acks::Answer;
pub(crate) use connection::{Context, Reply, store_one};
pub(super) use frame_memory::FrameBudget;
pub(super) use listener::run;
