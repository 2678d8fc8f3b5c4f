use messagefoundry::prelude::*;

const NOTES: SegmentId = segment!("ZZX");

fn main() {}
