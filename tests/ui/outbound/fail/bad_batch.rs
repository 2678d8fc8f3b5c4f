use messagefoundry::prelude::*;

outbound!(OB_LAB, mllp(host = "127.0.0.1", port = 6661, batch = 0));
outbound!(OB_BILLING, mllp(host = "127.0.0.1", port = 6662, batch = "20"));
outbound!(OB_EHR, mllp(host = "127.0.0.1", port = 6663, batch = 20, batch_wait = 5));

fn main() {}
