//! Validation of a message against its HL7 version's schema: [`validate`] gives a [`Report`].
//!
//! ```
//! use messagefoundry_hl7::{Message, validate::{validate, Options, Rule}};
//! # #[cfg(feature = "v2_5_1")] {
//! let msg = Message::parse(
//!     "MSH|^~\\&|LAB||EHR||20240101120000||ORU^R01^ORU_R01|1|P|2.5.1\r\
//!      PID|1||123^^^H^MR||Doe^Jane||19700230\r\
//!      OBR|1||A1|GLU^Glucose\r\
//!      OBX|1|NM|GLU^Glucose||5,4||||||F\r",
//! ).unwrap();
//! let report = validate(&msg, &Options::tolerant());
//! let rules: Vec<_> = report.findings.iter().map(|f| (f.rule, f.location_text().unwrap())).collect();
//! assert_eq!(rules, [(Rule::Primitive, "PID-7.1".to_string()), (Rule::Primitive, "OBX-5".to_string())]);
//! // The messages name the problem and the place, never the value.
//! assert_eq!(report.findings[0].message, "PID-7.1 (Time) has a day that is not in its month");
//! # }
//! ```
//!
//! # Rules
//!
//! Each rule can be switched on or off in [`Options`]; [`Options::tolerant`] (the default)
//! accepts what a typical hospital receiver accepts, [`Options::strict`] what the standard
//! says. Table 0357 codes are in brackets.
//!
//! | rule | checks | tolerant | strict |
//! |---|---|---|---|
//! | [`Rule::UnknownVersion`] \[203\] | MSH-12.1 names a compiled-in version (or [`Options::version`] does) | error | error |
//! | [`Rule::UnknownMessageType`] \[200\] | MSH-9 maps to a structure of the version (a locally defined `Z…` type only warns) | error | error |
//! | [`Rule::MessageStructure`] \[200\] | MSH-9.3, when given, is a structure of the version and agrees with MSH-9.1/9.2 | warning | warning |
//! | [`Rule::SegmentOrder`] \[100\] | each segment stands where the structure allows (`check_structure`) | error | error |
//! | [`Rule::RequiredSegment`] \[100\] | required segments and groups are there (`check_structure`) | error | error |
//! | [`Rule::SegmentRepetition`] \[100\] | segments and groups repeat no more than allowed (`check_structure`) | error | error |
//! | [`Rule::UnexpectedSegment`] \[100\] | no segment outside the structure (`allow_unexpected_segments`) | warning | error |
//! | [`Rule::ZSegment`] \[100\] | Z-segments are declared in the profile (`allow_z_segments`) | allowed | error |
//! | [`Rule::UnknownSegment`] \[100\] | the segment ID exists in the version (reported only when no structure was checked, which names such segments itself) | warning | warning |
//! | [`Rule::RequiredField`] \[101\] | required fields are valued (`check_required_fields`) | error | error |
//! | [`Rule::FieldRepetition`] \[102\] | fields repeat no more than allowed (`check_repetitions`) | error | error |
//! | [`Rule::ComponentCount`] \[102\] | no more components/sub-components than the data type has (`check_components`) | error | error |
//! | [`Rule::ExtraField`] \[102\] | no valued field beyond the segment's last (`allow_extra_fields`) | allowed | warning |
//! | [`Rule::WithdrawnField`] \[102\] | withdrawn fields and components are empty (`check_withdrawn`) | off | warning |
//! | [`Rule::Length`] [102, 104 from 2.7] | maximum lengths of fields, components and sub-components where the schema gives them (`check_lengths`); 2.7 gives lengths as guidance only (information), 2.8 and later give none | off | warning |
//! | [`Rule::Primitive`] \[102\] | NM, SI, DT, TM, DTM/TS formats, TS degree of precision (`check_primitives`) | error | error |
//! | [`Rule::TableValue`] \[103\] | ID values are in their HL7 table (`check_tables`); IS values in their user-defined table (`check_user_tables`, warning) | off | error |
//!
//! Tables are only checked where the schema has their values (the data set has none for 2.1,
//! 2.2 and 2.3, nor for many user-defined tables); the explicit null `""` passes every check
//! except a required field's. `varies` values (OBX-5) are not checked against a type.
//!
//! # Structure matching
//!
//! See [`structure`](self#structure-matching-approach): a greedy matcher that runs in one
//! pass over the segments, with one-segment lookahead; it never backtracks, so its cost is at
//! most the number of segments times the size of the structure.

mod fields;
mod primitives;
mod report;
mod structure;

pub use report::{Finding, Report, Rule};

use crate::ack::{ErrorEntry, ErrorLocation, Severity};
use crate::schema::{self, Profile, SegmentDef, Version};
use crate::{Message, Path, SegmentId};

/// How picky a validation is. Start from a preset ([`Options::tolerant`], the default, or
/// [`Options::strict`]) and change single switches:
///
/// ```
/// use messagefoundry_hl7::validate::Options;
/// let options = Options { check_lengths: true, ..Options::tolerant() };
/// # let _ = options;
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Options<'a> {
    /// Validate against this version (`"2.5.1"`) instead of the one MSH-12 declares.
    pub version: Option<&'a str>,
    /// Locally declared segments (usually Z-segments): allowed anywhere in the structure, and
    /// their fields checked like standard ones. See [`Options::with_profile`].
    pub custom_segments: &'a [SegmentDef],
    /// Check segment order, groups, required segments and segment repetitions.
    pub check_structure: bool,
    /// Let undeclared Z-segments stand anywhere without a finding.
    pub allow_z_segments: bool,
    /// Report standard segments the structure does not contain as warnings rather than errors.
    pub allow_unexpected_segments: bool,
    /// Check that required fields are valued.
    pub check_required_fields: bool,
    /// Check field repetition counts.
    pub check_repetitions: bool,
    /// Check component and sub-component counts against the data types.
    pub check_components: bool,
    /// Let valued fields stand beyond the last field the segment defines.
    pub allow_extra_fields: bool,
    /// Report withdrawn fields and components that hold a value.
    pub check_withdrawn: bool,
    /// Check maximum lengths.
    pub check_lengths: bool,
    /// Check the formats of NM, SI, DT, TM and DTM/TS values.
    pub check_primitives: bool,
    /// Check ID values against their HL7 tables.
    pub check_tables: bool,
    /// Check IS values against the user-defined tables' suggested values (warnings).
    pub check_user_tables: bool,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options::tolerant()
    }
}

impl<'a> Options<'a> {
    /// Accepts what a typical receiver accepts: structure, required fields, repetitions,
    /// components and primitive formats are checked; Z-segments and extra fields are allowed,
    /// unexpected standard segments are warnings; lengths and tables are not checked.
    pub const fn tolerant() -> Options<'a> {
        Options {
            version: None,
            custom_segments: &[],
            check_structure: true,
            allow_z_segments: true,
            allow_unexpected_segments: true,
            check_required_fields: true,
            check_repetitions: true,
            check_components: true,
            allow_extra_fields: true,
            check_withdrawn: false,
            check_lengths: false,
            check_primitives: true,
            check_tables: false,
            check_user_tables: false,
        }
    }

    /// What the standard says: everything of [`Options::tolerant`], plus lengths (warnings),
    /// HL7 tables, withdrawn and extra fields; undeclared Z-segments and unexpected segments
    /// are errors.
    pub const fn strict() -> Options<'a> {
        Options {
            allow_z_segments: false,
            allow_unexpected_segments: false,
            allow_extra_fields: false,
            check_withdrawn: true,
            check_lengths: true,
            check_tables: true,
            ..Options::tolerant()
        }
    }

    /// The same options, validating against `profile`: its version (instead of MSH-12) and
    /// its declared segments.
    pub const fn with_profile(mut self, profile: &Profile<'a>) -> Options<'a> {
        self.version = Some(profile.version().id());
        self.custom_segments = profile.custom_segments();
        self
    }

    /// The same options, with these declared segments (allowed anywhere, fields checked).
    pub const fn with_custom_segments(mut self, segments: &'a [SegmentDef]) -> Options<'a> {
        self.custom_segments = segments;
        self
    }

    /// The same options, validating against `version` instead of MSH-12.
    pub const fn with_version(mut self, version: &'a str) -> Options<'a> {
        self.version = Some(version);
        self
    }
}

/// Validates `msg` against its version (MSH-12.1, or [`Options::version`]) and message
/// structure (MSH-9). Never panics on a malformed message: what cannot be checked becomes a
/// finding.
pub fn validate(msg: &Message, options: &Options<'_>) -> Report {
    let mut report = Report::default();
    let Some(version) = find_version(msg, options, &mut report) else {
        return report;
    };
    report.version = Some(version.id());
    let profile = Profile::new(version, options.custom_segments);
    let occurrences = occurrences(msg);
    let mut v = Validator {
        msg,
        profile,
        options,
        occurrences: &occurrences,
        report: &mut report,
        data_types: [None; DATA_TYPE_CACHE],
    };
    if let Some(structure) = v.find_structure() {
        v.report.structure = Some(structure.id);
        if options.check_structure {
            structure::check(&mut v, structure);
        }
    }
    fields::check(&mut v);
    report
}

/// What the checks share.
pub(crate) struct Validator<'v, 'a> {
    pub(crate) msg: &'v Message,
    pub(crate) profile: Profile<'a>,
    pub(crate) options: &'v Options<'a>,
    /// `(segment ID, occurrence)` of each segment, in message order.
    pub(crate) occurrences: &'v [(SegmentId, u16)],
    pub(crate) report: &'v mut Report,
    /// Data types looked up so far, by the address of their code: the generated tables repeat
    /// the same few codes, so this spares most binary searches.
    data_types: [Option<(usize, &'a schema::DataType)>; DATA_TYPE_CACHE],
}

/// Slots of the data type cache (direct-mapped).
const DATA_TYPE_CACHE: usize = 32;

impl<'a> Validator<'_, 'a> {
    /// The data type `code` names in the profile's version.
    pub(crate) fn data_type(&mut self, code: &str) -> Option<&'a schema::DataType> {
        let key = code.as_ptr() as usize;
        let slot = (key >> 1) % DATA_TYPE_CACHE;
        if let Some((k, dt)) = self.data_types[slot]
            && k == key
            && dt.code.len() == code.len()
        {
            return Some(dt);
        }
        let dt = self.profile.data_type(code)?;
        self.data_types[slot] = Some((key, dt));
        Some(dt)
    }
}

impl Validator<'_, '_> {
    /// The location of the whole segment at `index`.
    pub(crate) fn segment_location(&self, index: usize) -> ErrorLocation {
        let (id, occurrence) = self.occurrences[index];
        ErrorLocation::segment(id, occurrence)
    }

    pub(crate) fn version(&self) -> &Version {
        self.profile.version()
    }

    fn find_structure(&mut self) -> Option<&'static schema::Structure> {
        let msh9 = |n| Path::from_parts(*b"MSH", None, 9, None, Some(n), None);
        let code = self.msg.get(msh9(1)).text();
        let event = self.msg.get(msh9(2)).text();
        let named = self.msg.get(msh9(3)).text();
        let version = self.version();
        let location = ErrorLocation::from(Path::field(SegmentId::MSH, 9));
        if code.is_empty() {
            let f = Finding::new(
                Severity::Error,
                Rule::UnknownMessageType,
                ErrorEntry::UNSUPPORTED_MESSAGE_TYPE,
                "MSH-9 (Message Type) is empty; the message structure cannot be checked".into(),
            );
            self.report.push(f.at(0, location));
            return None;
        }
        let by_event = version.structure_for(&code, &event);
        let by_name = (!named.is_empty()).then(|| version.structure(&named));
        match (by_event, by_name) {
            (_, Some(Some(s))) => {
                if let Some(e) = by_event
                    && e.id != s.id
                {
                    let f = Finding::new(
                        Severity::Warning,
                        Rule::MessageStructure,
                        ErrorEntry::UNSUPPORTED_MESSAGE_TYPE,
                        format!(
                            "MSH-9.3 names structure {}, but HL7 {} gives {} for this message type and event; validating against {}",
                            s.id,
                            version.id(),
                            e.id,
                            s.id
                        ),
                    );
                    self.report.push(f.at(0, location));
                }
                Some(s)
            }
            (Some(e), by_name) => {
                if by_name.is_some() {
                    let f = Finding::new(
                        Severity::Warning,
                        Rule::MessageStructure,
                        ErrorEntry::UNSUPPORTED_MESSAGE_TYPE,
                        format!(
                            "MSH-9.3 names a structure HL7 {} does not define; validating against {}",
                            version.id(),
                            e.id
                        ),
                    );
                    self.report.push(f.at(0, location));
                }
                Some(e)
            }
            // HL7 leaves message types beginning with Z to local use: such a message is
            // allowed, only its structure cannot be checked.
            (None, _) if code.starts_with('Z') => {
                let f = Finding::new(
                    Severity::Warning,
                    Rule::UnknownMessageType,
                    ErrorEntry::UNSUPPORTED_MESSAGE_TYPE,
                    "MSH-9 names a locally defined message type (Z…); its segment structure is not checked".into(),
                );
                self.report.push(f.at(0, location));
                None
            }
            (None, _) => {
                let f = Finding::new(
                    Severity::Error,
                    Rule::UnknownMessageType,
                    ErrorEntry::UNSUPPORTED_MESSAGE_TYPE,
                    format!(
                        "HL7 {} has no message structure for the message type and event in MSH-9; the segment structure cannot be checked",
                        version.id()
                    ),
                );
                self.report.push(f.at(0, location));
                None
            }
        }
    }
}

fn find_version(
    msg: &Message,
    options: &Options<'_>,
    report: &mut Report,
) -> Option<&'static Version> {
    let location = ErrorLocation::from(Path::from_parts(*b"MSH", None, 12, None, Some(1), None));
    let declared = msg.version().text();
    let (id, source) = match options.version {
        Some(v) => (v, "the chosen version"),
        None => (declared.as_ref(), "MSH-12.1"),
    };
    if id.is_empty() {
        let f = Finding::new(
            Severity::Error,
            Rule::UnknownVersion,
            ErrorEntry::UNSUPPORTED_VERSION_ID,
            "MSH-12 (Version ID) is empty; nothing can be checked against a schema".into(),
        );
        report.push(f.at(0, location));
        return None;
    }
    match schema::require_version(id) {
        Ok(v) => Some(v),
        Err(e) => {
            // A version number is a code, not patient data, but an unknown one can be any
            // text: it is named only when it is one the data set knows.
            let reason = match e {
                schema::VersionError::NotCompiledIn { id, feature } => format!(
                    "{source} names HL7 {id}, which is not compiled in (enable the `{feature}` feature)"
                ),
                schema::VersionError::Unknown { .. } => {
                    format!("{source} names no HL7 version this library knows (2.1 to 2.8.2)")
                }
            };
            report.push(
                Finding::new(
                    Severity::Error,
                    Rule::UnknownVersion,
                    ErrorEntry::UNSUPPORTED_VERSION_ID,
                    reason,
                )
                .at(0, location),
            );
            None
        }
    }
}

/// `(ID, occurrence)` of every segment.
fn occurrences(msg: &Message) -> Vec<(SegmentId, u16)> {
    let mut out: Vec<(SegmentId, u16)> = Vec::with_capacity(msg.segment_count());
    for seg in msg.segments() {
        let id = seg.id();
        let n = out
            .iter()
            .rev()
            .find(|(s, _)| *s == id)
            .map_or(1, |(_, n)| n.saturating_add(1));
        out.push((id, n));
    }
    out
}

#[cfg(all(test, feature = "v2_5_1"))]
mod tests;
