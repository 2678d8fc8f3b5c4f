use messagefoundry::prelude::*;

outbound!(OB_ARCHIVE, file(dir = "out", name = "all.hl7"));

fn main() {}
