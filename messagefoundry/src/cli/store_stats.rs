//! `store stats`: prints where a store file's bytes go, a line per table.

use std::path::Path;

use crate::store::{FileError, PageStats, page_stats};

/// Runs `store stats PATH`.
pub(super) fn run(path: &Path) -> Result<(), FileError> {
    print!("{}", report(&page_stats(path)?));
    Ok(())
}

/// The report: a line per table that holds anything, then the rest of the file.
pub(super) fn report(stats: &PageStats) -> String {
    let mb = |bytes: u64| bytes as f64 / 1e6;
    let share = |bytes: u64| match stats.file_bytes {
        0 => 0.0,
        file => bytes as f64 * 100.0 / file as f64,
    };
    let mut out = format!(
        "{:<16} {:>10} {:>8} {:>8} {:>10} {:>10} {:>6} {:>6}\n",
        "table", "rows", "leaves", "branches", "data MB", "pages MB", "full", "file"
    );
    for table in stats.tables.iter().filter(|t| t.page_bytes() > 0) {
        out += &format!(
            "{:<16} {:>10} {:>8} {:>8} {:>10.2} {:>10.2} {:>5.0}% {:>5.1}%\n",
            table.name,
            table.rows,
            table.leaf_pages,
            table.branch_pages,
            mb(table.stored_bytes),
            mb(table.page_bytes()),
            table.fill() * 100.0,
            share(table.page_bytes()),
        );
    }
    out += &format!(
        "{:<16} {:>50.2} {:>13.1}%\n",
        "other",
        mb(stats.other_bytes()),
        share(stats.other_bytes())
    );
    out += &format!(
        "file: {} bytes; redb's own tables and headers, and pages free for reuse, are \"other\"\n",
        stats.file_bytes
    );
    out
}
