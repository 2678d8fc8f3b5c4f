//! De-identification: test data from production messages.
//!
//! [`Deidentifier::apply`] replaces what identifies a person and keeps what an interface
//! needs (the structure, message types, codes, results, units, the order of segments), so a
//! production message becomes a sample for tests and for partners. What a field holds is
//! taken from the embedded schema of the message's version, field by field and component by
//! component, not from a fixed list of positions:
//!
//! | data type | what changes |
//! |---|---|
//! | person names (`XPN`, `PN`) | family, given and middle names, consistently pseudonymized |
//! | addresses (`XAD`, `AD`) | street, other designation, city, postal code; county and census tract cleared; state and country kept |
//! | telecoms (`XTN`, `TN`) | numbers (same shape, new digits), e-mail addresses (`example.invalid`); free text cleared |
//! | identifiers (`CX`, `CK`, `DLN`) and SSN fields | the ID itself, same shape, new characters; check digit cleared; assigning authority and type kept |
//! | dates and times (`DT`, `DTM`, `TS`) | shifted by one number of days for the whole run (intervals stay true) |
//! | free text (`NTE-3`, text `OBX-5`), when asked | replaced whole |
//!
//! `OBX-5` takes the rule of the type `OBX-2` names, so a date result is shifted and a name
//! result pseudonymized. Providers (`XCN`) and organizations (`XON`) are kept: they are not
//! the patient. Z-segments and segments the schema does not know are left as they are and
//! counted in the [`Report`], so their content can be checked by hand.
//!
//! Stand-ins are derived from the original under a secret key (HMAC-SHA-256): under one key
//! the same patient gets the same stand-in in every message, and without the key the original
//! cannot be guessed from the stand-in (an MRN has few digits; an unkeyed hash of one is
//! found by trying them all). Date shifting keeps the year mostly and every interval, which
//! suits testing; it is not the "Safe Harbor" method of the US HIPAA rule, which keeps the
//! year alone.
//!
//! ```
//! use messagefoundry::deidentify::{Deidentifier, Options};
//! use messagefoundry::hl7::{Message, Path};
//!
//! let mut msg = Message::parse(
//!     "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01^ORU_R01|C1|P|2.5.1\r\
//!      PID|1||8675309^^^HOSP^MR||Doe^Jane^Q||19800229|F|||12 Main St^^Springfield^IL^62701\r",
//! )?;
//! let report = Deidentifier::new(b"a secret key, kept apart from the data", Options::default())
//!     .apply(&mut msg)?;
//! let read = |p| msg[Path::parse_const(p)].to_string();
//! assert_ne!(read("PID-3.1"), "8675309");
//! assert_eq!(read("PID-3.1").len(), 7);
//! assert_eq!(read("PID-3.4"), "HOSP");
//! assert_ne!(read("PID-5.1"), "Doe");
//! assert_ne!(read("PID-7"), "19800229");
//! assert_eq!(read("PID-11.4"), "IL");
//! assert_eq!(report.names, 3); // family, given and middle
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod dates;
mod pseudonym;
mod rules;

use std::fmt;

use messagefoundry_hl7::{EditError, Message, Path, SegmentId, schema};

use pseudonym::Pseudonyms;
use rules::Rule;

/// What to de-identify beyond the fixed rules.
#[derive(Clone, Copy, Debug, Default)]
#[non_exhaustive]
pub struct Options {
    /// Replace free text too: `NTE-3`, and `OBX-5` when `OBX-2` is `TX`, `FT` or `ST`
    /// (clinical notes name people and places; results coded as text usually do not).
    pub free_text: bool,
}

impl Options {
    /// The default options, with free text replaced.
    pub fn with_free_text(mut self) -> Options {
        self.free_text = true;
        self
    }
}

/// Replaces what identifies a person in messages; one per run, so that stand-ins and the date
/// shift are consistent across every message it sees.
pub struct Deidentifier {
    pseudonyms: Pseudonyms,
    day_shift: i64,
    options: Options,
}

/// How many values of each kind one message (or a run, by [`Report::add`]) had replaced.
/// Counts only: a report never holds a value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// Name parts replaced.
    pub names: usize,
    /// Address parts replaced or cleared.
    pub addresses: usize,
    /// Telephone numbers and e-mail addresses replaced or cleared.
    pub telecoms: usize,
    /// Identifiers replaced.
    pub identifiers: usize,
    /// Dates shifted.
    pub dates: usize,
    /// Values that should hold a date but did not read as one, cleared.
    pub unreadable_dates: usize,
    /// Free-text values replaced.
    pub free_text: usize,
    /// Segments left as they are because the schema does not describe them (Z-segments).
    pub unknown_segments: usize,
}

impl Report {
    /// Adds another report's counts to this one.
    pub fn add(&mut self, other: &Report) {
        self.names += other.names;
        self.addresses += other.addresses;
        self.telecoms += other.telecoms;
        self.identifiers += other.identifiers;
        self.dates += other.dates;
        self.unreadable_dates += other.unreadable_dates;
        self.free_text += other.free_text;
        self.unknown_segments += other.unknown_segments;
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "names {}, address parts {}, telecoms {}, identifiers {}, dates shifted {}, \
             unreadable dates cleared {}, free texts {}, segments left as they are \
             (unknown to the schema) {}",
            self.names,
            self.addresses,
            self.telecoms,
            self.identifiers,
            self.dates,
            self.unreadable_dates,
            self.free_text,
            self.unknown_segments
        )
    }
}

/// The HL7 version whose schema describes a message: its own, else the newest embedded one
/// (the rules by data type hardly change between versions).
fn schema_for(msg: &Message) -> Option<&'static schema::Version> {
    let declared = msg.version().text();
    schema::version(declared.trim()).or_else(|| schema::versions().last().copied())
}

impl Deidentifier {
    /// A de-identifier whose stand-ins derive from `key`: the same key gives the same
    /// stand-ins and date shift in every run. Keep the key apart from the data it was used on.
    pub fn new(key: &[u8], options: Options) -> Deidentifier {
        let pseudonyms = Pseudonyms::new(key);
        Deidentifier {
            day_shift: pseudonyms.day_shift(),
            pseudonyms,
            options,
        }
    }

    /// A de-identifier with a random key: stand-ins are consistent within this run only, and
    /// nobody can link them to the originals afterwards.
    pub fn with_random_key(options: Options) -> Result<Deidentifier, ring::error::Unspecified> {
        let key: [u8; 32] = ring::rand::generate(&ring::rand::SystemRandom::new())?.expose();
        Ok(Deidentifier::new(&key, options))
    }

    /// Replaces, in place, what identifies a person in `msg`, and says how many values of each
    /// kind it replaced. Everything else keeps its bytes.
    pub fn apply(&self, msg: &mut Message) -> Result<Report, EditError> {
        let mut report = Report::default();
        let edits = self.plan(msg, &mut report);
        for (path, text) in edits {
            msg.set(path, &text)?;
        }
        Ok(report)
    }

    /// Every leaf to change and its new text, counted in `report`.
    fn plan(&self, msg: &Message, report: &mut Report) -> Vec<(Path, String)> {
        let mut edits = Vec::new();
        let Some(version) = schema_for(msg) else {
            report.unknown_segments = msg.segment_count();
            return edits;
        };
        let mut occurrences: Vec<(SegmentId, u16)> = Vec::new();
        for segment in msg.segments() {
            let id = segment.id();
            let occurrence = match occurrences.iter_mut().find(|(seen, _)| *seen == id) {
                Some((_, n)) => {
                    *n = n.saturating_add(1);
                    *n
                }
                None => {
                    occurrences.push((id, 1));
                    1
                }
            };
            let Some(definition) = version.segment(id.as_str()).filter(|d| !d.custom) else {
                report.unknown_segments += 1;
                continue;
            };
            let fields = u16::try_from(segment.field_count()).unwrap_or(u16::MAX);
            for n in 1..=fields {
                let Some(data_type) = rules::field_type(version, &segment, definition, n) else {
                    continue;
                };
                let Some(raw) = segment.field_raw(n) else {
                    continue;
                };
                let at = FieldAt {
                    id,
                    occurrence,
                    field: n,
                };
                self.plan_field(msg, version, at, data_type, raw, report, &mut edits);
            }
        }
        edits
    }

    /// The edits of one field, leaf by leaf.
    #[allow(clippy::too_many_arguments)]
    fn plan_field(
        &self,
        msg: &Message,
        version: &'static schema::Version,
        at: FieldAt,
        data_type: &str,
        raw: &[u8],
        report: &mut Report,
        edits: &mut Vec<(Path, String)>,
    ) {
        let d = msg.delimiters();
        let (component_sep, sub_sep) = (d.component, d.subcomponent);
        for (r, repetition) in raw.split(|&b| b == d.repetition).enumerate() {
            for (c, component) in repetition.split(|&b| b == component_sep).enumerate() {
                let subs: Vec<&[u8]> = match sub_sep {
                    Some(s) => component.split(|&b| b == s).collect(),
                    None => vec![component],
                };
                for (s, leaf) in subs.iter().enumerate() {
                    if leaf.is_empty() || leaf == b"\"\"" {
                        continue;
                    }
                    let (c, s) = (index(c), index(s));
                    let leaf = rules::Leaf {
                        segment: at.id,
                        field: at.field,
                        field_type: data_type,
                        component: c,
                        subcomponent: s,
                    };
                    let rule = rules::rule(version, leaf);
                    if rule == Rule::Keep || (rule == Rule::FreeText && !self.options.free_text) {
                        continue;
                    }
                    let path = Path {
                        segment: at.id,
                        occurrence: Some(at.occurrence),
                        field: at.field,
                        repetition: Some(index(r)),
                        component: Some(c),
                        subcomponent: Some(s),
                    };
                    let original = msg.get(path).text().into_owned();
                    let new = self.replace(rule, &original, report);
                    if new != original {
                        edits.push((path, new));
                    }
                }
            }
        }
    }

    /// The stand-in for one leaf under `rule`, counted.
    fn replace(&self, rule: Rule, original: &str, report: &mut Report) -> String {
        let p = &self.pseudonyms;
        match rule {
            Rule::Keep => original.to_owned(),
            Rule::FamilyName => {
                report.names += 1;
                p.family_name(original)
            }
            Rule::GivenName => {
                report.names += 1;
                p.given_name(original)
            }
            Rule::Street => {
                report.addresses += 1;
                p.street(original)
            }
            Rule::City => {
                report.addresses += 1;
                p.city(original)
            }
            Rule::AddressPart => {
                report.addresses += 1;
                p.same_shape("address", original)
            }
            Rule::AddressClear => {
                report.addresses += 1;
                String::new()
            }
            Rule::Phone => {
                report.telecoms += 1;
                p.same_shape("phone", original)
            }
            Rule::Email => {
                report.telecoms += 1;
                p.email(original)
            }
            Rule::TelecomClear => {
                report.telecoms += 1;
                String::new()
            }
            Rule::Identifier => {
                report.identifiers += 1;
                p.same_shape("id", original)
            }
            Rule::CheckDigit => {
                report.identifiers += 1;
                String::new()
            }
            Rule::Date => match dates::shift(original.trim(), self.day_shift) {
                Some(shifted) => {
                    report.dates += 1;
                    shifted
                }
                None => {
                    report.unreadable_dates += 1;
                    String::new()
                }
            },
            Rule::FreeText => {
                report.free_text += 1;
                Pseudonyms::free_text().to_owned()
            }
        }
    }
}

/// A field of one segment occurrence.
#[derive(Clone, Copy)]
struct FieldAt {
    id: SegmentId,
    occurrence: u16,
    field: u16,
}

/// A 0-based position as HL7's 1-based number.
fn index(i: usize) -> u16 {
    u16::try_from(i + 1).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests;
