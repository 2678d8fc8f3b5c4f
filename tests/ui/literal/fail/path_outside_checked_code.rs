use messagefoundry::prelude::*;

// A helper with no attribute: its path literal cannot be checked, so it does not compile.
fn visit_number(msg: &Message) -> String {
    msg["PV1-99.1"].to_string()
}

fn main() {}
