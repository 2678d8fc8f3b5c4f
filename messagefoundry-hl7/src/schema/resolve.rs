//! Path resolution: what an HL7 path such as `PID-5.1` names in a schema, or why it names
//! nothing.
//!
//! The compile-time macros print these errors verbatim and point inside the path literal with
//! [`ResolveError::span`], so each message says what is wrong, with the numbers, and how to fix
//! it.

use std::fmt;
use std::ops::Range;

use super::generated::{ALL, SEGMENT_HISTORY};
use super::model::{Component, DataType, Field, SegmentDef, Version};
use super::profile::Profile;
use super::suggest;
use crate::{Path, SegmentId};

/// Says what `path` names in the standard schema of `version`, or why it names nothing.
///
/// Declared Z-segments are resolved through a [`Profile`] instead.
///
/// ```
/// use messagefoundry_hl7::{schema, Path};
/// # #[cfg(feature = "v2_5_1")] {
/// let v = schema::version("2.5.1").unwrap();
/// let r = schema::resolve(v, &Path::parse("PID-5.1").unwrap()).unwrap();
/// assert_eq!((r.field.name, r.component.unwrap().name), ("Patient Name", "Family Name"));
/// let e = schema::resolve(v, &Path::parse("OBR-55").unwrap()).unwrap_err();
/// assert_eq!(e.to_string(), "OBR has 50 fields in HL7 2.5.1; OBR-55 does not exist");
/// assert_eq!(&e.path().to_string()[e.span()], "55");
/// # }
/// ```
pub fn resolve<'a>(version: &'a Version, path: &Path) -> Result<Resolved<'a>, ResolveError> {
    Profile::standard(version).resolve(path)
}

/// A part of an HL7 path, for pointing at the part a finding is about.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PathPart {
    /// The segment ID, `PID` in `PID[2]-3`.
    Segment,
    /// The segment occurrence, `[2]` in `PID[2]-3`.
    Occurrence,
    /// The field number, `3` in `PID-3[2].1`.
    Field,
    /// The field repetition, `[2]` in `PID-3[2].1`.
    Repetition,
    /// The component number, `1` in `PID-3[2].1`.
    Component,
    /// The sub-component number, `2` in `PID-5.1.2`.
    Subcomponent,
}

impl PathPart {
    /// The byte range of this part within `path.to_string()`. A part the path does not have
    /// gives an empty range where it would stand.
    ///
    /// ```
    /// use messagefoundry_hl7::{schema::PathPart, Path};
    /// let p = Path::parse("OBX[2]-5[3].1.2").unwrap();
    /// let text = p.to_string();
    /// assert_eq!(&text[PathPart::Occurrence.span(&p)], "[2]");
    /// assert_eq!(&text[PathPart::Repetition.span(&p)], "[3]");
    /// assert_eq!(&text[PathPart::Subcomponent.span(&p)], "2");
    /// ```
    pub fn span(self, path: &Path) -> Range<usize> {
        self.span_in(&path.to_string())
    }

    /// The byte range of this part within `text`, the path as the user wrote it (which may
    /// differ from `path.to_string()`, e.g. in leading zeros). A part the text does not have
    /// gives an empty range where it would stand; text that is not a path gives `0..0` or
    /// stops early.
    ///
    /// ```
    /// use messagefoundry_hl7::schema::PathPart;
    /// assert_eq!(PathPart::Field.span_in("OBR-055"), 4..7);
    /// ```
    pub fn span_in(self, text: &str) -> Range<usize> {
        let b = text.as_bytes();
        let digits_from = |start: usize| {
            let mut end = start;
            while end < b.len() && b[end].is_ascii_digit() {
                end += 1;
            }
            start..end
        };
        let bracket_from = |start: usize| {
            if b.get(start) == Some(&b'[') {
                let inner = digits_from(start + 1);
                let end = if b.get(inner.end) == Some(&b']') {
                    inner.end + 1
                } else {
                    inner.end
                };
                start..end
            } else {
                start..start
            }
        };
        let after = |sep: u8, at: usize| {
            if b.get(at) == Some(&sep) {
                digits_from(at + 1)
            } else {
                at..at
            }
        };
        let segment = 0..3.min(b.len());
        let occurrence = bracket_from(segment.end);
        let field = after(b'-', occurrence.end);
        let repetition = bracket_from(field.end);
        let component = after(b'.', repetition.end);
        let subcomponent = if component.is_empty() {
            component.end..component.end
        } else {
            after(b'.', component.end)
        };
        match self {
            PathPart::Segment => segment,
            PathPart::Occurrence => occurrence,
            PathPart::Field => field,
            PathPart::Repetition => repetition,
            PathPart::Component => component,
            PathPart::Subcomponent => subcomponent,
        }
    }
}

/// What a path names: the segment and field, and the component and sub-component when the
/// path goes that deep.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Resolved<'a> {
    /// The path that was resolved.
    pub path: Path,
    /// The segment, standard or declared.
    pub segment: &'a SegmentDef,
    /// The field.
    pub field: &'a Field,
    /// The field's data type, when it has a known one.
    pub field_type: Option<&'a DataType>,
    /// The component the path names, when it names one whose definition is known. `None` when
    /// the path stops at the field, and also when the field's type gives no components to
    /// check against (`varies`, a withdrawn field, a primitive read as its own component 1).
    pub component: Option<&'a Component>,
    /// The component's data type, when known (for a primitive field read as its own
    /// component 1, the field's type).
    pub component_type: Option<&'a DataType>,
    /// The sub-component the path names, when it names one whose definition is known.
    pub subcomponent: Option<&'a Component>,
    /// The sub-component's data type, when known.
    pub subcomponent_type: Option<&'a DataType>,
    /// Findings that do not make the path wrong but are worth a look, such as a repetition
    /// index on a field that does not repeat or a withdrawn field.
    pub warnings: Vec<ResolveWarning>,
}

impl Resolved<'_> {
    /// The name of the most specific element the path names, e.g. "Family Name" for `PID-5.1`.
    pub fn name(&self) -> &'static str {
        self.subcomponent
            .or(self.component)
            .map_or(self.field.name, |c| c.name)
    }

    /// The data type code of the most specific element the path names, if known.
    pub fn data_type(&self) -> Option<&'static str> {
        let (element, resolved) = match (self.path.component, self.path.subcomponent) {
            (_, Some(_)) => (self.subcomponent, self.subcomponent_type),
            (Some(_), None) => (self.component, self.component_type),
            (None, None) => return self.field.data_type,
        };
        resolved
            .map(|t| t.code)
            .or_else(|| element.and_then(|c| c.data_type))
    }

    /// The code table of the most specific element the path names, if it has one.
    pub fn table(&self) -> Option<&'static str> {
        match (self.path.component, self.path.subcomponent) {
            (_, Some(_)) => self.subcomponent.and_then(|c| c.table),
            (Some(_), None) => self.component.and_then(|c| c.table),
            (None, None) => self.field.table,
        }
    }
}

impl fmt::Display for Resolved<'_> {
    /// `PID-5.1 Family Name (FN)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.path, self.name())?;
        if let Some(dt) = self.data_type() {
            write!(f, " ({dt})")?;
        }
        Ok(())
    }
}

/// Why a path names nothing in a schema. The message names the path and the numbers, and
/// [`ResolveError::span`] gives the byte range of the wrong part within `path.to_string()`.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The segment is neither in the version nor declared.
    #[error(
        "unknown segment {segment} in HL7 {version}{}",
        hint(suggestions, defined_in)
    )]
    UnknownSegment {
        /// The path.
        path: Path,
        /// The segment ID.
        segment: SegmentId,
        /// The HL7 version.
        version: &'static str,
        /// Known segment IDs one edit away, sorted; empty when the segment is defined in
        /// other versions.
        suggestions: Vec<&'static str>,
        /// The other HL7 versions that define the segment, oldest first.
        defined_in: Vec<&'static str>,
    },
    /// A Z-segment that the profile does not declare.
    #[error(
        "segment {segment} is not declared; Z-segments are site-defined, so declare {segment} and its fields to use {path}"
    )]
    UndeclaredZSegment {
        /// The path.
        path: Path,
        /// The segment ID.
        segment: SegmentId,
    },
    /// The segment is withdrawn in this version and has no fields left.
    #[error("{segment} is withdrawn in HL7 {version} and has no fields; {path} does not exist")]
    WithdrawnSegment {
        /// The path.
        path: Path,
        /// The segment ID.
        segment: SegmentId,
        /// The HL7 version.
        version: &'static str,
    },
    /// The field number is past the segment's last field.
    #[error(
        "{segment} has {count} fields {}; {path} does not exist{}",
        where_from(version),
        it_does_in(defined_in)
    )]
    NoSuchField {
        /// The path.
        path: Path,
        /// The segment ID.
        segment: SegmentId,
        /// How many fields the segment has.
        count: usize,
        /// The HL7 version, or `None` for a declared segment.
        version: Option<&'static str>,
        /// The other HL7 versions where the segment has the field, oldest first.
        defined_in: Vec<&'static str>,
    },
    /// The path names a component (other than 1) of a field or component of primitive type.
    #[error(
        "{element} is {data_type}, a primitive type with no {}; {path} does not exist",
        parts(path)
    )]
    Primitive {
        /// The path.
        path: Path,
        /// The element that has the primitive type, e.g. `PID-8`.
        element: Path,
        /// The primitive type's code.
        data_type: &'static str,
    },
    /// The component or sub-component number is past the data type's last component.
    #[error("{data_type} has {count} components in HL7 {version}; {path} does not exist")]
    NoSuchComponent {
        /// The path.
        path: Path,
        /// The composite data type's code.
        data_type: &'static str,
        /// How many components it has.
        count: usize,
        /// The HL7 version.
        version: &'static str,
    },
}

/// Why a segment ID names no segment in a schema; see [`Profile::resolve_segment`].
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SegmentError {
    /// The segment is neither in the version nor declared.
    #[error(
        "unknown segment {segment} in HL7 {version}{}",
        hint(suggestions, defined_in)
    )]
    Unknown {
        /// The segment ID.
        segment: SegmentId,
        /// The HL7 version.
        version: &'static str,
        /// Known segment IDs one edit away, sorted; empty when the segment is defined in
        /// other versions.
        suggestions: Vec<&'static str>,
        /// The other HL7 versions that define the segment, oldest first.
        defined_in: Vec<&'static str>,
    },
    /// A Z-segment that the profile does not declare.
    #[error(
        "segment {segment} is not declared; Z-segments are site-defined, so declare {segment} and its fields"
    )]
    UndeclaredZSegment {
        /// The segment ID.
        segment: SegmentId,
    },
}

impl SegmentError {
    /// The same problem, found while resolving `path`.
    fn at(self, path: &Path) -> ResolveError {
        match self {
            SegmentError::Unknown {
                segment,
                version,
                suggestions,
                defined_in,
            } => ResolveError::UnknownSegment {
                path: *path,
                segment,
                version,
                suggestions,
                defined_in,
            },
            SegmentError::UndeclaredZSegment { segment } => ResolveError::UndeclaredZSegment {
                path: *path,
                segment,
            },
        }
    }
}

fn hint(suggestions: &[&str], defined_in: &[&str]) -> String {
    if !defined_in.is_empty() {
        format!(" (it is defined in HL7 {})", version_ranges(defined_in))
    } else if suggestions.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", suggest::or_list(suggestions))
    }
}

fn it_does_in(defined_in: &[&str]) -> String {
    if defined_in.is_empty() {
        String::new()
    } else {
        format!(" (it does in HL7 {})", version_ranges(defined_in))
    }
}

/// The other versions where segment `id` has at least `fields` fields (1 or more), oldest
/// first, whether or not they are compiled in.
fn versions_with(id: &str, fields: u16, except: &str) -> Vec<&'static str> {
    let Ok(i) = SEGMENT_HISTORY.binary_search_by(|(s, _)| (*s).cmp(id)) else {
        return Vec::new();
    };
    ALL.iter()
        .zip(SEGMENT_HISTORY[i].1)
        .filter(|((v, _), n)| *n > 0 && u16::from(*n) >= fields && *v != except)
        .map(|((v, _), _)| *v)
        .collect()
}

/// `2.5, 2.5.1, 2.6` → `2.5 to 2.6`: runs of versions that follow each other in the data set
/// are shortened, the rest listed (`2.1, 2.3 to 2.4`).
fn version_ranges(ids: &[&str]) -> String {
    let index = |id: &str| ALL.iter().position(|(v, _)| *v == id);
    let mut runs: Vec<(&str, &str)> = Vec::new();
    let mut last: Option<usize> = None;
    for id in ids {
        let i = index(id);
        match (runs.last_mut(), last, i) {
            (Some(run), Some(prev), Some(i)) if i == prev + 1 => run.1 = id,
            _ => runs.push((id, id)),
        }
        last = i;
    }
    runs.iter()
        .map(|(a, b)| {
            if a == b {
                (*a).to_string()
            } else {
                format!("{a} to {b}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn where_from(version: &Option<&str>) -> String {
    match version {
        Some(v) => format!("in HL7 {v}"),
        None => "as declared".to_string(),
    }
}

fn parts(path: &Path) -> &'static str {
    if path.subcomponent.is_some() {
        "sub-components"
    } else {
        "components"
    }
}

impl ResolveError {
    /// The path that failed to resolve.
    pub fn path(&self) -> &Path {
        match self {
            ResolveError::UnknownSegment { path, .. }
            | ResolveError::UndeclaredZSegment { path, .. }
            | ResolveError::WithdrawnSegment { path, .. }
            | ResolveError::NoSuchField { path, .. }
            | ResolveError::Primitive { path, .. }
            | ResolveError::NoSuchComponent { path, .. } => path,
        }
    }

    /// Which part of the path is wrong.
    pub fn part(&self) -> PathPart {
        match self {
            ResolveError::UnknownSegment { .. } | ResolveError::UndeclaredZSegment { .. } => {
                PathPart::Segment
            }
            ResolveError::WithdrawnSegment { .. } | ResolveError::NoSuchField { .. } => {
                PathPart::Field
            }
            ResolveError::Primitive { path, .. } | ResolveError::NoSuchComponent { path, .. } => {
                if path.subcomponent.is_some() {
                    PathPart::Subcomponent
                } else {
                    PathPart::Component
                }
            }
        }
    }

    /// The byte range of the wrong part within `self.path().to_string()`.
    pub fn span(&self) -> Range<usize> {
        self.part().span(self.path())
    }

    /// The byte range of the wrong part within `text`, the path as the user wrote it.
    pub fn span_in(&self, text: &str) -> Range<usize> {
        self.part().span_in(text)
    }
}

/// A finding that leaves the path valid but is worth a look. Macros may show these as
/// warnings; [`ResolveWarning::span`] points at the part concerned.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveWarning {
    /// A repetition index past what the field allows.
    #[error("{field} {}; {path} can never be present", repeats(*max))]
    RepetitionOutOfRange {
        /// The path.
        path: Path,
        /// The field, e.g. `PID-8`.
        field: Path,
        /// The most repetitions the field allows.
        max: u16,
    },
    /// The field is withdrawn and must not be valued.
    #[error("{field} ({name}) is withdrawn in HL7 {version} and must not be valued")]
    WithdrawnField {
        /// The path.
        path: Path,
        /// The field, e.g. `PID-2`.
        field: Path,
        /// The field's name.
        name: &'static str,
        /// The HL7 version.
        version: &'static str,
    },
    /// The component or sub-component is withdrawn and must not be valued.
    #[error("{element} ({name}) is withdrawn in HL7 {version} and must not be valued")]
    WithdrawnComponent {
        /// The path.
        path: Path,
        /// The component, e.g. `PID-5.6`.
        element: Path,
        /// The component's name.
        name: &'static str,
        /// The HL7 version.
        version: &'static str,
    },
    /// Component (or sub-component) 1 of a primitive value: it reads as the value itself.
    #[error("{element} is {data_type}, a primitive type; {path} is the same as {element}")]
    PrimitiveFirstPart {
        /// The path.
        path: Path,
        /// The element of primitive type, e.g. `PID-8`.
        element: Path,
        /// Its data type's code.
        data_type: &'static str,
    },
}

fn repeats(max: u16) -> String {
    if max == 1 {
        "does not repeat".to_string()
    } else {
        format!("repeats at most {max} times")
    }
}

impl ResolveWarning {
    /// The path the warning is about.
    pub fn path(&self) -> &Path {
        match self {
            ResolveWarning::RepetitionOutOfRange { path, .. }
            | ResolveWarning::WithdrawnField { path, .. }
            | ResolveWarning::WithdrawnComponent { path, .. }
            | ResolveWarning::PrimitiveFirstPart { path, .. } => path,
        }
    }

    /// Which part of the path the warning is about.
    pub fn part(&self) -> PathPart {
        match self {
            ResolveWarning::RepetitionOutOfRange { .. } => PathPart::Repetition,
            ResolveWarning::WithdrawnField { .. } => PathPart::Field,
            // `element` is the withdrawn component itself ...
            ResolveWarning::WithdrawnComponent { element, .. } => {
                if element.subcomponent.is_none() {
                    PathPart::Component
                } else {
                    PathPart::Subcomponent
                }
            }
            // ... but the primitive's parent here.
            ResolveWarning::PrimitiveFirstPart { element, .. } => {
                if element.component.is_none() {
                    PathPart::Component
                } else {
                    PathPart::Subcomponent
                }
            }
        }
    }

    /// The byte range of the part concerned within `self.path().to_string()`.
    pub fn span(&self) -> Range<usize> {
        self.part().span(self.path())
    }

    /// The byte range of the part concerned within `text`, the path as the user wrote it.
    pub fn span_in(&self, text: &str) -> Range<usize> {
        self.part().span_in(text)
    }
}

/// The path cut after the field (`PID-5[2].1` → `PID-5`), for naming the element in messages.
fn field_of(path: &Path) -> Path {
    Path {
        occurrence: None,
        repetition: None,
        component: None,
        subcomponent: None,
        ..*path
    }
}

/// The path cut after the component (`PID-5[2].1.2` → `PID-5.1`).
fn component_of(path: &Path) -> Path {
    Path {
        component: path.component,
        ..field_of(path)
    }
}

/// `PID-5` → `PID-5.n`, `PID-5.1` → `PID-5.1.n`.
fn child(parent: Path, n: u16) -> Path {
    match parent.component {
        None => Path {
            component: Some(n),
            ..parent
        },
        Some(_) => Path {
            subcomponent: Some(n),
            ..parent
        },
    }
}

/// What one level (component or sub-component) of a path resolved to.
struct Level<'a> {
    component: Option<&'a Component>,
    data_type: Option<&'a DataType>,
}

/// The segment `id` names in `profile`, or why it names none.
pub(crate) fn resolve_segment_in<'a>(
    profile: &Profile<'a>,
    id: SegmentId,
) -> Result<&'a SegmentDef, SegmentError> {
    let text = id.as_str();
    if let Some(segment) = profile.segment(text) {
        return Ok(segment);
    }
    if id.is_z_segment() {
        return Err(SegmentError::UndeclaredZSegment { segment: id });
    }
    let version = profile.version().id();
    let defined_in = versions_with(text, 1, version);
    let suggestions = if defined_in.is_empty() {
        suggest::nearest(text, profile.segment_ids())
    } else {
        Vec::new()
    };
    Err(SegmentError::Unknown {
        segment: id,
        version,
        suggestions,
        defined_in,
    })
}

pub(crate) fn resolve_in<'a>(
    profile: &Profile<'a>,
    path: &Path,
) -> Result<Resolved<'a>, ResolveError> {
    let version = profile.version();
    let id = path.segment.as_str();
    let segment = resolve_segment_in(profile, path.segment).map_err(|e| e.at(path))?;
    let Some(field) = segment.field(path.field) else {
        if segment.withdrawn && segment.fields.is_empty() {
            return Err(ResolveError::WithdrawnSegment {
                path: *path,
                segment: path.segment,
                version: version.id(),
            });
        }
        let defined_in = if segment.custom {
            Vec::new()
        } else {
            versions_with(id, path.field, version.id())
        };
        return Err(ResolveError::NoSuchField {
            path: *path,
            segment: path.segment,
            count: segment.fields.len(),
            version: (!segment.custom).then(|| version.id()),
            defined_in,
        });
    };
    let mut warnings = Vec::new();
    if field.withdrawn {
        warnings.push(ResolveWarning::WithdrawnField {
            path: *path,
            field: field_of(path),
            name: field.name,
            version: version.id(),
        });
    }
    if let (Some(rep), Some(max)) = (path.repetition, field.repetitions.max)
        && rep > max
        && max >= 1
    {
        warnings.push(ResolveWarning::RepetitionOutOfRange {
            path: *path,
            field: field_of(path),
            max,
        });
    }
    let field_type = field.data_type.and_then(|dt| profile.data_type(dt));

    let component = match path.component {
        None => Level {
            component: None,
            data_type: None,
        },
        Some(n) => descend(version, path, field_of(path), field_type, n, &mut warnings)?,
    };
    let subcomponent = match (path.component, path.subcomponent) {
        (Some(_), Some(n)) => {
            // A component read as a primitive's own value has the primitive's type.
            let parent_type = component.data_type;
            descend(
                version,
                path,
                component_of(path),
                parent_type,
                n,
                &mut warnings,
            )?
        }
        _ => Level {
            component: None,
            data_type: None,
        },
    };
    Ok(Resolved {
        path: *path,
        segment,
        field,
        field_type,
        component: component.component,
        component_type: component.data_type,
        subcomponent: subcomponent.component,
        subcomponent_type: subcomponent.data_type,
        warnings,
    })
}

/// Resolves component `n` of `parent` (a field or a component) of type `parent_type`.
fn descend<'a>(
    version: &'a Version,
    path: &Path,
    parent: Path,
    parent_type: Option<&'a DataType>,
    n: u16,
    warnings: &mut Vec<ResolveWarning>,
) -> Result<Level<'a>, ResolveError> {
    let unknown = Level {
        component: None,
        data_type: None,
    };
    // No type to check against: withdrawn, `varies`, or a type the version does not define.
    let Some(parent_type) = parent_type.filter(|t| !t.varies) else {
        return Ok(unknown);
    };
    if parent_type.is_primitive() {
        if n == 1 {
            warnings.push(ResolveWarning::PrimitiveFirstPart {
                path: *path,
                element: parent,
                data_type: parent_type.code,
            });
            return Ok(Level {
                component: None,
                data_type: Some(parent_type),
            });
        }
        return Err(ResolveError::Primitive {
            path: *path,
            element: parent,
            data_type: parent_type.code,
        });
    }
    let Some(component) = parent_type.component(n) else {
        return Err(ResolveError::NoSuchComponent {
            path: *path,
            data_type: parent_type.code,
            count: parent_type.components.len(),
            version: version.id(),
        });
    };
    if component.withdrawn {
        warnings.push(ResolveWarning::WithdrawnComponent {
            path: *path,
            element: child(parent, n),
            name: component.name,
            version: version.id(),
        });
    }
    Ok(Level {
        component: Some(component),
        data_type: component.data_type.and_then(|dt| version.data_type(dt)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(text: &str) -> Vec<(PathPart, String)> {
        let p = Path::parse(text).unwrap();
        let shown = p.to_string();
        [
            PathPart::Segment,
            PathPart::Occurrence,
            PathPart::Field,
            PathPart::Repetition,
            PathPart::Component,
            PathPart::Subcomponent,
        ]
        .into_iter()
        .map(|part| (part, shown[part.span(&p)].to_string()))
        .collect()
    }

    #[test]
    fn spans_cover_each_part() {
        let got = spans("OBX[12]-5[300].10.2");
        let texts: Vec<_> = got.iter().map(|(_, t)| t.as_str()).collect();
        assert_eq!(texts, ["OBX", "[12]", "5", "[300]", "10", "2"]);
        let texts: Vec<_> = spans("PID-3").into_iter().map(|(_, t)| t).collect();
        assert_eq!(texts, ["PID", "", "3", "", "", ""]);
        let p = Path::parse("PID-3").unwrap();
        assert_eq!(PathPart::Component.span(&p), 5..5);
        assert_eq!(PathPart::Repetition.span_in("PID-03[002].01.2"), 6..11);
        assert_eq!(PathPart::Subcomponent.span_in("PID-03[002].01.2"), 15..16);
        assert_eq!(PathPart::Subcomponent.span_in("PID-3.1"), 7..7);
        assert_eq!(PathPart::Field.span_in("PI"), 2..2);
    }

    #[test]
    fn version_ranges_shorten_runs() {
        assert_eq!(version_ranges(&["2.5", "2.5.1", "2.6"]), "2.5 to 2.6");
        assert_eq!(
            version_ranges(&["2.1", "2.3", "2.3.1", "2.4"]),
            "2.1, 2.3 to 2.4"
        );
        assert_eq!(version_ranges(&["2.8.2"]), "2.8.2");
        assert_eq!(versions_with("SPM", 30, "2.7"), ["2.8", "2.8.1", "2.8.2"]);
        assert!(versions_with("ZZZ", 1, "2.5").is_empty());
    }

    #[test]
    fn element_paths_drop_what_they_should() {
        let p = Path::parse("PID[2]-5[3].1.2").unwrap();
        assert_eq!(field_of(&p).to_string(), "PID-5");
        assert_eq!(component_of(&p).to_string(), "PID-5.1");
        assert_eq!(child(field_of(&p), 4).to_string(), "PID-5.4");
        assert_eq!(child(component_of(&p), 4).to_string(), "PID-5.1.4");
    }

    #[cfg(feature = "v2_7")]
    #[test]
    fn withdrawn_segments_and_components() {
        let v = crate::schema::version("2.7").unwrap();
        let e = resolve(v, &Path::parse("QRD-1").unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "QRD is withdrawn in HL7 2.7 and has no fields; QRD-1 does not exist"
        );
        let r = resolve(v, &Path::parse("PID-5.6").unwrap()).unwrap();
        assert!(r.warnings.is_empty(), "{:?}", r.warnings);
        let r = resolve(v, &Path::parse("PID-11.12").unwrap()).unwrap();
        assert_eq!(
            r.warnings[0].to_string(),
            "PID-11.12 (Address Validity Range) is withdrawn in HL7 2.7 and must not be valued"
        );
        assert_eq!(r.warnings[0].part(), PathPart::Component);
    }
}
