use messagefoundry::prelude::*;

const BAD: Path = path!("PID-0");

fn main() {}
