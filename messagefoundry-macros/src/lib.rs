//! Procedural macros of MessageFoundry.
//!
//! This crate is the home of `inbound!`, `outbound!`, `#[router]`, `#[handler]` and `main!`. None
//! of them exists yet: the crate currently exports nothing, so no interface can be declared with
//! it. The HL7 model these macros will check paths against lives in `messagefoundry-hl7`.
