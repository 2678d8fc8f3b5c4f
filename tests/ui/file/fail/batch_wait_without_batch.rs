use messagefoundry::prelude::*;

outbound!(OB_BATCHES, file(dir = "out", name = "lab_{seq}.hl7", batch_wait = "5m"));

fn main() {}
