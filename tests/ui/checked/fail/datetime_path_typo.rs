use messagefoundry::prelude::*;

#[checked]
fn observed(msg: &Message) -> bool {
    matches!(msg.datetime("OBR-77"), Ok(Some(_)))
}

fn main() {}
