//! The `secure-lab` interface binary: `serve`, `check`, `send`, `sink` and the rest, for the
//! connections of the library beside it.

// The connections are gathered at link time; naming the library links them in.
use secure_lab as _;

messagefoundry::main!();
