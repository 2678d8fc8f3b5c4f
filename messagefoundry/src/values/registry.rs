//! Where a value comes from: a test's setting for its thread, else what `serve` read from the
//! environment at start, else the declared default.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::OnceLock;

use messagefoundry_options::Setting;

use super::ValueDef;

/// The values `serve` read at start. Set once.
static INSTALLED: OnceLock<HashMap<&'static str, Setting>> = OnceLock::new();

thread_local! {
    /// Values a test set for its thread (`testing::set_value`).
    static FOR_THREAD: RefCell<HashMap<String, Setting>> = RefCell::default();
}

/// Makes `values` the ones handlers read. Only the first call counts: a process serves one
/// environment.
pub fn install(values: &[(&'static ValueDef, Setting)]) {
    let _ = INSTALLED.set(values.iter().map(|(d, s)| (d.name, s.clone())).collect());
}

/// Sets `name` for this thread; returns what it was set to before (for this thread).
pub fn set_for_thread(name: &str, value: Option<Setting>) -> Option<Setting> {
    FOR_THREAD.with(|values| {
        let mut values = values.borrow_mut();
        match value {
            Some(v) => values.insert(name.to_owned(), v),
            None => values.remove(name),
        }
    })
}

/// The value of `def` now.
pub(super) fn setting(def: &'static ValueDef) -> Setting {
    let for_thread = FOR_THREAD.with(|values| values.borrow().get(def.name).cloned());
    for_thread
        .or_else(|| INSTALLED.get().and_then(|v| v.get(def.name).cloned()))
        .or_else(|| def.default.clone())
        .unwrap_or_else(|| unset(def))
}

#[allow(clippy::panic)]
fn unset(def: &ValueDef) -> Setting {
    panic!(
        "value {} is not set: set it for the test with messagefoundry::testing::set_value, \
         or declare a default in values!",
        def.name
    )
}

/// Every value set for this thread, to be set on another one ([`set_all_for_thread`]): the
/// threads a test's `async` handlers run their blocking work on read what the test set.
pub fn all_for_thread() -> HashMap<String, Setting> {
    FOR_THREAD.with(|values| values.borrow().clone())
}

/// Sets this thread's values to `values` (from [`all_for_thread`] on another thread).
pub fn set_all_for_thread(values: HashMap<String, Setting>) {
    FOR_THREAD.with(|mine| *mine.borrow_mut() = values);
}
