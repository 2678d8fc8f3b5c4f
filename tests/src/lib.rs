//! End-to-end tests of MessageFoundry live in `tests/`; this library holds their shared helpers.
