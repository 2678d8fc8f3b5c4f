//! HL7 escape sequences: `\F\ \S\ \T\ \R\ \E\ \P\`, `\Xhh…\`, formatting (`\.br\` …).
//!
//! Unescaping works on bytes: `\X…\` may produce any byte, and the message's character set is
//! applied afterwards. Sequences this module does not know (`\Cxxyy\`, `\Mxxyyzz\`, `\Zxx\`, …) are
//! kept as written. [`escape`] writes any text as one leaf; [`escape_text`] is its variant that
//! keeps formatting sequences, the inverse of [`unescape`] with [`Formatting::Keep`].

use std::borrow::Cow;

use crate::Delimiters;

/// What to do with formatting sequences such as `\.br\`, `\H\`, `\N\` when reading text.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Formatting {
    /// Keep them as written (`\.br\` stays `\.br\`), so nothing is lost. The default.
    #[default]
    Keep,
    /// Render them as plain text: `\.br\` and `\.ce\` become a line break, `\.sp n\` n line breaks,
    /// the other formatting commands and highlighting (`\H\`, `\N\`) disappear.
    Render,
}

/// Unescapes `raw` with the message's delimiters. Borrows when there is nothing to unescape.
pub fn unescape<'a>(raw: &'a [u8], delims: &Delimiters, formatting: Formatting) -> Cow<'a, [u8]> {
    let Some(esc) = delims.escape else {
        return Cow::Borrowed(raw);
    };
    let Some(first) = memchr::memchr(esc, raw) else {
        return Cow::Borrowed(raw);
    };
    let mut out = Vec::with_capacity(raw.len());
    out.extend_from_slice(&raw[..first]);
    let mut i = first;
    while i < raw.len() {
        let b = raw[i];
        if b != esc {
            out.push(b);
            i += 1;
            continue;
        }
        // An escape sequence runs to the next escape character; without one it is literal text.
        let Some(len) = memchr::memchr(esc, &raw[i + 1..]) else {
            out.extend_from_slice(&raw[i..]);
            break;
        };
        let body = &raw[i + 1..i + 1 + len];
        let whole = &raw[i..i + len + 2];
        expand(body, whole, delims, formatting, &mut out);
        i += len + 2;
    }
    Cow::Owned(out)
}

/// Appends the expansion of one escape sequence (`body` is what stands between the two escape
/// characters, `whole` the sequence as written).
fn expand(body: &[u8], whole: &[u8], d: &Delimiters, formatting: Formatting, out: &mut Vec<u8>) {
    match body {
        b"F" => out.push(d.field),
        b"S" => out.push(d.component),
        b"R" => out.push(d.repetition),
        b"T" => out.push(d.subcomponent.unwrap_or(b'&')),
        b"E" => out.push(d.escape.unwrap_or(b'\\')),
        b"P" => out.push(d.truncation.unwrap_or(b'#')),
        [b'X', hex @ ..] if !hex.is_empty() && hex.len() % 2 == 0 => match decode_hex(hex) {
            Some(bytes) => out.extend_from_slice(&bytes),
            None => out.extend_from_slice(whole),
        },
        b"H" | b"N" if formatting == Formatting::Render => {}
        [b'.', command @ ..] if formatting == Formatting::Render => {
            render_formatting(command, whole, out)
        }
        _ => out.extend_from_slice(whole),
    }
}

/// Renders a formatting command (`br`, `sp 2`, `in +4`, …) as plain text.
fn render_formatting(command: &[u8], whole: &[u8], out: &mut Vec<u8>) {
    let (name, arg) = command.split_at(command.len().min(2));
    match name {
        b"br" | b"ce" if arg.is_empty() => out.push(b'\n'),
        b"sp" => {
            let n = std::str::from_utf8(arg)
                .ok()
                .and_then(|s| s.trim().trim_start_matches('+').parse::<usize>().ok())
                .unwrap_or(1);
            out.extend(std::iter::repeat_n(b'\n', n.min(100)));
        }
        b"fi" | b"nf" if arg.is_empty() => {}
        b"in" | b"ti" | b"sk" => {}
        _ => out.extend_from_slice(whole),
    }
}

fn decode_hex(hex: &[u8]) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    hex.chunks_exact(2)
        .map(|p| Some(nibble(p[0])? << 4 | nibble(p[1])?))
        .collect()
}

/// Whether `b` must be escaped to stand as text in a value: a delimiter, or a control byte
/// other than tab (the parser rejects those, and `\r` would end the segment).
pub(crate) fn needs_escape(b: u8, d: &Delimiters) -> bool {
    b == d.field
        || b == d.component
        || b == d.repetition
        || Some(b) == d.escape
        || Some(b) == d.subcomponent
        || Some(b) == d.truncation
        || (b < 0x20 && b != b'\t')
}

/// Escapes `text` so that it can stand as one leaf value (a sub-component or an undivided field)
/// between the message's delimiters: every delimiter becomes its escape sequence, and control
/// bytes other than tab (carriage return, line feed, …) become `\Xhh\` (`\X0D\`, `\X0A\`).
///
/// Without an escape character in MSH-2 there is no way to escape; delimiters are then replaced
/// by a space, the only lossless-looking choice being none at all. ([`Message::set`] refuses
/// such text instead.)
///
/// [`Message::set`]: crate::Message::set
pub fn escape<'a>(text: &'a [u8], d: &Delimiters) -> Cow<'a, [u8]> {
    if !text.iter().any(|&b| needs_escape(b, d)) {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len() + 8);
    for &b in text {
        if !needs_escape(b, d) {
            out.push(b);
            continue;
        }
        let Some(esc) = d.escape else {
            out.push(b' ');
            continue;
        };
        out.push(esc);
        if b == d.field {
            out.push(b'F');
        } else if b == d.component {
            out.push(b'S');
        } else if b == d.repetition {
            out.push(b'R');
        } else if Some(b) == d.escape {
            out.push(b'E');
        } else if Some(b) == d.subcomponent {
            out.push(b'T');
        } else if Some(b) == d.truncation {
            out.push(b'P');
        } else {
            const HEX: &[u8; 16] = b"0123456789ABCDEF";
            out.extend_from_slice(&[b'X', HEX[usize::from(b >> 4)], HEX[usize::from(b & 0xF)]]);
        }
        out.push(esc);
    }
    Cow::Owned(out)
}

/// Escapes text the way [`Message::set`] writes it: as [`escape`] does, except that the
/// sequences reading keeps as written stay sequences, so that text read with
/// [`Formatting::Keep`] and written back keeps its formatting. Those are, between two escape
/// characters:
///
/// - formatting: `H`, `N`, and `.` followed by a two-letter command and an optional number
///   (`\.br\`, `\.sp2\`, `\.in+4\`);
/// - character sets: `C` and four hex digits, `M` and four or six hex digits;
/// - locally defined sequences: `Z` followed by letters or digits.
///
/// Every other escape character is text and is escaped (`\E\`): a text `\X41\` is written
/// `\E\X41\E\` and reads back as itself, not as `A`.
///
/// [`Message::set`]: crate::Message::set
pub fn escape_text<'a>(text: &'a [u8], d: &Delimiters) -> Cow<'a, [u8]> {
    let Some(esc) = d.escape else {
        return escape(text, d);
    };
    if !text.iter().any(|&b| needs_escape(b, d)) {
        return Cow::Borrowed(text);
    }
    let mut out = Vec::with_capacity(text.len() + 8);
    let mut i = 0;
    while i < text.len() {
        if text[i] == esc {
            let rest = &text[i + 1..];
            if let Some(len) = memchr::memchr(esc, rest).filter(|&n| is_kept(&rest[..n], d)) {
                out.extend_from_slice(&text[i..i + len + 2]);
                i += len + 2;
                continue;
            }
        }
        // Up to the next escape character, which may start a kept sequence.
        let end = memchr::memchr(esc, &text[i + 1..]).map_or(text.len(), |at| i + 1 + at);
        out.extend_from_slice(&escape(&text[i..end], d));
        i = end;
    }
    Cow::Owned(out)
}

/// Whether an escape sequence with this body is one [`escape_text`] keeps: a formatting,
/// character-set or locally defined sequence, which reading leaves as written.
fn is_kept(body: &[u8], d: &Delimiters) -> bool {
    if body.iter().any(|&b| needs_escape(b, d)) {
        return false;
    }
    let hex = |h: &[u8]| h.iter().all(u8::is_ascii_hexdigit);
    match body {
        b"H" | b"N" => true,
        [b'.', a, b, arg @ ..] => {
            a.is_ascii_lowercase()
                && b.is_ascii_lowercase()
                && arg
                    .iter()
                    .all(|&c| c.is_ascii_digit() || matches!(c, b'+' | b'-' | b' '))
        }
        [b'C', h @ ..] => h.len() == 4 && hex(h),
        [b'M', h @ ..] => (h.len() == 4 || h.len() == 6) && hex(h),
        [b'Z', rest @ ..] => !rest.is_empty() && rest.iter().all(u8::is_ascii_alphanumeric),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn un(s: &str, f: Formatting) -> String {
        String::from_utf8(unescape(s.as_bytes(), &Delimiters::STANDARD, f).into_owned()).unwrap()
    }

    #[test]
    fn delimiter_escapes() {
        let k = Formatting::Keep;
        assert_eq!(un(r"a\F\b\S\c\T\d\R\e\E\f", k), "a|b^c&d~e\\f");
        assert_eq!(un(r"\X0D0A\", k), "\r\n");
        assert_eq!(un(r"\X414\", k), r"\X414\"); // odd number of digits: kept
        assert_eq!(un(r"\XZZ\", k), r"\XZZ\");
        assert_eq!(un(r"\Zabc\ \C2842\", k), r"\Zabc\ \C2842\");
        assert_eq!(un(r"dangling \ escape", k), r"dangling \ escape");
        assert!(matches!(
            unescape(b"plain", &Delimiters::STANDARD, k),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn formatting_kept_or_rendered() {
        assert_eq!(un(r"a\.br\b", Formatting::Keep), r"a\.br\b");
        assert_eq!(un(r"a\.br\b\H\c\N\", Formatting::Render), "a\nbc");
        assert_eq!(un(r"a\.sp2\b", Formatting::Render), "a\n\nb");
        assert_eq!(un(r"\.in+4\x\.zz\", Formatting::Render), r"x\.zz\");
    }

    #[test]
    fn escape_round_trips() {
        let d = Delimiters::STANDARD;
        let text = b"a|b^c&d~e\\f\r\ng";
        let escaped = escape(text, &d);
        assert_eq!(&*escaped, br"a\F\b\S\c\T\d\R\e\E\f\X0D\\X0A\g".as_slice());
        assert_eq!(&*unescape(&escaped, &d, Formatting::Keep), text.as_slice());
        let controls = b"a\tb\x01c\x1f";
        let escaped = escape(controls, &d);
        assert_eq!(&*escaped, b"a\tb\\X01\\c\\X1F\\".as_slice());
        assert_eq!(
            &*unescape(&escaped, &d, Formatting::Keep),
            controls.as_slice()
        );
    }

    #[test]
    fn escape_text_keeps_what_reading_keeps() {
        let d = Delimiters::STANDARD;
        let kept = [
            r"\H\",
            r"\N\",
            r"\.br\",
            r"\.sp\",
            r"\.sp2\",
            r"\.sp+2\",
            r"\.in-4\",
            r"\.ti 3\",
            r"\C2842\",
            r"\M2442\",
            r"\M244218\",
            r"\Zx1\",
        ];
        for seq in kept {
            assert_eq!(&*escape_text(seq.as_bytes(), &d), seq.as_bytes(), "{seq}");
        }
        let text = [
            r"\X41\",
            r"\F\",
            r"\E\",
            r"\.BR\",
            r"\.b\",
            r"\C28\",
            r"\Z\",
            r"\Hx\",
            r"\\",
            r"\",
            r"\|\",
            r"C:\temp\x",
        ];
        for t in text {
            let escaped = escape_text(t.as_bytes(), &d);
            assert_ne!(&*escaped, t.as_bytes(), "{t}");
            assert_eq!(
                &*unescape(&escaped, &d, Formatting::Keep),
                t.as_bytes(),
                "{t}"
            );
        }
        // The inverse of reading, for text that mixes both.
        for t in [
            r"a\.br\b\\H\c",
            r"\H\N\",
            r"x|y^z&w~v",
            "\r\n\t",
            r"\.br\\.br\",
            r"\\\",
            "",
        ] {
            let escaped = escape_text(t.as_bytes(), &d);
            assert_eq!(
                &*unescape(&escaped, &d, Formatting::Keep),
                t.as_bytes(),
                "{t}"
            );
        }
        let none = Delimiters {
            escape: None,
            subcomponent: None,
            ..d
        };
        assert_eq!(&*escape_text(br"\H\", &none), br"\H\");
    }
}
