//! Where a value comes from, and a test's settings.

use std::time::Duration;

use super::*;
use crate::testing::set_value;

#[linkme::distributed_slice(crate::__private::VALUES)]
static FACILITY: ValueDef = ValueDef {
    name: "test_facility",
    kind: SettingType::Text,
    default: None,
};

#[linkme::distributed_slice(crate::__private::VALUES)]
static TIMEOUT: ValueDef = ValueDef {
    name: "test_timeout",
    kind: SettingType::Duration,
    default: Some(Setting::Duration(Duration::from_secs(5))),
};

const FACILITY_VALUE: TextValue = TextValue::__new(&FACILITY);
const TIMEOUT_VALUE: DurationValue = DurationValue::__new(&TIMEOUT);

#[test]
fn a_tests_setting_applies_while_its_guard_lives() {
    {
        let _set = set_value("test_facility", "GENHOSP_TEST");
        assert_eq!(FACILITY_VALUE.get(), "GENHOSP_TEST");
        {
            let _inner = set_value("test_facility", "OTHER");
            assert_eq!(FACILITY_VALUE.get(), "OTHER");
        }
        assert_eq!(FACILITY_VALUE.get(), "GENHOSP_TEST");
    }
    let unset = std::panic::catch_unwind(|| FACILITY_VALUE.get());
    assert!(unset.is_err());
}

#[test]
fn a_default_applies_until_something_sets_the_value() {
    assert_eq!(TIMEOUT_VALUE.get(), Duration::from_secs(5));
    let _set = set_value("test_timeout", Duration::from_secs(1));
    assert_eq!(TIMEOUT_VALUE.get(), Duration::from_secs(1));
}

#[test]
#[should_panic(expected = "value test_facility is declared text, not integer")]
fn a_test_cannot_set_a_value_with_another_type() {
    let _set = set_value("test_facility", 3_i64);
}

#[test]
#[should_panic(expected = "the crate declares no value test_facilty")]
fn a_test_cannot_set_a_value_nothing_declares() {
    let _set = set_value("test_facilty", "x");
}
