//! The editing tools a transform is written with: every repetition and occurrence, updates in
//! place, segments by ID, copies between messages, segment groups.

mod support;

use messagefoundry_hl7::escape::Formatting;
use messagefoundry_hl7::{EditError, Message, Path};
use support::{p, seg};

const ORU: &str = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101||ORU^R01|42|P|2.5.1\r\
    PID|1||123^^^H~456^^^B||Doe^John~Roe^Jane\r\
    ORC|RE|A\rOBR|1|A||GLU\rOBX|1|NM|GLU||5.5|mg/dL\rNTE|1||fasting\rOBX|2|NM|GLU||6.1|mg/dL\r\
    ORC|RE|B\rOBR|2|B||NA\rOBX|1|NM|NA||140|mmol/L\r\
    ZLB|1|site\r";

fn oru() -> Message {
    Message::parse(ORU).expect("the sample parses")
}

fn ids(msg: &Message) -> Vec<String> {
    msg.segments().map(|s| s.id().to_string()).collect()
}

fn texts(msg: &Message, paths: &[Path]) -> Vec<String> {
    paths.iter().map(|path| msg[path].to_string()).collect()
}

#[test]
fn every_names_what_the_path_leaves_open() {
    let msg = oru();
    let names: Vec<String> = msg
        .every(p("PID-5.1"))
        .iter()
        .map(Path::to_string)
        .collect();
    assert_eq!(names, ["PID[1]-5[1].1", "PID[1]-5[2].1"]);
    let values = msg.every(p("OBX-5"));
    assert_eq!(texts(&msg, &values), ["5.5", "6.1", "140"]);
    // A named occurrence or repetition is the only one.
    assert_eq!(texts(&msg, &msg.every(p("OBX[3]-5"))), ["140"]);
    assert_eq!(texts(&msg, &msg.every(p("PID-3[2].1"))), ["456"]);
    // A field past a segment's end is one empty repetition, as an empty field is; a segment
    // the message lacks has none, and so has a repetition past the field's last.
    let past_the_end: Vec<String> = msg.every(p("OBX-20")).iter().map(Path::to_string).collect();
    assert_eq!(
        past_the_end,
        ["OBX[1]-20[1]", "OBX[2]-20[1]", "OBX[3]-20[1]"]
    );
    assert_eq!(msg.every(p("PID-2")).len(), 1);
    assert!(msg.every(p("PV1-3")).is_empty());
    assert!(msg.every(p("PID-3[3]")).is_empty());
}

#[test]
fn update_every_changes_only_the_leaves_named() {
    let mut msg = oru();
    msg.update_every(p("PID-5.1"), |family| family.to_uppercase())
        .unwrap();
    assert_eq!(
        msg.segment(1).unwrap().raw(),
        b"PID|1||123^^^H~456^^^B||DOE^John~ROE^Jane"
    );
    msg.update_every(p("OBX-6"), |_| "mmol/L").unwrap();
    assert_eq!(texts(&msg, &msg.every(p("OBX-6"))), ["mmol/L"; 3]);
    // Where a sender dropped the trailing fields, the field is created.
    msg.update_every(p("OBX-11"), |_| "F").unwrap();
    assert_eq!(
        msg.segment(6).unwrap().raw(),
        b"OBX|2|NM|GLU||6.1|mmol/L|||||F"
    );
    // Unchanged text creates nothing.
    let before = msg.as_bytes().to_vec();
    msg.update_every(p("OBX-12"), |text| text.to_owned())
        .unwrap();
    assert_eq!(msg.as_bytes(), before.as_slice());
}

#[test]
fn a_failed_update_every_changes_nothing() {
    let mut msg =
        Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5||||||8859/1\rPID|1||||Doe~Roe\r").unwrap();
    let before = msg.as_bytes().to_vec();
    // The second name cannot be written in ISO-8859-1.
    let mut n = 0;
    let result = msg.update_every(p("PID-5"), |_| {
        n += 1;
        if n == 1 { "Düring" } else { "Ψ" }
    });
    assert!(matches!(result, Err(EditError::Unencodable { .. })));
    assert_eq!(msg.as_bytes(), before.as_slice());
}

#[test]
fn update_is_set_of_a_function_of_the_read() {
    let mut msg = oru();
    msg.update(p("OBX[2]-5"), |v| format!("{v} (repeat)"))
        .unwrap();
    assert_eq!(&msg[p("OBX[2]-5")], "6.1 (repeat)");
    // Unchanged text writes nothing; changed text for an absent segment is an error as for `set`.
    let before = msg.as_bytes().to_vec();
    msg.update(p("PID-5.2"), |given| given.to_owned()).unwrap();
    assert_eq!(msg.as_bytes(), before.as_slice());
    assert!(matches!(
        msg.update(p("PV1-3"), |_| "4W"),
        Err(EditError::NoSuchSegment { .. })
    ));
    // Unchanged, even where there is no such segment: nothing to do, and no error.
    msg.update(p("PV1-3"), |code| code.to_owned()).unwrap();
    assert_eq!(msg.as_bytes(), before.as_slice());
}

#[test]
fn segments_are_removed_by_id_and_by_rule_keeping_the_others_bytes() {
    let mut msg = oru();
    msg.remove_segments(seg("ZLB")).unwrap();
    msg.retain_segments(|s| s.id() != seg("NTE")).unwrap();
    assert_eq!(
        ids(&msg),
        [
            "MSH", "PID", "ORC", "OBR", "OBX", "OBX", "ORC", "OBR", "OBX"
        ]
    );
    let expected = ORU
        .replace("NTE|1||fasting\r", "")
        .replace("ZLB|1|site\r", "");
    assert_eq!(msg.as_bytes(), expected.as_bytes());
    assert_eq!(
        msg.remove_segments(seg("MSH")),
        Err(EditError::HeaderPosition)
    );
    // MSH is not asked about, and stays.
    msg.retain_segments(|_| false).unwrap();
    assert_eq!(ids(&msg), ["MSH"]);
}

#[test]
fn removing_the_last_segment_keeps_an_unterminated_ending() {
    let mut msg = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1\rZPI|1").unwrap();
    msg.remove_segments(seg("ZPI")).unwrap();
    assert_eq!(msg.as_bytes(), b"MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1");
}

#[test]
fn a_segment_goes_after_the_last_of_its_kind() {
    let mut msg = oru();
    msg.insert_segment_after(seg("OBX"), "OBX|2|NM|K||4.1|mmol/L")
        .unwrap();
    assert_eq!(msg.segment(10).unwrap().raw(), b"OBX|2|NM|K||4.1|mmol/L");
    assert_eq!(msg.segment(11).unwrap().id(), seg("ZLB"));
    assert!(matches!(
        msg.insert_segment_after(seg("PV1"), "PV2|1"),
        Err(EditError::NoSuchSegment { .. })
    ));
}

#[test]
fn a_segment_reads_its_own_fields_only() {
    let msg = oru();
    let sodium = msg
        .segments_named(seg("OBX"))
        .find(|obx| obx[p("OBX-3")] == "NA")
        .unwrap();
    assert_eq!(&sodium[p("OBX-5")], "140");
    assert_eq!(sodium.get(p("OBX[1]-6")), "mmol/L"); // its occurrence is not looked at
    assert!(!sodium.get(p("PID-3")).is_present());
    assert_eq!(&sodium[p("PID-3")], "");
}

#[test]
fn a_value_gives_its_components_and_reads_lossily_like_the_index() {
    let msg = oru();
    let names = msg.repetitions(p("PID-5"));
    let given: Vec<String> = names.iter().map(|n| n.component(2).to_string()).collect();
    assert_eq!(given, ["John", "Jane"]);
    let id = msg.get(p("PID-3"));
    assert_eq!(id.components().count(), 4);
    assert_eq!(id.component(4), "H");
    assert!(!id.component(5).is_present());
    assert!(!id.component(0).is_present());
    assert_eq!(id.component(4).component(1), "H"); // a component is its own first
    assert!(!id.component(4).component(2).is_present());

    let latin = Message::parse(
        &b"MSH|^~\\&|||||||ADT^A08|1|P|2.5||||||UNICODE UTF-8\rPID|1||||M\xfcller\r"[..],
    )
    .unwrap();
    let name = latin.get(p("PID-5"));
    assert_eq!(name.text(), latin[p("PID-5")].as_str());
    assert_eq!(name.to_string(), name.text());
    assert!(name == "M\u{fffd}ller");
    assert!(name.try_text().is_err());
}

#[test]
fn copying_a_field_keeps_bytes_between_like_messages() {
    let from = oru();
    let mut to = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1||999||X\r").unwrap();
    to.copy_from(&from, p("PID-3")).unwrap();
    to.copy_from(&from, p("PID-5[2].2")).unwrap();
    assert_eq!(
        to.segment(1).unwrap().raw(),
        b"PID|1||123^^^H~456^^^B||X~^Jane"
    );
    // Where `from` holds nothing, nothing is created, and what is here is cleared.
    to.copy_from(&from, p("PID-8")).unwrap();
    assert_eq!(
        to.segment(1).unwrap().raw(),
        b"PID|1||123^^^H~456^^^B||X~^Jane"
    );
    let empty = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1\r").unwrap();
    to.copy_from(&empty, p("PID-3")).unwrap();
    assert_eq!(to.segment(1).unwrap().raw(), b"PID|1||||X~^Jane");
}

#[test]
fn copying_between_other_delimiters_and_charsets_reads_the_same() {
    let from = Message::parse(
        &b"MSH|^~\\&|||||||ADT^A08|1|P|2.5||||||8859/1\rPID|1||A#1\\T\\2^^^H&X||M\xfcller^J\\.br\\\rZPI|a!b|c\r"[..],
    )
    .unwrap();
    let mut to =
        Message::parse("MSH#^~!&#######ADT^A08#2#P#2.5######UNICODE UTF-8\rPID#1\r").unwrap();
    to.copy_from(&from, p("PID-3")).unwrap();
    to.copy_from(&from, p("PID-5")).unwrap();
    to.copy_segment_from(&from, seg("ZPI")).unwrap();
    let pid = to.segment(1).unwrap().raw();
    assert_eq!(pid, "PID#1##A!F!1!T!2^^^H&X##Müller^J!.br!".as_bytes());
    for path in ["PID-3.1", "PID-3.4.2", "PID-5.1", "ZPI-1", "ZPI-2"].map(p) {
        assert_eq!(to[path], from[path], "{path}");
    }
    // A formatting sequence is kept, written with each message's escape character.
    let rendered = |msg: &Message| {
        msg.get(p("PID-5.2"))
            .text_with(Formatting::Render)
            .into_owned()
    };
    assert_eq!(rendered(&to), "J\n");
    assert_eq!(rendered(&to), rendered(&from));
    assert_eq!(to.segment(2).unwrap().raw(), b"ZPI#a!E!b#c");
}

#[test]
fn copying_what_the_delimiters_cannot_write_is_refused() {
    let from = Message::parse("MSH|^~\\&|||||||ADT^A08|1|P|2.5\rPID|1||A&B\r").unwrap();
    let mut to = Message::parse("MSH|^~\\|||||||ADT^A08|2|P|2.5\rPID|1\r").unwrap();
    assert!(matches!(
        to.copy_from(&from, p("PID-3")),
        Err(EditError::DelimitersCannotEncode { path }) if path == "PID-3[1].1.2"
    ));
    assert_eq!(to.segment(1).unwrap().raw(), b"PID|1");
    assert!(matches!(
        to.copy_segment_from(&from, seg("PV1")),
        Err(EditError::NotInSource { .. })
    ));
    assert_eq!(
        to.copy_segment_from(&from, seg("MSH")),
        Err(EditError::HeaderPosition)
    );
    assert!(matches!(
        to.copy_from(&from, p("MSH-2")),
        Err(EditError::DelimiterField { .. })
    ));
}

#[test]
fn segments_of_one_message_build_another() {
    let from = oru();
    let mut out = Message::parse("MSH|^~\\&|LAB||EHR||20240101||ORU^R01|43|P|2.5.1\r").unwrap();
    out.copy_segment_from(&from, seg("PID")).unwrap();
    let second = from
        .groups(seg("ORC"), [seg("OBR"), seg("OBX"), seg("NTE")])
        .nth(1)
        .unwrap();
    for segment in second.segments() {
        out.push_segment_from(segment).unwrap();
    }
    assert_eq!(ids(&out), ["MSH", "PID", "ORC", "OBR", "OBX"]);
    assert_eq!(&out[p("OBR-4")], "NA");
}

#[test]
fn groups_hold_their_members_up_to_the_first_other_segment() {
    let msg = oru();
    let orders: Vec<_> = msg.groups(seg("OBR"), [seg("OBX"), seg("NTE")]).collect();
    let positions: Vec<_> = orders.iter().map(|g| g.positions()).collect();
    assert_eq!(positions, [3..7, 8..10]);
    // Paths count from the group's start.
    assert_eq!(&orders[0][p("OBX[2]-5")], "6.1");
    assert_eq!(&orders[1][p("OBX-5")], "140");
    assert!(!orders[1].get(p("OBX[2]-5")).is_present());
    assert!(!orders[0].get(p("ORC-2")).is_present()); // not a member
    assert_eq!(texts(&msg, &orders[1].every(p("OBX-5"))), ["140"]);
    assert_eq!(orders[1].every(p("OBX-5"))[0].to_string(), "OBX[3]-5[1]");
    // ORC starts each order here, and holds it whole.
    let whole: Vec<_> = msg
        .groups(seg("ORC"), [seg("OBR"), seg("OBX"), seg("NTE")])
        .map(|g| g.positions())
        .collect();
    assert_eq!(whole, [2..7, 7..10]);
    assert_eq!(msg.groups(seg("PV1"), [seg("PV2")]).count(), 0);
}

#[test]
fn editing_in_a_group_moves_the_groups_after_it() {
    let mut msg = oru();
    let mut seen = Vec::new();
    msg.for_each_group(seg("OBR"), [seg("OBX"), seg("NTE")], |order| {
        seen.push(order[p("OBR-4")].to_string());
        if order[p("OBR-4")] == "GLU" {
            order.remove_segments(seg("NTE"))?;
            order.insert_segment_after(seg("OBX"), "NTE|1||converted")?;
            order.insert_segment_after(seg("NTE"), "NTE|2||twice")?;
            order.update_every(p("OBX-6"), |_| "mmol/L")?;
        }
        order.set(p("OBX-8"), "N")?;
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, ["GLU", "NA"]);
    assert_eq!(
        ids(&msg),
        [
            "MSH", "PID", "ORC", "OBR", "OBX", "OBX", "NTE", "NTE", "ORC", "OBR", "OBX", "ZLB"
        ]
    );
    assert_eq!(texts(&msg, &msg.every(p("OBX-6"))), ["mmol/L"; 3]);
    // The first OBX of each group, and only it.
    assert_eq!(texts(&msg, &msg.every(p("OBX-8"))), ["N", "", "N"]);
    assert!(!msg.get(p("OBX[2]-8")).is_present());
}

#[test]
fn a_failing_group_edit_changes_nothing() {
    let mut msg = oru();
    let before = msg.as_bytes().to_vec();
    let result = msg.for_each_group(seg("OBR"), [seg("OBX")], |order| {
        order.set(p("OBX-5"), "edited")?;
        order.set(p("OBX[2]-5"), "only the first group has two")
    });
    assert!(matches!(result, Err(EditError::NoSuchSegment { path }) if path == "OBX[2]-5"));
    assert_eq!(msg.as_bytes(), before.as_slice());
    assert_eq!(
        msg.for_each_group(seg("OBR"), [seg("OBX")], |order| order
            .remove_segments(seg("OBR"))),
        Err(EditError::HeaderPosition)
    );
}
