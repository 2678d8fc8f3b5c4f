use messagefoundry::prelude::*;

tables! {
    point_of_care = "../point_of_care.csv",
}

#[checked]
fn map(msg: &Message) -> String {
    table!("point_of_car", "downstream")
        .lookup(&msg["PV1-3.1"])
        .or_pass_through()
}

fn main() {}
