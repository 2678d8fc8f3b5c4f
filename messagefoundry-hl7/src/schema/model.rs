//! The schema's data types: a version's segments, fields, data types, components, message
//! structures, trigger events and code tables, with their lookups.
//!
//! Every table is a `static` slice sorted by its key, so each lookup is a binary search.

use std::fmt;

/// One HL7 v2 version's schema: everything the generated tables know about it.
///
/// Get one with [`crate::schema::version`]; the tables themselves are generated from the
/// HL7 schema data set (see `xtask/hl7-schema/README.md`).
#[derive(Debug)]
pub struct Version {
    pub(crate) id: &'static str,
    pub(crate) segments: &'static [SegmentDef],
    pub(crate) data_types: &'static [DataType],
    pub(crate) structures: &'static [Structure],
    pub(crate) events: &'static [Event],
    pub(crate) tables: &'static [Table],
}

impl Version {
    /// The version number as written in MSH-12, e.g. `"2.5.1"`.
    pub const fn id(&self) -> &'static str {
        self.id
    }

    /// Every segment of the version, sorted by ID.
    pub const fn segments(&self) -> &'static [SegmentDef] {
        self.segments
    }

    /// Every data type of the version, sorted by code.
    pub const fn data_types(&self) -> &'static [DataType] {
        self.data_types
    }

    /// Every message structure of the version, sorted by ID.
    pub const fn structures(&self) -> &'static [Structure] {
        self.structures
    }

    /// The trigger-event map (`ADT^A04` → `ADT_A01`), sorted by message code, then event.
    pub const fn events(&self) -> &'static [Event] {
        self.events
    }

    /// Every code table of the version, sorted by number. Empty for 2.1, 2.2 and 2.3, for
    /// which the data set has no table values.
    pub const fn tables(&self) -> &'static [Table] {
        self.tables
    }

    /// The segment with this ID, e.g. `"PID"`.
    ///
    /// ```
    /// # #[cfg(feature = "v2_5_1")] {
    /// let v = messagefoundry_hl7::schema::version("2.5.1").unwrap();
    /// assert_eq!(v.segment("PID").unwrap().fields.len(), 39);
    /// # }
    /// ```
    pub fn segment(&self, id: &str) -> Option<&'static SegmentDef> {
        find(self.segments, id, |s| s.id)
    }

    /// The data type with this code, e.g. `"XPN"` (or `"varies"` for OBX-5 and kin).
    pub fn data_type(&self, code: &str) -> Option<&'static DataType> {
        find(self.data_types, code, |d| d.code)
    }

    /// The message structure with this ID, e.g. `"ORU_R01"`.
    pub fn structure(&self, id: &str) -> Option<&'static Structure> {
        find(self.structures, id, |s| s.id)
    }

    /// The structure a message with this MSH-9.1 message code and MSH-9.2 trigger event uses.
    ///
    /// Looks in the version's event map first (`ADT`, `A04` → `ADT_A01`), then for a structure
    /// named `CODE_EVENT`, and finally, for an `ACK`, the generic `ACK` structure.
    ///
    /// ```
    /// # #[cfg(feature = "v2_5_1")] {
    /// let v = messagefoundry_hl7::schema::version("2.5.1").unwrap();
    /// assert_eq!(v.structure_for("ADT", "A04").unwrap().id, "ADT_A01");
    /// assert_eq!(v.structure_for("ACK", "A01").unwrap().id, "ACK");
    /// # }
    /// ```
    pub fn structure_for(
        &self,
        message_code: &str,
        trigger_event: &str,
    ) -> Option<&'static Structure> {
        let key = (message_code, trigger_event);
        if let Ok(i) = self
            .events
            .binary_search_by(|e| (e.message_code, e.trigger_event).cmp(&key))
        {
            return self.structure(self.events[i].structure);
        }
        if !trigger_event.is_empty() {
            let named = format!("{message_code}_{trigger_event}");
            if let Some(s) = self.structure(&named) {
                return Some(s);
            }
        }
        if message_code == "ACK" {
            return self.structure("ACK");
        }
        None
    }

    /// The code table with this number: `"0123"`, and also `"123"` or `"HL70123"`.
    ///
    /// ```
    /// # #[cfg(feature = "v2_5_1")] {
    /// let v = messagefoundry_hl7::schema::version("2.5.1").unwrap();
    /// assert_eq!(v.table("0123").unwrap().name, Some("Result Status"));
    /// assert_eq!(v.table("HL70123").unwrap().id, "0123");
    /// assert_eq!(v.table("123").unwrap().id, "0123");
    /// # }
    /// ```
    pub fn table(&self, id: &str) -> Option<&'static Table> {
        let digits = id.strip_prefix("HL7").unwrap_or(id);
        if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return find(self.tables, id, |t| t.id);
        }
        let mut padded = *b"0000";
        padded[4 - digits.len()..].copy_from_slice(digits.as_bytes());
        let padded = std::str::from_utf8(&padded).ok()?;
        find(self.tables, padded, |t| t.id)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HL7 {}", self.id)
    }
}

fn find<T>(items: &'static [T], key: &str, key_of: impl Fn(&T) -> &str) -> Option<&'static T> {
    items
        .binary_search_by(|item| key_of(item).cmp(key))
        .ok()
        .map(|i| &items[i])
}

/// Whether an element must, may or must not be valued.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Optionality {
    /// `R`: required.
    Required,
    /// `O`: optional.
    Optional,
    /// `C`: conditional; a rule elsewhere in the standard says when it is required.
    Conditional,
    /// `B`: kept for backward compatibility only.
    BackwardCompatible,
    /// `W`: withdrawn; must not be valued.
    Withdrawn,
}

impl Optionality {
    /// The one-letter code the standard uses: `R`, `O`, `C`, `B` or `W`.
    pub const fn code(self) -> char {
        match self {
            Optionality::Required => 'R',
            Optionality::Optional => 'O',
            Optionality::Conditional => 'C',
            Optionality::BackwardCompatible => 'B',
            Optionality::Withdrawn => 'W',
        }
    }

    /// The word for it: `required`, `optional`, ...
    pub const fn as_str(self) -> &'static str {
        match self {
            Optionality::Required => "required",
            Optionality::Optional => "optional",
            Optionality::Conditional => "conditional",
            Optionality::BackwardCompatible => "backward compatible",
            Optionality::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for Optionality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How often an element occurs: at least `min`, at most `max` times.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Cardinality {
    /// The least number of occurrences; 1 or more means required.
    pub min: u16,
    /// The most; `None` is unbounded, `Some(0)` means the element must not be valued.
    pub max: Option<u16>,
}

impl Cardinality {
    /// Exactly once.
    pub const ONE: Cardinality = Cardinality::new(1, Some(1));
    /// Zero or one time.
    pub const OPTIONAL: Cardinality = Cardinality::new(0, Some(1));
    /// Zero or more times.
    pub const ANY: Cardinality = Cardinality::new(0, None);

    /// `min..=max` occurrences; `max` `None` is unbounded.
    pub const fn new(min: u16, max: Option<u16>) -> Cardinality {
        Cardinality { min, max }
    }

    /// Whether more than one occurrence is allowed.
    pub const fn repeats(&self) -> bool {
        match self.max {
            None => true,
            Some(n) => n > 1,
        }
    }

    /// Whether `n` occurrences (1-based count) stay within `max`.
    pub const fn allows(&self, n: u16) -> bool {
        match self.max {
            None => true,
            Some(max) => n <= max,
        }
    }
}

impl fmt::Display for Cardinality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            None => write!(f, "[{}..*]", self.min),
            Some(max) => write!(f, "[{}..{}]", self.min, max),
        }
    }
}

/// The definition of a segment in a schema: its ID, name and fields. (A segment of a message is
/// a [`crate::Segment`].)
///
/// The standard segments come from the generated tables. Locally defined segments (Z-segments)
/// are declared with [`SegmentDef::custom`] and handed to a [`crate::schema::Profile`]:
///
/// ```
/// use messagefoundry_hl7::schema::{Field, SegmentDef};
/// static ZPI: SegmentDef = SegmentDef::custom("ZPI", "Patient Extras", &[
///     Field::new("Set ID - ZPI", "SI"),
///     Field::new("Pet Name", "XPN").repeating(),
///     Field::new("Favourite Colour", "CWE").table("9001").required(),
/// ]);
/// assert_eq!(ZPI.field(2).unwrap().name, "Pet Name");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct SegmentDef {
    /// The three-character ID, e.g. `"PID"`.
    pub id: &'static str,
    /// The segment's name, e.g. "Patient Identification"; `None` where no source names it.
    pub name: Option<&'static str>,
    /// The fields in order: `fields[0]` is field 1.
    pub fields: &'static [Field],
    /// Whether the segment is withdrawn (kept as a name only, with no fields).
    pub withdrawn: bool,
    /// Whether the segment was declared by the user rather than taken from the standard.
    pub custom: bool,
}

impl SegmentDef {
    /// Declares a locally defined segment. Panics (at compile time, in a `const` or `static`)
    /// if `id` is not three upper-case letters or digits starting with a letter.
    pub const fn custom(
        id: &'static str,
        name: &'static str,
        fields: &'static [Field],
    ) -> SegmentDef {
        let b = id.as_bytes();
        if b.len() != 3 || crate::SegmentId::new([b[0], b[1], b[2]]).is_none() {
            panic!("a segment ID is three upper-case letters or digits starting with a letter");
        }
        SegmentDef {
            id,
            name: Some(name),
            fields,
            withdrawn: false,
            custom: true,
        }
    }

    /// Field `n` (1-based), if the segment has that many.
    pub fn field(&self, n: u16) -> Option<&'static Field> {
        usize::from(n)
            .checked_sub(1)
            .and_then(|i| self.fields.get(i))
    }

    /// The segment's name, or its ID where no source names it.
    pub fn name_or_id(&self) -> &'static str {
        self.name.unwrap_or(self.id)
    }
}

/// A field of a segment.
#[derive(Debug)]
#[non_exhaustive]
pub struct Field {
    /// The field's name, e.g. "Patient Name".
    pub name: &'static str,
    /// The data type's code, e.g. `"XPN"`; `None` for withdrawn fields.
    pub data_type: Option<&'static str>,
    /// R, O, C, B or W; `None` where the source does not say.
    pub optionality: Option<Optionality>,
    /// How many repetitions the field allows.
    pub repetitions: Cardinality,
    /// The maximum length in the source, if it gives one.
    pub length: Option<u32>,
    /// The code table, four digits like `"0123"`, if the field takes its values from one.
    pub table: Option<&'static str>,
    /// Whether the field is withdrawn and must not be valued.
    pub withdrawn: bool,
}

impl Field {
    /// Declares an optional, non-repeating field of a locally defined segment.
    pub const fn new(name: &'static str, data_type: &'static str) -> Field {
        Field {
            name,
            data_type: Some(data_type),
            optionality: Some(Optionality::Optional),
            repetitions: Cardinality::OPTIONAL,
            length: None,
            table: None,
            withdrawn: false,
        }
    }

    /// The same field, required.
    pub const fn required(self) -> Field {
        self.optionality(Optionality::Required)
    }

    /// The same field, with this optionality (`Required` also makes `min` at least 1).
    pub const fn optionality(mut self, optionality: Optionality) -> Field {
        self.optionality = Some(optionality);
        if matches!(optionality, Optionality::Required) && self.repetitions.min == 0 {
            self.repetitions.min = 1;
        }
        self
    }

    /// The same field, repeating without bound.
    pub const fn repeating(mut self) -> Field {
        self.repetitions.max = None;
        self
    }

    /// The same field, repeating at most `max` times.
    pub const fn max_repetitions(mut self, max: u16) -> Field {
        self.repetitions.max = Some(max);
        self
    }

    /// The same field, taking its values from the code table `table` (four digits, `"0123"`).
    pub const fn table(mut self, table: &'static str) -> Field {
        self.table = Some(table);
        self
    }

    /// The same field, with a maximum length.
    pub const fn length(mut self, length: u32) -> Field {
        self.length = Some(length);
        self
    }
}

/// A data type: primitive (`ST`, `IS`, ...), composite (`XPN`, `CWE`, ...) or `varies`.
#[derive(Debug)]
#[non_exhaustive]
pub struct DataType {
    /// The code, e.g. `"XPN"`, or `"varies"`.
    pub code: &'static str,
    /// The name, e.g. "Extended Person Name"; `None` where no source names it.
    pub name: Option<&'static str>,
    /// The components in order (`components[0]` is component 1); empty for a primitive.
    pub components: &'static [Component],
    /// Whether this is `varies`: the real type is given elsewhere in the message (OBX-2 for
    /// OBX-5), so its components cannot be checked.
    pub varies: bool,
}

impl DataType {
    /// Whether the type has no components.
    pub const fn is_primitive(&self) -> bool {
        self.components.is_empty()
    }

    /// Component `n` (1-based), if the type has that many.
    pub fn component(&self, n: u16) -> Option<&'static Component> {
        usize::from(n)
            .checked_sub(1)
            .and_then(|i| self.components.get(i))
    }
}

/// A component of a composite data type (or a sub-component, one level down).
#[derive(Debug)]
#[non_exhaustive]
pub struct Component {
    /// The component's name, e.g. "Family Name".
    pub name: &'static str,
    /// The data type's code; `None` for withdrawn components.
    pub data_type: Option<&'static str>,
    /// R, O, C, B or W; `None` where the source does not say.
    pub optionality: Option<Optionality>,
    /// The maximum length in the source, if it gives one.
    pub length: Option<u32>,
    /// The code table, four digits like `"0123"`, if any.
    pub table: Option<&'static str>,
    /// Whether the component is withdrawn and must not be valued.
    pub withdrawn: bool,
}

/// A message structure such as `ORU_R01`: the segments and groups a message holds, in order.
#[derive(Debug)]
#[non_exhaustive]
pub struct Structure {
    /// The structure ID, as in MSH-9.3.
    pub id: &'static str,
    /// The top-level nodes in order.
    pub nodes: &'static [Node],
}

/// One element of a message structure.
#[derive(Debug)]
pub enum Node {
    /// A segment, e.g. `PID [1..1]`.
    Segment {
        /// The segment ID.
        id: &'static str,
        /// How often it occurs here.
        cardinality: Cardinality,
    },
    /// Any segment at all (the standard's `Hxx`/`Zxx` placeholders).
    AnySegment {
        /// How often it occurs here.
        cardinality: Cardinality,
    },
    /// A group of nodes that occur together.
    Group(Group),
}

impl Node {
    /// How often this node occurs where it stands.
    pub const fn cardinality(&self) -> Cardinality {
        match self {
            Node::Segment { cardinality, .. } | Node::AnySegment { cardinality } => *cardinality,
            Node::Group(g) => g.cardinality,
        }
    }
}

/// A segment group inside a message structure, e.g. ORU_R01's `ORDER_OBSERVATION`.
#[derive(Debug)]
#[non_exhaustive]
pub struct Group {
    /// The group's name without the structure prefix, e.g. `"ORDER_OBSERVATION"`.
    pub name: &'static str,
    /// How often the group occurs.
    pub cardinality: Cardinality,
    /// Whether exactly one of the children occurs (a choice), rather than all of them in order.
    pub choice: bool,
    /// The group's nodes in order.
    pub children: &'static [Node],
}

/// One entry of the trigger-event map: messages `message_code^trigger_event` use `structure`.
#[derive(Debug)]
#[non_exhaustive]
pub struct Event {
    /// MSH-9.1, e.g. `"ADT"`.
    pub message_code: &'static str,
    /// MSH-9.2, e.g. `"A04"`.
    pub trigger_event: &'static str,
    /// The structure ID, e.g. `"ADT_A01"`.
    pub structure: &'static str,
}

/// A code table, e.g. 0123 Result Status.
#[derive(Debug)]
#[non_exhaustive]
pub struct Table {
    /// The table number, four digits, e.g. `"0123"`.
    pub id: &'static str,
    /// The table's name; `None` where no source names it.
    pub name: Option<&'static str>,
    /// The values, sorted by code. Empty for user-defined tables the standard leaves open.
    pub values: &'static [TableValue],
}

impl Table {
    /// The value with this code, if the table lists it.
    pub fn value(&self, code: &str) -> Option<&'static TableValue> {
        find(self.values, code, |v| v.code)
    }

    /// Whether the table lists this code.
    pub fn contains(&self, code: &str) -> bool {
        self.value(code).is_some()
    }
}

/// A value of a code table.
#[derive(Debug)]
#[non_exhaustive]
pub struct TableValue {
    /// The code, e.g. `"F"`.
    pub code: &'static str,
    /// What it means, where the source says.
    pub description: Option<&'static str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cardinality() {
        assert!(!Cardinality::ONE.repeats() && Cardinality::ANY.repeats());
        assert!(Cardinality::new(0, Some(3)).repeats());
        assert!(Cardinality::new(0, Some(3)).allows(3) && !Cardinality::new(0, Some(3)).allows(4));
        assert_eq!(Cardinality::ANY.to_string(), "[0..*]");
        assert_eq!(Cardinality::ONE.to_string(), "[1..1]");
    }

    #[test]
    fn declared_fields_build_in_const_context() {
        const F: Field = Field::new("Colour", "CWE")
            .required()
            .max_repetitions(3)
            .table("9001")
            .length(20);
        assert_eq!(F.optionality, Some(Optionality::Required));
        assert_eq!(F.repetitions, Cardinality::new(1, Some(3)));
        assert_eq!((F.table, F.length), (Some("9001"), Some(20)));
        const S: SegmentDef = SegmentDef::custom("Z01", "Z", &[F]);
        assert!(S.custom && S.field(1).is_some() && S.field(0).is_none() && S.field(2).is_none());
        assert_eq!(Optionality::BackwardCompatible.code(), 'B');
        const C: Field = Field::new("Old", "ST").optionality(Optionality::Conditional);
        assert_eq!(
            (C.optionality, C.repetitions),
            (Some(Optionality::Conditional), Cardinality::OPTIONAL)
        );
    }

    #[test]
    #[should_panic(expected = "a segment ID is three upper-case letters")]
    fn declared_segment_ids_are_checked() {
        let _ = SegmentDef::custom("zpi", "lower case", &[]);
    }

    static STRUCTURES: [Structure; 2] = [
        Structure {
            id: "ACK",
            nodes: &[],
        },
        Structure {
            id: "ZZZ_Z01",
            nodes: &[],
        },
    ];
    static EVENTS: [Event; 1] = [Event {
        message_code: "ZZZ",
        trigger_event: "Z02",
        structure: "ZZZ_Z01",
    }];
    static TINY: Version = Version {
        id: "9.9",
        segments: &[],
        data_types: &[],
        structures: &STRUCTURES,
        events: &EVENTS,
        tables: &[],
    };

    #[test]
    fn structure_for_falls_back_to_the_event_name_then_ack() {
        let id = |code, event| TINY.structure_for(code, event).map(|s| s.id);
        assert_eq!(id("ZZZ", "Z02"), Some("ZZZ_Z01"));
        assert_eq!(id("ZZZ", "Z01"), Some("ZZZ_Z01"));
        assert_eq!(id("ACK", "Z01"), Some("ACK"));
        assert_eq!(id("ZZZ", "Z03"), None);
        assert_eq!(id("ZZZ", ""), None);
        assert_eq!(TINY.to_string(), "HL7 9.9");
    }
}
