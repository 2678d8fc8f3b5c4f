//! HL7 v2 over HTTP: an inbound that takes `POST`ed messages and answers with the ACK, and the
//! client an outbound posts its messages with.
//!
//! Both keep MLLP's promises. An inbound stores a message before it answers (the same intake
//! path as an MLLP frame, with the same ACK rules); an outbound is one more way for the
//! sender to make an exchange, so queueing, order, retries and dead letters are the sender's.
//!
//! How an inbound answers, by HTTP status:
//!
//! | status | when | stored |
//! |---|---|---|
//! | 200 | stored and accepted: the body is the AA (or CA) | yes |
//! | 204 | stored; no ACK is due (`ack_mode = none`, the message is itself an ACK, or MSH-15/16 ask for none) | yes |
//! | 422 | stored, and refused as the body's ACK says: AE/AR for a message that fails validation or processing, AR/CR for a body that is not HL7 or lacks MSH-9/MSH-10 | yes, as ERROR |
//! | 400 | the body is empty, or could not be read | no |
//! | 401 | no valid bearer token, basic credentials or client certificate | no |
//! | 404 | another path | no |
//! | 405 | another method than `POST` | no |
//! | 408 | the body did not arrive within `request_timeout` | no |
//! | 413 | the body is larger than `max_body` | no |
//! | 415 | the content type is not `application/hl7-v2`, `x-application/hl7-v2+er7` or `text/plain` | no |
//! | 503 | the store failed: nothing was stored; send again later | no |
//! | 503 | `after_processing`: the engine stopped before processing; send again | yes |

pub(crate) mod auth;
pub(crate) mod client;
mod listener;
mod request;

pub(crate) use listener::run;
