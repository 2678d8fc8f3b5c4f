//! Messages built from scratch in handlers, run through an interface: one ORU^R01 split into
//! one message per order, and a notification of a critical result. Every message built
//! validates against the HL7 schema.

use std::str::Utf8Error;

use messagefoundry::hl7::datetime::TimeZone;
use messagefoundry::hl7::validate::{Options, validate};
use messagefoundry::hl7::{Delimiters, Number, Segment};
use messagefoundry::prelude::*;
use messagefoundry::testing;

inbound!(IB_Results, mllp(port = 2575), router = results);
outbound!(OB_Archive, mllp(host = "127.0.0.1", port = 6670));
outbound!(OB_Pager, mllp(host = "127.0.0.1", port = 6671));

#[router]
fn results(msg: &Message) -> Route {
    if msg["MSH-9.1"] != "ORU" {
        return Route::unrouted();
    }
    route![one_per_order, critical_glucose]
}

/// The archive takes one order per message: each OBR, with its ORC before it and everything
/// after it up to the next order, goes out behind the patient's segments.
#[handler(message = "ORU^R01")]
fn one_per_order(msg: Message) -> Result<Outcome, Box<dyn std::error::Error>> {
    if msg.delimiters() != &Delimiters::STANDARD {
        // The segments are copied as written, into messages with the standard delimiters.
        return Ok(Outcome::error(
            "the archive takes the standard delimiters only",
        ));
    }
    let segments: Vec<Segment<'_>> = msg.segments().skip(1).collect();
    let is_order = |s: &Segment<'_>| s.id() == segment!("ORC") || s.id() == segment!("OBR");
    let first_order = segments.iter().position(is_order).unwrap_or(segments.len());
    let (patient, orders) = segments.split_at(first_order);
    let mut split: Vec<Message> = Vec::new();
    for (i, seg) in orders.iter().enumerate() {
        // An order starts at its ORC, or at an OBR that has none before it.
        let after_orc = i > 0 && orders[i - 1].id() == segment!("ORC");
        if seg.id() == segment!("ORC") || (seg.id() == segment!("OBR") && !after_orc) {
            let mut order = new_message!("ORU^R01").addressed_like(&msg).build()?;
            for p in patient {
                order.push_segment(er7(p)?)?;
            }
            split.push(order);
        }
        let Some(order) = split.last_mut() else {
            continue;
        };
        order.push_segment(er7(seg)?)?;
        if seg.id() == segment!("OBR") {
            order.set("OBR-1", "1")?; // each message holds one order
        }
    }
    Ok(Outcome::send_all(
        split.into_iter().map(|m| (OB_Archive, m)),
    ))
}

/// A glucose over 400 mg/dL pages the ward: a new message to the pager system, with the
/// patient, the order, the value and when it was observed, in UTC.
#[handler(message = "ORU^R01")]
fn critical_glucose(msg: Message) -> Result<Outcome, Box<dyn std::error::Error>> {
    let glucose = msg
        .segments_named("OBX")
        .find(|obx| obx.field(3) == "2345-7");
    let Some(obx) = glucose else {
        return Ok(Outcome::filtered());
    };
    let value = Number::parse(&obx.field(5).text())?;
    if value.to_f64() <= 400.0 {
        return Ok(Outcome::filtered());
    }
    let observed = msg
        .datetime("OBR-7")?
        .ok_or("the order has no observation time")?;
    let lab_time = TimeZone::get("America/Chicago")?;
    let observed_utc = observed.assume_zone(&lab_time)?.to_zone(&TimeZone::UTC)?;

    let mut page = new_message!("ORU^R01")
        .sender("MESSAGEFOUNDRY", "GENLAB")
        .receiver("PAGER", "GENHOSP")
        .build()?;
    page.push_segment("PID|1")?;
    page.set_er7("PID-3", &msg.get("PID-3").er7())?;
    page.set_er7("PID-5", &msg.get("PID-5").er7())?;
    page.push_segment("OBR|1")?;
    page.set_er7("OBR-4", &msg.get("OBR-4").er7())?;
    page.set("OBR-7", &observed_utc.to_string())?;
    page.set("OBR-25", "F")?;
    page.push_segment("OBX|1|NM")?;
    page.set_er7("OBX-3", "2345-7^Glucose^LN")?;
    page.set("OBX-5", &value.to_string())?;
    page.set("OBX-8", "HH")?;
    page.set("OBX-11", "F")?;
    Ok(Outcome::send(OB_Pager, page))
}

/// A segment's text. The test messages are ASCII; bytes that are not UTF-8 make the handler's
/// outcome an error (the message is kept, with the reason), never a message with wrong text.
fn er7<'m>(seg: &Segment<'m>) -> Result<&'m str, Utf8Error> {
    std::str::from_utf8(seg.raw())
}

const TWO_ORDERS: &str = "MSH|^~\\&|LIS|GENLAB|EHR|GENHOSP|20261124083000||ORU^R01^ORU_R01|LAB000124|P|2.5.1\r\
PID|1||MRN0001^^^GENHOSP^MR||Testpatient^Alex^Q||19800101|U\r\
PV1|1|O\r\
ORC|RE|ORD777|FIL777\r\
OBR|1|ORD777|FIL777|2345-7^Glucose^LN|||20261124070000|||||||||||||||20261124082500|||F\r\
OBX|1|NM|2345-7^Glucose^LN||452|mg/dL|70-99|HH|||F\r\
NTE|1||Repeated and confirmed\r\
OBR|2|ORD778|FIL778|2951-2^Sodium^LN|||20261124070000|||||||||||||||20261124082500|||F\r\
OBX|1|NM|2951-2^Sodium^LN||139|mmol/L|135-145|N|||F\r";

fn assert_valid(msg: &Message) {
    let report = validate(msg, &Options::tolerant());
    assert!(report.is_valid(), "{}", report.summary());
    assert_eq!(report.structure, Some("ORU_R01"));
}

#[test]
fn one_oru_becomes_one_message_per_order() {
    let run = testing::run_text(IB_Results, TWO_ORDERS).unwrap();
    assert_eq!(
        run.disposition(),
        Disposition::Processed,
        "{:?}",
        run.handlers()
    );
    let split = run.sent_to(OB_Archive);
    assert_eq!(split.len(), 2);
    let original = Message::parse(TWO_ORDERS).unwrap();
    let ids: Vec<String> = split.iter().map(|m| m.control_id().to_string()).collect();
    assert!(
        ids[0] != ids[1] && !ids.contains(&"LAB000124".to_owned()),
        "{ids:?}"
    );
    for (msg, (placer, tests)) in split.iter().zip([("ORD777", 1), ("ORD778", 1)]) {
        assert_valid(msg);
        for field in ["MSH-3", "MSH-4", "MSH-5", "MSH-6", "MSH-11", "MSH-12"] {
            let p = Path::parse(field).unwrap();
            assert_eq!(msg[p], original[p], "{field}");
        }
        assert_eq!(msg.get(path!("MSH-9")).er7(), "ORU^R01^ORU_R01");
        assert_eq!(&msg[path!("OBR-2")], placer);
        assert_eq!(&msg[path!("OBR-1")], "1");
        assert_eq!(msg.segments_named(segment!("OBR")).count(), 1);
        assert_eq!(msg.segments_named(segment!("OBX")).count(), tests);
        assert_eq!(&msg[path!("PID-3")], "MRN0001");
    }
    let segment_ids = |m: &Message| m.segments().map(|s| s.id().to_string()).collect::<Vec<_>>();
    assert_eq!(
        segment_ids(split[0]),
        ["MSH", "PID", "PV1", "ORC", "OBR", "OBX", "NTE"]
    );
    assert_eq!(segment_ids(split[1]), ["MSH", "PID", "PV1", "OBR", "OBX"]);
}

#[test]
fn a_critical_result_pages_with_a_message_built_from_scratch() {
    let run = testing::run_text(IB_Results, TWO_ORDERS).unwrap();
    let pages = run.sent_to(OB_Pager);
    assert_eq!(pages.len(), 1);
    let page = pages[0];
    assert_valid(page);
    assert_eq!(
        page.segments()
            .map(|s| s.id().to_string())
            .collect::<Vec<_>>(),
        ["MSH", "PID", "OBR", "OBX"]
    );
    assert!(
        page.as_bytes()
            .starts_with(b"MSH|^~\\&|MESSAGEFOUNDRY|GENLAB|PAGER|GENHOSP|")
    );
    assert_eq!(&page[path!("MSH-12")], "2.5.1"); // the tests crate's version, the default
    assert_eq!(page.get(path!("PID-5")).er7(), "Testpatient^Alex^Q");
    // 07:00 in Chicago on 24 November (standard time, UTC-6) is 13:00 UTC.
    assert_eq!(&page[path!("OBR-7")], "20261124130000+0000");
    assert_eq!(&page[path!("OBX-5")], "452");
    // MSH-7 is the time of building, to the second, in UTC (the crate sets no time zone).
    let sent = page.datetime(path!("MSH-7")).unwrap().unwrap();
    assert_eq!(
        sent.offset(),
        Some(messagefoundry::hl7::datetime::Offset::UTC)
    );

    // A normal glucose pages nobody.
    let normal = TWO_ORDERS.replace("||452|", "||95|");
    let run = testing::run_text(IB_Results, &normal).unwrap();
    assert!(run.sent_to(OB_Pager).is_empty());
    assert_eq!(run.sent_to(OB_Archive).len(), 2);
}

#[test]
fn a_value_that_is_not_a_number_is_an_error_naming_no_value() {
    let run = testing::run_text(IB_Results, &TWO_ORDERS.replace("||452|", "||4.5e2|")).unwrap();
    assert_eq!(run.disposition(), Disposition::Error);
    let text = format!("{:?}", run.handlers());
    assert!(text.contains("is not a number"), "{text}");
    assert!(!text.contains("4.5e2"), "{text}");
}
