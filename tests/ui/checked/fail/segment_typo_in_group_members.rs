use messagefoundry::hl7::EditError;
use messagefoundry::prelude::*;

#[checked]
fn results_in_mmol(msg: &mut Message) -> Result<(), EditError> {
    msg.for_each_group("OBR", ["NTE", "OBZ"], |order| order.update_every("OBX-6", |_| "mmol/L"))
}

fn main() {}
