//! Which contents each table has now: the file an environment named (loaded by `serve`, and
//! replaced when it changes), else the crate's file built into the binary.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use messagefoundry_options::Crosswalk;

use super::TableDef;
use super::load::Loaded;

/// The tables `serve` loaded from the files an environment named. Set once, at start.
static LOADED: OnceLock<Arc<Loaded>> = OnceLock::new();

/// The built-in tables parsed so far, by name: each is parsed at its first lookup.
static BUILTIN: OnceLock<Mutex<HashMap<&'static str, Arc<Crosswalk>>>> = OnceLock::new();

/// Makes `loaded` the tables lookups use. Only the first call counts: a process serves one
/// environment. Returns whether this call did it.
pub(super) fn install(loaded: Arc<Loaded>) -> bool {
    LOADED.set(loaded).is_ok()
}

/// The contents of a table now.
pub(super) fn current(def: &'static TableDef) -> Arc<Crosswalk> {
    if let Some(table) = LOADED.get().and_then(|loaded| loaded.current(def.name)) {
        return table;
    }
    builtin(def)
}

fn builtin(def: &'static TableDef) -> Arc<Crosswalk> {
    let cache = BUILTIN.get_or_init(Mutex::default);
    let mut cache = match cache.lock() {
        Ok(c) => c,
        Err(poisoned) => poisoned.into_inner(),
    };
    Arc::clone(cache.entry(def.name).or_insert_with(|| {
        // `tables!` parsed the same text with the same parser when the crate was built, so
        // this cannot fail; if it ever did, every lookup would miss rather than panic.
        Arc::new(Crosswalk::parse(def.builtin).unwrap_or_default())
    }))
}
