//! The typed constants `values!` declares, one type per kind of value, so that `value!`
//! returns what was declared.

use std::time::Duration;

use super::ValueDef;
use super::registry::setting;
use messagefoundry_options::Setting;

macro_rules! handle {
    ($(#[$doc:meta])* $name:ident, $variant:ident, $out:ty, |$v:ident| $convert:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug)]
        pub struct $name(&'static ValueDef);

        impl $name {
            /// What `values!` expands to.
            #[doc(hidden)]
            pub const fn __new(def: &'static ValueDef) -> $name {
                $name(def)
            }

            /// The value now: set in a test, else set by the environment `serve` runs with,
            /// else the declared default.
            ///
            /// # Panics
            ///
            /// When none of those gives one (`serve` refuses to start then, so only a test that
            /// did not set it can get here), or a test set it with another type.
            pub fn get(&self) -> $out {
                match setting(self.0) {
                    Setting::$variant($v) => $convert,
                    other => wrong_type(self.0, &other),
                }
            }
        }
    };
}

handle!(
    /// A `text` value.
    TextValue, Text, String, |t| t.into_owned()
);
handle!(
    /// An `integer` value.
    IntegerValue, Integer, i64, |n| n
);
handle!(
    /// A `flag` value.
    FlagValue, Flag, bool, |b| b
);
handle!(
    /// A `duration` value.
    DurationValue, Duration, Duration, |d| d
);

#[allow(clippy::panic)]
fn wrong_type(def: &ValueDef, found: &Setting) -> ! {
    panic!(
        "value {} is declared {}, but was set as {}",
        def.name,
        def.kind.word(),
        found.kind().word()
    )
}
