//! One small hand-written message per rule, against HL7 2.5.1.

use super::*;

const MSH: &str = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01^ORU_R01|42|P|2.5.1\r";
const PID: &str = "PID|1||123^^^HOSP^MR||Doe^Jane||19700101|F\r";
const OBR: &str = "OBR|1||A1|GLU^Glucose^LN\r";
const OBX: &str = "OBX|1|NM|GLU^Glucose^LN||5.4|mmol/L|||||F\r";

fn run(text: &str, options: &Options<'_>) -> Report {
    validate(&Message::parse(text).expect("test message parses"), options)
}

/// `rule@location` of every finding.
fn found(text: &str, options: &Options<'_>) -> Vec<String> {
    run(text, options)
        .findings
        .iter()
        .map(|f| match f.location_text() {
            Some(l) => format!("{}@{l}", f.rule),
            None => f.rule.to_string(),
        })
        .collect()
}

fn tolerant(text: &str) -> Vec<String> {
    found(text, &Options::tolerant())
}

fn strict(text: &str) -> Vec<String> {
    found(text, &Options::strict())
}

#[test]
fn a_good_message_is_valid() {
    let text = format!("{MSH}{PID}{OBR}{OBX}");
    let report = run(&text, &Options::strict());
    assert!(report.is_valid(), "{:#?}", report.findings);
    assert!(report.findings.is_empty(), "{:#?}", report.findings);
    assert_eq!(
        (report.version, report.structure),
        (Some("2.5.1"), Some("ORU_R01"))
    );
}

#[test]
fn version_and_message_type() {
    let msg = MSH.replace("2.5.1", "");
    assert_eq!(tolerant(&msg), ["unknown-version@MSH-12.1"]);
    let msg = MSH.replace("2.5.1", "9.9");
    assert_eq!(tolerant(&msg), ["unknown-version@MSH-12.1"]);
    let report = run(&msg, &Options::tolerant());
    assert_eq!(report.findings[0].code, 203);
    // A chosen version overrides MSH-12.
    let report = run(
        &format!("{msg}{PID}{OBR}"),
        &Options::tolerant().with_version("2.5.1"),
    );
    assert!(report.is_valid(), "{:#?}", report.findings);
    let msg = MSH.replace("ORU^R01^ORU_R01", "");
    assert_eq!(
        tolerant(&msg),
        ["unknown-message-type@MSH-9", "required-field@MSH-9"]
    );
    let msg = MSH.replace("ORU^R01^ORU_R01", "XYZ^Q99");
    let report = run(&msg, &Options::tolerant());
    assert_eq!(report.findings[0].rule, Rule::UnknownMessageType);
    assert_eq!(report.findings[0].code, 200);
    // A locally defined (Z) message type is allowed by the standard: a warning, in either
    // preset, and the message is valid.
    let msg = MSH.replace("ORU^R01^ORU_R01", "ZDT^Z01^ZDT_Z01");
    for options in [Options::tolerant(), Options::strict()] {
        let report = run(&msg, &options);
        assert_eq!(report.findings[0].rule, Rule::UnknownMessageType);
        assert_eq!(report.findings[0].severity, Severity::Warning);
        assert!(report.is_valid(), "{:#?}", report.findings);
    }
    // MSH-9.3 wins over the event map, with a warning when they differ.
    let msg = MSH.replace("ORU^R01^ORU_R01", "ORU^R01^ORU_R30");
    assert_eq!(
        found(&msg, &Options::tolerant())[0],
        "message-structure@MSH-9"
    );
    assert_eq!(run(&msg, &Options::tolerant()).structure, Some("ORU_R30"));
    let msg = MSH.replace("ORU^R01^ORU_R01", "ORU^R01^NOPE");
    let report = run(&format!("{msg}{PID}{OBR}"), &Options::tolerant());
    assert_eq!(report.structure, Some("ORU_R01"));
    assert_eq!(report.findings.len(), 1);
    assert_eq!(report.findings[0].severity, Severity::Warning);
}

#[test]
fn required_segments_and_groups() {
    // ORU_R01 needs an ORDER_OBSERVATION (an OBR) in each PATIENT_RESULT.
    assert_eq!(tolerant(MSH), ["required-segment@OBR"]);
    let report = run(MSH, &Options::tolerant());
    assert_eq!(
        report.findings[0].message,
        "required group PATIENT_RESULT is missing from ORU_R01"
    );
    assert_eq!(report.findings[0].code, 100);
    let text = format!("{MSH}{PID}");
    assert_eq!(tolerant(&text), ["required-segment@OBR"]);
    let report = run(&text, &Options::tolerant());
    assert_eq!(
        report.findings[0].message,
        "required group ORDER_OBSERVATION is missing from ORU_R01 in group PATIENT_RESULT"
    );
}

#[test]
fn order_and_unexpected_segments() {
    // OBX before its OBR: out of order.
    let text = format!("{MSH}{PID}{OBX}{OBR}");
    assert_eq!(tolerant(&text), ["segment-order@OBX"]);
    let report = run(&text, &Options::tolerant());
    assert_eq!(
        report.findings[0].message,
        "segment OBX is out of order: ORU_R01 does not allow it here (after PID in group PATIENT_RESULT.PATIENT)"
    );
    // A second PID right before the OBR the first one needs is the stray one.
    let text = format!("{MSH}{PID}{PID}{OBR}");
    assert_eq!(tolerant(&text), ["segment-order@PID[2]"]);
    // With its own OBR, a second PID starts a second PATIENT_RESULT.
    let text = format!("{MSH}{PID}{OBR}{PID}{OBR}");
    assert!(tolerant(&text).is_empty());
    // ORC RXR RXE RXR in 2.4 RDE_O11: the first RXR is out of order, RXE is not missing.
    let rde = MSH
        .replace("ORU^R01^ORU_R01", "RDE^O11^RDE_O11")
        .replace("2.5.1", "2.4");
    let text = format!("{rde}{PID}ORC|NW\rRXR|PO\rRXE||A\rRXR|PO\r");
    let only_structure = Options {
        check_required_fields: false,
        ..Options::tolerant()
    };
    assert_eq!(found(&text, &only_structure), ["segment-order@RXR"]);
    // A standard segment the structure does not hold: a warning when tolerant.
    let text = format!("{MSH}{PID}{OBR}IN1|1|X|Y\r{OBX}");
    let report = run(&text, &Options::tolerant());
    assert_eq!(tolerant(&text), ["unexpected-segment@IN1"]);
    assert!(report.is_valid());
    assert!(!run(&text, &Options::strict()).is_valid());
    // After the stray segment, matching resumes in place: the OBX still belongs to the OBR.
    assert_eq!(strict(&text), ["unexpected-segment@IN1"]);
}

#[test]
fn segment_repetitions() {
    // PV1 is [1..1] inside the optional VISIT group.
    let text = format!("{MSH}{PID}PV1|1|I\rPV1|2|I\r{OBR}");
    assert_eq!(tolerant(&text), ["segment-repetition@PV1[2]"]);
}

#[test]
fn z_segments() {
    let text = format!("{MSH}{PID}ZPI|1|x\r{OBR}{OBX}");
    assert!(tolerant(&text).is_empty());
    assert_eq!(strict(&text), ["z-segment@ZPI"]);
    static ZPI: [SegmentDef; 1] = [SegmentDef::custom(
        "ZPI",
        "Patient Extras",
        &[
            schema::Field::new("Set ID", "SI").required(),
            schema::Field::new("Colour", "ST"),
        ],
    )];
    let profile = Profile::new(&schema::V2_5_1, &ZPI);
    let options = Options::strict().with_profile(&profile);
    assert!(found(&text, &options).is_empty());
    // Declared segments get their fields checked.
    let text = format!("{MSH}{PID}ZPI|x\r{OBR}{OBX}");
    assert_eq!(found(&text, &options), ["primitive@ZPI-1"]);
}

#[test]
fn required_fields() {
    let text = format!("{MSH}PID|1\r{OBR}");
    assert_eq!(
        tolerant(&text),
        ["required-field@PID-3", "required-field@PID-5"]
    );
    let report = run(&text, &Options::tolerant());
    assert_eq!(
        report.findings[0].message,
        "PID-3 (Patient Identifier List) is required but empty"
    );
    assert_eq!(report.findings[0].code, 101);
    // The explicit null counts as a value.
    let text = format!("{MSH}PID|1||\"\"||\"\"\r{OBR}");
    assert!(tolerant(&text).is_empty());
    // MSH-10 empty.
    let text = format!("{}{PID}{OBR}", MSH.replace("|42|", "||"));
    assert_eq!(tolerant(&text), ["required-field@MSH-10"]);
}

#[test]
fn field_repetitions_and_components() {
    // PID-8 does not repeat.
    let text = format!("{MSH}{}{OBR}", PID.replace("|F\r", "|F~M\r"));
    assert_eq!(tolerant(&text), ["field-repetition@PID-8"]);
    // CX has 10 components in 2.5.1; PID-3 holds 12 here.
    let text = format!("{MSH}PID|1||1^^^^^^^^^^^12||Doe\r{OBR}");
    assert_eq!(tolerant(&text), ["component-count@PID-3"]);
    // Trailing empty components do not count.
    let text = format!("{MSH}PID|1||1^^^^^^^^^^^^||Doe\r{OBR}");
    assert!(tolerant(&text).is_empty());
    // A primitive with components, and a primitive component with sub-components.
    let text = format!("{MSH}{PID}{}", OBR.replace("OBR|1|", "OBR|1^2|"));
    assert_eq!(tolerant(&text), ["component-count@OBR-1"]);
    let text = format!("{MSH}{PID}{}", OBR.replace("Glucose", "Glu&cose"));
    assert_eq!(tolerant(&text), ["component-count@OBR-4.2"]);
    // Second repetition locations carry the repetition.
    let text = format!("{MSH}PID|1||1~1^^^^^^^^^^11||Doe\r{OBR}");
    assert_eq!(tolerant(&text), ["component-count@PID-3[2]"]);
}

#[test]
fn extra_and_withdrawn_fields() {
    let text = format!("{MSH}{PID}{}", OBR.replace("\r", &"|".repeat(60)) + "x\r");
    assert!(tolerant(&text).is_empty());
    assert_eq!(strict(&text), ["extra-field@OBR-64"]);
    // PID-2 is kept for backward compatibility (B), not withdrawn, in 2.5.1; ERR-1 likewise.
    // In 2.5.1 no PID field is withdrawn; OBR has none either. Check via a declared segment.
    static ZWD: [SegmentDef; 1] = [SegmentDef::custom(
        "ZWD",
        "Withdrawn",
        &[schema::Field::new("Old", "ST").optionality(schema::Optionality::Withdrawn)],
    )];
    let options = Options::strict().with_custom_segments(&ZWD);
    let text = format!("{MSH}{PID}{OBR}ZWD|x\r");
    assert_eq!(found(&text, &options), ["withdrawn-field@ZWD-1"]);
    // XTN.1 is withdrawn in 2.6.
    let msh26 = MSH.replace("2.5.1", "2.6");
    let text = format!("{msh26}PID|1||123^^^H^MR||Doe^Jane||||||||555-1234^PRN\r{OBR}");
    assert!(tolerant(&text).is_empty());
    assert_eq!(strict(&text), ["withdrawn-field@PID-13.1"]);
}

#[test]
fn lengths() {
    // MSH-10 is 20 long in 2.5.1.
    let text = format!(
        "{}{PID}{OBR}",
        MSH.replace("|42|", &format!("|{}|", "9".repeat(21)))
    );
    assert!(tolerant(&text).is_empty());
    let report = run(&text, &Options::strict());
    assert_eq!(report.summary(), "length@MSH-10#102");
    assert_eq!(report.findings[0].severity, Severity::Warning);
    assert_eq!(
        report.findings[0].message,
        "MSH-10 (Message Control ID) is 21 characters long; the maximum is 20"
    );
    // Escapes count as the character they stand for.
    let text = format!(
        "{}{PID}{OBR}",
        MSH.replace("|42|", &format!("|{}\\F\\|", "9".repeat(19)))
    );
    assert!(run(&text, &Options::strict()).findings.is_empty());
}

#[test]
fn primitives() {
    let cases = [
        (PID.replace("19700101", "19700132"), "primitive@PID-7.1"),
        (PID.replace("19700101", "1970-01-01"), "primitive@PID-7.1"),
        (PID.replace("19700101", "19700101^X"), "primitive@PID-7.2"),
        (PID.replace("PID|1|", "PID|A|"), "primitive@PID-1"),
    ];
    for (pid, expected) in cases {
        let text = format!("{MSH}{pid}{OBR}");
        assert_eq!(tolerant(&text), [expected], "{pid}");
    }
    // Precision, offsets.
    let text = format!(
        "{MSH}{}{OBR}",
        PID.replace("19700101", "197001011230-0500^M")
    );
    assert!(tolerant(&text).is_empty());
    // MSH-7 with a bad offset.
    let text = format!(
        "{}{PID}{OBR}",
        MSH.replace("20240101120000", "20240101120000+05")
    );
    assert_eq!(tolerant(&text), ["primitive@MSH-7.1"]);
    // OBX-5 is checked as the type OBX-2 names.
    let text = format!("{MSH}{PID}{OBR}{}", OBX.replace("5.4", "5,4"));
    assert_eq!(tolerant(&text), ["primitive@OBX-5"]);
    let text = format!(
        "{MSH}{PID}{OBR}{}",
        OBX.replace("|NM|", "|ST|").replace("5.4", "5,4")
    );
    assert!(tolerant(&text).is_empty());
    // The message never quotes the value.
    let text = format!("{MSH}{}{OBR}", PID.replace("19700101", "SECRET"));
    let report = run(&text, &Options::tolerant());
    assert!(
        report
            .findings
            .iter()
            .all(|f| !f.message.contains("SECRET"))
    );
    assert!(
        !report
            .findings
            .iter()
            .map(ToString::to_string)
            .collect::<String>()
            .contains("SECRET")
    );
    // Checks can be switched off.
    let off = Options {
        check_primitives: false,
        ..Options::tolerant()
    };
    assert!(found(&text, &off).is_empty());
}

#[test]
fn tables() {
    // PID-8 (Administrative Sex) is IS, user-defined table 0001; MSH-11.1 is ID, table 0103.
    let text = format!(
        "{}{}{OBR}",
        MSH.replace("|P|", "|Q|"),
        PID.replace("|F\r", "|Q\r")
    );
    assert!(tolerant(&text).is_empty());
    assert_eq!(strict(&text), ["table-value@MSH-11.1"]);
    let report = run(&text, &Options::strict());
    assert_eq!(report.findings[0].code, 103);
    assert_eq!(
        report.findings[0].message,
        "MSH-11.1 (Processing ID) is not a value of HL7 table 0103"
    );
    let users = Options {
        check_user_tables: true,
        ..Options::strict()
    };
    let report = run(&text, &users);
    assert_eq!(
        report.summary(),
        "table-value@MSH-11.1#103 table-value@PID-8#103"
    );
    assert_eq!(report.findings[1].severity, Severity::Warning);
    // Local coding systems (99zzz) pass table 0396.
    let text = format!("{MSH}{PID}{}", OBR.replace("^LN", "^99LOC"));
    assert!(strict(&text).is_empty());
    let text = format!("{MSH}{PID}{}", OBR.replace("^LN", "^NOPE"));
    assert_eq!(strict(&text), ["table-value@OBR-4.3"]);
}

#[test]
fn ack_errors() {
    let text = format!("{MSH}PID|1\r{OBR}IN1|1\r");
    let report = run(&text, &Options::tolerant());
    let errors = report.ack_errors(10);
    // Errors come before warnings.
    assert_eq!(
        errors.iter().map(|e| e.code).collect::<Vec<_>>(),
        [101, 101, 101, 101, 100]
    );
    assert_eq!(errors[4].severity, Severity::Warning);
    assert_eq!(
        errors[0].location,
        Some(ErrorLocation::from(Path::parse_const("PID-3")))
    );
    assert_eq!(report.ack_errors(1).len(), 1);
    assert_eq!(report.errors().count(), 4);
    assert_eq!(report.warnings().count(), 1);
}

#[test]
fn structures_with_choices_nested_groups_and_any_segments() {
    // Every structure of every compiled-in version accepts a message made of exactly its
    // required segments, in order, once each, and finds nothing structural about it.
    for v in schema::versions() {
        for s in v.structures() {
            only_required_segments(v, s);
        }
    }
}

fn only_required_segments(v: &Version, s: &schema::Structure) {
    {
        let mut ids = Vec::new();
        required(s.nodes, &mut ids);
        // Structures with a second header (batches) are not single messages.
        let headers = ["MSH", "BHS", "BTS", "FHS", "FTS"];
        if ids.first() != Some(&"MSH") || ids[1..].iter().any(|id| headers.contains(id)) {
            return;
        }
        let mut text = MSH
            .replace("ORU^R01^ORU_R01", &format!("ZZZ^Z99^{}", s.id))
            .replace("2.5.1", v.id());
        for id in &ids[1..] {
            text.push_str(if *id == "*" { "ZXX" } else { id });
            text.push_str("|\r");
        }
        let options = Options {
            check_required_fields: false,
            ..Options::tolerant()
        };
        let report = run(&text, &options);
        let structural: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.code == 100)
            .map(|f| f.message.clone())
            .collect();
        assert!(structural.is_empty(), "{} {}: {structural:?}", v.id(), s.id);
    }
}

/// The required segments of `nodes`, in order; for a choice, the first child.
fn required(nodes: &[schema::Node], out: &mut Vec<&'static str>) {
    for node in nodes {
        match node {
            schema::Node::Segment { id, cardinality } if cardinality.min > 0 => out.push(id),
            schema::Node::AnySegment { cardinality } if cardinality.min > 0 => out.push("*"),
            schema::Node::Group(g) if g.cardinality.min > 0 => {
                if g.choice {
                    required(&g.children[..1], out);
                } else {
                    required(g.children, out);
                }
            }
            _ => {}
        }
    }
}

#[test]
fn adversarial_structures_stay_linear() {
    // Thousands of segments that fit nowhere, interleaved with ones that fit: one pass.
    let mut text = format!("{MSH}{PID}{OBR}");
    for _ in 0..5000 {
        text.push_str("NTE|1\rOBX|1|ST|A||x\rPV1|1\rSPM|1\r");
    }
    let start = std::time::Instant::now();
    let report = run(&text, &Options::tolerant());
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
    assert!(!report.is_valid());
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    fn segment() -> impl Strategy<Value = String> {
        let ids = prop::sample::select(vec![
            "PID", "PV1", "OBR", "OBX", "ORC", "NTE", "SPM", "ZZZ", "EVN", "IN1", "MSA", "ERR",
            "DG1", "AL1", "TQ1",
        ]);
        let field = "[A-Za-z0-9^~&.+\\-]{0,12}";
        (ids, prop::collection::vec(field, 0..30))
            .prop_map(|(id, fields)| format!("{id}|{}\r", fields.join("|")))
    }

    proptest! {
        #[test]
        fn on_any_segment_soup(
            event in prop::sample::select(vec!["ORU^R01", "ADT^A01", "OML^O21", "ACK", "RDE^O11", "XYZ^Z1", ""]),
            version in prop::sample::select(vec!["2.1", "2.3", "2.5.1", "2.7", "2.8.2", "9", ""]),
            segments in prop::collection::vec(segment(), 0..40),
        ) {
            let text = format!("MSH|^~\\&|A|B|C|D|20240101||{event}|1|P|{version}\r{}", segments.concat());
            if let Ok(msg) = Message::parse(text) {
                for options in [Options::tolerant(), Options::strict()] {
                    let report = validate(&msg, &options);
                    let _ = report.ack_errors(5);
                    let _ = report.summary();
                }
            }
        }
    }
}

#[test]
fn components_and_sub_components_are_held_to_their_lengths_when_strict() {
    // CX.1 (ID number) is at most 15 characters in 2.5.1, and HD.1 inside CX.4 at most 20.
    let long_id = "1234567890123456789";
    let long_authority = "AN-ASSIGNING-AUTHORITY-NAME";
    let pid = format!("PID|1||{long_id}^^^{long_authority}&1.2.3&ISO^MR||Doe^Jane||19700101|F\r");
    let text = format!("{MSH}{pid}{OBR}");
    assert_eq!(strict(&text), ["length@PID-3.1", "length@PID-3.4.1"]);
    let report = run(&text, &Options::strict());
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.severity == Severity::Warning)
    );
    assert!(tolerant(&text).is_empty());
}
