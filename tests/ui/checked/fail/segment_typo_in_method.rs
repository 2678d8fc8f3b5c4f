use messagefoundry::prelude::*;

struct Lab;

#[checked]
impl Lab {
    fn results(msg: &Message) -> usize {
        msg.segments_named("OBZ").count()
    }
}

fn main() {}
