//! The segment-structure pass: order, groups, required segments and repetition counts.
//!
//! # Structure matching approach
//!
//! The matcher walks the structure tree and the message's segments together, once, greedily:
//!
//! * A node takes as many consecutive occurrences as fit (a segment node: segments with its ID;
//!   a group node: group instances, each started by a segment in the group's *first set*: the
//!   IDs of its leading children up to and including its first required child; a choice
//!   group: any child's first set).
//! * When the next segment does not fit the current node, the matcher looks ahead one
//!   segment: if a later node of this sequence, a new instance of an enclosing repeating
//!   group, or a later node of any enclosing sequence can start with it, the current node is
//!   done (a missing required node is reported) and matching moves on. Otherwise the segment
//!   has no place anywhere ahead: it is reported where it stands (out of order if the
//!   structure holds its ID elsewhere, unexpected if not, nothing for allowed Z-segments) and
//!   skipped, and matching resumes in the same place. `*` (any segment) takes a segment only
//!   when nothing after it could.
//!
//! * Where a required node is still missing and the segment after the current one would
//!   start it, the current segment is taken as the stray one (`ORC RXR RXE RXR` in RDE_O11:
//!   the first RXR is out of order, rather than RXE missing and then out of order).
//! * One ambiguity needs more than one segment of lookahead: a group whose first set overlaps
//!   what may follow it (SUR_P09: `{PSH PDC}+ PSH ...`; OML_O21: an ORC after an order's
//!   details starts either a PRIOR_RESULT or the next ORDER). There the matcher makes a
//!   *trial run* of one more instance, reporting nothing, and starts the instance only if no
//!   required segment of it would be missing. Trials do not nest, and in a trial a missing
//!   required node is never excused by the rule above.
//!
//! It never backtracks beyond that one trial: each segment is consumed or skipped once (at
//! most twice with a trial), and each step looks at most at the rest of the structure, so the
//! cost is bounded by segments × structure size (no exponential blow-up on adversarial input).
//! The price is the usual greedy one: a choice takes the first child that can start with the
//! segment, and a missing required segment at the very start of a group makes the whole
//! group unrecognisable, so its other segments are reported as out of order.

use crate::SegmentId;
use crate::ack::{ErrorEntry, ErrorLocation, Severity};
use crate::schema::{Cardinality, Group, Node, Structure};

use super::Validator;
use super::report::{Finding, Rule};

/// Checks the message's segments against `structure`.
pub(crate) fn check(v: &mut Validator<'_, '_>, structure: &'static Structure) {
    let mut m = Matcher {
        v,
        structure,
        pos: 0,
        trial: false,
        trial_errors: 0,
    };
    m.sequence(structure.nodes, None, None);
    while m.pos < m.v.occurrences.len() {
        m.stray(None);
        m.pos += 1;
    }
}

/// Where the matcher stands: a sequence of nodes, the index after the current node, the
/// group the sequence belongs to, and the enclosing frame. Lives on the call stack.
struct Frame<'p> {
    nodes: &'static [Node],
    next: usize,
    group: Option<&'static Group>,
    parent: Option<&'p Frame<'p>>,
}

struct Matcher<'m, 'v, 'a> {
    v: &'m mut Validator<'v, 'a>,
    structure: &'static Structure,
    /// The index of the next segment to match.
    pos: usize,
    /// Whether this is a trial run: findings are only counted, in `trial_errors`.
    trial: bool,
    trial_errors: u32,
}

impl Matcher<'_, '_, '_> {
    fn peek(&self) -> Option<SegmentId> {
        self.v.occurrences.get(self.pos).map(|(id, _)| *id)
    }

    /// Matches `nodes` in order against the segments from `pos`.
    fn sequence(
        &mut self,
        nodes: &'static [Node],
        group: Option<&'static Group>,
        parent: Option<&Frame<'_>>,
    ) {
        for (i, node) in nodes.iter().enumerate() {
            let frame = Frame {
                nodes,
                next: i + 1,
                group,
                parent,
            };
            let card = node.cardinality();
            let mut count: u16 = 0;
            while let Some(id) = self.peek() {
                let start = self.pos;
                if self.starts(node, id, &frame) {
                    if count >= card.min
                        && matches!(node, Node::Group(_))
                        && ahead(id, &frame)
                        && !self.try_instance(node, &frame)
                    {
                        // What follows the group starts the same way, and another instance
                        // would not be complete: leave the segment to what follows.
                        break;
                    }
                    if !card.allows(count.saturating_add(1)) {
                        if ahead(id, &frame) {
                            break;
                        }
                        self.too_many(node, card);
                    }
                    count = count.saturating_add(1);
                    self.consume(node, &frame);
                    if self.pos == start {
                        // Cannot happen with the first sets above; never loop on it.
                        break;
                    }
                    continue;
                }
                if ahead(id, &frame) {
                    // A required node still missing whose start is the very next segment:
                    // this one is the stray, not the node.
                    let next_starts = self
                        .v
                        .occurrences
                        .get(self.pos + 1)
                        .is_some_and(|(next, _)| first(node, *next));
                    if count >= card.min || !next_starts || self.trial {
                        break;
                    }
                }
                self.stray(Some(&frame));
                self.pos += 1;
            }
            // A required group none of whose segments is required is there even when empty.
            let empty_ok = matches!(node, Node::Group(g) if first_required(g).is_none());
            if count < card.min && !empty_ok {
                self.missing(node, &frame);
            }
        }
    }

    /// Whether one more instance of `node` would be complete (no required segment missing).
    /// Trial runs do not nest, so this costs at most one extra pass over the instance.
    fn try_instance(&mut self, node: &'static Node, frame: &Frame<'_>) -> bool {
        if self.trial {
            return true;
        }
        let saved = self.pos;
        self.trial = true;
        self.trial_errors = 0;
        self.consume(node, frame);
        let clean = self.trial_errors == 0;
        self.trial = false;
        self.pos = saved;
        clean
    }

    /// Records a finding, or during a trial run only counts missing segments.
    fn push(&mut self, finding: Finding) {
        if self.trial {
            if finding.rule == Rule::RequiredSegment {
                self.trial_errors += 1;
            }
        } else {
            self.v.report.push(finding);
        }
    }

    /// Whether `node` can take the segment `id` now.
    fn starts(&self, node: &'static Node, id: SegmentId, frame: &Frame<'_>) -> bool {
        match node {
            Node::AnySegment { .. } => id != SegmentId::MSH && !ahead_named(id, frame, false),
            _ => first(node, id),
        }
    }

    /// Consumes one occurrence of `node`.
    fn consume(&mut self, node: &'static Node, frame: &Frame<'_>) {
        match node {
            Node::Segment { .. } | Node::AnySegment { .. } => self.pos += 1,
            Node::Group(g) if g.choice => {
                let Some(id) = self.peek() else { return };
                if let Some(k) = g.children.iter().position(|c| first(c, id)) {
                    self.sequence(&g.children[k..=k], Some(g), Some(frame));
                }
            }
            Node::Group(g) => self.sequence(g.children, Some(g), Some(frame)),
        }
    }

    /// Reports the segment at `pos`, which has no place here nor ahead, unless it is allowed.
    fn stray(&mut self, frame: Option<&Frame<'_>>) {
        let index = self.pos;
        let (id, _) = self.v.occurrences[index];
        let options = self.v.options;
        let declared = options.custom_segments.iter().any(|s| id.as_str() == s.id);
        let structure = self.structure.id;
        let (severity, rule, message) = if contains(self.structure.nodes, id) {
            (
                Severity::Error,
                Rule::SegmentOrder,
                format!(
                    "segment {id} is out of order: {structure} does not allow it here ({})",
                    Place(frame, index, self.v.occurrences)
                ),
            )
        } else if declared {
            return;
        } else if id.is_z_segment() {
            if options.allow_z_segments {
                return;
            }
            (
                Severity::Error,
                Rule::ZSegment,
                format!("Z-segment {id} is not declared in the profile"),
            )
        } else {
            let severity = if options.allow_unexpected_segments {
                Severity::Warning
            } else {
                Severity::Error
            };
            (
                severity,
                Rule::UnexpectedSegment,
                format!("segment {id} is not part of message structure {structure}"),
            )
        };
        let location = self.v.segment_location(index);
        self.push(
            Finding::new(severity, rule, ErrorEntry::SEGMENT_SEQUENCE_ERROR, message)
                .at(index, location),
        );
    }

    fn too_many(&mut self, node: &'static Node, card: Cardinality) {
        let index = self.pos;
        let max = card.max.unwrap_or(u16::MAX);
        let message = match node {
            Node::Group(g) => format!(
                "group {} of {} occurs more than {max} time(s)",
                g.name, self.structure.id
            ),
            _ => format!(
                "segment {} occurs more than {max} time(s) here in {}",
                self.v.occurrences[index].0, self.structure.id
            ),
        };
        let location = self.v.segment_location(index);
        self.push(
            Finding::new(
                Severity::Error,
                Rule::SegmentRepetition,
                ErrorEntry::SEGMENT_SEQUENCE_ERROR,
                message,
            )
            .at(index, location),
        );
    }

    /// Reports a required node that is not there. The location names the missing segment
    /// (for a group, its first required segment), occurrence 1: the message has no position
    /// for something it does not hold.
    fn missing(&mut self, node: &'static Node, frame: &Frame<'_>) {
        let structure = self.structure.id;
        let within = GroupPath(frame);
        let (id, message) = match node {
            Node::Segment { id, .. } => (
                *id,
                format!("required segment {id} is missing from {structure}{within}"),
            ),
            Node::AnySegment { .. } => (
                "",
                format!("a required segment (any ID) is missing from {structure}{within}"),
            ),
            Node::Group(g) => (
                first_required(g).unwrap_or(""),
                format!(
                    "required group {} is missing from {structure}{within}",
                    g.name
                ),
            ),
        };
        let mut finding = Finding::new(
            Severity::Error,
            Rule::RequiredSegment,
            ErrorEntry::SEGMENT_SEQUENCE_ERROR,
            message,
        );
        if let Some(id) = SegmentId::from_slice(id.as_bytes()) {
            finding.location = Some(ErrorLocation::segment(id, 1));
        }
        self.push(finding);
    }
}

/// Whether `node` can start with segment `id`: its first set. `*` is never in a first set
/// (it takes a segment only when nothing else can).
fn first(node: &Node, id: SegmentId) -> bool {
    match node {
        Node::Segment { id: s, .. } => id.as_str() == *s,
        Node::AnySegment { .. } => false,
        Node::Group(g) => group_first(g, id),
    }
}

/// Whether an instance of group `g` can start with segment `id`.
fn group_first(g: &Group, id: SegmentId) -> bool {
    if g.choice {
        return g.children.iter().any(|c| first(c, id));
    }
    for child in g.children {
        if first(child, id) {
            return true;
        }
        if child.cardinality().min > 0 {
            return false;
        }
    }
    false
}

/// Whether anything after the current node can take `id`: a later node of this or an
/// enclosing sequence, or a new instance of an enclosing repeating group.
fn ahead(id: SegmentId, frame: &Frame<'_>) -> bool {
    ahead_named(id, frame, true)
}

/// [`ahead`], where a later `*` counts only if `any` is true.
fn ahead_named(id: SegmentId, frame: &Frame<'_>, any: bool) -> bool {
    let mut at = Some(frame);
    while let Some(f) = at {
        let rest = &f.nodes[f.next.min(f.nodes.len())..];
        if rest.iter().any(|n| {
            first(n, id) || any && matches!(n, Node::AnySegment { .. }) && id != SegmentId::MSH
        }) {
            return true;
        }
        if let Some(g) = f.group
            && g.cardinality.repeats()
            && group_first(g, id)
        {
            return true;
        }
        at = f.parent;
    }
    false
}

/// Whether the structure holds segment `id` anywhere.
fn contains(nodes: &[Node], id: SegmentId) -> bool {
    nodes.iter().any(|n| match n {
        Node::Segment { id: s, .. } => id.as_str() == *s,
        Node::AnySegment { .. } => false,
        Node::Group(g) => contains(g.children, id),
    })
}

/// The first required segment of a group, looking into nested groups.
fn first_required(g: &Group) -> Option<&'static str> {
    for child in g.children {
        match child {
            Node::Segment { id, cardinality } if cardinality.min > 0 => return Some(id),
            Node::Group(inner) if inner.cardinality.min > 0 => {
                if let Some(id) = first_required(inner) {
                    return Some(id);
                }
            }
            _ => {}
        }
    }
    None
}

/// ` in group A.B`, or nothing at the top level.
struct GroupPath<'f>(&'f Frame<'f>);

impl std::fmt::Display for GroupPath<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = Vec::new();
        let mut at = Some(self.0);
        while let Some(frame) = at {
            if let Some(g) = frame.group
                && names.last() != Some(&g.name)
            {
                names.push(g.name);
            }
            at = frame.parent;
        }
        if names.is_empty() {
            return Ok(());
        }
        f.write_str(" in group ")?;
        for (i, name) in names.iter().rev().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(name)?;
        }
        Ok(())
    }
}

/// Where a stray segment stands: after which segment, inside which group.
struct Place<'f>(Option<&'f Frame<'f>>, usize, &'f [(SegmentId, u16)]);

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.1.checked_sub(1).and_then(|i| self.2.get(i)) {
            Some((prev, _)) => write!(f, "after {prev}")?,
            None => f.write_str("at the start")?,
        }
        if let Some(frame) = self.0 {
            write!(f, "{}", GroupPath(frame))?;
        }
        Ok(())
    }
}
