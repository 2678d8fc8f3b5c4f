//! Every table of the layout, visited with its key and value types: what backup copies and
//! verify reads. A table added to the layout is added here, or backup refuses the store (it
//! names tables it does not know rather than leave them out of a copy).

use redb::{Key, TableDefinition, Value};

use super::files::FILE_PROGRESS;
use super::queue_counters::QUEUE_COUNTERS;
use super::tables::{
    CONTROL_IDS, DEAD_LETTERS, DELIVERIES, DELIVERY_ACKS, DESTINATIONS, DISPOSITIONS, EDITS,
    HANDLER_RESULTS, MESSAGE_INFO, MESSAGES, META, QUEUE,
};

/// Something done to each table in turn.
pub(crate) trait TableVisitor {
    /// Why it stops.
    type Error;

    /// Does it to one table.
    fn visit<K: Key + 'static, V: Value + 'static>(
        &mut self,
        table: TableDefinition<'static, K, V>,
    ) -> Result<(), Self::Error>;
}

/// The names of every table, in the order [`visit_all`] visits them.
pub(crate) const NAMES: [&str; 18] = [
    "meta",
    "messages",
    "message_info",
    "dispositions",
    "handler_results",
    "queue",
    "deliveries",
    "dead_letters",
    "destinations",
    "delivery_acks",
    "edits",
    "control_ids",
    "queue_counters",
    "file_progress",
    "index",
    "index_time",
    "index_declared",
    "index_built",
];

/// The name of a table of the layout, as kept in [`NAMES`] ("?" for one not there).
pub(crate) fn name_of(table: &impl redb::TableHandle) -> &'static str {
    NAMES
        .iter()
        .find(|n| **n == table.name())
        .copied()
        .unwrap_or("?")
}

/// Visits every table, in the order of [`NAMES`].
pub(crate) fn visit_all<T: TableVisitor>(visitor: &mut T) -> Result<(), T::Error> {
    visitor.visit(META)?;
    visitor.visit(MESSAGES)?;
    visitor.visit(MESSAGE_INFO)?;
    visitor.visit(DISPOSITIONS)?;
    visitor.visit(HANDLER_RESULTS)?;
    visitor.visit(QUEUE)?;
    visitor.visit(DELIVERIES)?;
    visitor.visit(DEAD_LETTERS)?;
    visitor.visit(DESTINATIONS)?;
    visitor.visit(DELIVERY_ACKS)?;
    visitor.visit(EDITS)?;
    visitor.visit(CONTROL_IDS)?;
    visitor.visit(QUEUE_COUNTERS)?;
    visitor.visit(FILE_PROGRESS)?;
    visitor.visit(super::index::INDEX)?;
    visitor.visit(super::index::INDEX_TIME)?;
    visitor.visit(super::index::INDEX_DECLARED)?;
    visitor.visit(super::index::INDEX_BUILT)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records the names visited.
    struct Names(Vec<String>);

    impl TableVisitor for Names {
        type Error = ();

        fn visit<K: Key + 'static, V: Value + 'static>(
            &mut self,
            table: TableDefinition<'static, K, V>,
        ) -> Result<(), ()> {
            self.0.push(redb::TableHandle::name(&table).to_owned());
            Ok(())
        }
    }

    #[test]
    fn every_table_a_fresh_store_has_is_visited_in_the_order_named() {
        let mut names = Names(Vec::new());
        visit_all(&mut names).expect("visited");
        assert_eq!(names.0, NAMES);
        let dir = tempfile::tempdir().expect("temp dir");
        let store = crate::store::Store::open(dir.path().join("t.redb")).expect("store");
        let txn = redb::ReadableDatabase::begin_read(&*store.db()).expect("read");
        let mut made: Vec<String> = txn
            .list_tables()
            .expect("tables")
            .map(|t| redb::TableHandle::name(&t).to_owned())
            .collect();
        made.sort();
        let mut known = names.0;
        known.sort();
        assert_eq!(
            made, known,
            "a table the store makes is missing from every_table"
        );
        store.shutdown();
    }
}
