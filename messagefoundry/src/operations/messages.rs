//! Messages: the newest, those matching a search, one in full, and pruning the old ones.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{OperationError, Scope, read};
use crate::engine::SenderStatus;
use crate::interface::Disposition;
use crate::store::{
    Destination, DestinationState, HandlerRecord, MessageId, MessageInfo, StateKind, Store,
    StoreError, StoredDisposition, now_micros,
};

/// How many summaries a search reads at a time.
const SEARCH_PAGE: usize = 1000;

/// One message in a list: its summary and its message-level disposition.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct MessageSummary {
    /// Its id.
    pub id: MessageId,
    /// Its header fields and where and when it was received.
    pub info: MessageInfo,
    /// Its disposition; `None` for a message the store holds no disposition for.
    pub disposition: Option<Disposition>,
}

/// One message in full. Its bytes are patient data.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct MessageDetail {
    /// Its id.
    pub id: MessageId,
    /// Its header fields and where and when it was received.
    pub info: MessageInfo,
    /// Its disposition and detail (an error's reason, "duplicate of #N").
    pub disposition: Option<StoredDisposition>,
    /// The bytes exactly as received.
    pub raw: Vec<u8>,
    /// Each handler's result, in route order.
    #[serde(default)]
    pub handlers: Vec<HandlerRecord>,
    /// Every copy queued for an outbound, in the order queued, with where it is now.
    #[serde(default)]
    pub destinations: Vec<DestinationDetail>,
    /// The message this one is an operator's edit of.
    #[serde(default)]
    pub edit_of: Option<MessageId>,
    /// The operator's edits of this message, oldest first.
    #[serde(default)]
    pub edits: Vec<MessageId>,
}

/// One copy of a message queued for an outbound, and, while it waits with `serve` running, why
/// its sender may be stuck.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct DestinationDetail {
    /// The copy and its state.
    pub copy: Destination,
    /// The sender's state, for a copy still queued while `serve` runs.
    pub sender: Option<SenderStatus>,
}

/// What a search matches: every filter given.
#[derive(Serialize, Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct Search {
    /// MSH-10, exactly.
    pub control_id: Option<String>,
    /// MSH-9, or its start (`ORU`, `ORU^R01`).
    pub message_type: Option<String>,
    /// The inbound.
    pub inbound: Option<String>,
    /// The disposition.
    pub disposition: Option<Disposition>,
    /// A copy queued for this outbound (in `state`, if given).
    #[serde(default)]
    pub outbound: Option<String>,
    /// A copy in this state (for `outbound`, if given).
    #[serde(default)]
    pub state: Option<StateKind>,
    /// How many at most.
    pub limit: usize,
}

impl Search {
    fn matches(&self, info: &MessageInfo) -> bool {
        self.control_id
            .as_ref()
            .is_none_or(|c| &info.control_id == c)
            && self
                .message_type
                .as_ref()
                .is_none_or(|t| info.message_type.starts_with(t.as_str()))
            && self.inbound.as_ref().is_none_or(|i| &info.inbound == i)
    }

    /// Whether the search looks at destinations at all (reading them costs a lookup).
    fn by_destination(&self) -> bool {
        self.outbound.is_some() || self.state.is_some()
    }

    /// Whether one of the copies (outbound, kind of state) matches the outbound and the state
    /// asked for.
    fn matches_destinations(&self, copies: &[(String, Option<StateKind>)]) -> bool {
        copies.iter().any(|(outbound, kind)| {
            self.outbound.as_ref().is_none_or(|o| outbound == o)
                && self.state.is_none_or(|s| *kind == Some(s))
        })
    }
}

/// Up to `limit` messages, newest first; with `before`, only older ones (to page back).
pub async fn list(
    scope: &Scope,
    before: Option<MessageId>,
    limit: usize,
) -> Result<Vec<MessageSummary>, OperationError> {
    read(scope.store(), move |store| {
        store
            .latest(before, limit)?
            .into_iter()
            .map(|(id, info)| summary(store, id, info))
            .collect()
    })
    .await
}

/// The newest messages that match every filter of `filter`, up to its limit: a scan of the
/// summaries, newest first.
pub async fn search(scope: &Scope, filter: Search) -> Result<Vec<MessageSummary>, OperationError> {
    read(scope.store(), move |store| {
        let mut found = Vec::new();
        let mut before = None;
        while found.len() < filter.limit {
            let page = store.latest(before, SEARCH_PAGE)?;
            let Some((last, _)) = page.last() else { break };
            before = Some(*last);
            for (id, info) in page {
                if !filter.matches(&info) {
                    continue;
                }
                let message = summary(store, id, info)?;
                if filter
                    .disposition
                    .is_some_and(|d| message.disposition != Some(d))
                {
                    continue;
                }
                if filter.by_destination()
                    && !filter.matches_destinations(&store.destination_kinds(id)?)
                {
                    continue;
                }
                found.push(message);
                if found.len() == filter.limit {
                    break;
                }
            }
        }
        Ok(found)
    })
    .await
}

/// One message: its summary, its disposition, its bytes, each handler's result, each copy
/// queued for an outbound with where it is now, and its edits.
pub async fn show(scope: &Scope, id: MessageId) -> Result<MessageDetail, OperationError> {
    let found = read(scope.store(), move |store| {
        let Some((info, raw)) = store.read_message(id)? else {
            return Ok(None);
        };
        let (edit_of, edits) = store.edits(id)?;
        Ok(Some(MessageDetail {
            id,
            info,
            disposition: store.disposition(id)?,
            raw,
            handlers: store.handler_results(id)?,
            destinations: store
                .destinations(id)?
                .into_iter()
                .map(|copy| DestinationDetail { copy, sender: None })
                .collect(),
            edit_of,
            edits,
        }))
    })
    .await?;
    let mut found = found.ok_or(OperationError::NoMessage(id))?;
    if let Scope::Serving(engine) = scope {
        let senders = engine.sender_statuses();
        for d in &mut found.destinations {
            if matches!(d.copy.state, DestinationState::Queued { .. }) {
                d.sender = senders
                    .iter()
                    .find(|(name, _)| *name == d.copy.key.outbound)
                    .map(|(_, status)| status.clone());
            }
        }
    }
    Ok(found)
}

/// Deletes finished messages received longer ago than `age`; messages waiting to be routed,
/// queued or dead-lettered are kept. Returns how many were deleted.
pub async fn prune(scope: &Scope, age: Duration) -> Result<u64, OperationError> {
    let cut = now_micros().saturating_sub(age.as_micros().try_into().unwrap_or(u64::MAX));
    Ok(scope.store().prune(cut).await?)
}

fn summary(store: &Store, id: MessageId, info: MessageInfo) -> Result<MessageSummary, StoreError> {
    Ok(MessageSummary {
        id,
        info,
        disposition: store.disposition(id)?.map(|d| d.disposition),
    })
}
