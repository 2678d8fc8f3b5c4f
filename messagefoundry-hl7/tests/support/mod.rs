//! What the tests of reading and editing share: the corpus's messages, every position of a
//! message, and the checks that setting is the inverse of reading.

#![allow(dead_code, reason = "each test crate uses a part")]

use std::ops::Range;
use std::path::{Path as FilePath, PathBuf};

use messagefoundry_hl7::batch::{self, SplitOptions};
use messagefoundry_hl7::{Charset, EditError, Message, Path, SegmentId};

/// The path `text`, which must be well formed.
pub fn p(text: &str) -> Path {
    Path::parse(text).expect("a well-formed path")
}

/// The segment ID `text`, which must be well formed.
pub fn seg(text: &str) -> SegmentId {
    SegmentId::from_slice(text.as_bytes()).expect("a well-formed segment ID")
}

/// The workspace's `corpus/` folder.
pub fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../corpus")
}

/// Every `.hl7` file under `corpus/`, relative to it, sorted.
pub fn corpus_files() -> Vec<String> {
    let root = corpus_dir();
    let mut files = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("the corpus is readable") {
            let path = entry.expect("the corpus is readable").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "hl7") {
                files.push(relative(&root, &path));
            }
        }
    }
    files.sort();
    files
}

fn relative(root: &FilePath, path: &FilePath) -> String {
    let rel = path.strip_prefix(root).expect("below the corpus folder");
    rel.to_string_lossy().replace('\\', "/")
}

/// The files `corpus/INDEX.tsv` marks as broken on purpose (or by accident).
pub fn broken_files() -> Vec<String> {
    let index =
        std::fs::read_to_string(corpus_dir().join("INDEX.tsv")).expect("corpus/INDEX.tsv reads");
    index
        .lines()
        .skip(1)
        .filter(|line| {
            ["MALFORMED", "INVALID on purpose", "FUZZ"]
                .iter()
                .any(|mark| line.contains(mark))
        })
        .filter_map(|line| line.split('\t').next().map(str::to_owned))
        .collect()
}

/// Every message of the corpus, each file split into its messages (batch files hold several),
/// parsed tolerantly, named `file#n`. Every message of a file the index does not mark broken
/// must parse; of the broken ones, the messages that parse are kept too.
pub fn corpus_messages() -> Vec<(String, Message)> {
    let broken = broken_files();
    let mut messages = Vec::new();
    for file in corpus_files() {
        let bytes = std::fs::read(corpus_dir().join(&file)).expect("the corpus file reads");
        let is_broken = broken.contains(&file);
        let split = match batch::split_with(&bytes, SplitOptions { tolerant: true }) {
            Ok(split) => split,
            Err(e) => {
                assert!(is_broken, "{file} does not split: {e}");
                continue;
            }
        };
        for (n, raw) in split.messages().enumerate() {
            match Message::parse_tolerant(raw.bytes().to_vec()) {
                Ok(msg) => messages.push((format!("{file}#{}", n + 1), msg)),
                Err(e) => assert!(is_broken, "{file}#{}: {e}", n + 1),
            }
        }
    }
    assert!(messages.len() > 300, "the corpus went missing");
    messages
}

/// Every position the message holds, MSH-1 and MSH-2 aside: each field of each segment (as
/// `SEG[o]-f`, and as `SEG-f` for the first occurrence), each repetition, each component and
/// each sub-component. Positions are named in full (`PID[1]-5[1].1.2`), so that one path names
/// one position.
pub fn positions(msg: &Message) -> Vec<Path> {
    let d = *msg.delimiters();
    let n = |i: usize| Some(u16::try_from(i + 1).expect("few parts"));
    let mut paths = Vec::new();
    let mut seen: Vec<SegmentId> = Vec::new();
    for segment in msg.segments() {
        seen.push(segment.id());
        let occurrence = seen.iter().filter(|&&id| id == segment.id()).count();
        let first = if segment.id() == SegmentId::MSH { 3 } else { 1 };
        for field in first..=segment.field_count() {
            let field = u16::try_from(field).expect("few fields");
            let whole = Path::field(segment.id(), field);
            if occurrence == 1 {
                paths.push(whole);
            }
            let at = |rep: usize, comp: Option<usize>, sub: Option<usize>| Path {
                occurrence: n(occurrence - 1),
                repetition: n(rep),
                component: comp.and_then(n),
                subcomponent: sub.and_then(n),
                ..whole
            };
            paths.push(Path {
                occurrence: n(occurrence - 1),
                ..whole
            });
            let raw = segment.field_raw(field).unwrap_or_default();
            for (r, rep) in raw.split(|&b| b == d.repetition).enumerate() {
                paths.push(at(r, None, None));
                for (c, comp) in rep.split(|&b| b == d.component).enumerate() {
                    paths.push(at(r, Some(c), None));
                    let subs = d
                        .subcomponent
                        .map_or(1, |s| comp.split(|&b| b == s).count());
                    paths.extend((0..subs).map(|s| at(r, Some(c), Some(s))));
                }
            }
        }
    }
    paths
}

/// Only the sub-component positions of [`positions`]: every leaf, once.
pub fn leaf_positions(msg: &Message) -> Vec<Path> {
    positions(msg)
        .into_iter()
        .filter(|p| p.subcomponent.is_some())
        .collect()
}

/// The position's first leaf: what `msg[path]` reads and `set` writes.
pub fn first_leaf(path: &Path) -> Path {
    Path {
        component: Some(path.component.unwrap_or(1)),
        subcomponent: Some(path.subcomponent.unwrap_or(1)),
        ..*path
    }
}

/// Where the bytes of the value at `path` stand in the message.
fn byte_range(msg: &Message, path: &Path) -> Range<usize> {
    let raw = msg.get(path).raw();
    let start = raw.as_ptr() as usize - msg.as_bytes().as_ptr() as usize;
    start..start + raw.len()
}

/// Sets what each position reads, as text and as ER7, and checks that no byte changed; and
/// that MSH-1 and MSH-2 are refused.
pub fn assert_set_of_read_changes_nothing(name: &str, msg: &mut Message, paths: &[Path]) {
    let before = msg.as_bytes().to_vec();
    for &path in paths {
        let text = msg[path].to_owned();
        msg.set(path, &text)
            .unwrap_or_else(|e| panic!("{name} {path}: {e}"));
        assert!(msg.as_bytes() == before, "{name} {path}: set changed bytes");
        let er7 = msg.get(path).er7().into_owned();
        msg.set_er7(path, &er7)
            .unwrap_or_else(|e| panic!("{name} {path}: {e}"));
        assert!(
            msg.as_bytes() == before,
            "{name} {path}: set_er7 changed bytes"
        );
    }
    for path in ["MSH-1", "MSH-2"].map(p) {
        let text = msg[path].to_owned();
        assert!(
            matches!(msg.set(path, &text), Err(EditError::DelimiterField { .. })),
            "{name} {path}"
        );
        assert!(msg.as_bytes() == before, "{name} {path}");
    }
}

/// What setting new text at a position and then its old text again did.
#[derive(PartialEq, Eq, Debug)]
pub enum Restored {
    /// The message has its old bytes again.
    Exactly,
    /// The old text was written otherwise than `set` writes it (an escape sequence, a
    /// truncation character, bytes the character set does not decode): the position reads
    /// the same, in other bytes.
    Rewritten,
    /// The new text (the old one upper-cased) has a character the character set cannot hold.
    Unencodable,
}

/// Sets text with the message's delimiters in it at `path`, and checks that the bytes of the
/// first leaf, and only those, changed, with no separator written; then sets the old text
/// again. A rewritten message is parsed again from `original`.
pub fn assert_new_text_changes_only_the_leaf(
    name: &str,
    msg: &mut Message,
    original: &[u8],
    path: Path,
) -> Restored {
    let d = *msg.delimiters();
    let separators = [
        Some(d.field),
        Some(d.component),
        Some(d.repetition),
        d.subcomponent,
    ];
    // Delimiters in the new text test the escaping, where there is an escape character.
    let marker: String = match d.escape {
        Some(_) => separators
            .iter()
            .flatten()
            .chain(&d.escape)
            .chain(b"x")
            .map(|&b| char::from(b))
            .collect(),
        None => "x".into(),
    };
    let text = msg[path].to_owned();
    let leaf = byte_range(msg, &first_leaf(&path));
    let new = format!("{}{marker}", text.to_uppercase());
    match msg.set(path, &new) {
        Ok(()) => {}
        // Upper case may leave the character set (`µ` is `Μ` in upper case, not in
        // ISO-8859-1), and a set this library does not encode takes ASCII only.
        Err(EditError::Unencodable { .. }) if !new.is_ascii() => {
            assert!(msg.as_bytes() == original, "{name} {path}");
            return Restored::Unencodable;
        }
        Err(e) => panic!("{name} {path}: {e}"),
    }
    let after = msg.as_bytes();
    let tail = original.len() - leaf.end;
    assert!(after.len() >= leaf.start + tail, "{name} {path}");
    assert!(
        after[..leaf.start] == original[..leaf.start],
        "{name} {path}: before the leaf"
    );
    assert!(
        after[after.len() - tail..] == original[leaf.end..],
        "{name} {path}: after the leaf"
    );
    let written = &after[leaf.start..after.len() - tail];
    assert!(
        !written
            .iter()
            .any(|&b| b == b'\r' || separators.contains(&Some(b))),
        "{name} {path}: a separator was written"
    );
    assert_eq!(&msg[path], new.as_str(), "{name} {path}");
    assert_eq!(&msg[first_leaf(&path)], new.as_str(), "{name} {path}");
    msg.set(path, &text)
        .unwrap_or_else(|e| panic!("{name} {path}: {e}"));
    assert_eq!(&msg[path], text.as_str(), "{name} {path}");
    if msg.as_bytes() == original {
        return Restored::Exactly;
    }
    let raw = &original[leaf];
    let undecoded = matches!(msg.charset(), Charset::Other(_)) && !raw.is_ascii();
    let has = |c: Option<u8>| c.is_some_and(|c| raw.contains(&c));
    assert!(
        has(d.escape) || has(d.truncation) || undecoded,
        "{name} {path}: a plain value did not come back byte for byte"
    );
    *msg = Message::parse_tolerant(original.to_vec()).expect("it parsed before");
    Restored::Rewritten
}
