//! Delivery: one sender per outbound takes its queue in FIFO order and delivers each message
//! at least once.

mod batch_ack;
pub(crate) mod exchange;
pub(crate) mod sender;

pub use sender::{OutboundWorker, SenderStatus};
