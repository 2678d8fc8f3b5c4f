//! The `adt-fanout` example as an interface binary of this crate, so that tests can run its
//! commands as the documentation shows them.

// The connections are gathered at link time; naming the library links them in.
use adt_fanout as _;

messagefoundry::main!();
