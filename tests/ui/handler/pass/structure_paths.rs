use messagefoundry::prelude::*;

#[handler(message = "ADT^A04")]
fn h(mut msg: Message) -> Outcome {
    // ADT^A04 uses the ADT_A01 structure, which has PV1 and IN1.
    if msg["PV1-2"] == "E" && msg["IN1-2.1"] != "" {
        return Outcome::filtered();
    }
    if msg.set("PID-5.1", "Doe").is_err() {
        return Outcome::error("cannot set the name");
    }
    Outcome::filtered()
}

fn main() {
    let _ = <h as messagefoundry::interface::Handler>::DEF;
}
