//! Which leaves identify a person, by the data type the schema gives a field and the
//! component the leaf is in.

use messagefoundry_hl7::schema::{SegmentDef, Version};
use messagefoundry_hl7::{Segment, SegmentId};

/// What happens to one leaf.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Rule {
    Keep,
    FamilyName,
    GivenName,
    Street,
    City,
    AddressPart,
    AddressClear,
    Phone,
    Email,
    TelecomClear,
    Identifier,
    CheckDigit,
    Date,
    FreeText,
}

/// Fields that identify a person though their type (`ST`) does not say so.
const IDENTIFYING_TEXT: &[(&str, u16, Rule)] = &[
    ("PID", 19, Rule::Identifier), // SSN
    ("PID", 23, Rule::City),       // birth place
    ("NK1", 37, Rule::Identifier), // contact person's SSN
    ("GT1", 12, Rule::Identifier), // guarantor's SSN
    ("IN1", 36, Rule::Identifier), // policy number
    ("IN2", 2, Rule::Identifier),  // insured's SSN
];

/// Fields that identify a person in every version, with the type they have from 2.5 on: in
/// older versions some are plain text (`PID-4`, `PID-6`) or a type of their own
/// (`CM_PAT_ID`), which the rules by type do not know.
const IDENTIFYING_POSITIONS: &[(&str, u16, &str)] = &[
    ("PID", 2, "CX"),
    ("PID", 3, "CX"),
    ("PID", 4, "CX"),
    ("PID", 5, "XPN"),
    ("PID", 6, "XPN"),
    ("PID", 9, "XPN"),
    ("PID", 11, "XAD"),
    ("PID", 13, "XTN"),
    ("PID", 14, "XTN"),
    ("PID", 18, "CX"),
    ("PID", 21, "CX"),
    ("NK1", 2, "XPN"),
    ("NK1", 4, "XAD"),
    ("NK1", 5, "XTN"),
    ("NK1", 6, "XTN"),
    ("GT1", 3, "XPN"),
    ("GT1", 5, "XAD"),
    ("GT1", 6, "XTN"),
    ("GT1", 7, "XTN"),
    ("IN1", 16, "XPN"),
    ("IN1", 19, "XAD"),
    ("PV1", 19, "CX"),
    ("MRG", 1, "CX"),
    ("MRG", 7, "XPN"),
];

/// The data type of field `n` of `segment` as de-identification reads it: the schema's, or for
/// `OBX-5` the type `OBX-2` names. `None` for fields left alone: those the schema does not
/// describe, and every field of MSH but its date and time (MSH-7).
pub(super) fn field_type(
    version: &'static Version,
    segment: &Segment<'_>,
    definition: &SegmentDef,
    n: u16,
) -> Option<&'static str> {
    let id = segment.id();
    if id == SegmentId::MSH && n != 7 {
        return None;
    }
    let declared = definition.field(n)?.data_type?;
    if id.as_str() == "OBX" && n == 5 {
        let named = segment.field(2).text();
        return version.data_type(named.trim()).map(|t| t.code);
    }
    Some(declared)
}

/// Where a leaf is: its field, the field's type, and its component and sub-component.
#[derive(Clone, Copy)]
pub(super) struct Leaf<'a> {
    pub(super) segment: SegmentId,
    pub(super) field: u16,
    pub(super) field_type: &'a str,
    pub(super) component: u16,
    pub(super) subcomponent: u16,
}

/// The rule for a leaf: by its type, else by its position.
pub(super) fn rule(version: &Version, leaf: Leaf<'_>) -> Rule {
    match by_type(version, leaf) {
        Rule::Keep => IDENTIFYING_POSITIONS
            .iter()
            .find(|(id, n, _)| *id == leaf.segment.as_str() && *n == leaf.field)
            .and_then(|(_, _, modern)| part(modern, leaf.component, leaf.subcomponent))
            .unwrap_or(Rule::Keep),
        rule => rule,
    }
}

/// The rule for a leaf by the data type of its field and components.
fn by_type(version: &Version, leaf: Leaf<'_>) -> Rule {
    let Leaf {
        segment,
        field,
        field_type,
        component: c,
        subcomponent: s,
    } = leaf;
    if let Some((_, _, rule)) = IDENTIFYING_TEXT
        .iter()
        .find(|(id, n, _)| *id == segment.as_str() && *n == field)
    {
        return *rule;
    }
    let free_text = matches!(field_type, "TX" | "FT" | "ST");
    if (segment.as_str() == "NTE" && field == 3)
        || (segment.as_str() == "OBX" && field == 5 && free_text)
    {
        return Rule::FreeText;
    }
    let Some(outer) = version.data_type(field_type) else {
        return primitive(field_type);
    };
    if outer.is_primitive() {
        return primitive(outer.code);
    }
    if let Some(rule) = part(outer.code, c, s) {
        return rule;
    }
    let Some(inner_code) = outer.component(c).and_then(|x| x.data_type) else {
        return Rule::Keep;
    };
    let Some(inner) = version.data_type(inner_code) else {
        return primitive(inner_code);
    };
    if inner.is_primitive() {
        return if s == 1 {
            primitive(inner.code)
        } else {
            Rule::Keep
        };
    }
    if let Some(rule) = part(inner.code, s, 1) {
        return rule;
    }
    inner
        .component(s)
        .and_then(|x| x.data_type)
        .map_or(Rule::Keep, primitive)
}

/// The rule for a leaf whose own type is a primitive one.
fn primitive(code: &str) -> Rule {
    match code {
        "DT" | "DTM" | "TS" => Rule::Date,
        "TN" => Rule::Phone,
        _ => Rule::Keep,
    }
}

/// The rule for component `c` (sub-component `s`) of a composite that identifies a person;
/// `None` where the component's own type decides (dates inside a name's validity range).
fn part(composite: &str, c: u16, s: u16) -> Option<Rule> {
    Some(match (composite, c) {
        // Family name: in 2.5 and later an FN, whose sub-components 1, 3 and 5 are surnames
        // and 2 and 4 their prefixes ("van").
        ("XPN" | "PN", 1) if matches!(s, 1 | 3 | 5) => Rule::FamilyName,
        ("XPN" | "PN", 1) => Rule::Keep,
        ("XPN" | "PN", 2 | 3) => Rule::GivenName,
        ("XAD" | "AD", 1) if s == 1 => Rule::Street,
        ("XAD" | "AD", 1 | 2 | 5) => Rule::AddressPart,
        ("XAD" | "AD", 3) => Rule::City,
        ("XAD" | "AD", 8..=10) => Rule::AddressClear,
        ("XTN", 1 | 6 | 7 | 8 | 12) => Rule::Phone,
        ("XTN", 4) => Rule::Email,
        ("XTN", 9) => Rule::TelecomClear,
        ("CX" | "CK" | "DLN", 1) => Rule::Identifier,
        ("CX" | "CK", 2) => Rule::CheckDigit,
        // Providers and organizations are not the patient.
        ("XCN" | "CN" | "XON", _) => Rule::Keep,
        _ => return None,
    })
}
