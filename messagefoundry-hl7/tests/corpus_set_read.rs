//! Reading and setting are symmetric on every position of every corpus message: setting what a
//! position reads changes no byte, and setting other text changes that position's first leaf
//! and nothing else, whatever separators the position holds.

mod support;

use messagefoundry_hl7::{Message, Path, SegmentId};
use support::{
    Restored, assert_new_text_changes_only_the_leaf, assert_set_of_read_changes_nothing,
    corpus_messages, positions,
};

#[test]
fn setting_what_a_position_reads_changes_nothing() {
    let mut checked = 0;
    for (name, mut msg) in corpus_messages() {
        let paths = positions(&msg);
        assert_set_of_read_changes_nothing(&name, &mut msg, &paths);
        checked += paths.len();
    }
    assert!(checked > 50_000, "only {checked} positions");
}

#[test]
fn setting_new_text_changes_only_the_first_leaf() {
    let mut rewritten = 0;
    for (name, mut msg) in corpus_messages() {
        let original = msg.as_bytes().to_vec();
        // Each edit copies the message: in the few large ones, every `step`th position, so
        // that no message costs more than about 2 000 edits of 10 KB.
        let all = positions(&msg);
        let step = (all.len() * original.len()).div_ceil(20_000_000).max(1);
        for path in all.into_iter().step_by(step) {
            let restored = assert_new_text_changes_only_the_leaf(&name, &mut msg, &original, path);
            rewritten += usize::from(restored == Restored::Rewritten);
        }
    }
    // Hex escapes, a dangling escape character, unknown sequences, a `#` that is the truncation
    // character: a few dozen leaves.
    assert!(rewritten < 100, "{rewritten} leaves came back rewritten");
}

#[test]
fn the_corpus_holds_what_the_tests_need() {
    let messages = corpus_messages();
    let composite = |p: &Path, m: &Message| m.get(p).is_composite();
    let mut components_with_subcomponents = 0;
    let mut escapes = 0;
    for (_, msg) in &messages {
        for path in positions(msg) {
            if path.component.is_some() && path.subcomponent.is_none() && composite(&path, msg) {
                components_with_subcomponents += 1;
            }
            if path.subcomponent.is_some()
                && msg
                    .delimiters()
                    .escape
                    .is_some_and(|e| msg.get(path).raw().contains(&e))
            {
                escapes += 1;
            }
        }
    }
    assert!(
        components_with_subcomponents > 30,
        "{components_with_subcomponents}"
    );
    assert!(escapes > 30, "{escapes}");
    assert!(
        messages
            .iter()
            .any(|(_, m)| m.segments().any(|s| s.id() != SegmentId::MSH))
    );
}
