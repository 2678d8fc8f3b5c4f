use messagefoundry::prelude::*;

values! {
    retries: integer,
}

fn main() {
    let retries: &str = &value!("retries");
}
