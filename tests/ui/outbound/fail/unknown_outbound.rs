use messagefoundry::prelude::*;

outbound!(OB_EHR, mllp(host = "127.0.0.1", port = 6661));

#[handler]
fn h(msg: Message) -> Outcome {
    Outcome::send(OB_EHRR, msg)
}

fn main() {}
