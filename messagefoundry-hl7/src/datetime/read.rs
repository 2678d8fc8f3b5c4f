//! Reading a TS or DTM at a path of a message.

use super::{DateTime, DateTimeError};
use crate::message::{IntoPath, Message};
use crate::path::Path;

impl Message {
    /// Reads the date/time at `path`: a DTM, or a TS with its degree of precision (TS.2) when
    /// the path names a whole field or component (the degree then stands one level below).
    /// `None` when the value is empty, absent or the null `""`.
    ///
    /// ```
    /// use messagefoundry_hl7::{Message, Path};
    /// use messagefoundry_hl7::datetime::Precision;
    /// let msg = Message::parse("MSH|^~\\&|||||20240101120000-0500||ORU^R01|1|P|2.3\rOBR|1||||||199901011230^D\r")?;
    /// let sent = msg.datetime(Path::parse("MSH-7")?)?.unwrap();
    /// assert_eq!(sent.to_string(), "20240101120000-0500");
    /// let observed = msg.datetime(Path::parse("OBR-7")?)?.unwrap();
    /// assert_eq!(observed.precision(), Precision::Day); // TS.2 says D
    /// assert_eq!(msg.datetime(Path::parse("OBR-8")?)?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`DateTimeError`] when the value is not a date/time or the degree is not one of
    /// table 0529's codes.
    pub fn datetime(&self, path: impl IntoPath) -> Result<Option<DateTime>, DateTimeError> {
        let path = path.into_path();
        let value = self.get(path);
        if value.is_empty() || value.is_null() {
            return Ok(None);
        }
        let time = value.text(); // the first leaf: TS.1
        let degree = match degree_of(path) {
            Some(at) => self.get(at).text(),
            None => "".into(),
        };
        DateTime::parse_ts(&time, &degree).map(Some)
    }
}

/// Where a TS's degree of precision stands, when `path` names a whole TS.
fn degree_of(path: Path) -> Option<Path> {
    match (path.component, path.subcomponent) {
        (None, _) => Some(Path {
            component: Some(2),
            ..path
        }),
        (Some(_), None) => Some(Path {
            subcomponent: Some(2),
            ..path
        }),
        (Some(_), Some(_)) => None,
    }
}
