//! A profile: one HL7 version's schema plus the segments a site declares itself (Z-segments).

use super::model::{DataType, Segment, Version};
use super::resolve::{ResolveError, Resolved, resolve_in};
use crate::Path;

/// The schema an interface works against: a [`Version`] and the locally defined segments
/// (Z-segments) it declares. Path resolution (and validation) treats the declared segments
/// exactly like standard ones; a declared segment with a standard ID replaces the standard one.
///
/// A profile is `const`-constructible, so it can live in a `static`:
///
/// ```
/// use messagefoundry_hl7::schema::{self, Field, Profile, Segment};
/// static ZPI: Segment = Segment::custom("ZPI", "Patient Extras", &[
///     Field::new("Set ID - ZPI", "SI"),
///     Field::new("Pet Name", "XPN").repeating(),
/// ]);
/// static PROFILE: Profile = Profile::new(&schema::V2_5_1, std::slice::from_ref(&ZPI));
/// let r = PROFILE.resolve(&"ZPI-2.1".parse().unwrap()).unwrap();
/// assert_eq!(r.field.name, "Pet Name");
/// assert_eq!(r.component.unwrap().name, "Family Name");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Profile<'a> {
    version: &'a Version,
    custom_segments: &'a [Segment],
}

impl<'a> Profile<'a> {
    /// A profile of `version` plus the declared `custom_segments`.
    pub const fn new(version: &'a Version, custom_segments: &'a [Segment]) -> Profile<'a> {
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
    pub const fn custom_segments(&self) -> &'a [Segment] {
        self.custom_segments
    }

    /// The segment with this ID: a declared one first, then the version's.
    pub fn segment(&self, id: &str) -> Option<&'a Segment> {
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

    /// Says what `path` names in this profile, or why it names nothing; see
    /// [`crate::schema::resolve`].
    pub fn resolve(&self, path: &Path) -> Result<Resolved<'a>, ResolveError> {
        resolve_in(self, path)
    }
}
