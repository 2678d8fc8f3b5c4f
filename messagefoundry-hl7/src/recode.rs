//! Re-encoding values written with one set of delimiters for another: what
//! [`Message::set_delimiters`](crate::Message::set_delimiters) does to every field, and what
//! copying from a message with other delimiters does to what it copies.

use crate::delimiters::Delimiters;
use crate::escape::{self, needs_escape};

/// What a value to re-encode is, and so which separators it may hold.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) enum Scope {
    /// A whole field: repetitions, components, sub-components.
    Field,
    /// One repetition: components and sub-components.
    Repetition,
    /// One component: sub-components.
    Component,
    /// One sub-component: a leaf.
    Subcomponent,
}

/// The value the new delimiters cannot express: 0-based repetition, component and
/// sub-component within the value re-encoded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Unencodable {
    pub(crate) repetition: usize,
    pub(crate) component: usize,
    pub(crate) subcomponent: usize,
}

/// `bytes` split at `sep` when `splits`, else whole.
fn parts(bytes: &[u8], sep: Option<u8>, splits: bool) -> Vec<&[u8]> {
    match sep.filter(|_| splits) {
        Some(sep) => bytes.split(|&b| b == sep).collect(),
        None => vec![bytes],
    }
}

/// Appends `raw`, a value of `scope` written with the `old` delimiters, re-encoded with the
/// `new` ones: each separator replaced by its counterpart, each leaf unescaped with the old
/// delimiters and escaped with the new (see [`recode_leaf`]).
pub(crate) fn recode(
    raw: &[u8],
    scope: Scope,
    old: &Delimiters,
    new: &Delimiters,
    out: &mut Vec<u8>,
) -> Result<(), Unencodable> {
    let repetitions = parts(raw, Some(old.repetition), scope == Scope::Field);
    for (r, rep) in repetitions.into_iter().enumerate() {
        if r > 0 {
            out.push(new.repetition);
        }
        let components = parts(rep, Some(old.component), scope <= Scope::Repetition);
        for (c, comp) in components.into_iter().enumerate() {
            if c > 0 {
                out.push(new.component);
            }
            let subs = parts(comp, old.subcomponent, scope <= Scope::Component);
            for (s, sub) in subs.into_iter().enumerate() {
                let at = Unencodable {
                    repetition: r,
                    component: c,
                    subcomponent: s,
                };
                if s > 0 {
                    out.push(new.subcomponent.ok_or(at)?);
                }
                recode_leaf(sub, old, new, out).map_err(|()| at)?;
            }
        }
    }
    Ok(())
}

/// Appends one leaf value, written with the `old` delimiters, re-encoded with the `new` ones.
/// Fails when the new delimiters cannot express it.
fn recode_leaf(
    raw: &[u8],
    old: &Delimiters,
    new: &Delimiters,
    out: &mut Vec<u8>,
) -> Result<(), ()> {
    let text = |bytes: &[u8], out: &mut Vec<u8>| {
        if new.escape.is_none() && bytes.iter().any(|&b| needs_escape(b, new)) {
            return Err(());
        }
        out.extend_from_slice(&escape::escape(bytes, new));
        Ok(())
    };
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if Some(b) == old.truncation {
            match new.truncation {
                Some(t) => out.push(t),
                None => text(&[b], out)?,
            }
            i += 1;
            continue;
        }
        if Some(b) == old.escape {
            let Some(len) = memchr::memchr(b, &raw[i + 1..]) else {
                // An escape character without a closing one reads as text, with all after it.
                text(&raw[i..], out)?;
                break;
            };
            let body = &raw[i + 1..i + 1 + len];
            i += len + 2;
            let delimiter = match body {
                b"F" => Some(old.field),
                b"S" => Some(old.component),
                b"R" => Some(old.repetition),
                b"T" => Some(old.subcomponent.unwrap_or(b'&')),
                b"E" => Some(b),
                b"P" => Some(old.truncation.unwrap_or(b'#')),
                _ => None,
            };
            match (delimiter, new.escape) {
                (Some(c), _) => text(&[c], out)?,
                (None, Some(esc)) if !body.iter().any(|&c| needs_escape(c, new)) => {
                    out.push(esc);
                    out.extend_from_slice(body);
                    out.push(esc);
                }
                (None, _) => return Err(()),
            }
            continue;
        }
        let run = raw[i + 1..]
            .iter()
            .position(|&c| Some(c) == old.escape || Some(c) == old.truncation)
            .map_or(raw.len(), |p| i + 1 + p);
        text(&raw[i..run], out)?;
        i = run;
    }
    Ok(())
}
