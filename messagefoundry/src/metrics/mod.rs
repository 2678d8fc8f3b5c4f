//! Metrics for `/metrics`: what the engine counts while it runs, and the page that shows it in
//! the Prometheus text format.
//!
//! Counting is a relaxed atomic add (no lock, no allocation) where messages pass; everything
//! else is done when the page is scraped. Labels name connections, routers and handlers, and
//! fixed sets of codes, reasons and dispositions: never message content.

mod inbound;
mod kinds;
mod outbound;
mod page;
mod store;
mod text;

pub use inbound::{AckCode, InboundMetrics, NakReason, OpenConnection};
pub use outbound::OutboundMetrics;
pub use page::{OutboundReading, Page, age_seconds};
pub use store::StoreMetrics;
pub use text::CONTENT_TYPE;
