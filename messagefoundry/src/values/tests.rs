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

/// Reads `test_facility` on a blocking thread, as a lookup through `spawn_blocking` would,
/// and reports it as its error's reason.
static READS_ON_A_BLOCKING_THREAD: crate::interface::HandlerDef = crate::interface::HandlerDef {
    name: "reads",
    handle: crate::interface::Handle::Async {
        call: |_| {
            Box::pin(async {
                match tokio::task::spawn_blocking(|| FACILITY_VALUE.get()).await {
                    Ok(facility) => crate::interface::Outcome::error(facility),
                    Err(_) => crate::interface::Outcome::error("the value was not set there"),
                }
            })
        },
        timeout: Duration::from_secs(30),
    },
    message: None,
};

static READER: crate::interface::RouterDef = crate::interface::RouterDef {
    name: "reader",
    route: |_| crate::interface::Route::to(vec![&READS_ON_A_BLOCKING_THREAD]),
};

/// What the handler read, routed as `testing` routes.
fn read_by_the_handler() -> Option<String> {
    let msg =
        messagefoundry_hl7::Message::parse("MSH|^~\\&|A|B|C|D|1||ADT^A01|1|P|2.5.1\r").unwrap();
    let processed = crate::engine::route::standalone::process_here(&READER, &msg);
    processed.handlers[0].reason.clone()
}

#[test]
fn a_tests_setting_is_read_on_the_threads_of_an_async_handler() {
    let _set = set_value("test_facility", "GENHOSP_TEST");
    assert_eq!(read_by_the_handler().as_deref(), Some("GENHOSP_TEST"));
}

#[tokio::test]
async fn a_tests_setting_is_read_there_from_an_async_test_too() {
    let _set = set_value("test_facility", "GENHOSP_ASYNC");
    assert_eq!(read_by_the_handler().as_deref(), Some("GENHOSP_ASYNC"));
}
