//! MLLP, the Minimal Lower Layer Protocol that carries HL7 v2 over TCP.

pub mod codec;

pub use codec::{Frame, MllpCodec, MllpError};
