use messagefoundry::prelude::*;

// A helper with no attribute: the members of a group are segment IDs too, and text is not one.
fn orders(msg: &Message) -> usize {
    msg.groups(segment!("OBR"), ["NTE", "OBX"]).count()
}

fn main() {}
