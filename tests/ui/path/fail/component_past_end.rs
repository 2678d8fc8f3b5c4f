use messagefoundry::prelude::*;

#[handler]
fn h(msg: Message) -> Outcome {
    if msg.get("PID-5.15").is_present() {
        return Outcome::filtered();
    }
    Outcome::filtered()
}

fn main() {}
