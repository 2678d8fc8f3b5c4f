//! Code tables (crosswalks): CSV files declared in the crate with [`tables!`](crate::tables!),
//! looked up in handlers with [`table!`](crate::table!), each lookup with its own policy for a
//! key the table does not have.
//!
//! ```
//! use messagefoundry::prelude::*;
//!
//! tables! {
//!     /// The registration system's point-of-care codes and the downstreams' codes for them.
//!     /// The file, beside this source file: `code,downstream`, then `4W,MED4W`, `ICU,CRITCARE`, …
//!     point_of_care = "point_of_care.csv",
//! }
//!
//! #[checked]
//! fn map_point_of_care(msg: &mut Message) -> Result<(), hl7::EditError> {
//!     let code = table!("point_of_care", "downstream")
//!         .lookup(&msg["PV1-3.1"])
//!         .or_pass_through(); // an unknown code goes on as it came
//!     msg.set("PV1-3.1", &code)
//! }
//!
//! # use messagefoundry::hl7;
//! # fn main() {
//! let mut msg = Message::parse("MSH|^~\\&|||||||ADT^A01|1|P|2.5.1\rPV1|1|I|ICU^3^A\r").unwrap();
//! map_point_of_care(&mut msg).unwrap();
//! assert_eq!(msg.get(path!("PV1-3")).er7(), "CRITCARE^3^A");
//! # }
//! ```
//!
//! The file each table is read from is, by default, the crate's own, as it was when the
//! binary was built. An environment file may point a table at another file (`[tables]`):
//! `serve` reads it at start, refusing to start if it cannot be used, and reads it again
//! whenever it changes; a changed file that cannot be used is logged (never its content) and
//! the table in use stays. In `messagefoundry::testing`, tables are the crate's files.

mod load;
mod registry;

pub(crate) use load::{read, start, watch};

/// A table as `tables!` declares it. What the macros expand to; not an author's API.
#[derive(Debug)]
pub struct TableDef {
    /// The table's name, its key under `[tables]` in an environment file.
    pub name: &'static str,
    /// The crate's file, from the crate's root where it is in the crate (for messages).
    pub file: &'static str,
    /// The columns of the crate's file, the key's first. A file an environment names must
    /// have the same.
    pub columns: &'static [&'static str],
    /// The crate's file's text, built in.
    pub builtin: &'static str,
}

/// A column of a code table, written `table!("point_of_care", "downstream")`: look keys up
/// in it with [`Column::lookup`].
#[derive(Clone, Copy, Debug)]
pub struct Column {
    table: &'static TableDef,
    column: &'static str,
}

impl Column {
    /// What `table!` expands to.
    #[doc(hidden)]
    pub const fn __new(table: &'static TableDef, column: &'static str) -> Column {
        Column { table, column }
    }

    /// The table's name.
    pub fn table(&self) -> &'static str {
        self.table.name
    }

    /// The column's name.
    pub fn column(&self) -> &'static str {
        self.column
    }

    /// Looks `key` up in the table as it is now; say what a miss does with [`Lookup`]'s
    /// methods. A row whose field in this column is empty is a miss.
    pub fn lookup<'k>(&self, key: &'k str) -> Lookup<'k> {
        let found = registry::current(self.table)
            .get(key, self.column)
            .map(str::to_owned);
        Lookup {
            column: *self,
            key,
            found,
        }
    }
}

/// The result of one lookup: the value found, or a miss, which the method called decides
/// what to do with.
#[derive(Debug)]
#[must_use = "a lookup says what a miss does: or_pass_through, or_default or or_error"]
pub struct Lookup<'k> {
    column: Column,
    key: &'k str,
    found: Option<String>,
}

impl Lookup<'_> {
    /// The value found, if any.
    pub fn found(self) -> Option<String> {
        self.found
    }

    /// The value found, or on a miss the key itself: an unknown code goes on unchanged.
    pub fn or_pass_through(self) -> String {
        self.found.unwrap_or_else(|| self.key.to_owned())
    }

    /// The value found, or on a miss `default`.
    pub fn or_default(self, default: &str) -> String {
        self.found.unwrap_or_else(|| default.to_owned())
    }

    /// The value found, or on a miss an error naming the table and the column (never the
    /// key, which may identify a patient). Returned with `?` from a handler, it makes the
    /// message's disposition ERROR with that reason.
    pub fn or_error(self) -> Result<String, LookupMiss> {
        self.found.ok_or(LookupMiss {
            table: self.column.table(),
            column: self.column.column(),
        })
    }
}

/// A key a table has no value for, where the lookup said a miss is an error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("table {table} has no {column} for this key")]
pub struct LookupMiss {
    /// The table.
    pub table: &'static str,
    /// The column looked up.
    pub column: &'static str,
}

#[cfg(test)]
mod tests;
