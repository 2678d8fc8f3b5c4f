//! A profile: one HL7 version's schema plus the segments a site declares itself (Z-segments).

use super::model::{DataType, SegmentDef, Version};
use super::resolve::{ResolveError, Resolved, SegmentError, resolve_in, resolve_segment_in};
use crate::{Path, SegmentId};

/// The schema an interface works against: a [`Version`] and the locally defined segments
/// (Z-segments) it declares. Path resolution (and validation) treats the declared segments
/// exactly like standard ones; a declared segment with a standard ID replaces the standard one.
///
/// A profile is `const`-constructible, so it can live in a `static`:
///
/// ```
/// use messagefoundry_hl7::schema::{self, Field, Profile, SegmentDef};
/// # #[cfg(feature = "v2_5_1")] {
/// static ZPI: SegmentDef = SegmentDef::custom("ZPI", "Patient Extras", &[
///     Field::new("Set ID - ZPI", "SI"),
///     Field::new("Pet Name", "XPN").repeating(),
/// ]);
/// static PROFILE: Profile = Profile::new(&schema::V2_5_1, std::slice::from_ref(&ZPI));
/// let r = PROFILE.resolve(&"ZPI-2.1".parse().unwrap()).unwrap();
/// assert_eq!(r.field.name, "Pet Name");
/// assert_eq!(r.component.unwrap().name, "Family Name");
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Profile<'a> {
    version: &'a Version,
    custom_segments: &'a [SegmentDef],
}

impl<'a> Profile<'a> {
    /// A profile of `version` plus the declared `custom_segments`.
    pub const fn new(version: &'a Version, custom_segments: &'a [SegmentDef]) -> Profile<'a> {
        Profile {
            version,
            custom_segments,
        }
    }

    /// The standard schema of `version`, with no declared segments.
    pub const fn standard(version: &'a Version) -> Profile<'a> {
        Profile::new(version, &[])
    }

    /// The HL7 version.
    pub const fn version(&self) -> &'a Version {
        self.version
    }

    /// The declared segments.
    pub const fn custom_segments(&self) -> &'a [SegmentDef] {
        self.custom_segments
    }

    /// The segment with this ID: a declared one first, then the version's.
    pub fn segment(&self, id: &str) -> Option<&'a SegmentDef> {
        self.custom_segments
            .iter()
            .find(|s| s.id == id)
            .or_else(|| self.version.segment(id))
    }

    /// The data type with this code in the profile's version.
    pub fn data_type(&self, code: &str) -> Option<&'a DataType> {
        self.version.data_type(code)
    }

    /// Every segment ID the profile knows: declared ones and the version's.
    pub fn segment_ids(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.custom_segments
            .iter()
            .chain(self.version.segments())
            .map(|s| s.id)
    }

    /// Checks the declared segments against the version: every declared data type must exist
    /// in it, and no segment may be declared twice. Returns every mistake found.
    ///
    /// ```
    /// use messagefoundry_hl7::schema::{self, Field, Profile, SegmentDef};
    /// # #[cfg(feature = "v2_5_1")] {
    /// static ZPI: [SegmentDef; 1] = [SegmentDef::custom("ZPI", "Patient Extras", &[Field::new("Pet", "XYZ")])];
    /// let v = schema::version("2.5.1").unwrap();
    /// let problems = Profile::new(v, &ZPI).check();
    /// assert_eq!(problems[0].to_string(), "ZPI-1 (Pet) is declared as XYZ, a data type HL7 2.5.1 does not define");
    /// # }
    /// ```
    pub fn check(&self) -> Vec<DeclarationError> {
        let mut problems = Vec::new();
        for (i, segment) in self.custom_segments.iter().enumerate() {
            if self.custom_segments[..i].iter().any(|s| s.id == segment.id) {
                problems.push(DeclarationError::DeclaredTwice {
                    segment: segment.id,
                });
            }
            for (n, field) in (1..).zip(segment.fields) {
                if let Some(dt) = field.data_type
                    && self.version.data_type(dt).is_none()
                {
                    problems.push(DeclarationError::UnknownDataType {
                        segment: segment.id,
                        field: n,
                        name: field.name,
                        data_type: dt,
                        version: self.version.id(),
                    });
                }
            }
        }
        problems
    }

    /// Says what `path` names in this profile, or why it names nothing; see
    /// [`crate::schema::resolve`].
    pub fn resolve(&self, path: &Path) -> Result<Resolved<'a>, ResolveError> {
        resolve_in(self, path)
    }

    /// The segment `id` names in this profile (a declared one first), or why it names none.
    ///
    /// ```
    /// use messagefoundry_hl7::{SegmentId, schema::{self, Profile}};
    /// # #[cfg(feature = "v2_5_1")] {
    /// let profile = Profile::standard(&schema::V2_5_1);
    /// let obx = SegmentId::from_slice(b"OBX").unwrap();
    /// assert_eq!(profile.resolve_segment(obx).unwrap().name, Some("Observation/Result"));
    /// let typo = SegmentId::from_slice(b"OBZ").unwrap();
    /// assert_eq!(
    ///     profile.resolve_segment(typo).unwrap_err().to_string(),
    ///     "unknown segment OBZ in HL7 2.5.1; did you mean OBR or OBX?"
    /// );
    /// # }
    /// ```
    pub fn resolve_segment(&self, id: SegmentId) -> Result<&'a SegmentDef, SegmentError> {
        resolve_segment_in(self, id)
    }
}

/// A mistake in a profile's declared segments, found by [`Profile::check`].
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeclarationError {
    /// A declared field's data type does not exist in the version.
    #[error(
        "{segment}-{field} ({name}) is declared as {data_type}, a data type HL7 {version} does not define"
    )]
    UnknownDataType {
        /// The segment ID.
        segment: &'static str,
        /// The field number.
        field: u16,
        /// The field's name.
        name: &'static str,
        /// The declared data type.
        data_type: &'static str,
        /// The HL7 version.
        version: &'static str,
    },
    /// Two declared segments share an ID.
    #[error("segment {segment} is declared twice")]
    DeclaredTwice {
        /// The segment ID.
        segment: &'static str,
    },
}

#[cfg(all(test, feature = "v2_5_1"))]
mod tests {
    use super::*;
    use crate::schema::{Field, V2_5_1};

    static DECLARED: [SegmentDef; 3] = [
        SegmentDef::custom(
            "ZPI",
            "One",
            &[Field::new("A", "ST"), Field::new("B", "NOPE")],
        ),
        SegmentDef::custom("ZPI", "Two", &[]),
        // Replaces the standard PV2 for this profile.
        SegmentDef::custom("PV2", "Site PV2", &[Field::new("Only", "ST")]),
    ];

    #[test]
    fn declared_segments_come_first_and_are_checked() {
        let profile = Profile::new(&V2_5_1, &DECLARED);
        assert_eq!(profile.segment("ZPI").map(|s| s.name), Some(Some("One")));
        assert_eq!(profile.segment("PV2").map(|s| s.fields.len()), Some(1));
        assert_eq!(profile.segment("PID").map(|s| s.fields.len()), Some(39));
        assert!(profile.segment("ZZZ").is_none());
        let problems: Vec<_> = profile.check().iter().map(ToString::to_string).collect();
        assert_eq!(
            problems,
            [
                "ZPI-2 (B) is declared as NOPE, a data type HL7 2.5.1 does not define",
                "segment ZPI is declared twice"
            ]
        );
        assert!(Profile::standard(&V2_5_1).check().is_empty());
    }
}
