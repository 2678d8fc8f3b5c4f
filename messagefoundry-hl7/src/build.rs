//! [`MessageBuilder`]: a new message, from nothing, with its header filled in.

use crate::datetime::{DateTime, TimeZone, UnknownTimeZone};
use crate::error::{EditError, ParseError};
use crate::message::Message;
use crate::message_type::{MessageType, MessageTypeError};
use crate::path::{Path, SegmentId};
use crate::schema::{self, Version, VersionError};

/// Builds a new message's header (MSH); the segments are added to the message it gives.
///
/// The header has the standard delimiters `|^~\&`, the time now (MSH-7, to the second, with
/// the offset of the time zone chosen, UTC unless [`MessageBuilder::time_zone`] says), the
/// type (MSH-9, with its structure from HL7 2.3.1 on), a new control ID (MSH-10, from
/// [`new_control_id`](crate::new_control_id)), the processing ID (MSH-11, `P` unless said
/// otherwise) and the version (MSH-12). Anything else is set on the message built.
///
/// Start one with [`Message::builder`] (or, in an interface crate, `new_message!("ORU^R01")`,
/// which checks the type and takes the version from the crate's `Cargo.toml` when it
/// builds). A mistake (an unknown version or type) is reported by [`MessageBuilder::build`].
///
/// ```
/// use messagefoundry_hl7::{Message, Path};
/// let mut msg = Message::builder("ADT^A04", "2.5.1")
///     .sender("ADMIT", "GENHOSP")
///     .receiver("LAB", "GENLAB")
///     .build()?;
/// msg.push_segment("EVN||20240101120000")?;
/// msg.push_segment("PID|1")?;
/// msg.set(Path::parse("PID-5.1")?, "Doe")?;
/// assert_eq!(&msg[Path::parse("MSH-9.3")?], "ADT_A01");
/// assert_eq!(&msg[Path::parse("MSH-12")?], "2.5.1");
/// assert!(msg.as_bytes().starts_with(b"MSH|^~\\&|ADMIT|GENHOSP|LAB|GENLAB|"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct MessageBuilder {
    /// The version and type, or the first mistake made (reported by `build`).
    checked: Result<Checked, NewMessageError>,
    zone: TimeZone,
    time: Option<DateTime>,
    control_id: Option<String>,
    /// Header values to write after the header is made, in the order given (so the last one
    /// given for a field wins): set as ER7 (`true`) or as text.
    writes: Vec<(Path, String, bool)>,
}

/// What `build` writes in MSH-9 and MSH-12.
#[derive(Clone, Debug)]
struct Checked {
    version: &'static Version,
    code: String,
    event: String,
    structure: Option<&'static str>,
}

/// Why a message could not be built. It names what was wrong, never a value of a message.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NewMessageError {
    /// The version is not one this library knows.
    #[error(transparent)]
    Version(#[from] VersionError),
    /// The message type is malformed or not one of the version.
    #[error(transparent)]
    MessageType(#[from] MessageTypeError),
    /// The time zone named is not in the time zone database.
    #[error(transparent)]
    TimeZone(#[from] UnknownTimeZone),
    /// A header value given could not be written.
    #[error("the header: {0}")]
    Edit(#[from] EditError),
    /// The header built does not parse; a bug in this library.
    #[error("the header built is not valid HL7 ({0}); please report this")]
    Invalid(ParseError),
}

impl Message {
    /// Starts a new message of a type (`"ORU^R01"`, or with its structure `"ORU^R01^ORU_R01"`)
    /// in an HL7 version (`"2.5.1"`). See [`MessageBuilder`].
    pub fn builder(message_type: &str, version: &str) -> MessageBuilder {
        let checked = check(message_type, version);
        MessageBuilder {
            checked,
            zone: TimeZone::UTC,
            time: None,
            control_id: None,
            writes: Vec::new(),
        }
    }
}

fn check(message_type: &str, version: &str) -> Result<Checked, NewMessageError> {
    let version = schema::require_version(version)?;
    let parsed = MessageType::parse(message_type)?;
    let structure = parsed.structure_in(version)?.map(|s| s.id);
    Ok(Checked {
        version,
        code: parsed.code.to_owned(),
        event: parsed.event.to_owned(),
        structure,
    })
}

const MSH: SegmentId = SegmentId::MSH;
const MSH_10: Path = Path::parse_const("MSH-10");
const MSH_11: Path = Path::parse_const("MSH-11");

impl MessageBuilder {
    /// The sending application (MSH-3) and facility (MSH-4), as ER7 with the standard
    /// delimiters: `"LIS"`, or with components `"LAB^1.2.3.4^ISO"`.
    pub fn sender(self, application: &str, facility: &str) -> MessageBuilder {
        self.er7(3, application).er7(4, facility)
    }

    /// The receiving application (MSH-5) and facility (MSH-6), as ER7 with the standard
    /// delimiters.
    pub fn receiver(self, application: &str, facility: &str) -> MessageBuilder {
        self.er7(5, application).er7(6, facility)
    }

    /// Sender, receiver and processing ID (MSH-3 to MSH-6 and MSH-11) as `original` has
    /// them, component by component: for a message that goes where `original` goes (one of
    /// the messages a message is split into).
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// let original = Message::parse("MSH|^~\\&|LIS|LAB^1.2^ISO|EHR|HOSP|20240101||ORU^R01|1|T|2.5.1\r")?;
    /// let copy = Message::builder("ORU^R01", "2.5.1").addressed_like(&original).build()?;
    /// for field in ["MSH-3", "MSH-4.2", "MSH-5", "MSH-6", "MSH-11"] {
    ///     let p = Path::parse(field)?;
    ///     assert_eq!(copy[p], original[p]);
    /// }
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn addressed_like(mut self, original: &Message) -> MessageBuilder {
        let separator = original.delimiters().component;
        for field in [3, 4, 5, 6, 11] {
            let whole = Path::field(MSH, field);
            // Emptied first, so nothing given before for the field stays.
            self.writes.push((whole, String::new(), true));
            let components = original.get(whole).raw().split(|&b| b == separator).count();
            for component in 1..=components as u16 {
                let at = Path {
                    component: Some(component),
                    ..whole
                };
                self.writes
                    .push((at, original.get(at).text().into_owned(), false));
            }
        }
        self
    }

    /// The processing ID (MSH-11): `P` (production, the default), `T` (training) or `D`
    /// (debugging).
    pub fn processing_id(mut self, id: &str) -> MessageBuilder {
        self.writes.push((MSH_11, id.to_owned(), false));
        self
    }

    /// The time zone whose clock MSH-7 shows (UTC unless set).
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// use messagefoundry_hl7::datetime::TimeZone;
    /// let msg = Message::builder("ADT^A08", "2.5.1").time_zone(&TimeZone::get("Asia/Kolkata")?).build()?;
    /// assert!(msg[Path::parse("MSH-7")?].ends_with("+0530"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn time_zone(mut self, zone: &TimeZone) -> MessageBuilder {
        self.zone = zone.clone();
        self
    }

    /// The time zone whose clock MSH-7 shows, by its IANA name (`America/Chicago`): for a
    /// name from a setting. An unknown name is reported by [`MessageBuilder::build`].
    ///
    /// ```
    /// use messagefoundry_hl7::Message;
    /// let builder = Message::builder("ADT^A08", "2.5.1");
    /// assert!(builder.clone().time_zone_named("Europe/Paris").build().is_ok());
    /// let e = builder.time_zone_named("Europe/Pariss").build().unwrap_err();
    /// assert!(e.to_string().contains("did you mean Europe/Paris?"));
    /// ```
    pub fn time_zone_named(mut self, name: &str) -> MessageBuilder {
        match crate::datetime::time_zone(name) {
            Ok(zone) => self.zone = zone,
            // The first mistake is the one reported.
            Err(e) if self.checked.is_ok() => self.checked = Err(e.into()),
            Err(_) => {}
        }
        self
    }

    /// A given time for MSH-7 instead of now (for tests and replays).
    pub fn time(mut self, time: DateTime) -> MessageBuilder {
        self.time = Some(time);
        self
    }

    /// A given control ID (MSH-10) instead of a new one.
    pub fn control_id(mut self, id: &str) -> MessageBuilder {
        self.control_id = Some(id.to_owned());
        self
    }

    fn er7(mut self, field: u16, er7: &str) -> MessageBuilder {
        self.writes
            .push((Path::field(MSH, field), er7.to_owned(), true));
        self
    }

    /// Builds the message: the header alone, ready for segments.
    ///
    /// # Errors
    ///
    /// [`NewMessageError`]: an unknown version, a malformed or unknown message type, a
    /// header value that cannot be written.
    pub fn build(&self) -> Result<Message, NewMessageError> {
        let checked = self.checked.as_ref().map_err(Clone::clone)?;
        let time = self.time.unwrap_or_else(|| DateTime::now(&self.zone));
        let control_id = self
            .control_id
            .clone()
            .unwrap_or_else(crate::new_control_id);
        let message_type = message_type_field(checked);
        // Values given are written with `set`, escaped, so none can break the header.
        let header = format!(
            "MSH|^~\\&|||||{time}||{message_type}||P|{}\r",
            checked.version.id()
        );
        let mut msg = Message::parse(header).map_err(NewMessageError::Invalid)?;
        msg.set(MSH_10, &control_id)?;
        for (path, value, raw) in &self.writes {
            if *raw {
                msg.set_er7(*path, value)?;
            } else {
                msg.set(*path, value)?;
            }
        }
        Ok(msg)
    }
}

/// MSH-9 as the version writes it: the structure as a third component where the version's
/// message type has one (from 2.3.1), the code alone where MSH-9 has no components (2.1).
fn message_type_field(checked: &Checked) -> String {
    let components = checked
        .version
        .segment("MSH")
        .and_then(|msh| msh.field(9))
        .and_then(|f| f.data_type)
        .and_then(|code| checked.version.data_type(code))
        .map_or(0, |t| t.components.len());
    match (components, checked.structure) {
        (0 | 1, _) => checked.code.clone(),
        (2, _) | (_, None) => format!("{}^{}", checked.code, checked.event),
        (_, Some(structure)) => format!("{}^{}^{structure}", checked.code, checked.event),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::datetime::Precision;
    use crate::validate::{Options, validate};

    fn fixed() -> DateTime {
        DateTime::parse("20240101120000+0000").unwrap()
    }

    #[test]
    fn the_header_is_complete_and_valid_in_every_version() {
        for version in schema::versions() {
            let msg = Message::builder("ADT^A08", version.id())
                .sender("ADT", "HOSP")
                .receiver("LAB", "HOSP")
                .time(fixed())
                .control_id("X1")
                .build()
                .unwrap();
            let report = validate(&msg, &Options::tolerant());
            let header: Vec<_> = report
                .findings
                .iter()
                .filter(|f| f.location_text().is_some_and(|l| l.starts_with("MSH")))
                .map(|f| f.message.clone())
                .collect();
            assert!(header.is_empty(), "HL7 {}: {header:?}", version.id());
            assert_eq!(msg.version(), version.id());
        }
    }

    #[test]
    fn writes_the_structure_where_the_version_has_it() {
        let built = |v: &str| {
            let msg = Message::builder("ORU^R01", v)
                .time(fixed())
                .control_id("C9")
                .build()
                .unwrap();
            String::from_utf8(msg.into_bytes()).unwrap()
        };
        assert_eq!(
            built("2.5.1"),
            "MSH|^~\\&|||||20240101120000+0000||ORU^R01^ORU_R01|C9|P|2.5.1\r"
        );
        assert_eq!(
            built("2.3"),
            "MSH|^~\\&|||||20240101120000+0000||ORU^R01|C9|P|2.3\r"
        );
    }

    #[test]
    fn mistakes_are_reported_by_build() {
        let err = |t: &str, v: &str| Message::builder(t, v).build().unwrap_err().to_string();
        assert_eq!(
            err("ORU^Z99", "2.5.1"),
            "ORU^Z99 is not a message type of HL7 2.5.1"
        );
        assert!(err("ORU^R01", "2.9").contains("unknown HL7 version"));
        assert!(err("oru^r01", "2.5.1").contains("is not a message type"));
        assert!(err("ADT^A04^ADT_A04", "2.5.1").contains("structure ADT_A01"));
        // Values given are text: a terminator in one cannot make a second segment.
        let odd = Message::builder("ORU^R01", "2.5.1")
            .control_id("A\rPID|1")
            .build()
            .unwrap();
        assert_eq!(
            (odd.segment_count(), &*odd.control_id().text()),
            (1, "A\rPID|1")
        );
        // A locally defined type has no schema structure and is written as given.
        let z = Message::builder("ZRS^Z01", "2.5.1").build().unwrap();
        assert_eq!(z.get(Path::parse("MSH-9").unwrap()).er7(), "ZRS^Z01");
    }

    #[test]
    fn the_last_value_given_for_a_field_wins() {
        let original =
            Message::parse("MSH|^~\\&|LIS|LAB^1.2^ISO|EHR|HOSP|20240101||ORU^R01|1|T|2.5.1\r")
                .unwrap();
        let header = |b: MessageBuilder| {
            let msg = b.time(fixed()).control_id("C").build().unwrap();
            let msh = msg.segment(0).unwrap();
            [3, 4, 5, 6, 11].map(|n| msh.field(n).er7().into_owned())
        };
        let base = || Message::builder("ORU^R01", "2.5.1");
        assert_eq!(
            header(
                base()
                    .addressed_like(&original)
                    .processing_id("D")
                    .sender("MF", "")
            ),
            ["MF", "", "EHR", "HOSP", "D"]
        );
        assert_eq!(
            header(
                base()
                    .processing_id("D")
                    .sender("MF^X^Y^Z", "F")
                    .addressed_like(&original)
            ),
            ["LIS", "LAB^1.2^ISO", "EHR", "HOSP", "T"]
        );
        assert_eq!(header(base()), ["", "", "", "", "P"]);
    }

    #[test]
    fn new_messages_get_new_control_ids_and_the_time_now() {
        let builder = Message::builder("ORU^R01", "2.5.1");
        let (a, b) = (builder.build().unwrap(), builder.build().unwrap());
        assert_ne!(a.control_id().raw(), b.control_id().raw());
        let sent = a.datetime(Path::parse("MSH-7").unwrap()).unwrap().unwrap();
        assert_eq!(sent.precision(), Precision::Second);
        assert_eq!(sent.offset().map(|o| o.seconds()), Some(0));
    }
}
