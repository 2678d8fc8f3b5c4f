//! A lossless JSON form of a message: ER7 → JSON → ER7 gives back the same bytes.
//!
//! The shape is documented with examples in `docs/json.md`. In short:
//!
//! ```json
//! {
//!   "format": "messagefoundry-er7/1",
//!   "encoding": "UTF-8",
//!   "final_terminator": true,
//!   "segments": [
//!     ["MSH", "|", "^~\\&", "LAB", "", "", "", "20240101", "", ["ORU", "R01"], "42", "P", "2.5.1"],
//!     ["PID", "1", "", {"repetitions": [["123", "", "", "H"], ["456", "", "", "B"]]}, "",
//!      ["Doe", "John", "", ["Jr", "Sr"]]]
//!   ]
//! }
//! ```
//!
//! Each segment is an array whose element `n` is field `n` (element 0 is the segment ID, and
//! for MSH element 1 is the field separator and element 2 the encoding characters, as in HL7
//! numbering). A field is a string when it is one plain value, an array of components when its
//! one repetition has several (or has sub-components), and `{"repetitions": […]}` when it
//! repeats. A component is a string, or an array of sub-components. Leaves are the ER7 text as
//! written, escape sequences included (`\S\` stays `\S\`), so nothing is lost; every field,
//! component and separator that was written is there, trailing empty ones included, and nothing
//! else is.
//!
//! ```
//! use messagefoundry_hl7::{Message, json};
//! let er7 = "MSH|^~\\&|LAB||||20240101||ORU^R01|42|P|2.5.1\rPID|1||123^^^H~456||Doe^John^^Jr&Sr\r";
//! let msg = Message::parse(er7).unwrap();
//! let value = json::to_json(&msg);
//! assert_eq!(value["segments"][1][5][3][1], "Sr");
//! let back = json::from_json(&value).unwrap();
//! assert_eq!(back.as_bytes(), er7.as_bytes());
//! ```

use std::fmt;

use serde_json::{Map, Value as Json};

use crate::charset::Charset;
use crate::delimiters::Delimiters;
use crate::error::ParseErrorKind;
use crate::message::Message;
use crate::path::SegmentId;

/// The value of the `"format"` key, naming this shape and its version.
pub const FORMAT: &str = "messagefoundry-er7/1";

/// How the message's bytes became the Unicode of the JSON strings (the `"encoding"` key).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum JsonEncoding {
    /// `"UTF-8"`: the bytes are UTF-8.
    Utf8,
    /// `"ISO-8859-1"`: each byte is the character with that code point.
    Latin1,
    /// `"bytes"`: mapped like ISO-8859-1 (each character U+0000–U+00FF stands for one byte), but
    /// the bytes are not text in that set: MSH-18 names a set this library does not decode, or
    /// says UTF-8 and the bytes are not. The conversion stays exact; the strings are not text.
    Bytes,
}

impl JsonEncoding {
    /// The name written in the `"encoding"` key.
    pub fn as_str(&self) -> &'static str {
        match self {
            JsonEncoding::Utf8 => "UTF-8",
            JsonEncoding::Latin1 => "ISO-8859-1",
            JsonEncoding::Bytes => "bytes",
        }
    }

    fn from_name(name: &str) -> Option<JsonEncoding> {
        match name {
            "UTF-8" => Some(JsonEncoding::Utf8),
            "ISO-8859-1" => Some(JsonEncoding::Latin1),
            "bytes" => Some(JsonEncoding::Bytes),
            _ => None,
        }
    }

    /// The encoding [`to_json`] uses for a message: the one its MSH-18 declares when the bytes
    /// fit it; for an empty MSH-18 (or `ASCII`), UTF-8 when the bytes are valid UTF-8 and
    /// ISO-8859-1 otherwise; `bytes` when nothing else is exact.
    pub fn of(msg: &Message) -> JsonEncoding {
        let bytes = msg.as_bytes();
        let utf8 = || std::str::from_utf8(bytes).is_ok();
        match msg.charset() {
            Charset::Latin1 => JsonEncoding::Latin1,
            _ if bytes.is_ascii() => JsonEncoding::Utf8,
            Charset::Utf8 if utf8() => JsonEncoding::Utf8,
            Charset::Utf8 | Charset::Other(_) => JsonEncoding::Bytes,
            Charset::Unspecified | Charset::Ascii if utf8() => JsonEncoding::Utf8,
            Charset::Unspecified | Charset::Ascii => JsonEncoding::Latin1,
        }
    }

    fn decode(&self, bytes: &[u8]) -> String {
        match self {
            // `of` checked the whole message; a leaf cut at ASCII delimiters stays valid.
            JsonEncoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
            JsonEncoding::Latin1 | JsonEncoding::Bytes => {
                bytes.iter().map(|&b| char::from(b)).collect()
            }
        }
    }

    fn encode(&self, text: &str, out: &mut Vec<u8>) -> Result<(), JsonErrorKind> {
        match self {
            JsonEncoding::Utf8 => out.extend_from_slice(text.as_bytes()),
            JsonEncoding::Latin1 | JsonEncoding::Bytes => {
                for c in text.chars() {
                    out.push(u8::try_from(u32::from(c)).map_err(|_| JsonErrorKind::NotEncodable)?);
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for JsonEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why JSON could not be turned into a message, and where: a JSON Pointer (RFC 6901) such as
/// `/segments/2/5/repetitions/1`.
///
/// Never quotes the JSON's content, so it is safe to log.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("{kind} (at JSON {pointer:?})")]
pub struct JsonError {
    /// Where the problem is: a JSON Pointer made of this shape's keys and array indices.
    pub pointer: String,
    /// What is wrong.
    pub kind: JsonErrorKind,
}

/// What is wrong with the JSON of a message.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JsonErrorKind {
    /// The text is not JSON.
    #[error("not valid JSON (line {line}, column {column})")]
    Syntax {
        /// Line of the problem, from 1.
        line: usize,
        /// Column of the problem, from 1.
        column: usize,
    },
    /// An object was expected.
    #[error("expected an object")]
    ExpectedObject,
    /// An array was expected.
    #[error("expected an array")]
    ExpectedArray,
    /// A string was expected.
    #[error("expected a string")]
    ExpectedString,
    /// `true` or `false` was expected.
    #[error("expected true or false")]
    ExpectedBool,
    /// A string, an array or a `{"repetitions": …}` object was expected.
    #[error("expected a string, an array or {{\"repetitions\": [...]}}")]
    ExpectedField,
    /// A required key is missing.
    #[error("the key {0:?} is missing")]
    MissingKey(&'static str),
    /// A key this shape does not have.
    #[error("unknown key (the keys are format, encoding, final_terminator, segments, repetitions)")]
    UnknownKey,
    /// `"format"` names another shape or version.
    #[error("unknown format (this library reads \"messagefoundry-er7/1\")")]
    UnknownFormat,
    /// `"encoding"` is not `"UTF-8"`, `"ISO-8859-1"` or `"bytes"`.
    #[error("unknown encoding (expected \"UTF-8\", \"ISO-8859-1\" or \"bytes\")")]
    UnknownEncoding,
    /// An empty array, where at least one element is needed (write `""` for an empty value).
    #[error("empty array (write \"\" for an empty value)")]
    EmptyArray,
    /// The first segment is not an MSH with its field separator and encoding characters.
    #[error("the first segment must be [\"MSH\", field separator, encoding characters, ...]")]
    NoHeader,
    /// MSH-1 or MSH-2 is not a valid set of delimiters.
    #[error("invalid delimiters: {0}")]
    BadDelimiters(ParseErrorKind),
    /// A segment ID that is not three upper-case letters or digits, or an MSH/BHS/FHS after the
    /// first segment.
    #[error("invalid segment ID (three upper-case letters or digits; MSH only first)")]
    BadSegmentId,
    /// A leaf holds a separator, a segment terminator or another control character.
    #[error(
        "the value holds a separator or control character; escape it (\\F\\, \\S\\, \\X0D\\ ...)"
    )]
    Separator,
    /// A component is split into sub-components but MSH-2 defines no sub-component separator.
    #[error("sub-components, but MSH-2 defines no sub-component separator")]
    NoSubcomponentSeparator,
    /// A character the encoding cannot write (above U+00FF for ISO-8859-1 and bytes).
    #[error("a character the encoding cannot represent")]
    NotEncodable,
    /// The ER7 written from the JSON did not parse (reported at the segment at fault).
    #[error("the resulting message does not parse: {0}")]
    Message(ParseErrorKind),
}

/// The message as JSON (see the [module](self) for the shape). Never fails: bytes that are not
/// text in the message's character set are carried with the `"bytes"` encoding.
pub fn to_json(msg: &Message) -> Json {
    let encoding = JsonEncoding::of(msg);
    let d = *msg.delimiters();
    let segments = msg
        .segments()
        .map(|seg| {
            let raw = seg.raw();
            let mut parts = raw.split(|&b| b == d.field);
            let mut out = Vec::with_capacity(seg.field_count() + 1);
            out.push(Json::String(
                encoding.decode(parts.next().unwrap_or_default()),
            ));
            if seg.id() == SegmentId::MSH {
                out.push(Json::String(char::from(d.field).to_string()));
                if let Some(msh2) = parts.next() {
                    out.push(Json::String(encoding.decode(msh2)));
                }
            }
            out.extend(parts.map(|f| field_json(f, &d, encoding)));
            Json::Array(out)
        })
        .collect();
    let mut map = Map::new();
    map.insert("format".into(), FORMAT.into());
    map.insert("encoding".into(), encoding.as_str().into());
    map.insert(
        "final_terminator".into(),
        Json::Bool(msg.as_bytes().ends_with(b"\r")),
    );
    map.insert("segments".into(), Json::Array(segments));
    Json::Object(map)
}

/// The message as compact JSON text.
pub fn to_json_string(msg: &Message) -> String {
    to_json(msg).to_string()
}

fn field_json(field: &[u8], d: &Delimiters, enc: JsonEncoding) -> Json {
    let mut reps = field.split(|&b| b == d.repetition);
    match (reps.next(), reps.next()) {
        (Some(only), None) => repetition_json(only, d, enc),
        _ => {
            let reps = field
                .split(|&b| b == d.repetition)
                .map(|r| repetition_json(r, d, enc))
                .collect();
            let mut map = Map::new();
            map.insert("repetitions".into(), Json::Array(reps));
            Json::Object(map)
        }
    }
}

fn repetition_json(rep: &[u8], d: &Delimiters, enc: JsonEncoding) -> Json {
    let is_leaf = !rep
        .iter()
        .any(|&b| b == d.component || Some(b) == d.subcomponent);
    if is_leaf {
        return Json::String(enc.decode(rep));
    }
    Json::Array(
        rep.split(|&b| b == d.component)
            .map(|c| component_json(c, d, enc))
            .collect(),
    )
}

fn component_json(comp: &[u8], d: &Delimiters, enc: JsonEncoding) -> Json {
    match d.subcomponent {
        Some(sub) if comp.contains(&sub) => Json::Array(
            comp.split(|&b| b == sub)
                .map(|s| Json::String(enc.decode(s)))
                .collect(),
        ),
        _ => Json::String(enc.decode(comp)),
    }
}

/// Parses JSON text of the [shape](self) into a message.
pub fn from_json_str(text: &str) -> Result<Message, JsonError> {
    let value: Json = serde_json::from_str(text).map_err(|e| JsonError {
        pointer: String::new(),
        kind: JsonErrorKind::Syntax {
            line: e.line(),
            column: e.column(),
        },
    })?;
    from_json(&value)
}

/// Turns JSON of the [shape](self) back into a message. `"format"` and `"encoding"` may be left
/// out (the encoding then follows MSH-18: ISO-8859-1 for `8859/1`, UTF-8 otherwise) and
/// `"final_terminator"` too (it then defaults to `true`).
pub fn from_json(value: &Json) -> Result<Message, JsonError> {
    let mut w = Writer {
        pointer: String::new(),
        out: Vec::new(),
        delims: Delimiters::STANDARD,
        encoding: JsonEncoding::Utf8,
    };
    let top = value
        .as_object()
        .ok_or_else(|| w.err(JsonErrorKind::ExpectedObject))?;
    let known = |k: &String| {
        matches!(
            k.as_str(),
            "format" | "encoding" | "final_terminator" | "segments"
        )
    };
    if !top.keys().all(known) {
        return Err(w.err(JsonErrorKind::UnknownKey));
    }
    if let Some(format) = top.get("format") {
        w.enter("format", |w| match format.as_str() {
            Some(FORMAT) => Ok(()),
            Some(_) => Err(w.err(JsonErrorKind::UnknownFormat)),
            None => Err(w.err(JsonErrorKind::ExpectedString)),
        })?;
    }
    let final_terminator = match top.get("final_terminator") {
        None => true,
        Some(v) => w.enter("final_terminator", |w| {
            v.as_bool()
                .ok_or_else(|| w.err(JsonErrorKind::ExpectedBool))
        })?,
    };
    let segments = w.enter("segments", |w| {
        let segs = top
            .get("segments")
            .ok_or_else(|| w.err(JsonErrorKind::MissingKey("segments")))?;
        let segs = segs
            .as_array()
            .ok_or_else(|| w.err(JsonErrorKind::ExpectedArray))?;
        if segs.is_empty() {
            return Err(w.err(JsonErrorKind::NoHeader));
        }
        Ok(segs)
    })?;
    w.read_header(&segments[0])?;
    w.encoding = match top.get("encoding") {
        Some(v) => w.enter("encoding", |w| {
            let name = v
                .as_str()
                .ok_or_else(|| w.err(JsonErrorKind::ExpectedString))?;
            JsonEncoding::from_name(name).ok_or_else(|| w.err(JsonErrorKind::UnknownEncoding))
        })?,
        None => default_encoding(&segments[0]),
    };
    let mut starts = Vec::with_capacity(segments.len());
    w.enter("segments", |w| {
        for (i, seg) in segments.iter().enumerate() {
            if i > 0 {
                w.out.push(b'\r');
            }
            starts.push(w.out.len());
            w.enter(i, |w| w.segment(seg, i == 0))?;
        }
        Ok(())
    })?;
    if final_terminator {
        w.out.push(b'\r');
    }
    Message::parse(w.out).map_err(|e| {
        // Point at the segment the parser stopped in.
        let segment = starts.partition_point(|&s| s <= e.offset).saturating_sub(1);
        JsonError {
            pointer: format!("/segments/{segment}"),
            kind: JsonErrorKind::Message(e.kind),
        }
    })
}

/// The encoding a JSON without `"encoding"` implies: that of its MSH-18.
fn default_encoding(msh: &Json) -> JsonEncoding {
    let msh18 = msh.get(18).and_then(Json::as_str).unwrap_or_default();
    match Charset::from_msh18(msh18.as_bytes()) {
        Charset::Latin1 => JsonEncoding::Latin1,
        _ => JsonEncoding::Utf8,
    }
}

/// A path step of a JSON Pointer.
trait Step {
    fn push_to(&self, pointer: &mut String);
}

impl Step for &str {
    fn push_to(&self, pointer: &mut String) {
        pointer.push('/');
        pointer.push_str(self);
    }
}

impl Step for usize {
    fn push_to(&self, pointer: &mut String) {
        pointer.push('/');
        pointer.push_str(&self.to_string());
    }
}

/// Writes ER7 from JSON, keeping track of where in the JSON it is.
struct Writer {
    pointer: String,
    out: Vec<u8>,
    delims: Delimiters,
    encoding: JsonEncoding,
}

impl Writer {
    fn err(&self, kind: JsonErrorKind) -> JsonError {
        JsonError {
            pointer: self.pointer.clone(),
            kind,
        }
    }

    /// Runs `f` with `step` added to the pointer.
    fn enter<T>(
        &mut self,
        step: impl Step,
        f: impl FnOnce(&mut Self) -> Result<T, JsonError>,
    ) -> Result<T, JsonError> {
        let len = self.pointer.len();
        step.push_to(&mut self.pointer);
        let result = f(self);
        self.pointer.truncate(len);
        result
    }

    /// Reads the delimiters from the first segment, `["MSH", "|", "^~\\&", …]`.
    fn read_header(&mut self, msh: &Json) -> Result<(), JsonError> {
        self.enter("segments", |w| {
            w.enter(0usize, |w| {
                let parts = msh
                    .as_array()
                    .ok_or_else(|| w.err(JsonErrorKind::ExpectedArray))?;
                let text = |i: usize| parts.get(i).and_then(Json::as_str);
                let (Some("MSH"), Some(msh1), Some(msh2)) = (text(0), text(1), text(2)) else {
                    return Err(w.err(JsonErrorKind::NoHeader));
                };
                let header = format!("MSH{msh1}{msh2}");
                let bad = |w: &mut Writer, step: usize, kind| w.enter(step, |w| Err(w.err(kind)));
                if msh1.len() != 1 {
                    return bad(
                        w,
                        1,
                        JsonErrorKind::BadDelimiters(ParseErrorKind::BadDelimiter),
                    );
                }
                match Delimiters::from_header(header.as_bytes()) {
                    Ok((delims, len)) if len == msh2.len() => {
                        w.delims = delims;
                        Ok(())
                    }
                    Ok(_) => bad(
                        w,
                        2,
                        JsonErrorKind::BadDelimiters(ParseErrorKind::BadDelimiter),
                    ),
                    Err(e) => bad(w, 2, JsonErrorKind::BadDelimiters(e.kind)),
                }
            })
        })
    }

    fn segment(&mut self, seg: &Json, is_header: bool) -> Result<(), JsonError> {
        let parts = seg
            .as_array()
            .ok_or_else(|| self.err(JsonErrorKind::ExpectedArray))?;
        let Some(id) = parts.first() else {
            return Err(self.err(JsonErrorKind::EmptyArray));
        };
        self.enter(0usize, |w| {
            let id = id
                .as_str()
                .ok_or_else(|| w.err(JsonErrorKind::ExpectedString))?;
            let ok = SegmentId::from_slice(id.as_bytes()).is_some()
                && (is_header || !matches!(id, "MSH" | "BHS" | "FHS"));
            if !ok {
                return Err(w.err(JsonErrorKind::BadSegmentId));
            }
            w.out.extend_from_slice(id.as_bytes());
            Ok(())
        })?;
        let first_field = if is_header {
            // MSH-1 and MSH-2 were checked by `read_header`.
            self.out.push(self.delims.field);
            self.out
                .extend_from_slice(parts[2].as_str().unwrap_or_default().as_bytes());
            3
        } else {
            1
        };
        for (n, field) in parts.iter().enumerate().skip(first_field) {
            self.out.push(self.delims.field);
            self.enter(n, |w| w.field(field))?;
        }
        Ok(())
    }

    fn field(&mut self, field: &Json) -> Result<(), JsonError> {
        let Json::Object(map) = field else {
            return self.repetition(field);
        };
        if map.keys().any(|k| k != "repetitions") {
            return Err(self.err(JsonErrorKind::UnknownKey));
        }
        self.enter("repetitions", |w| {
            let reps = map
                .get("repetitions")
                .ok_or_else(|| w.err(JsonErrorKind::MissingKey("repetitions")))?;
            let reps = w.non_empty(reps)?;
            for (i, rep) in reps.iter().enumerate() {
                if i > 0 {
                    w.out.push(w.delims.repetition);
                }
                w.enter(i, |w| w.repetition(rep))?;
            }
            Ok(())
        })
    }

    fn repetition(&mut self, rep: &Json) -> Result<(), JsonError> {
        match rep {
            Json::String(text) => self.leaf(text),
            Json::Array(_) => {
                let comps = self.non_empty(rep)?;
                for (i, comp) in comps.iter().enumerate() {
                    if i > 0 {
                        self.out.push(self.delims.component);
                    }
                    self.enter(i, |w| w.component(comp))?;
                }
                Ok(())
            }
            _ => Err(self.err(JsonErrorKind::ExpectedField)),
        }
    }

    fn component(&mut self, comp: &Json) -> Result<(), JsonError> {
        match comp {
            Json::String(text) => self.leaf(text),
            Json::Array(_) => {
                let subs = self.non_empty(comp)?;
                let sep = self
                    .delims
                    .subcomponent
                    .ok_or_else(|| self.err(JsonErrorKind::NoSubcomponentSeparator))?;
                for (i, sub) in subs.iter().enumerate() {
                    if i > 0 {
                        self.out.push(sep);
                    }
                    self.enter(i, |w| {
                        let text = sub
                            .as_str()
                            .ok_or_else(|| w.err(JsonErrorKind::ExpectedString))?;
                        w.leaf(text)
                    })?;
                }
                Ok(())
            }
            _ => Err(self.err(JsonErrorKind::ExpectedField)),
        }
    }

    fn non_empty<'j>(&self, value: &'j Json) -> Result<&'j Vec<Json>, JsonError> {
        match value.as_array() {
            None => Err(self.err(JsonErrorKind::ExpectedArray)),
            Some(items) if items.is_empty() => Err(self.err(JsonErrorKind::EmptyArray)),
            Some(items) => Ok(items),
        }
    }

    /// Writes one leaf: ER7 text that must not hold a separator or a control character the
    /// parser refuses (below 0x20 but tab; DEL is text to the parser, so it is allowed).
    fn leaf(&mut self, text: &str) -> Result<(), JsonError> {
        let d = &self.delims;
        let bad = text.bytes().any(|b| {
            b == d.field
                || b == d.component
                || b == d.repetition
                || Some(b) == d.subcomponent
                || (b < 0x20 && b != b'\t')
        });
        if bad {
            return Err(self.err(JsonErrorKind::Separator));
        }
        let encoding = self.encoding;
        encoding
            .encode(text, &mut self.out)
            .map_err(|kind| self.err(kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round_trip(er7: &[u8]) -> Json {
        let msg = Message::parse(er7).unwrap();
        let value = to_json(&msg);
        let back = from_json(&value).unwrap();
        assert_eq!(back.as_bytes(), msg.as_bytes());
        let text = to_json_string(&msg);
        assert_eq!(from_json_str(&text).unwrap().as_bytes(), msg.as_bytes());
        value
    }

    #[test]
    fn shape_of_fields() {
        let v = round_trip(
            b"MSH|^~\\&|LAB||||20240101||ORU^R01|42|P|2.5.1\rPID|1||123^^^H~456||Doe^John^^Jr&Sr|A&B|\"\"|x~|^|a\\S\\b\r",
        );
        assert_eq!(
            v,
            json!({
                "format": FORMAT,
                "encoding": "UTF-8",
                "final_terminator": true,
                "segments": [
                    ["MSH", "|", "^~\\&", "LAB", "", "", "", "20240101", "", ["ORU", "R01"], "42", "P", "2.5.1"],
                    ["PID", "1", "", {"repetitions": [["123", "", "", "H"], "456"]}, "",
                     ["Doe", "John", "", ["Jr", "Sr"]], [["A", "B"]], "\"\"", {"repetitions": ["x", ""]},
                     ["", ""], "a\\S\\b"]
                ]
            })
        );
    }

    #[test]
    fn keeps_terminators_and_odd_segments() {
        let v = round_trip(b"MSH|^~\\&|A\rZZZ\rZZ1|\rPID|1||");
        assert_eq!(v["final_terminator"], false);
        assert_eq!(v["segments"][1], json!(["ZZZ"]));
        assert_eq!(v["segments"][2], json!(["ZZ1", ""]));
        assert_eq!(v["segments"][3], json!(["PID", "1", "", ""]));
        round_trip(b"MSH|^~\\&\r");
        round_trip(b"MSH|^~");
        // Without a sub-component separator `&` is plain text.
        let v = round_trip(b"MSH|^~|A&B^C\r");
        assert_eq!(v["segments"][0][3], json!(["A&B", "C"]));
        // Odd delimiters.
        let v = round_trip(b"MSH$%*\\!#$A%B*C!D#\r");
        assert_eq!(
            v["segments"][0][3],
            json!({"repetitions": [["A", "B"], [["C", "D#"]]]})
        );
    }

    #[test]
    fn delete_is_a_value_byte() {
        // The parser takes DEL (0x7F) as text, so the JSON of such a message must read back.
        let v = round_trip(b"MSH|^~|\x7f\rZZ1|a\x7fb\r");
        assert_eq!(v["segments"][1][1], "a\u{7f}b");
    }

    #[test]
    fn charsets() {
        let latin = b"MSH|^~\\&|||||||ADT^A01|1|P|2.5||||||8859/1\rPID|1||||M\xfcller\r";
        let v = round_trip(latin);
        assert_eq!(v["encoding"], "ISO-8859-1");
        assert_eq!(v["segments"][1][5], "Müller");
        let v = round_trip("MSH|^~\\&|||||||ADT^A01|1|P|2.5\rPID|1||||Müller\r".as_bytes());
        assert_eq!(v["encoding"], "UTF-8");
        assert_eq!(v["segments"][1][5], "Müller");
        let v = round_trip(b"MSH|^~\\&|||||||ADT^A01|1|P|2.5\rPID|1||||M\xfcller\r");
        assert_eq!(v["encoding"], "ISO-8859-1");
        let v = round_trip(b"MSH|^~\\&|||||||ADT^A01|1|P|2.5||||||UNICODE UTF-8\rPID|\xfc\r");
        assert_eq!(v["encoding"], "bytes");
        let v = round_trip(b"MSH|^~\\&|||||||ADT^A01|1|P|2.5||||||8859/2\rPID|\xb1\r");
        assert_eq!(v["encoding"], "bytes");
        assert_eq!(v["segments"][1][1], "\u{b1}");
    }

    #[test]
    fn defaults_when_keys_are_left_out() {
        let m = from_json(&json!({"segments": [["MSH", "|", "^~\\&", "A"], ["PID", "Müller"]]}))
            .unwrap();
        assert_eq!(m.as_bytes(), "MSH|^~\\&|A\rPID|Müller\r".as_bytes());
        let mut msh = vec![json!("MSH"), json!("|"), json!("^~\\&")];
        msh.resize(18, json!(""));
        msh.push(json!("8859/1"));
        let m = from_json(&json!({"segments": [msh, ["PID", "ü"]]})).unwrap();
        assert!(m.as_bytes().ends_with(b"PID|\xfc\r"));
    }

    #[test]
    fn errors_point_into_the_json() {
        let err = |v: Json| {
            let e = from_json(&v).unwrap_err();
            (e.pointer, e.kind)
        };
        let msh = json!(["MSH", "|", "^~\\&"]);
        assert_eq!(
            err(json!([])),
            (String::new(), JsonErrorKind::ExpectedObject)
        );
        assert_eq!(
            err(json!({"segments": [msh, ["PID", "1", {"repetitions": ["a", ["b", "c|d"]]}]]})),
            (
                "/segments/1/2/repetitions/1/1".into(),
                JsonErrorKind::Separator
            )
        );
        assert_eq!(
            err(json!({"segments": [msh, ["PID", ["a", ["b", 1]]]]})),
            ("/segments/1/1/1/1".into(), JsonErrorKind::ExpectedString)
        );
        assert_eq!(
            err(json!({"segments": [msh, ["PID", []]]})),
            ("/segments/1/1".into(), JsonErrorKind::EmptyArray)
        );
        assert_eq!(
            err(json!({"segments": [msh, ["PID", {"reps": []}]]})),
            ("/segments/1/1".into(), JsonErrorKind::UnknownKey)
        );
        assert_eq!(
            err(json!({"segments": [msh, ["pid"]]})),
            ("/segments/1/0".into(), JsonErrorKind::BadSegmentId)
        );
        assert_eq!(
            err(json!({"segments": [msh, ["MSH", "|"]]})),
            ("/segments/1/0".into(), JsonErrorKind::BadSegmentId)
        );
        assert_eq!(
            err(json!({"segments": [["PID"]]})),
            ("/segments/0".into(), JsonErrorKind::NoHeader)
        );
        assert_eq!(
            err(json!({"segments": [["MSH", "|", "^^"]]})),
            (
                "/segments/0/2".into(),
                JsonErrorKind::BadDelimiters(ParseErrorKind::RepeatedDelimiter)
            )
        );
        assert_eq!(
            err(json!({"segments": [["MSH", "|", "^~|"]]})).1,
            JsonErrorKind::BadDelimiters(ParseErrorKind::BadDelimiter)
        );
        assert_eq!(
            err(json!({"encoding": "ISO-8859-1", "segments": [msh, ["PID", "€"]]})),
            ("/segments/1/1".into(), JsonErrorKind::NotEncodable)
        );
        assert_eq!(
            err(json!({"encoding": "EBCDIC", "segments": [msh]})),
            ("/encoding".into(), JsonErrorKind::UnknownEncoding)
        );
        assert_eq!(
            err(json!({"format": "x", "segments": [msh]})),
            ("/format".into(), JsonErrorKind::UnknownFormat)
        );
        assert_eq!(
            err(json!({"segments": [["MSH", "|", "^~"], ["PID", ["a", ["b", "c"]]]]})),
            (
                "/segments/1/1/1".into(),
                JsonErrorKind::NoSubcomponentSeparator
            )
        );
        assert_eq!(
            err(json!({"segments": [msh, ["PID", "a\rb"]]})).1,
            JsonErrorKind::Separator
        );
        assert!(matches!(
            from_json_str("{").unwrap_err().kind,
            JsonErrorKind::Syntax { line: 1, .. }
        ));
        let e = from_json(&json!({"segments": [msh, ["PID", "x|y"]]})).unwrap_err();
        assert!(!e.to_string().contains("x|y"));
    }

    proptest::proptest! {
        #[test]
        fn any_parsed_message_round_trips(
            header in "MSH[|$][\\^%][~*](\\\\[&!]?#?)?",
            fields in proptest::collection::vec("[A-Z0-9|^~&\\\\#$%*!\"é ]{0,12}", 0..6),
            charset in proptest::sample::select(vec!["", "8859/1", "UNICODE UTF-8", "8859/2"]),
            latin in proptest::bool::ANY,
            terminated in proptest::bool::ANY,
        ) {
            let mut er7 = header.into_bytes();
            let sep = er7[3];
            er7.extend_from_slice(&[sep; 14]);
            er7.extend_from_slice(charset.as_bytes());
            for f in &fields {
                er7.extend_from_slice(b"\rZZ1");
                er7.push(sep);
                er7.extend_from_slice(f.as_bytes());
            }
            if latin {
                er7 = String::from_utf8_lossy(&er7).chars().map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?')).collect();
            }
            if terminated {
                er7.push(b'\r');
            }
            if let Ok(msg) = Message::parse(er7) {
                let back = from_json(&to_json(&msg));
                proptest::prop_assert_eq!(back.map(|m| m.into_bytes()), Ok(msg.as_bytes().to_vec()));
            }
        }
    }
}
