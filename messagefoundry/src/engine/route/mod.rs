//! Routing: one pipeline per inbound takes its stored messages in arrival order, runs the
//! router and handlers, and records the outcome and the sends in one transaction.

pub(crate) mod pipeline;
pub(crate) mod process;
pub(crate) mod standalone;
