use messagefoundry::prelude::*;

const RESULTS: SegmentId = segment!("obx");

fn main() {}
