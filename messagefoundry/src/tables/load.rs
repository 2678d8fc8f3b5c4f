//! Tables read from the files an environment names: at start, and again whenever a file
//! changes, with the mechanism that reloads certificates ([`Reloading`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use messagefoundry_options::Crosswalk;

use super::TableDef;
use crate::config::TableSetting;
use crate::tls::reload::{Reloading, every_interval};

/// Why a table file cannot be used. Names the table, the file and the line, never a field's
/// text.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file could not be read.
    #[error("table {table}: cannot read {path}: {source}")]
    Read {
        /// The table.
        table: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a table of the declared columns.
    #[error("table {table}: {path}: {problem}")]
    Invalid {
        /// The table.
        table: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong, and on which line.
        problem: String,
    },
}

/// Reads a table file and checks that it has the declared columns.
pub fn read(def: &'static TableDef, path: &Path) -> Result<Crosswalk, TableError> {
    let invalid = |problem: String| TableError::Invalid {
        table: def.name,
        path: path.to_owned(),
        problem,
    };
    let bytes = std::fs::read(path).map_err(|source| TableError::Read {
        table: def.name,
        path: path.to_owned(),
        source,
    })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        invalid(format!(
            "not UTF-8 (at byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let table = Crosswalk::parse(&text).map_err(|e| invalid(e.to_string()))?;
    table.check_columns(def.columns).map_err(invalid)?;
    Ok(table)
}

/// The tables read from files, each following its file.
#[derive(Default)]
pub struct Loaded {
    pub(super) tables: HashMap<&'static str, (PathBuf, Reloading<Crosswalk, TableError>)>,
}

impl std::fmt::Debug for Loaded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries(self.tables.iter().map(|(name, (path, _))| (name, path)))
            .finish()
    }
}

impl Loaded {
    /// Reads every table an environment points at a file. Every file that cannot be used is
    /// reported. Blocking.
    pub fn read(tables: &[(&'static TableDef, PathBuf)]) -> Result<Loaded, Vec<TableError>> {
        let mut loaded = Loaded::default();
        let mut errors = Vec::new();
        for &(def, ref path) in tables {
            let file = path.clone();
            match Reloading::new(vec![path.clone()], move || read(def, &file).map(Arc::new)) {
                Ok(reloading) => {
                    loaded.tables.insert(def.name, (path.clone(), reloading));
                }
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(loaded)
        } else {
            Err(errors)
        }
    }

    /// A table's contents now, if it was read from a file.
    pub fn current(&self, name: &str) -> Option<Arc<Crosswalk>> {
        self.tables.get(name).map(|(_, t)| t.current())
    }

    /// Each table read from a file: its name, the file, and its rows now.
    pub fn files(&self) -> Vec<(&'static str, &Path, usize)> {
        let mut files: Vec<_> = self
            .tables
            .iter()
            .map(|(name, (path, t))| (*name, path.as_path(), t.current().len()))
            .collect();
        files.sort_unstable_by_key(|(name, _, _)| *name);
        files
    }

    /// Reads again each file that changed since the last look. Blocking.
    pub(super) fn refresh(&self) {
        for (name, (path, table)) in &self.tables {
            match table.refresh() {
                Ok(true) => tracing::info!(
                    table = name,
                    file = %path.display(),
                    rows = table.current().len(),
                    "table file changed: reloaded"
                ),
                Ok(false) => {}
                Err(e) => tracing::error!(
                    table = name,
                    error = %e,
                    "table file changed but cannot be used; the previous table stays in use"
                ),
            }
        }
    }
}

/// Reads the tables an environment points at files and makes them the ones lookups use; the
/// others stay the crate's. Logs where each table comes from. Blocking.
pub fn start(tables: &[TableSetting]) -> Result<Arc<Loaded>, Vec<TableError>> {
    let files: Vec<(&'static TableDef, PathBuf)> = tables
        .iter()
        .filter_map(|t| Some((t.def, t.file.clone()?)))
        .collect();
    let loaded = Arc::new(Loaded::read(&files)?);
    super::registry::install(Arc::clone(&loaded));
    for t in tables.iter().filter(|t| t.file.is_none()) {
        tracing::info!(
            table = t.def.name,
            file = t.def.file,
            "table: the crate's file, built in"
        );
    }
    for (name, path, rows) in loaded.files() {
        tracing::info!(table = name, file = %path.display(), rows, "table read; reloaded when it changes");
    }
    Ok(loaded)
}

/// Looks at the files as often as at TLS files, until shutdown, and reloads those that changed.
pub async fn watch(loaded: Arc<Loaded>, shutdown: tokio_util::sync::CancellationToken) {
    if loaded.tables.is_empty() {
        return;
    }
    every_interval(shutdown, move || loaded.refresh()).await;
}
