//! Properties of parsing, serializing, escaping, re-delimiting and editing, over random
//! messages.

mod support;

use messagefoundry_hl7::{Delimiters, EditError, Message, Path, SegmentId};
use proptest::prelude::*;
use support::{
    assert_new_text_changes_only_the_leaf, assert_set_of_read_changes_nothing, p, positions,
};

/// Every character HL7 allows as a delimiter.
const PUNCTUATION: &[u8] = b"!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// Delimiters for messages that are edited: no `"` (the null is `""`), no `-` (it is in MSH-18's
/// `UNICODE UTF-8`), no `.` (it starts formatting escapes such as `\.br\`).
const EDIT_PUNCTUATION: &[u8] = b"!#$%&'()*+,/:;<=>?@[\\]^_`{|}~";

/// Six distinct delimiters from `alphabet`, MSH-2 cut to `min..=5` characters.
fn delimiters(alphabet: &'static [u8], min: usize) -> impl Strategy<Value = Delimiters> {
    (
        proptest::sample::subsequence(alphabet, 6).prop_shuffle(),
        min..=5usize,
    )
        .prop_map(|(c, len)| Delimiters {
            field: c[0],
            component: c[1],
            repetition: c[2],
            escape: (len >= 3).then_some(c[3]),
            subcomponent: (len >= 4).then_some(c[4]),
            truncation: (len >= 5).then_some(c[5]),
        })
}

fn header(d: &Delimiters, msh18: &str) -> Vec<u8> {
    let f = char::from(d.field);
    let c = char::from(d.component);
    let mut msh = b"MSH".to_vec();
    msh.push(d.field);
    msh.extend(d.encoding_characters());
    msh.extend(
        format!("{f}LAB{f}HOSP{f}EHR{f}HOSP{f}20240101{f}{f}ADT{c}A01{f}42{f}P{f}2.5.1").bytes(),
    );
    if !msh18.is_empty() {
        msh.extend(format!("{f}{f}{f}{f}{f}{f}{msh18}").bytes());
    }
    msh
}

/// Escape sequences of every kind, well formed or not, written with `d`'s escape character:
/// delimiters, hex, formatting, character sets, unknown, dangling.
fn escape_sequence(d: Delimiters) -> impl Strategy<Value = String> {
    let e = char::from(d.escape.unwrap_or(b'\\'));
    proptest::sample::select(vec![
        "F", "S", "T", "R", "E", "P", "X41", "X0D0A", "x0d", "X4", ".br", ".sp2", ".in+4", "H",
        "N", "C2842", "M2442", "Zq1", "Q", "", "Diab",
    ])
    .prop_flat_map(move |body| {
        prop_oneof![
            4 => Just(format!("{e}{body}{e}")),
            1 => Just(format!("{e}{body}")),
        ]
    })
}

/// Text for a field: anything but the field separator, terminators and control bytes.
fn field_text(d: Delimiters) -> impl Strategy<Value = String> {
    let special: Vec<char> = d
        .encoding_characters()
        .into_iter()
        .chain(*b"\t \"")
        .map(char::from)
        .collect();
    proptest::collection::vec(
        prop_oneof![
            4 => proptest::char::range('a', 'z').prop_map(String::from),
            2 => proptest::sample::select(special).prop_map(String::from),
            1 => proptest::sample::select(PUNCTUATION.iter().map(|&b| char::from(b)).collect::<Vec<_>>()).prop_map(String::from),
            1 => proptest::sample::select(vec!['é', 'ß', 'µ', '€', '中', '😀']).prop_map(String::from),
            1 => escape_sequence(d),
        ],
        0..12,
    )
    .prop_map(move |parts| {
        parts
            .concat()
            .chars()
            .filter(|&c| c != char::from(d.field))
            .collect()
    })
}

/// A random message with delimiters `d`, as bytes.
fn message_bytes(d: Delimiters) -> impl Strategy<Value = Vec<u8>> {
    let segment = (
        proptest::sample::select(vec!["PID", "OBX", "NTE", "ZZ1", "PV1", "EVN"]),
        proptest::collection::vec(field_text(d), 0..8),
    );
    (
        proptest::collection::vec(field_text(d), 0..4),
        proptest::collection::vec(segment, 0..6),
        any::<bool>(),
    )
        .prop_map(move |(msh_extra, segments, terminated)| {
            let mut out = header(&d, "");
            for text in msh_extra {
                out.push(d.field);
                out.extend(text.bytes());
            }
            for (id, fields) in segments {
                out.push(b'\r');
                out.extend(id.bytes());
                for text in fields {
                    out.push(d.field);
                    out.extend(text.bytes());
                }
            }
            if terminated {
                out.push(b'\r');
            }
            out
        })
}

/// A UTF-8 message with PID, two OBX and a ZZ1, ready to be edited.
fn edit_message(d: &Delimiters, terminated: bool) -> Message {
    let f = char::from(d.field);
    let mut bytes = header(d, "UNICODE UTF-8");
    bytes.extend(format!("\rPID{f}1\rOBX{f}1\rOBX{f}2\rZZ1").bytes());
    if terminated {
        bytes.push(b'\r');
    }
    Message::parse(bytes).expect("the test message parses")
}

/// A path into the message `edit_message` builds; deep enough to need creating structure.
fn edit_path() -> impl Strategy<Value = Path> {
    (
        proptest::sample::select(vec![("PID", 1), ("OBX", 1), ("OBX", 2), ("ZZ1", 1)]),
        1..25u16,
        1..4u16,
        proptest::option::of(1..5u16),
        proptest::option::of(1..4u16),
    )
        .prop_map(|((id, occurrence), field, rep, component, sub)| {
            let segment = SegmentId::from_slice(id.as_bytes()).expect("valid segment ID");
            Path {
                segment,
                occurrence: Some(occurrence),
                field,
                repetition: Some(rep),
                component,
                subcomponent: component.and(sub),
            }
        })
}

/// Text with a good share of the delimiters, line breaks, quotes and non-ASCII characters.
fn any_text(d: Delimiters) -> impl Strategy<Value = String> {
    let special: Vec<char> = d
        .encoding_characters()
        .into_iter()
        .chain([d.field])
        .map(char::from)
        .chain(['\r', '\n', '\t', '"', '\u{0}', '\u{1f}', 'é', '€', '😀'])
        .collect();
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                2 => any::<char>(),
                2 => proptest::char::range('a', 'z'),
                3 => proptest::sample::select(special),
            ],
            0..16,
        )
        .prop_map(|chars| chars.into_iter().collect()),
    ]
}

proptest! {
    /// An unmodified message is its bytes: parsing then serializing changes nothing.
    #[test]
    fn parse_then_serialize_is_identity(
        bytes in delimiters(PUNCTUATION, 2).prop_flat_map(message_bytes)
    ) {
        let msg = Message::parse(bytes.clone()).expect("a well-formed message parses");
        prop_assert_eq!(msg.as_bytes(), bytes.as_slice());
        prop_assert_eq!(msg.into_bytes(), bytes);
    }

    /// Setting what any position reads changes no byte; setting other text there changes the
    /// bytes of its first leaf and nothing else, and setting the old text back restores the
    /// bytes unless the leaf was written otherwise than `set` writes it.
    #[test]
    fn set_is_the_inverse_of_read(
        bytes in delimiters(PUNCTUATION, 2).prop_flat_map(message_bytes)
    ) {
        let mut msg = Message::parse(bytes.clone()).expect("a well-formed message parses");
        let paths = positions(&msg);
        assert_set_of_read_changes_nothing("generated", &mut msg, &paths);
        for path in paths {
            assert_new_text_changes_only_the_leaf("generated", &mut msg, &bytes, path);
        }
    }

    /// Whatever text is set at a path reads back unchanged, and the message stays well formed.
    #[test]
    fn set_then_read_gives_the_text(
        (d, text) in delimiters(EDIT_PUNCTUATION, 3).prop_flat_map(|d| (Just(d), any_text(d))),
        path in edit_path(),
        terminated in any::<bool>(),
    ) {
        let mut msg = edit_message(&d, terminated);
        match msg.set(path, &text) {
            Err(EditError::NoSubcomponentSeparator { .. }) => {
                prop_assert!(d.subcomponent.is_none());
                return Ok(());
            }
            other => other.expect("set succeeds"),
        }
        prop_assert_eq!(&msg[path], text.as_str());
        prop_assert_eq!(msg.as_bytes().last() == Some(&b'\r'), terminated);
        let again = Message::parse(msg.as_bytes().to_vec()).expect("the edited message parses");
        prop_assert_eq!(&again[path], text.as_str());
        prop_assert_eq!(again.segment_count(), 5);
        prop_assert_eq!(&again[p("MSH-10")], "42");
    }

    /// Changing the delimiters and changing them back restores the bytes, and in between every
    /// value reads the same.
    #[test]
    fn set_delimiters_there_and_back(
        (old, edits) in delimiters(EDIT_PUNCTUATION, 4).prop_flat_map(|d| {
            (Just(d), proptest::collection::vec((edit_path(), any_text(d)), 0..8))
        }),
        new in delimiters(EDIT_PUNCTUATION, 4),
        formatted in any::<bool>(),
        terminated in any::<bool>(),
    ) {
        let mut msg = edit_message(&old, terminated);
        // Leaves only, so that every path reads one value's text.
        let edits: Vec<(Path, String)> = edits
            .into_iter()
            .map(|(mut path, text)| {
                path.component = Some(path.component.unwrap_or(1));
                path.subcomponent = Some(path.subcomponent.unwrap_or(1));
                (path, text)
            })
            .collect();
        for (path, text) in &edits {
            msg.set(path, text).expect("set succeeds");
        }
        if formatted {
            let e = char::from(old.escape.expect("MSH-2 has an escape character"));
            msg.push_segment(&format!("NTE{f}1{f}{f}a{e}.br{e}b{e}X0D0A{e}{e}H{e}c{e}N{e}{e}Zq{e}",
                f = char::from(old.field))).expect("the segment is valid");
        }
        let original = msg.as_bytes().to_vec();
        let before: Vec<String> = edits.iter().map(|(p, _)| msg[p].to_owned()).collect();
        msg.set_delimiters(new).expect("the new delimiters hold the message");
        prop_assert_eq!(msg.delimiters(), &new);
        let after: Vec<String> = edits.iter().map(|(p, _)| msg[p].to_owned()).collect();
        // A read keeps formatting, character-set and `Z` sequences as written, escape character
        // included (text `'N'` under escape `'` is the sequence \N\ and reads `@N@` under
        // escape `@`), so a value holding the old escape character may read otherwise; the
        // byte-for-byte return below covers those values.
        let old_escape = old.escape.map(char::from);
        for (after, before) in after.iter().zip(&before) {
            if old_escape.is_none_or(|e| !before.contains(e)) {
                prop_assert_eq!(after, before);
            }
        }
        let again = Message::parse(msg.as_bytes().to_vec()).expect("the re-encoded message parses");
        prop_assert_eq!(again.segment_count(), msg.segment_count());
        msg.set_delimiters(old).expect("the old delimiters hold the message");
        prop_assert_eq!(msg.as_bytes(), original.as_slice());
    }

    /// Parsing never panics, whatever the bytes; what parses reads without panicking too.
    #[test]
    fn parse_never_panics(
        prefix in proptest::sample::select(vec![&b""[..], b"MSH", b"MSH|^~\\&|", b"\x0bMSH|^~\\&#|"]),
        rest in proptest::collection::vec(
            prop_oneof![
                any::<u8>(),
                proptest::sample::select(b"|^~\\&#\r\nMSHPID0123".to_vec()),
            ],
            0..120,
        ),
    ) {
        let mut bytes = prefix.to_vec();
        bytes.extend(rest);
        let parsed = [Message::parse(bytes.clone()), Message::parse_tolerant(bytes)];
        for msg in parsed.into_iter().flatten() {
            for path in ["MSH-1", "MSH-2", "MSH-9.1", "PID-3[2].1.2", "PID[2]-1", "MSH-18"].map(p) {
                let _ = &msg[path];
            }
            for segment in msg.segments() {
                let _ = segment.field(1).text();
            }
            let again = Message::parse_tolerant(msg.as_bytes().to_vec());
            prop_assert!(again.is_ok());
        }
    }
}

/// The segment IDs `message_bytes` writes, beside MSH.
const SEGMENT_IDS: [&str; 6] = ["PID", "OBX", "NTE", "ZZ1", "PV1", "EVN"];

/// One of the editing tools, with what it needs.
#[derive(Clone, Debug)]
enum Edit {
    /// `update_every(path, …)`, appending text with delimiters in it.
    UpdateEvery(Path),
    /// `remove_segments(id)`.
    RemoveSegments(SegmentId),
    /// `retain_segments` keeping the segments marked true (MSH whatever its mark).
    Retain(Vec<bool>),
    /// `insert_segment_after(id, "NTE…")`.
    InsertAfter(SegmentId),
    /// `for_each_group(start, members, update_every(path))`.
    InGroups(SegmentId, Vec<SegmentId>, Path),
}

fn segment_id() -> impl Strategy<Value = SegmentId> {
    proptest::sample::select(SEGMENT_IDS.to_vec())
        .prop_map(|id| SegmentId::from_slice(id.as_bytes()).expect("valid segment ID"))
}

/// A path to a field or one of its components; its occurrence and repetition left open or not.
fn tool_path() -> impl Strategy<Value = Path> {
    (
        segment_id(),
        proptest::option::of(1..3u16),
        1..8u16,
        proptest::option::of(1..3u16),
        proptest::option::of(1..4u16),
    )
        .prop_map(|(segment, occurrence, field, repetition, component)| Path {
            segment,
            occurrence,
            field,
            repetition,
            component,
            subcomponent: None,
        })
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        tool_path().prop_map(Edit::UpdateEvery),
        segment_id().prop_map(Edit::RemoveSegments),
        proptest::collection::vec(any::<bool>(), 8).prop_map(Edit::Retain),
        segment_id().prop_map(Edit::InsertAfter),
        (
            segment_id(),
            proptest::collection::vec(segment_id(), 0..3),
            tool_path()
        )
            .prop_map(|(start, members, path)| Edit::InGroups(start, members, path)),
    ]
}

/// Each segment's ID and its fields as written.
fn fields_of(msg: &Message) -> Vec<(SegmentId, Vec<Vec<u8>>)> {
    let field = msg.delimiters().field;
    msg.segments()
        .map(|s| {
            (
                s.id(),
                s.raw().split(|&b| b == field).map(<[u8]>::to_vec).collect(),
            )
        })
        .collect()
}

/// The segments of `before`, as written, that `keep` keeps.
fn kept(before: &Message, keep: impl Fn(usize, SegmentId) -> bool) -> Vec<Vec<u8>> {
    before
        .segments()
        .filter(|s| keep(s.position(), s.id()))
        .map(|s| s.raw().to_vec())
        .collect()
}

fn segments_of(msg: &Message) -> Vec<Vec<u8>> {
    kept(msg, |_, _| true)
}

/// Every field of `after` is that of `before` but the field `path` names in the segments
/// `edited` marks (by position), which are the same segments in both.
fn assert_only_field_changed(
    before: &Message,
    after: &Message,
    path: &Path,
    edited: impl Fn(usize) -> bool,
) -> Result<(), TestCaseError> {
    let (old, new) = (fields_of(before), fields_of(after));
    prop_assert_eq!(old.len(), new.len());
    for (position, ((id, old), (new_id, new))) in old.iter().zip(&new).enumerate() {
        prop_assert_eq!(id, new_id);
        // The ID is part 0; in MSH, part 1 is MSH-2 and part n is MSH-(n+1).
        let touched = usize::from(path.field) - usize::from(*id == SegmentId::MSH);
        for (n, (a, b)) in old.iter().zip(new).enumerate() {
            if !(*id == path.segment && n == touched && edited(position)) {
                prop_assert_eq!(a, b, "{} field part {} changed", id, n);
            }
        }
        if !(*id == path.segment && edited(position)) {
            prop_assert_eq!(old.len(), new.len());
        }
    }
    Ok(())
}

/// What `msg.every(path)` should give, found without it: each occurrence of the segment and
/// each repetition of the field (one where the segment ends before it), unless the path names
/// one.
fn every_by_hand(msg: &Message, path: &Path) -> Vec<Path> {
    let repetition = msg.delimiters().repetition;
    let mut paths = Vec::new();
    let segments = msg.segments().filter(|s| s.id() == path.segment);
    for (o, seg) in (1..).zip(segments) {
        let field = seg.field_raw(path.field).unwrap_or_default();
        let repetitions = (1..).take(field.split(|&b| b == repetition).count());
        for r in repetitions {
            if path.occurrence.is_none_or(|n| n == o) && path.repetition.is_none_or(|n| n == r) {
                paths.push(Path {
                    occurrence: Some(o),
                    repetition: Some(r),
                    ..*path
                });
            }
        }
    }
    paths
}

/// What the test appends to each value: text holding the message's delimiters.
fn appended(d: &Delimiters) -> String {
    [d.component, d.repetition, d.field]
        .map(char::from)
        .iter()
        .collect()
}

proptest! {
    /// Every editing tool leaves a message that parses back to itself, changes the fields it
    /// names and no other byte, and, when it fails, changes nothing.
    #[test]
    fn edits_change_only_what_they_name(
        bytes in delimiters(EDIT_PUNCTUATION, 3).prop_flat_map(message_bytes),
        edit in edit(),
    ) {
        let before = Message::parse(bytes).expect("a well-formed message parses");
        let mut msg = before.clone();
        let d = *before.delimiters();
        let suffix = appended(&d);
        let result = match &edit {
            Edit::UpdateEvery(path) => {
                let result = msg.update_every(path, |text| format!("{text}{suffix}"));
                prop_assert_eq!(before.every(path), every_by_hand(&before, path));
                if result.is_ok() {
                    for at in every_by_hand(&before, path) {
                        prop_assert_eq!(msg[at].to_string(), format!("{}{suffix}", &before[at]));
                    }
                    assert_only_field_changed(&before, &msg, path, |_| true)?;
                }
                result
            }
            Edit::RemoveSegments(id) => {
                let result = msg.remove_segments(*id);
                prop_assert_eq!(segments_of(&msg), kept(&before, |_, s| s != *id));
                result
            }
            Edit::Retain(marks) => {
                let keep = |position: usize| marks.get(position).copied().unwrap_or(true);
                let result = msg.retain_segments(|s| keep(s.position()));
                prop_assert_eq!(segments_of(&msg), kept(&before, |at, _| at == 0 || keep(at)));
                result
            }
            Edit::InsertAfter(id) => {
                let nte = format!("NTE{f}1{f}{f}added", f = char::from(d.field));
                let result = msg.insert_segment_after(*id, &nte);
                if result.is_ok() {
                    let mut expected = segments_of(&before);
                    let last = before.segments().filter(|s| s.id() == *id).last().map(|s| s.position());
                    expected.insert(last.expect("there is one") + 1, nte.into_bytes());
                    prop_assert_eq!(segments_of(&msg), expected);
                }
                result
            }
            Edit::InGroups(start, members, path) => {
                let groups: Vec<_> = before.groups(*start, members.clone()).map(|g| g.positions()).collect();
                let result = msg.for_each_group(*start, members.clone(), |group| {
                    group.update_every(path, |text| format!("{text}{suffix}"))
                });
                if result.is_ok() {
                    let inside = |at: usize| groups.iter().any(|g| g.contains(&at));
                    assert_only_field_changed(&before, &msg, path, inside)?;
                }
                result
            }
        };
        if result.is_err() {
            prop_assert_eq!(msg.as_bytes(), before.as_bytes(), "a failed edit changed the message");
        }
        prop_assert_eq!(msg.as_bytes().last() == Some(&b'\r'), before.as_bytes().last() == Some(&b'\r'));
        let again = Message::parse(msg.as_bytes().to_vec()).expect("the edited message parses");
        prop_assert_eq!(&again, &msg);
        prop_assert_eq!(again.segment_count(), msg.segment_count());
    }
}

proptest! {
    /// Copying a field or a component from a message with the same delimiters writes its bytes
    /// as they are and changes no other field; from one with other delimiters, it writes the
    /// same structure, reading the same text.
    #[test]
    fn copying_keeps_or_redelimits(
        (ours, theirs) in delimiters(EDIT_PUNCTUATION, 3)
            .prop_flat_map(|d| (message_bytes(d), message_bytes(d))),
        other in delimiters(EDIT_PUNCTUATION, 3),
        path in tool_path(),
    ) {
        let before = Message::parse(ours).expect("a well-formed message parses");
        let from = Message::parse(theirs).expect("a well-formed message parses");
        let mut same = before.clone();
        let copied = same.copy_from(&from, path);
        if let Err(e) = &copied {
            prop_assert!(matches!(e, EditError::NoSuchSegment { .. }), "{e}");
            prop_assert_eq!(same.as_bytes(), before.as_bytes());
            return Ok(());
        }
        let whole = path.repetition.is_none() && path.component.is_none();
        let bytes = |msg: &Message| -> Vec<u8> {
            let seg = msg.segments().filter(|s| s.id() == path.segment).nth(usize::from(path.occurrence_or_first()) - 1);
            match (seg, whole) {
                (Some(seg), true) => seg.field_raw(path.field).unwrap_or_default().to_vec(),
                (Some(_), false) => msg.get(path).raw().to_vec(),
                (None, _) => Vec::new(),
            }
        };
        prop_assert_eq!(bytes(&same), bytes(&from));
        let target = before
            .segments()
            .filter(|s| s.id() == path.segment)
            .nth(usize::from(path.occurrence_or_first()) - 1)
            .map(|s| s.position());
        assert_only_field_changed(&before, &same, &path, |at| Some(at) == target)?;

        // The same values under other delimiters, copied back.
        let mut redelimited = from.clone();
        prop_assume!(redelimited.set_delimiters(other).is_ok());
        let mut across = before.clone();
        match across.copy_from(&redelimited, path) {
            Err(_) => prop_assert_eq!(across.as_bytes(), before.as_bytes()),
            Ok(()) => {
                assert_only_field_changed(&before, &across, &path, |at| Some(at) == target)?;
                let escapes = [before.delimiters().escape, other.escape];
                let leaves: Vec<Path> = positions(&same)
                    .into_iter()
                    .filter(|p| p.segment == path.segment && p.field == path.field)
                    .collect();
                prop_assert_eq!(positions(&across).len(), positions(&same).len());
                for leaf in leaves {
                    let text = same[leaf].to_string();
                    if !text.bytes().any(|b| escapes.contains(&Some(b))) {
                        prop_assert_eq!(across[leaf].to_string(), text, "{}", leaf);
                    }
                }
            }
        }
    }
}
