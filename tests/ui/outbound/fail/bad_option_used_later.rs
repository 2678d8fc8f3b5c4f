use messagefoundry::prelude::*;

// The misspelled option is the only error: the handler's use of OB_EHR still resolves.
outbound!(OB_EHR, mllp(host = "127.0.0.1", port = 6661, ack_timout = "30s"));

#[handler]
fn h(msg: Message) -> Outcome {
    Outcome::send(OB_EHR, msg)
}

fn main() {}
