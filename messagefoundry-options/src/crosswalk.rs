//! Code tables (crosswalks): a CSV file whose header names the columns, whose first column is
//! the key, and whose rows map each key to the other columns. Read the same by `tables!` at
//! build time and by the runtime at start and on reload, so a file the build accepted is one
//! `serve` accepts.
//!
//! ```
//! use messagefoundry_options::Crosswalk;
//! let table = Crosswalk::parse("code,downstream\n4W,MED4W\nICU,CRITCARE\n").unwrap();
//! assert_eq!(table.columns(), ["code", "downstream"]);
//! assert_eq!(table.get("ICU", "downstream"), Some("CRITCARE"));
//! assert_eq!(table.get("5E", "downstream"), None);
//! ```
//!
//! The format is RFC 4180 as spreadsheets write it: fields separated by commas, a field in
//! double quotes may hold commas, quotes (doubled) and line breaks; lines end in `\n` or `\r\n`;
//! a UTF-8 byte-order mark is skipped; blank lines are ignored. Errors name the line and what is
//! wrong, never a field's text: a table may hold codes that identify patients.

use std::collections::HashMap;

/// A parsed code table. The default has no column and no row: every lookup misses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Crosswalk {
    columns: Vec<String>,
    /// Each key's fields after the key, in column order.
    rows: HashMap<String, Vec<String>>,
}

/// Why a table file cannot be used. Names a line, never a field's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrosswalkError {
    /// The line (1-based) where the problem is; `None` for the file as a whole.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for CrosswalkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CrosswalkError {}

/// Whether a table or column name can be written in Rust as it is in the file: lower-case
/// letters, digits and `_`, starting with a letter (and not `self`, `super` or `crate`, which
/// no Rust item may be named).
pub fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !matches!(text, "self" | "super" | "crate")
}

impl Crosswalk {
    /// Parses a table file's text.
    pub fn parse(text: &str) -> Result<Crosswalk, CrosswalkError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut records = records(text)?.into_iter();
        let Some((_, columns)) = records.next() else {
            return Err(CrosswalkError {
                line: None,
                message: "the file is empty; the first line names the columns: key,column,…"
                    .to_owned(),
            });
        };
        check_header(&columns)?;
        let mut rows: HashMap<String, Vec<String>> = HashMap::new();
        let mut first_seen: HashMap<String, usize> = HashMap::new();
        for (line, mut fields) in records {
            if fields.len() != columns.len() {
                return Err(CrosswalkError {
                    line: Some(line),
                    message: format!(
                        "{} field(s); the header has {}",
                        fields.len(),
                        columns.len()
                    ),
                });
            }
            let values = fields.split_off(1);
            let key = fields.pop().unwrap_or_default();
            if let Some(first) = first_seen.get(&key) {
                return Err(CrosswalkError {
                    line: Some(line),
                    message: format!("the key of line {first} again; each key has one row"),
                });
            }
            first_seen.insert(key.clone(), line);
            rows.insert(key, values);
        }
        Ok(Crosswalk { columns, rows })
    }

    /// The column names, the key's first.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The number of rows (keys).
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The value in `column` of the row whose key is `key`; `None` when there is no such row,
    /// no such column (or it is the key column), or the field is empty.
    pub fn get(&self, key: &str, column: &str) -> Option<&str> {
        let index = self.columns.iter().skip(1).position(|c| c == column)?;
        let value = self.rows.get(key)?.get(index)?;
        (!value.is_empty()).then_some(value.as_str())
    }

    /// Whether this table has the columns of `expected`, key first, in any order after it.
    /// The problem in words when it does not.
    pub fn check_columns(&self, expected: &[&str]) -> Result<(), String> {
        if self.columns.first().map(String::as_str) != expected.first().copied() {
            return Err(format!(
                "the first column (the key) must be `{}`",
                expected.first().copied().unwrap_or_default()
            ));
        }
        let missing: Vec<&str> = expected
            .iter()
            .copied()
            .filter(|e| !self.columns.iter().any(|c| c == e))
            .collect();
        let extra: Vec<&str> = self
            .columns
            .iter()
            .map(String::as_str)
            .filter(|c| !expected.contains(c))
            .collect();
        match (missing.is_empty(), extra.is_empty()) {
            (true, true) => Ok(()),
            (false, _) => Err(format!("no column {}", missing.join(", "))),
            (true, false) => Err(format!(
                "column {} is not one of the table's: {}",
                extra.join(", "),
                expected.join(", ")
            )),
        }
    }
}

fn check_header(columns: &[String]) -> Result<(), CrosswalkError> {
    let header = |message: String| CrosswalkError {
        line: Some(1),
        message,
    };
    if columns.len() < 2 {
        return Err(header(
            "the header names the key column and at least one column to look up".to_owned(),
        ));
    }
    // Column names are the author's, not data, so they may be shown.
    for (i, name) in columns.iter().enumerate() {
        if !is_name(name) {
            return Err(header(format!(
                "column {} is named {name:?}; a column name is lower-case letters, digits and _, \
                 starting with a letter (not self, super or crate)",
                i + 1
            )));
        }
        if columns[..i].contains(name) {
            return Err(header(format!("column `{name}` is named twice")));
        }
    }
    Ok(())
}

/// The records of the text, each with the line it starts on; blank lines are skipped.
fn records(text: &str) -> Result<Vec<(usize, Vec<String>)>, CrosswalkError> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    let mut line = 1;
    while chars.peek().is_some() {
        let start = line;
        let mut fields = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut blank = true;
        loop {
            match chars.next() {
                None => break,
                Some('"') if field.is_empty() && !quoted => {
                    quoted = true;
                    blank = false;
                    loop {
                        match chars.next() {
                            None => {
                                return Err(CrosswalkError {
                                    line: Some(start),
                                    message: "a quoted field is not closed".to_owned(),
                                });
                            }
                            Some('"') if chars.peek() == Some(&'"') => {
                                chars.next();
                                field.push('"');
                            }
                            Some('"') => break,
                            Some(c) => {
                                if c == '\n' {
                                    line += 1;
                                }
                                field.push(c);
                            }
                        }
                    }
                    if !matches!(chars.peek(), None | Some(',' | '\n' | '\r')) {
                        return Err(CrosswalkError {
                            line: Some(line),
                            message: "text after a closing quote; a quote inside a quoted \
                                      field is written twice"
                                .to_owned(),
                        });
                    }
                }
                Some(',') => {
                    fields.push(std::mem::take(&mut field));
                    quoted = false;
                    blank = false;
                }
                Some('\r') if chars.peek() == Some(&'\n') => {}
                Some('\n') => {
                    line += 1;
                    break;
                }
                Some('"') => {
                    return Err(CrosswalkError {
                        line: Some(line),
                        message: "a quote inside an unquoted field; quote the field and write \
                                  the quote twice"
                            .to_owned(),
                    });
                }
                Some(c) => {
                    field.push(c);
                    blank = false;
                }
            }
        }
        if !blank {
            fields.push(field);
            out.push((start, fields));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        Crosswalk::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn reads_quoted_fields_line_endings_and_a_byte_order_mark() {
        let t = Crosswalk::parse(
            "\u{feff}code,name,note\r\n\"A,1\",\"Ward \"\"A\"\"\",\"two\nlines\"\r\n\nB,b,\n",
        )
        .unwrap();
        assert_eq!(t.columns(), ["code", "name", "note"]);
        assert_eq!(t.len(), 2);
        assert_eq!(t.get("A,1", "name"), Some("Ward \"A\""));
        assert_eq!(t.get("A,1", "note"), Some("two\nlines"));
        // An empty field is a miss, like a missing row.
        assert_eq!(t.get("B", "note"), None);
        assert_eq!(t.get("B", "code"), None);
        assert_eq!(t.get("C", "name"), None);
    }

    #[test]
    fn mistakes_name_the_line_and_never_the_text() {
        assert_eq!(
            error("code,x\nSECRET1,a,b\n"),
            "line 2: 3 field(s); the header has 2"
        );
        assert_eq!(
            error("code,x\nSECRET1,a\n\"q\nq\",b\nSECRET1,c\n"),
            "line 5: the key of line 2 again; each key has one row"
        );
        assert_eq!(
            error("code,x\n\"SECRET1,a\n"),
            "line 2: a quoted field is not closed"
        );
        assert!(
            error("code,x\n\"SECRET1\"x,a\n").starts_with("line 2: text after a closing quote")
        );
        assert!(error("code,x\nSE\"CRET1,a\n").starts_with("line 2: a quote inside"));
        assert!(error("").starts_with("the file is empty"));
        assert!(error("code\n").starts_with("line 1: the header names the key column"));
        assert!(error("code,Bad Name\n").contains("column 2 is named \"Bad Name\""));
        assert_eq!(error("code,x,x\n"), "line 1: column `x` is named twice");
    }

    #[test]
    fn columns_are_checked_against_the_declared_ones() {
        let t = Crosswalk::parse("code,b,a\n").unwrap();
        assert_eq!(t.check_columns(&["code", "a", "b"]), Ok(()));
        assert_eq!(
            t.check_columns(&["key", "a", "b"]).unwrap_err(),
            "the first column (the key) must be `key`"
        );
        assert_eq!(
            t.check_columns(&["code", "a", "b", "c"]).unwrap_err(),
            "no column c"
        );
        assert_eq!(
            t.check_columns(&["code", "a"]).unwrap_err(),
            "column b is not one of the table's: code, a"
        );
    }

    #[test]
    fn names_are_lower_case_identifiers() {
        assert!(is_name("point_of_care"));
        assert!(is_name("ehr2"));
        assert!(!is_name("2ehr"));
        assert!(!is_name("Ehr"));
        assert!(!is_name("bed board"));
        assert!(!is_name(""));
        assert!(!is_name("self"));
        assert!(is_name("type"));
    }
}
