use messagefoundry::prelude::*;

#[handler]
fn h(msg: Message) -> Outcome {
    if msg.get("PID-5.15").is_ok() {
        return Outcome::filtered();
    }
    Outcome::filtered()
}

fn main() {}
