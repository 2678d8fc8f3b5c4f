use messagefoundry::prelude::*;

const RESULT_STATUS: Path = path!("OBR-55");

fn main() {}
