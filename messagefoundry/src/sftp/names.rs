//! The names a folder accepts, and the names it makes: temporary names for files being
//! written, and free names for files moved where their name is taken.

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// How many other names `move_to` tries before it gives up.
const MOST_RENAMES: u32 = 1000;

/// Checks one name directly inside a folder: not empty, no `/`, not `.` or `..`.
pub(crate) fn file_name(name: &str) -> io::Result<&str> {
    if name.is_empty() || name == "." || name == ".." || name.contains(['/', '\0']) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name:?} is not a file name directly inside the folder"),
        ));
    }
    Ok(name)
}

/// Splits `sub/x` or `x` into the subfolder (if any) and the file name, each checked.
pub(crate) fn split(name: &str) -> io::Result<(Option<&str>, &str)> {
    match name.split_once('/') {
        Some((sub, file)) => Ok((Some(file_name(sub)?), file_name(file)?)),
        None => Ok((None, file_name(name)?)),
    }
}

/// A name no other write uses: hidden (a leading dot) and ending in `.tmp`, so a reader's
/// pattern (`*.hl7`) does not pick it up while it is written.
pub(crate) fn temporary(file: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(".{file}.{}-{nanos}-{n}.tmp", std::process::id())
}

/// `name`, then `stem-1.ext`, `stem-2.ext`, …: the names `move_to` tries in turn.
pub(crate) fn candidates(name: &str) -> impl Iterator<Item = String> + '_ {
    // The extension is what follows the last dot, unless that dot starts the name.
    let (stem, ext) = match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name, ""),
    };
    std::iter::once(name.to_owned())
        .chain((1..=MOST_RENAMES).map(move |n| format!("{stem}-{n}{ext}")))
}

/// Joins a folder and a name.
pub(crate) fn join(dir: &str, name: &str) -> String {
    match dir {
        "" => name.to_owned(),
        _ if dir.ends_with('/') => format!("{dir}{name}"),
        _ => format!("{dir}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_leaves_nowhere_but_one_subfolder() {
        for bad in ["", ".", "..", "a/b/c", "../x", "/etc", "a\0b", "a/"] {
            assert!(split(bad).is_err(), "{bad:?}");
        }
        assert_eq!(split("x.hl7").unwrap(), (None, "x.hl7"));
        assert_eq!(split("done/x.hl7").unwrap(), (Some("done"), "x.hl7"));
        assert!(file_name("done/x").is_err());
    }

    #[test]
    fn taken_names_give_way_to_numbered_ones_keeping_the_extension() {
        let names: Vec<String> = candidates("a.b.hl7").take(3).collect();
        assert_eq!(names, ["a.b.hl7", "a.b-1.hl7", "a.b-2.hl7"]);
        let names: Vec<String> = candidates(".hidden").take(2).collect();
        assert_eq!(names, [".hidden", ".hidden-1"]);
        assert_eq!(candidates("x").count(), 1 + MOST_RENAMES as usize);
    }

    #[test]
    fn temporary_names_differ_and_are_hidden() {
        let (a, b) = (temporary("x.hl7"), temporary("x.hl7"));
        assert_ne!(a, b);
        assert!(a.starts_with(".x.hl7.") && a.ends_with(".tmp"), "{a}");
    }

    #[test]
    fn joining_keeps_one_slash() {
        assert_eq!(join("in", "a"), "in/a");
        assert_eq!(join("/in/", "a"), "/in/a");
        assert_eq!(join("", "a"), "a");
    }
}
