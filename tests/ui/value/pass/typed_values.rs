use std::time::Duration;

use messagefoundry::prelude::*;

values! {
    /// MSH-6 of the EHR's copy.
    ehr_facility: text,
    retries: integer = 3,
    strict: flag = false,
    lookup_timeout: duration = "5s",
}

fn main() {
    let _set = messagefoundry::testing::set_value("ehr_facility", "GENHOSP");
    let facility: String = value!("ehr_facility");
    assert_eq!(facility, "GENHOSP");
    let retries: i64 = value!("retries");
    assert_eq!(retries, 3);
    assert_eq!(value!(retries), 3);
    assert!(!value!("strict"));
    assert_eq!(value!("lookup_timeout"), Duration::from_secs(5));
}
