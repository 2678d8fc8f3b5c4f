//! [`Text`]: what `msg[path]` reads as.

use std::fmt;
use std::ops::Deref;

/// The text of a value, as `msg[path]` returns it: a `str` that also compares with string
/// literals directly, so `msg[path] == "ORU"` reads as it should.
///
/// It dereferences to `str` for everything else (`len`, `starts_with`, `parse`, …).
#[repr(transparent)]
#[derive(PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(str);

impl Text {
    /// Views a `str` as `Text`.
    pub fn new(s: &str) -> &Text {
        // SAFETY: `Text` is a `#[repr(transparent)]` wrapper of `str`, so both references have
        // the same layout and metadata; the lifetime is carried over unchanged.
        unsafe { &*(s as *const str as *const Text) }
    }

    /// The text as a `str`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        &self.0 == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        &self.0 == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other.as_str()
    }
}

impl PartialEq<String> for &Text {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other.as_str()
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == &other.0
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == &other.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<'a> From<&'a Text> for &'a str {
    fn from(t: &'a Text) -> &'a str {
        &t.0
    }
}

impl From<&Text> for String {
    fn from(t: &Text) -> String {
        t.0.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_every_way() {
        let t = Text::new("ORU");
        assert!(*t == "ORU");
        assert!(t == "ORU");
        assert!("ORU" == *t);
        assert!(*t != "ADT");
        assert_eq!(t.len(), 3);
        assert_eq!(t.to_string(), "ORU");
        assert_eq!(format!("{t:?}"), "\"ORU\"");
    }
}
