//! Messages that declare ISO-8859-1 in MSH-18 but carry UTF-8: found in the corpus, read right
//! once the character set is overridden, and never rewritten.

mod support;

use messagefoundry_hl7::{Charset, Path};
use support::corpus_messages;

const DUTCH: &str = "node-hl7-client/adt_a08_v24_dutch_utf8_declared_8859_1.hl7#1";

fn path(text: &str) -> Path {
    Path::parse(text).expect("a valid path")
}

#[test]
fn only_the_mislabelled_corpus_message_is_flagged() {
    let flagged: Vec<String> = corpus_messages()
        .into_iter()
        .filter(|(_, msg)| msg.utf8_declared_latin1())
        .map(|(file, _)| file)
        .collect();
    assert_eq!(flagged, [DUTCH]);
}

#[test]
fn reading_as_utf8_fixes_the_text_and_keeps_the_bytes() {
    let (_, mut msg) = corpus_messages()
        .into_iter()
        .find(|(file, _)| file == DUTCH)
        .expect("the corpus has the Dutch message");
    let name = path("PID-5.1.3");
    let bytes = msg.as_bytes().to_vec();
    assert_eq!(&msg[name], "TestpatiÃ«nt", "read as declared");

    msg.read_as(Charset::Utf8);
    assert_eq!(&msg[name], "Testpatiënt");
    assert_eq!(
        msg.as_bytes(),
        bytes,
        "the override never rewrites the bytes"
    );
    assert_eq!(msg.declared_charset(), Charset::Latin1);
    assert!(msg.utf8_declared_latin1(), "the declaration is unchanged");

    // Edits re-read MSH-18; the override holds and writes UTF-8.
    msg.set(path("PID-5.3"), "Zoë").expect("set in UTF-8");
    assert_eq!(msg.charset(), &Charset::Utf8);
    assert_eq!(&msg[path("PID-5.3")], "Zoë");
    assert!(std::str::from_utf8(msg.as_bytes()).is_ok());
}
