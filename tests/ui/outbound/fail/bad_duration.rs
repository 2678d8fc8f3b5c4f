use messagefoundry::prelude::*;

outbound!(OB_EHR, mllp(host = "127.0.0.1", port = 6661, ack_timeout = 30));

fn main() {}
