//! The `mrn-lookup` interface binary: `serve`, `check`, `send`, `messages` and the rest, for the
//! connections of the library beside it.

// The connections are gathered at link time; naming the library links them in.
use mrn_lookup as _;

messagefoundry::main!();
