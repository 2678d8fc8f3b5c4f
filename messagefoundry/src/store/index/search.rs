//! Searching through the indexes: one index drives (it yields candidates newest first), the
//! other filters are checked on each candidate's summary and declared values.
//!
//! Which index drives, most selective first: a field's exact value (a control ID is MSH-10's),
//! then the time range, then a value's start (a type such as `ORU` is MSH-9's), merged across
//! the values that start so; with none of these, the summaries are read newest first, as a
//! search by inbound or disposition alone needs.

use std::collections::BinaryHeap;
use std::ops::Bound;

use redb::{ReadOnlyTable, ReadableDatabase, ReadableTable};
use serde::{Deserialize, Serialize};

use super::{CONTROL_ID_FIELD, INDEX, INDEX_BUILT, INDEX_DECLARED, INDEX_TIME, TYPE_FIELD, digest};
use crate::interface::index::cut;
use crate::store::envelope::Codec;
use crate::store::tables::{MESSAGE_INFO, info_of};
use crate::store::{MessageId, MessageInfo, Store, StoreError};

/// The most distinct values a value's start may cover: each is read as its own run of the
/// index, so a start that covers more is refused as too broad.
pub const MAX_PREFIX_VALUES: usize = 1000;

/// One field a search asks for: `PID-3.1=12345`, or with a trailing `*`, the values that start
/// so (`PID-5.1=SMI*`). The value is patient data: it is never shown in an error or a log.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct FieldMatch {
    /// The field, as an HL7 path in its usual writing (`PID-3.1`).
    pub field: String,
    /// The value, or its start.
    pub value: String,
    /// Whether `value` is the start of the values wanted.
    pub prefix: bool,
}

impl FieldMatch {
    /// Reads `PATH=VALUE` or `PATH=START*`.
    pub fn parse(text: &str) -> Result<FieldMatch, String> {
        let Some((field, value)) = text.split_once('=') else {
            return Err(
                "a field filter is PATH=VALUE, such as PID-3.1=12345 or PID-5.1=SMI*".into(),
            );
        };
        let path = messagefoundry_hl7::Path::parse(field.trim())
            .map_err(|e| format!("{:?} is not an HL7 path: {e}", field.trim()))?;
        let (value, prefix) = match value.strip_suffix('*') {
            Some(start) => (start, true),
            None => (value, false),
        };
        if value.is_empty() {
            return Err(format!(
                "the filter on {path} has no value (a start needs at least one character before `*`)"
            ));
        }
        Ok(FieldMatch {
            field: path.to_string(),
            value: cut(value).to_owned(),
            prefix,
        })
    }
}

/// One filter as the index holds it: the forms a row's value may take (the value; on an
/// encrypted store, its digests too), or a value's start.
struct Want {
    field: String,
    forms: Vec<String>,
    prefix: bool,
}

impl Want {
    /// `f` as the rows of the store sealed by `codec` hold it; a declared field's start on an
    /// encrypted store is refused: its rows hold digests, which keep no start.
    fn of(f: &FieldMatch, codec: &Codec) -> Result<Want, SearchRefused> {
        let header = f.field == TYPE_FIELD || f.field == CONTROL_ID_FIELD;
        let forms = match (header, f.prefix, codec.keys().is_some()) {
            (false, true, true) => {
                return Err(SearchRefused::Refused(format!(
                    "{} cannot be searched by the start of a value: the store is encrypted, and \
                     its index keeps a keyed digest of each value of a declared field, not the \
                     value, so only a whole value is found; give the whole value (without `*`)",
                    f.field
                )));
            }
            (false, false, _) => digest::forms(codec, &f.field, &f.value),
            _ => vec![f.value.clone()],
        };
        Ok(Want {
            field: f.field.clone(),
            forms,
            prefix: f.prefix,
        })
    }

    fn matches(&self, value: &str) -> bool {
        let value = cut(value);
        if self.prefix {
            self.forms
                .iter()
                .any(|start| value.starts_with(start.as_str()))
        } else {
            self.forms.iter().any(|form| form == value)
        }
    }
}

/// What a search through the indexes matches: every filter given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexQuery {
    /// Declared fields (or MSH-9, MSH-10) and their values.
    pub fields: Vec<FieldMatch>,
    /// MSH-10, exactly.
    pub control_id: Option<String>,
    /// MSH-9, or its start.
    pub message_type: Option<String>,
    /// The inbound.
    pub inbound: Option<String>,
    /// Received at or after, µs since the Unix epoch.
    pub since: Option<u64>,
    /// Received before, µs since the Unix epoch.
    pub until: Option<u64>,
}

/// How much of the store a search read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Examined {
    /// Rows of the driving index (or summaries, for a scan) looked at.
    pub rows: u64,
    /// Whether the search read the summaries newest first instead of an index.
    pub scanned: bool,
}

/// Why a search did not run, or failed.
#[derive(Debug, thiserror::Error)]
pub enum SearchRefused {
    /// The search asks for something no index answers (a field not indexed, a start too broad).
    #[error("{0}")]
    Refused(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<redb::Error> for SearchRefused {
    fn from(e: redb::Error) -> Self {
        SearchRefused::Store(StoreError::Read(e.to_string()))
    }
}

impl From<redb::StorageError> for SearchRefused {
    fn from(e: redb::StorageError) -> Self {
        redb::Error::from(e).into()
    }
}

/// What yields candidates.
enum Driver {
    /// One value of one field, in each of the forms its rows may hold.
    Exact(String, Vec<String>),
    /// The time range.
    Time,
    /// The values of one field that start so.
    Prefix(String, String),
    /// The summaries, newest first.
    Scan,
}

impl IndexQuery {
    fn all_fields(&self) -> Vec<FieldMatch> {
        let mut all = self.fields.clone();
        if let Some(c) = &self.control_id {
            all.push(FieldMatch {
                field: CONTROL_ID_FIELD.into(),
                value: cut(c).to_owned(),
                prefix: false,
            });
        }
        if let Some(t) = &self.message_type {
            all.push(FieldMatch {
                field: TYPE_FIELD.into(),
                value: cut(t).to_owned(),
                prefix: true,
            });
        }
        all
    }

    fn driver(&self, fields: &[Want]) -> Driver {
        if let Some(f) = fields.iter().find(|f| !f.prefix) {
            return Driver::Exact(f.field.clone(), f.forms.clone());
        }
        if self.since.is_some() || self.until.is_some() {
            return Driver::Time;
        }
        match fields.first() {
            Some(f) => Driver::Prefix(f.field.clone(), f.forms[0].clone()),
            None => Driver::Scan,
        }
    }
}

impl Store {
    /// The messages matching `query`, newest first, handed to `visit` with their summaries
    /// until it returns false. Returns how many rows were read to find them. Blocking.
    ///
    /// A declared field is searched only once its index is built; a field no inbound indexes
    /// is refused with the list of those indexed.
    pub fn search_index(
        &self,
        query: &IndexQuery,
        visit: &mut dyn FnMut(MessageId, MessageInfo) -> Result<bool, StoreError>,
    ) -> Result<Examined, SearchRefused> {
        self.backend.search_index(query, visit)
    }
}

/// [`Store::search_index`] on the embedded backend's file.
pub(in crate::store) fn search_db(
    db: &redb::Database,
    codec: &Codec,
    query: &IndexQuery,
    visit: &mut dyn FnMut(MessageId, MessageInfo) -> Result<bool, StoreError>,
) -> Result<Examined, SearchRefused> {
    let txn = db.begin_read().map_err(redb::Error::from)?;
    let built = txn.open_table(INDEX_BUILT).map_err(redb::Error::from)?;
    let fields = query.all_fields();
    for f in &fields {
        refuse_unindexed(&built, f, query.inbound.as_deref())?;
    }
    let fields = fields
        .iter()
        .map(|f| Want::of(f, codec))
        .collect::<Result<Vec<_>, _>>()?;
    let index = txn.open_table(INDEX).map_err(redb::Error::from)?;
    let infos = txn.open_table(MESSAGE_INFO).map_err(redb::Error::from)?;
    let declared = txn.open_table(INDEX_DECLARED).map_err(redb::Error::from)?;
    let mut examined = Examined::default();
    let mut offer = |id: u64, info: Option<MessageInfo>| -> Result<bool, SearchRefused> {
        let info = match info {
            Some(info) => info,
            None => match infos.get(id)? {
                Some(row) => info_of(row.value()),
                None => return Ok(true),
            },
        };
        if !query.passes(&fields, &info, || {
            Ok::<_, redb::Error>(declared.get(id)?.map(|row| {
                row.value()
                    .into_iter()
                    .map(|(f, v)| (f.to_owned(), v.to_owned()))
                    .collect()
            }))
        })? {
            return Ok(true);
        }
        Ok(visit(MessageId(id), info)?)
    };
    match query.driver(&fields) {
        Driver::Exact(field, forms) => {
            examined.rows = merged(&index, &field, &forms, &mut offer)?;
        }
        Driver::Time => {
            let from = (query.since.unwrap_or(0), 0);
            let to = (query.until.unwrap_or(u64::MAX), 0);
            for row in txn
                .open_table(INDEX_TIME)
                .map_err(redb::Error::from)?
                .range(from..to)?
                .rev()
            {
                examined.rows += 1;
                if !offer(row?.0.value().1, None)? {
                    break;
                }
            }
        }
        Driver::Prefix(field, start) => {
            let values = values_starting(&index, &field, &start)?;
            examined.rows = merged(&index, &field, &values, &mut offer)?;
        }
        Driver::Scan => {
            examined.scanned = true;
            for row in infos.range::<u64>(..)?.rev() {
                let (id, row) = row?;
                examined.rows += 1;
                if !offer(id.value(), Some(info_of(row.value())))? {
                    break;
                }
            }
        }
    }
    Ok(examined)
}

/// The rows of `field` holding any of `values`, offered newest first across them (each run is
/// newest first; the heap takes the largest id at the head of any run) until `offer` says
/// stop. Returns how many rows were read.
fn merged(
    index: &ReadOnlyTable<(&'static str, &'static str, u64), ()>,
    field: &str,
    values: &[String],
    offer: &mut dyn FnMut(u64, Option<MessageInfo>) -> Result<bool, SearchRefused>,
) -> Result<u64, SearchRefused> {
    let mut runs = Vec::with_capacity(values.len());
    for v in values {
        runs.push(
            index
                .range((field, v.as_str(), 0)..=(field, v.as_str(), u64::MAX))?
                .rev(),
        );
    }
    let mut heads = BinaryHeap::new();
    for (n, run) in runs.iter_mut().enumerate() {
        if let Some(row) = run.next() {
            heads.push((row?.0.value().2, n));
        }
    }
    let mut rows = 0;
    while let Some((id, n)) = heads.pop() {
        rows += 1;
        if !offer(id, None)? {
            break;
        }
        if let Some(row) = runs[n].next() {
            heads.push((row?.0.value().2, n));
        }
    }
    Ok(rows)
}

impl IndexQuery {
    /// Whether a candidate meets every filter; `declared` reads its declared values, only if a
    /// declared field is asked for.
    fn passes(
        &self,
        fields: &[Want],
        info: &MessageInfo,
        declared: impl FnOnce() -> Result<Option<Vec<(String, String)>>, redb::Error>,
    ) -> Result<bool, redb::Error> {
        if self.inbound.as_ref().is_some_and(|i| *i != info.inbound)
            || self.since.is_some_and(|s| info.received_at_micros < s)
            || self.until.is_some_and(|u| info.received_at_micros >= u)
        {
            return Ok(false);
        }
        let mut values: Option<Vec<(String, String)>> = None;
        let mut declared = Some(declared);
        for f in fields {
            let ok = match f.field.as_str() {
                TYPE_FIELD => f.matches(&info.message_type),
                CONTROL_ID_FIELD => f.matches(&info.control_id),
                field => {
                    if let Some(read) = declared.take() {
                        values = Some(read()?.unwrap_or_default());
                    }
                    values
                        .as_deref()
                        .unwrap_or_default()
                        .iter()
                        .any(|(name, v)| name == field && f.matches(v))
                }
            };
            if !ok {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Refuses a field that has no built index (on `inbound`, if given), naming those that do.
fn refuse_unindexed(
    built: &ReadOnlyTable<(&'static str, &'static str), u64>,
    f: &FieldMatch,
    inbound: Option<&str>,
) -> Result<(), SearchRefused> {
    if f.field == TYPE_FIELD || f.field == CONTROL_ID_FIELD {
        return Ok(());
    }
    let mut indexed: Vec<(String, String)> = Vec::new();
    for row in built.iter()? {
        let (key, _) = row?;
        let (i, field) = key.value();
        indexed.push((i.to_owned(), field.to_owned()));
    }
    let covers =
        |(i, field): &(String, String)| *field == f.field && inbound.is_none_or(|want| want == i);
    if indexed.iter().any(covers) {
        return Ok(());
    }
    let list: Vec<String> = [TYPE_FIELD.to_owned(), CONTROL_ID_FIELD.to_owned()]
        .into_iter()
        .chain(indexed.iter().map(|(i, field)| format!("{field} ({i})")))
        .collect();
    let declared = crate::interface::index::all().iter().any(|d| {
        inbound.is_none_or(|want| want == d.inbound) && d.names.contains(&f.field.as_str())
    });
    let what = match inbound {
        Some(i) => format!("{} is not indexed on {i}", f.field),
        None => format!("{} is not indexed", f.field),
    };
    let how = if declared {
        "it is declared, and is built when `serve` next starts (or by `store reindex`)".to_owned()
    } else {
        format!(
            "declare it on the inbound (`index = [\"{}\"]` in `inbound!`); it is built when `serve` next starts, or by `store reindex`",
            f.field
        )
    };
    Err(SearchRefused::Refused(format!(
        "{what}, and searches do not read every message; {how}. Indexed: {}",
        list.join(", ")
    )))
}

/// The distinct values of `field` that start with `start`, each found with one seek.
fn values_starting(
    index: &ReadOnlyTable<(&'static str, &'static str, u64), ()>,
    field: &str,
    start: &str,
) -> Result<Vec<String>, SearchRefused> {
    let mut values: Vec<String> = Vec::new();
    loop {
        let from = match values.last() {
            None => Bound::Included((field, start, 0)),
            Some(last) => Bound::Excluded((field, last.as_str(), u64::MAX)),
        };
        let next = index
            .range::<(&str, &str, u64)>((from, Bound::Unbounded))?
            .next();
        let Some(row) = next else { break };
        let (key, _) = row?;
        let (f, v, _) = key.value();
        if f != field || !v.starts_with(start) {
            break;
        }
        if values.len() == MAX_PREFIX_VALUES {
            return Err(SearchRefused::Refused(format!(
                "the start given for {field} matches more than {MAX_PREFIX_VALUES} different values; give more of it"
            )));
        }
        values.push(v.to_owned());
    }
    Ok(values)
}
