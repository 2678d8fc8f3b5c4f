use messagefoundry::prelude::*;

outbound!(OB_ARCHIVE, file(dir = "out", name = "{PID-99}.hl7"));

fn main() {}
