//! The `file-bridge` interface binary: `serve`, `check`, `graph`, `messages` and the rest, for
//! the connections of the library beside it.

// The connections are gathered at link time; naming the library links them in.
use file_bridge as _;

messagefoundry::main!();
