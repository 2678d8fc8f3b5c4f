//! Every rule of the interface, run through the inbound as the engine runs it.

use super::*;
use messagefoundry::testing::{self, TestRun, ValueGuard};

const A01: &str = include_str!("../samples/adt_a01.hl7");
const A03: &str = include_str!("../samples/adt_a03.hl7");
const A04_TEST_PATIENT: &str = include_str!("../samples/adt_a04_test_patient.hl7");
const A08: &str = include_str!("../samples/adt_a08.hl7");

// MSH-6 of each destination, as a test environment sets them.
const EHR_FACILITY: &str = "GENHOSP_TEST";
const BED_BOARD_FACILITY: &str = "GENHOSP_OPS_TEST";

/// The values the handlers read, for the rest of the test.
fn environment() -> [ValueGuard; 2] {
    [
        testing::set_value("ehr_facility", EHR_FACILITY),
        testing::set_value("bed_board_facility", BED_BOARD_FACILITY),
    ]
}

fn admission() -> Message {
    Message::parse(A01).unwrap()
}

/// The one message each downstream received: the EHR's, then the bed board's.
fn sent(run: &TestRun) -> [Message; 2] {
    let (ehr, bed) = (run.sent_to(OB_EHR_ADT), run.sent_to(OB_BED_BOARD));
    assert_eq!((ehr.len(), bed.len()), (1, 1));
    [ehr[0].clone(), bed[0].clone()]
}

/// Both copies hold `er7` at `path`.
fn assert_both_hold(run: &TestRun, path: Path, er7: &str) {
    for msg in sent(run) {
        assert_eq!(msg.get(path).er7(), er7, "{path}");
    }
}

/// The router stopped the message: no handler ran, nothing was sent.
fn assert_no_handler_ran(run: &TestRun, disposition: Disposition) {
    assert_eq!(run.disposition(), disposition);
    assert!(run.handlers().is_empty());
    assert!(run.sent_to(OB_EHR_ADT).is_empty());
    assert!(run.sent_to(OB_BED_BOARD).is_empty());
}

#[checked]
fn with_event(event: &str) -> Message {
    let mut msg = admission();
    msg.set("MSH-9.2", event).unwrap();
    msg
}

#[checked]
fn with_point_of_care(code: &str) -> Message {
    let mut msg = admission();
    msg.set("PV1-3.1", code).unwrap();
    msg
}

#[test]
fn admissions_registrations_and_updates_go_to_both() {
    let _env = environment();
    for event in ["A01", "A04", "A08"] {
        let run = testing::run(IB_ADT, &with_event(event));
        assert_eq!(run.disposition(), Disposition::Processed, "{event}");
        let names: Vec<_> = run.handlers().iter().map(|h| h.handler).collect();
        assert_eq!(names, ["to_ehr", "to_bed_board"], "{event}");
        sent(&run);
    }
}

#[test]
fn other_events_are_unrouted() {
    let _env = environment();
    let run = testing::run_text(IB_ADT, A03).unwrap();
    assert_no_handler_ran(&run, Disposition::Unrouted);
}

#[test]
fn test_patients_are_filtered_before_any_handler() {
    let _env = environment();
    let run = testing::run_text(IB_ADT, A04_TEST_PATIENT).unwrap();
    assert_no_handler_ran(&run, Disposition::Filtered);
}

#[checked]
#[test]
fn only_an_identifier_starting_with_test_is_a_test_patient() {
    let _env = environment();
    let mut msg = admission();
    msg.set("PID-3.1", "MRNTEST1").unwrap();
    assert_eq!(
        testing::run(IB_ADT, &msg).disposition(),
        Disposition::Processed
    );
}

#[test]
fn family_names_are_upper_case_in_every_repetition() {
    let _env = environment();
    let run = testing::run_text(IB_ADT, A01).unwrap();
    assert_both_hold(&run, path!("PID-5[1]"), "SAMPLE^Robin^J");
    assert_both_hold(&run, path!("PID-5[2]"), "EXAMPLE^Robin^^^^^M");
}

#[test]
fn a_mapped_point_of_care_is_replaced() {
    let _env = environment();
    let run = testing::run_text(IB_ADT, A08).unwrap();
    assert_both_hold(&run, path!("PV1-3"), "CRITCARE^3^A^GENHOSP");
}

#[test]
fn an_unmapped_point_of_care_passes_unchanged() {
    let _env = environment();
    let run = testing::run(IB_ADT, &with_point_of_care("5E"));
    assert_both_hold(&run, path!("PV1-3"), "5E^412^B^GENHOSP");
}

#[test]
fn z_segments_are_dropped_wherever_they_are() {
    let _env = environment();
    let mut msg = admission();
    // A third one between PID and PV1, so removal must not shift the others.
    msg.insert_segment_after(segment!("PID"), "ZAL|1|NKA")
        .unwrap();
    let run = testing::run(IB_ADT, &msg);
    for msg in sent(&run) {
        let ids: Vec<_> = msg.segments().map(|s| s.id().as_str().to_owned()).collect();
        assert_eq!(ids, ["MSH", "EVN", "PID", "PV1"]);
    }
}

#[checked]
#[test]
fn each_destination_is_named_in_its_own_header() {
    let _env = environment();
    let run = testing::run_text(IB_ADT, A01).unwrap();
    let [ehr, bed] = sent(&run);
    // The applications are the declared defaults, the facilities this environment's.
    assert_eq!(&ehr["MSH-5"], "EHR");
    assert_eq!(&ehr["MSH-6"], EHR_FACILITY);
    assert_eq!(&bed["MSH-5"], "BEDBOARD");
    assert_eq!(&bed["MSH-6"], BED_BOARD_FACILITY);
    // The sender's side of the header is left alone.
    assert_eq!(&bed["MSH-3"], "ADT");
    assert_eq!(&bed["MSH-10"], "ADT100001");
}

#[checked]
#[test]
fn the_two_copies_differ_only_in_the_receiver() {
    let _env = environment();
    let run = testing::run_text(IB_ADT, A01).unwrap();
    let [mut ehr, bed] = sent(&run);
    assert_ne!(ehr.as_bytes(), bed.as_bytes());
    ehr.set("MSH-5", "BEDBOARD").unwrap();
    ehr.set("MSH-6", BED_BOARD_FACILITY).unwrap();
    assert_eq!(ehr.as_bytes(), bed.as_bytes());
}
