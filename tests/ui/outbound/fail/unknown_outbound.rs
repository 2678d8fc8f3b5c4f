use messagefoundry::prelude::*;

outbound!(OB_EHR, mllp(host = "127.0.0.1", port = 6661));

#[handler]
fn h(msg: Message) -> Outcome {
    Send(OB_EHRR, msg).into()
}

fn main() {}
