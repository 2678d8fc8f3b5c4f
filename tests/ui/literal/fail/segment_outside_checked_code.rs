use messagefoundry::prelude::*;

// A helper with no attribute: its segment ID literal cannot be checked, so it does not compile.
fn notes(msg: &Message) -> usize {
    msg.segments_named("ZZX").count()
}

fn main() {}
