//! Bodies are put in their envelopes (compressed, sealed), and declared index values replaced
//! by their digests on an encrypted store, on the caller's task, before the request reaches
//! the writer: the writer thread only inserts bytes, so compression and encryption do not
//! lengthen the transaction every connection waits on.

use super::envelope::{Codec, EnvelopeError};
use super::request::Request;

/// Replaces every body and payload a write request carries with its envelope.
pub(crate) fn seal(codec: &Codec, request: &mut Request) -> Result<(), EnvelopeError> {
    match request {
        Request::Receive { incoming, .. } => seal_incoming(codec, incoming),
        Request::ReceiveAll { incoming, .. } => incoming
            .iter_mut()
            .try_for_each(|one| seal_incoming(codec, one)),
        Request::ReceiveFile { part, .. } => part
            .messages
            .iter_mut()
            .try_for_each(|one| seal_incoming(codec, one)),
        Request::Routed { records, .. } => {
            for send in records.iter_mut().flat_map(|r| r.sends.iter_mut()) {
                // An empty payload is the message as received, and stays empty.
                send.payload = codec.seal(&send.payload)?;
            }
            Ok(())
        }
        Request::Edit { edit, .. } => {
            edit.raw = codec.seal(&edit.raw)?;
            super::index::digest::seal(codec, &mut edit.index);
            Ok(())
        }
        // The others carry no body, or copy bodies already sealed within the store.
        _ => Ok(()),
    }
}

fn seal_incoming(codec: &Codec, incoming: &mut super::Incoming) -> Result<(), EnvelopeError> {
    incoming.raw = codec.seal(&incoming.raw)?.into();
    super::index::digest::seal(codec, &mut incoming.index);
    Ok(())
}
