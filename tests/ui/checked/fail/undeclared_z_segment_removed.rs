use messagefoundry::hl7::EditError;
use messagefoundry::prelude::*;

#[checked]
fn drop_site_segments(msg: &mut Message) -> Result<(), EditError> {
    msg.remove_segments("ZPI")
}

fn main() {}
