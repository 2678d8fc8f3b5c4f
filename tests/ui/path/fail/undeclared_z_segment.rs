use messagefoundry::prelude::*;

const EXTRA: Path = path!("ZPI-2");

fn main() {}
