//! Messages: the newest, those matching a search, one in full, and pruning the old ones.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::{OperationError, Scope, read};
use crate::engine::SenderStatus;
use crate::interface::Disposition;
use crate::store::index::{Examined, FieldMatch, IndexQuery, SearchRefused};
use crate::store::{
    Destination, DestinationState, HandlerRecord, MessageId, MessageInfo, StateKind, Store,
    StoreError, StoredDisposition, now_micros,
};

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
    /// Indexed fields and their values (`PID-3.1=12345`, `PID-5.1=SMI*`).
    #[serde(default)]
    pub fields: Vec<FieldMatch>,
    /// Received at or after, µs since the Unix epoch.
    #[serde(default)]
    pub since: Option<u64>,
    /// Received before, µs since the Unix epoch.
    #[serde(default)]
    pub until: Option<u64>,
    /// How many at most.
    pub limit: usize,
}

impl Search {
    /// What the store's indexes answer of it.
    fn index_query(&self) -> IndexQuery {
        IndexQuery {
            fields: self.fields.clone(),
            control_id: self.control_id.clone(),
            message_type: self.message_type.clone(),
            inbound: self.inbound.clone(),
            since: self.since,
            until: self.until,
        }
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

/// The newest messages that match every filter of `filter`, up to its limit. The store's
/// indexes find the candidates (see [`Store::search_index`]); the disposition and the copies
/// are checked on each.
pub async fn search(scope: &Scope, filter: Search) -> Result<Vec<MessageSummary>, OperationError> {
    Ok(search_counted(scope, filter).await?.0)
}

/// [`search`], and how many rows of the store it read to answer.
pub async fn search_counted(
    scope: &Scope,
    filter: Search,
) -> Result<(Vec<MessageSummary>, Examined), OperationError> {
    let store = scope.store().clone();
    tokio::task::spawn_blocking(move || {
        let mut found = Vec::new();
        let query = filter.index_query();
        let examined = store.search_index(&query, &mut |id, info| {
            if found.len() >= filter.limit {
                return Ok(false);
            }
            let message = summary(&store, id, info)?;
            if filter
                .disposition
                .is_some_and(|d| message.disposition != Some(d))
            {
                return Ok(true);
            }
            if filter.by_destination()
                && !filter.matches_destinations(&store.destination_kinds(id)?)
            {
                return Ok(true);
            }
            found.push(message);
            Ok(found.len() < filter.limit)
        });
        match examined {
            Ok(examined) => Ok((found, examined)),
            Err(SearchRefused::Refused(why)) => Err(OperationError::NotIndexed(why)),
            Err(SearchRefused::Store(e)) => Err(e.into()),
        }
    })
    .await
    .map_err(|e| StoreError::Read(e.to_string()))?
}

/// A moment given by an operator, in µs since the Unix epoch: a time (`2026-11-30T08:00:00Z`,
/// RFC 3339) or how long ago (`2h`, `30d`).
pub fn instant(text: &str) -> Result<u64, String> {
    if let Some(ago) = crate::config::parse_duration(text) {
        let ago = u64::try_from(ago.as_micros()).unwrap_or(u64::MAX);
        return Ok(now_micros().saturating_sub(ago));
    }
    let at: jiff::Timestamp = text.parse().map_err(|_| {
        format!("{text:?} is neither a time such as 2026-11-30T08:00:00Z nor a duration such as 2h")
    })?;
    u64::try_from(at.as_microsecond()).map_err(|_| format!("{text:?} is before 1970"))
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
