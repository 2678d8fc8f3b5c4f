use messagefoundry::prelude::*;

outbound!(OB_ARCHIVE, ftp(dir = "out"));

fn main() {}
