use messagefoundry::prelude::*;

outbound!(OB_ARCHIVE, file(name = "{MSH-10}.hl7"));

fn main() {}
