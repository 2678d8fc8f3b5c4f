use messagefoundry::prelude::*;

tables! {
    point_of_care = "../bad_header.csv",
    missing = "../nowhere.csv",
}

fn main() {}
