//! [`MessageType`]: the type MSH-9 gives a message, and the structure it has in a version.

use std::fmt;

use crate::schema::{Structure, Version};

/// A message type as MSH-9 writes it: `ORU^R01`, or with the structure, `ORU^R01^ORU_R01`.
///
/// ```
/// use messagefoundry_hl7::MessageType;
/// # #[cfg(feature = "v2_5_1")] {
/// let v = messagefoundry_hl7::schema::version("2.5.1").unwrap();
/// let adt = MessageType::parse("ADT^A04")?;
/// assert_eq!(adt.structure_in(v)?.map(|s| s.id), Some("ADT_A01"));
/// assert!(MessageType::parse("ORU^Z99")?.structure_in(v).is_err());
/// assert!(MessageType::parse("ZRS^Z01")?.structure_in(v)?.is_none()); // locally defined
/// assert!(MessageType::parse("ORU-R01").is_err());
/// # }
/// # Ok::<(), messagefoundry_hl7::MessageTypeError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct MessageType<'a> {
    /// The message code (MSH-9.1): three upper-case letters, `ORU`.
    pub code: &'a str,
    /// The trigger event (MSH-9.2): three upper-case letters or digits, `R01`.
    pub event: &'a str,
    /// The message structure (MSH-9.3), when given: `ORU_R01`.
    pub structure: Option<&'a str>,
}

/// Why a message type is not one, or not one of a version.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MessageTypeError {
    /// Not `CODE^EVENT[^STRUCTURE]`.
    #[error("{0:?} is not a message type; write it as MSH-9 has it, like \"ORU^R01\"")]
    Malformed(String),
    /// The version has no such message type (and it is not a locally defined `Z…` one).
    #[error("{message_type} is not a message type of HL7 {version}")]
    Unknown {
        /// The type, as written.
        message_type: String,
        /// The version, `2.5.1`.
        version: &'static str,
    },
    /// MSH-9.3 names a structure the version does not define, or not the one of the type.
    #[error("{message_type}: HL7 {version} gives this message type the structure {expected}")]
    WrongStructure {
        /// The type, as written.
        message_type: String,
        /// The version, `2.5.1`.
        version: &'static str,
        /// The structure the version gives the code and event.
        expected: &'static str,
    },
}

impl<'a> MessageType<'a> {
    /// Reads `CODE^EVENT` or `CODE^EVENT^STRUCTURE`.
    ///
    /// # Errors
    ///
    /// [`MessageTypeError::Malformed`] when the code is not three upper-case letters, the
    /// event not three upper-case letters or digits, or the structure not upper-case letters,
    /// digits and `_`.
    pub fn parse(text: &'a str) -> Result<MessageType<'a>, MessageTypeError> {
        let mut parts = text.split('^');
        let (code, event) = (parts.next().unwrap_or_default(), parts.next());
        let structure = parts.next();
        let three = |s: &str, ok: fn(&u8) -> bool| s.len() == 3 && s.as_bytes().iter().all(ok);
        let upper = |b: &u8| b.is_ascii_uppercase();
        let upper_or_digit = |b: &u8| b.is_ascii_uppercase() || b.is_ascii_digit();
        let well_formed = three(code, upper)
            && event.is_some_and(|e| three(e, upper_or_digit))
            && structure.is_none_or(|s| {
                !s.is_empty() && s.bytes().all(|b| upper_or_digit(&b) || b == b'_')
            })
            && parts.next().is_none();
        match event {
            Some(event) if well_formed => Ok(MessageType {
                code,
                event,
                structure,
            }),
            _ => Err(MessageTypeError::Malformed(text.to_owned())),
        }
    }

    /// The structure the type has in `version`; `None` for a locally defined type (a code
    /// beginning with `Z`) that the version does not know, whose structure is the site's own.
    ///
    /// # Errors
    ///
    /// [`MessageTypeError::Unknown`] and [`MessageTypeError::WrongStructure`].
    pub fn structure_in(
        &self,
        version: &Version,
    ) -> Result<Option<&'static Structure>, MessageTypeError> {
        let Some(found) = version.structure_for(self.code, self.event) else {
            if self.code.starts_with('Z') {
                return Ok(None);
            }
            return Err(MessageTypeError::Unknown {
                message_type: self.to_string(),
                version: version.id(),
            });
        };
        match self.structure {
            Some(named) if named != found.id => Err(MessageTypeError::WrongStructure {
                message_type: self.to_string(),
                version: version.id(),
                expected: found.id,
            }),
            _ => Ok(Some(found)),
        }
    }
}

/// As MSH-9 writes it.
impl fmt::Display for MessageType<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}^{}", self.code, self.event)?;
        if let Some(s) = self.structure {
            write!(f, "^{s}")?;
        }
        Ok(())
    }
}
