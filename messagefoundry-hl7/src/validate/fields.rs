//! The field pass: required fields, repetitions, component counts, lengths, primitive formats
//! and table values, segment by segment.
//!
//! Values are looked at as written, split at the message's separators; nothing is copied on
//! the way (a value is only unescaped when its length is in question and it holds escapes).

use std::fmt::Write as _;

use crate::ack::{ErrorEntry, ErrorLocation, Severity};
use crate::escape::{Formatting, unescape};
use crate::schema::{DataType, Field, Optionality, SegmentDef};
use crate::{Segment, SegmentId};

use super::Validator;
use super::primitives::Primitive;
use super::report::{Finding, LocationText, Rule};

/// Checks the fields of every segment the profile defines.
pub(crate) fn check(v: &mut Validator<'_, '_>) {
    let structure_checked = v.report.structure.is_some() && v.options.check_structure;
    for seg in v.msg.segments() {
        let id = seg.id();
        match v.profile.segment(id.as_str()) {
            Some(def) => segment(v, &seg, def),
            None if !structure_checked && !id.is_z_segment() => {
                let index = seg.position();
                let location = v.segment_location(index);
                let message = format!(
                    "segment {id} is not defined in HL7 {}; its fields are not checked",
                    v.version().id()
                );
                v.report.push(
                    Finding::new(
                        Severity::Warning,
                        Rule::UnknownSegment,
                        ErrorEntry::SEGMENT_SEQUENCE_ERROR,
                        message,
                    )
                    .at(index, location),
                );
            }
            None => {}
        }
    }
}

/// A position being checked: where it is and what it is called.
#[derive(Clone, Copy)]
struct Spot {
    index: usize,
    location: ErrorLocation,
    name: &'static str,
}

impl Validator<'_, '_> {
    fn finding(&mut self, spot: Spot, severity: Severity, rule: Rule, code: u16, what: &str) {
        let mut message = String::with_capacity(64);
        let _ = write!(
            message,
            "{} ({}) {what}",
            LocationText(&spot.location),
            spot.name
        );
        self.report
            .push(Finding::new(severity, rule, code, message).at(spot.index, spot.location));
    }
}

fn segment(v: &mut Validator<'_, '_>, seg: &Segment<'_>, def: &SegmentDef) {
    let index = seg.position();
    let base = v.segment_location(index);
    let is_msh = seg.id() == SegmentId::MSH;
    let present = seg.field_count();
    let last = present.max(def.fields.len());
    // MSH-1 and MSH-2 are the delimiters, checked by the parser.
    let from = if is_msh { 3 } else { 1 };
    // OBX-5 is `varies`: its type is the one OBX-2 names.
    let obx_type = (seg.id() == SegmentId::known(*b"OBX"))
        .then(|| std::str::from_utf8(seg.field(2).raw()).ok())
        .flatten()
        .and_then(|code| v.data_type(code));
    for n in from..=last {
        let Ok(n) = u16::try_from(n) else { break };
        let raw = if usize::from(n) <= present {
            seg.field_raw(n)
        } else {
            None
        };
        let location = ErrorLocation {
            field: Some(n),
            ..base
        };
        match def.field(n) {
            Some(f) => field(
                v,
                Spot {
                    index,
                    location,
                    name: f.name,
                },
                f,
                if n == 5 { obx_type } else { None },
                raw.unwrap_or_default(),
            ),
            None => {
                if !v.options.allow_extra_fields && raw.is_some_and(|r| !r.is_empty()) {
                    let spot = Spot {
                        index,
                        location,
                        name: "not defined",
                    };
                    let what = format!(
                        "holds a value, but {} defines only {} fields in HL7 {}",
                        def.id,
                        def.fields.len(),
                        v.version().id()
                    );
                    v.finding(
                        spot,
                        Severity::Warning,
                        Rule::ExtraField,
                        ErrorEntry::DATA_TYPE_ERROR,
                        &what,
                    );
                }
            }
        }
    }
}

fn field(
    v: &mut Validator<'_, '_>,
    spot: Spot,
    f: &Field,
    varies_as: Option<&DataType>,
    raw: &[u8],
) {
    let options = v.options;
    if f.withdrawn || f.optionality == Some(Optionality::Withdrawn) {
        if options.check_withdrawn && !raw.is_empty() {
            v.finding(
                spot,
                Severity::Warning,
                Rule::WithdrawnField,
                ErrorEntry::DATA_TYPE_ERROR,
                "is withdrawn from the standard but holds a value",
            );
        }
        return;
    }
    let required = f.optionality == Some(Optionality::Required) || f.repetitions.min > 0;
    if raw.is_empty() {
        if required && options.check_required_fields {
            v.finding(
                spot,
                Severity::Error,
                Rule::RequiredField,
                ErrorEntry::REQUIRED_FIELD_MISSING,
                "is required but empty",
            );
        }
        return;
    }
    if raw == b"\"\"" {
        return;
    }
    let delims = *v.msg.delimiters();
    let data_type = f
        .data_type
        .and_then(|code| v.data_type(code))
        .and_then(|dt| if dt.varies { varies_as } else { Some(dt) });
    let mut count: u16 = 0;
    for rep in raw.split(|&b| b == delims.repetition) {
        count = count.saturating_add(1);
        if rep.is_empty() || rep == b"\"\"" {
            continue;
        }
        let spot = Spot {
            location: ErrorLocation {
                repetition: Some(count),
                ..spot.location
            },
            ..spot
        };
        if options.check_lengths
            && let Some(max) = f.length
        {
            length(v, spot, rep, max);
        }
        if let Some(dt) = data_type {
            value(v, spot, dt, f.table, rep);
        }
    }
    if options.check_repetitions && !f.repetitions.allows(count) {
        let what = format!(
            "repeats {count} times; at most {} allowed",
            f.repetitions.max.unwrap_or(u16::MAX)
        );
        v.finding(
            spot,
            Severity::Error,
            Rule::FieldRepetition,
            ErrorEntry::DATA_TYPE_ERROR,
            &what,
        );
    }
}

/// The number of parts of `raw` split at `sep`, not counting trailing empty ones.
fn parts(raw: &[u8], sep: u8) -> usize {
    let mut n = 0;
    for (i, part) in raw.split(|&b| b == sep).enumerate() {
        if !part.is_empty() {
            n = i + 1;
        }
    }
    n
}

/// Checks one field repetition of data type `dt`.
fn value(v: &mut Validator<'_, '_>, spot: Spot, dt: &DataType, table: Option<&str>, rep: &[u8]) {
    if dt.varies {
        return;
    }
    let delims = *v.msg.delimiters();
    let check_components = v.options.check_components;
    if dt.is_primitive() {
        if check_components && parts(rep, delims.component) > 1 {
            let what = format!("holds components, but data type {} has none", dt.code);
            v.finding(
                spot,
                Severity::Error,
                Rule::ComponentCount,
                ErrorEntry::DATA_TYPE_ERROR,
                &what,
            );
            return;
        }
        leaf(v, spot, dt.code, table, rep);
        return;
    }
    if check_components {
        let n = parts(rep, delims.component);
        if n > dt.components.len() {
            let what = format!(
                "holds {n} components; data type {} has {}",
                dt.code,
                dt.components.len()
            );
            v.finding(
                spot,
                Severity::Error,
                Rule::ComponentCount,
                ErrorEntry::DATA_TYPE_ERROR,
                &what,
            );
        }
    }
    for (k, part) in (1u16..).zip(rep.split(|&b| b == delims.component)) {
        let Some(c) = dt.component(k) else { break };
        if part.is_empty() || part == b"\"\"" {
            continue;
        }
        let spot = Spot {
            location: ErrorLocation {
                component: Some(k),
                ..spot.location
            },
            name: c.name,
            ..spot
        };
        if c.withdrawn || c.optionality == Some(Optionality::Withdrawn) {
            if v.options.check_withdrawn {
                v.finding(
                    spot,
                    Severity::Warning,
                    Rule::WithdrawnField,
                    ErrorEntry::DATA_TYPE_ERROR,
                    "is withdrawn from the standard but holds a value",
                );
            }
            continue;
        }
        // A component's own maximum, where the schema gives one (HD.1 at 20, say).
        if v.options.check_lengths
            && let Some(max) = c.length
        {
            length(v, spot, part, max);
        }
        if dt.code.as_bytes() == b"TS" && k == 2 {
            precision(v, spot, part);
            continue;
        }
        let Some(code) = c.data_type else { continue };
        let sub = delims.subcomponent;
        let cdt = match primitive_or_lookup(v, code) {
            Some(Ok(cdt)) => cdt,
            Some(Err(code)) => {
                if check_components && sub.is_some_and(|s| parts(part, s) > 1) {
                    let what = format!("holds sub-components, but data type {code} has none");
                    v.finding(
                        spot,
                        Severity::Error,
                        Rule::ComponentCount,
                        ErrorEntry::DATA_TYPE_ERROR,
                        &what,
                    );
                    continue;
                }
                leaf(v, spot, code, c.table, part);
                continue;
            }
            None => continue,
        };
        if cdt.is_primitive() {
            if check_components && sub.is_some_and(|s| parts(part, s) > 1) {
                let what = format!("holds sub-components, but data type {} has none", cdt.code);
                v.finding(
                    spot,
                    Severity::Error,
                    Rule::ComponentCount,
                    ErrorEntry::DATA_TYPE_ERROR,
                    &what,
                );
                continue;
            }
            leaf(v, spot, cdt.code, c.table, part);
            continue;
        }
        let Some(sub) = sub else { continue };
        if check_components {
            let n = parts(part, sub);
            if n > cdt.components.len() {
                let what = format!(
                    "holds {n} sub-components; data type {} has {}",
                    cdt.code,
                    cdt.components.len()
                );
                v.finding(
                    spot,
                    Severity::Error,
                    Rule::ComponentCount,
                    ErrorEntry::DATA_TYPE_ERROR,
                    &what,
                );
            }
        }
        for (s, piece) in (1u16..).zip(part.split(|&b| b == sub)) {
            let Some(sc) = cdt.component(s) else { break };
            if piece.is_empty() || piece == b"\"\"" {
                continue;
            }
            let spot = Spot {
                location: ErrorLocation {
                    subcomponent: Some(s),
                    ..spot.location
                },
                name: sc.name,
                ..spot
            };
            if v.options.check_lengths
                && let Some(max) = sc.length
            {
                length(v, spot, piece, max);
            }
            if cdt.code.as_bytes() == b"TS" && s == 2 {
                precision(v, spot, piece);
                continue;
            }
            if let Some(code) = sc.data_type {
                leaf(v, spot, code, sc.table, piece);
            }
        }
    }
}

/// The data type `code` names: `Err(code)` for a primitive (the common ones are known by
/// name, which spares a table lookup per component), `Ok` for a composite, `None` for
/// `varies` and for codes the version does not define.
fn primitive_or_lookup<'a>(
    v: &mut Validator<'_, 'a>,
    code: &'a str,
) -> Option<Result<&'a DataType, &'a str>> {
    // Byte patterns compile to compares of a word, not calls to memcmp.
    if matches!(
        code.as_bytes(),
        b"ST" | b"TX" | b"FT" | b"ID" | b"IS" | b"NM" | b"SI" | b"DT" | b"DTM" | b"TM" | b"GTS"
    ) {
        return Some(Err(code));
    }
    let dt = v.data_type(code)?;
    if dt.varies {
        None
    } else if dt.is_primitive() {
        Some(Err(dt.code))
    } else {
        Some(Ok(dt))
    }
}

/// TS.2, the degree of precision (table 0529, from 2.3 on): one of Y L D H M S.
fn precision(v: &mut Validator<'_, '_>, spot: Spot, raw: &[u8]) {
    if v.options.check_primitives && !matches!(raw, b"Y" | b"L" | b"D" | b"H" | b"M" | b"S") {
        v.finding(
            spot,
            Severity::Error,
            Rule::Primitive,
            ErrorEntry::DATA_TYPE_ERROR,
            "is not a degree of precision (Y, L, D, H, M or S)",
        );
    }
}

/// Checks a value that has no parts: its primitive format and its table.
fn leaf(v: &mut Validator<'_, '_>, spot: Spot, code: &str, table: Option<&str>, raw: &[u8]) {
    let options = v.options;
    if options.check_primitives
        && let Some(p) = Primitive::of(code)
        && let Err(what) = p.check(raw)
    {
        v.finding(
            spot,
            Severity::Error,
            Rule::Primitive,
            ErrorEntry::DATA_TYPE_ERROR,
            what,
        );
        return;
    }
    let (check, severity, kind) = match code.as_bytes() {
        b"ID" => (options.check_tables, Severity::Error, "HL7"),
        b"IS" => (options.check_user_tables, Severity::Warning, "user-defined"),
        _ => return,
    };
    let Some(table) = table.filter(|_| check) else {
        return;
    };
    let Some(t) = v.version().table(table) else {
        return;
    };
    if t.values.is_empty() || v.msg.delimiters().escape.is_some_and(|e| raw.contains(&e)) {
        return;
    }
    let Ok(text) = std::str::from_utf8(raw) else {
        return;
    };
    if t.contains(text) || local_code(t.id, text) {
        return;
    }
    let what = format!("is not a value of {kind} table {}", t.id);
    v.finding(
        spot,
        severity,
        Rule::TableValue,
        ErrorEntry::TABLE_VALUE_NOT_FOUND,
        &what,
    );
}

/// Codes the standard lets a site add to a table without listing them: in table 0396 (coding
/// system), `99zzz` local systems and `HL7nnnn` for HL7 table nnnn.
fn local_code(table: &str, text: &str) -> bool {
    match table {
        "0396" => {
            text.starts_with("99")
                || text
                    .strip_prefix("HL7")
                    .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        }
        // Message code, trigger event and structure: HL7 leaves codes beginning with Z to
        // locally defined messages.
        "0076" | "0003" | "0354" => text.starts_with('Z'),
        _ => false,
    }
}

/// Checks a field repetition's length against `max`.
fn length(v: &mut Validator<'_, '_>, spot: Spot, rep: &[u8], max: u32) {
    let limit = usize::try_from(max).unwrap_or(usize::MAX);
    // Bytes bound characters and unescaping only shortens: most values stop here.
    if rep.len() <= limit {
        return;
    }
    let delims = v.msg.delimiters();
    let unescaped = unescape(rep, delims, Formatting::Keep);
    let chars = match std::str::from_utf8(&unescaped) {
        Ok(s) => s.chars().count(),
        Err(_) => unescaped.len(),
    };
    if chars <= limit {
        return;
    }
    // HL7 2.7 gives lengths as guidance only (and 2.8 and later give none).
    let (severity, code) = if v.version().id().starts_with("2.7") {
        (Severity::Information, ErrorEntry::VALUE_TOO_LONG)
    } else {
        (Severity::Warning, ErrorEntry::DATA_TYPE_ERROR)
    };
    let what = format!("is {chars} characters long; the maximum is {max}");
    v.finding(spot, severity, Rule::Length, code, &what);
}
