//! `store stats`: where a store file's bytes go, table by table, from redb's own statistics
//! (pages of each B-tree, the bytes of keys and values in them, the bytes left unused), read
//! from one read transaction of a stopped store or a backup.

use std::path::Path;

use redb::{Key, ReadTransaction, ReadableDatabase, ReadableTableMetadata, TableDefinition, Value};

use super::backup::open;
use super::every_table::{TableVisitor, name_of, visit_all};
use super::file_error::{FileError, opening, redb_error};

/// One table's pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TablePages {
    /// The table.
    pub name: &'static str,
    /// Its rows.
    pub rows: u64,
    /// Leaf pages: the pages that hold the keys and values (a page of a leaf too large for
    /// 4 KiB is larger, a power of two times 4 KiB).
    pub leaf_pages: u64,
    /// Branch pages: the pages that lead to the leaves.
    pub branch_pages: u64,
    /// The bytes of the keys and values in the leaves.
    pub stored_bytes: u64,
    /// The bytes of branch keys and page headers.
    pub metadata_bytes: u64,
    /// The bytes of the table's pages holding nothing.
    pub fragmented_bytes: u64,
}

impl TablePages {
    /// The bytes of the table's pages.
    pub fn page_bytes(&self) -> u64 {
        self.stored_bytes + self.metadata_bytes + self.fragmented_bytes
    }

    /// How full its pages are: the keys and values over the pages' bytes (0 with no page).
    pub fn fill(&self) -> f64 {
        match self.page_bytes() {
            0 => 0.0,
            bytes => self.stored_bytes as f64 / bytes as f64,
        }
    }
}

/// Where a store file's bytes go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageStats {
    /// The file's size.
    pub file_bytes: u64,
    /// Each table of the layout present in the file, in the layout's order.
    pub tables: Vec<TablePages>,
}

impl PageStats {
    /// The bytes of the file that no table's page holds: redb's own tables and headers, and
    /// pages free for reuse.
    pub fn other_bytes(&self) -> u64 {
        let tables: u64 = self.tables.iter().map(TablePages::page_bytes).sum();
        self.file_bytes.saturating_sub(tables)
    }
}

/// Reads the statistics of the store file at `path` (read-only: a stopped engine's store or
/// a backup). Blocking.
pub fn page_stats(path: &Path) -> Result<PageStats, FileError> {
    let file_bytes = std::fs::metadata(path)
        .map_err(|source| FileError::Io {
            what: "read the size of",
            path: path.to_path_buf(),
            source,
        })?
        .len();
    let db = redb::ReadOnlyDatabase::open(path)
        .map_err(|e| opening(path, e, "read a backup, or stop serve first"))?;
    let read = db.begin_read().map_err(redb_error)?;
    let mut collect = Collect {
        read: &read,
        tables: Vec::new(),
    };
    visit_all(&mut collect)?;
    Ok(PageStats {
        file_bytes,
        tables: collect.tables,
    })
}

/// Gathers each table's statistics.
struct Collect<'a> {
    read: &'a ReadTransaction,
    tables: Vec<TablePages>,
}

impl TableVisitor for Collect<'_> {
    type Error = FileError;

    fn visit<K: Key + 'static, V: Value + 'static>(
        &mut self,
        def: TableDefinition<'static, K, V>,
    ) -> Result<(), FileError> {
        let Some(table) = open(self.read, def)? else {
            return Ok(());
        };
        let stats = table.stats().map_err(redb_error)?;
        self.tables.push(TablePages {
            name: name_of(&def),
            rows: table.len().map_err(redb_error)?,
            leaf_pages: stats.leaf_pages(),
            branch_pages: stats.branch_pages(),
            stored_bytes: stats.stored_bytes(),
            metadata_bytes: stats.metadata_bytes(),
            fragmented_bytes: stats.fragmented_bytes(),
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests;
