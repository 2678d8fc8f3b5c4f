use messagefoundry::prelude::*;

outbound!(OB_EHR, mllp(port = 6661));

fn main() {}
