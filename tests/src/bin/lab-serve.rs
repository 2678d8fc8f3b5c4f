//! The lab interface of the end-to-end tests as an interface binary, for tests that need the
//! engine in a process of its own (a resource limit, an exit status).

// The connections are found at link time, in the library's `lab` module.
extern crate messagefoundry_tests;

messagefoundry::main!();
