use messagefoundry::prelude::*;

values! {
    ehr_facility: string,
    retries: integer = "3",
}

fn main() {}
