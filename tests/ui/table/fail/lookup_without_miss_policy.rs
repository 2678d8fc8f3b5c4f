#![deny(unused_must_use)]
use messagefoundry::prelude::*;

tables! {
    point_of_care = "../point_of_care.csv",
}

fn main() {
    table!("point_of_care", "downstream").lookup("ICU");
}
