//! The interfaces of this crate, one module per feed. Each module declares its connections with
//! `inbound!`/`outbound!` and its `#[router]` and `#[handler]` functions; `main!` gathers every
//! connection of the crate into one binary: `serve`, `check`, `test`, `send`, `sink`,
//! `messages` and the rest (`--help` lists them).

mod lab_oru;

messagefoundry::main!();
