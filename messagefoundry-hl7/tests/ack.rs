//! Acknowledgments built for, and read from, real messages of the corpus.

mod support;

use messagefoundry_hl7::{
    Message, Path, SegmentId,
    ack::{self, Ack},
};
use support::p;

fn corpus(name: &str) -> Vec<u8> {
    let path = format!("{}/../corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse(name: &str) -> Message {
    Message::parse(corpus(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn opts() -> ack::Stamp {
    ack::Stamp::new("20250101120000", "MF0001")
}

/// The segments of a message as text lines, for readable comparisons.
fn lines(msg: &Message) -> Vec<String> {
    msg.as_bytes()
        .split(|&b| b == b'\r')
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

#[test]
fn adt_v23_error_uses_err_1() {
    let msg = parse("python-hl7/adt_a01_v23_null_values_repetitions.hl7");
    let ack = ack::Builder::new(&msg, ack::Code::ApplicationError)
        .error(
            ack::ErrorEntry::new(ack::ErrorEntry::TABLE_VALUE_NOT_FOUND)
                .at(Path::parse_const("PV1-2"))
                .with_text("Patient class is not in table 0004"),
        )
        .build(&opts())
        .unwrap();
    assert_eq!(
        lines(&ack),
        [
            "MSH|^~\\&|AIG||HNAM_PM|HNA500|20250101120000||ACK^A01|MF0001|P|2.3",
            "MSA|AE|Q150084616T145947960|Patient class is not in table 0004",
            "ERR|PV1^1^2^103&Patient class is not in table 0004&HL70357",
        ]
    );
    let read = Ack::read(&ack).unwrap();
    assert!(read.acknowledges("Q150084616T145947960"));
    assert_eq!(read.errors.len(), 1);
    assert_eq!(read.errors[0].code, 103);
    assert_eq!(
        read.errors[0].location,
        Some(ack::ErrorLocation::from(Path::parse_const("PV1-2")))
    );
}

#[test]
fn oru_v251_error_uses_err_2_3_4() {
    let msg = parse("rethinkhealth-hl7v2/oru_r01_lab.hl7");
    let ack = ack::Builder::new(&msg, ack::Code::ApplicationReject)
        .error(
            ack::ErrorEntry::new(ack::ErrorEntry::UNSUPPORTED_EVENT_CODE)
                .at(Path::parse_const("MSH-9.2"))
                .with_text("Results are not accepted on this interface"),
        )
        .error(
            ack::ErrorEntry::new(ack::ErrorEntry::DATA_TYPE_ERROR)
                .at(Path::parse_const("OBX[2]-5"))
                .with_severity(ack::Severity::Warning),
        )
        .build(&opts())
        .unwrap();
    assert_eq!(
        lines(&ack),
        [
            "MSH|^~\\&|ORDER_APP|FACILITY_A|LAB_APP|FACILITY_B|20250101120000||ACK^R01^ACK|MF0001|P|2.5.1",
            "MSA|AR|MSG00003|Results are not accepted on this interface",
            "ERR||MSH^1^9^^2|201^Unsupported event code^HL70357|E||||Results are not accepted on this interface",
            "ERR||OBX^2^5|102^Data type error^HL70357|W",
        ]
    );
    let read = Ack::read(&ack).unwrap();
    assert_eq!(read.code, ack::Code::ApplicationReject);
    assert!(read.is_reject() && read.is_negative());
    assert_eq!(read.verdict(), messagefoundry_hl7::ack::Verdict::Reject);
    assert_eq!(read.errors[1].severity, ack::Severity::Warning);
    assert_eq!(read.errors[1].code, 102);
    assert_eq!(
        read.texts().collect::<Vec<_>>(),
        [
            "Results are not accepted on this interface",
            "Data type error"
        ]
    );
}

#[test]
fn old_versions_send_the_type_and_from_2_2_the_trigger() {
    for (file, version, id, msh_9) in [
        ("nhapi/adt_a01_v21.hl7", "2.1", "00000040", "ACK"),
        (
            "hapi-hl7v2/adt_a05_v22_preadmit.hl7",
            "2.2",
            "01500",
            "ACK^A05",
        ),
    ] {
        let msg = parse(file);
        let ack = ack::Builder::new(&msg, ack::Code::ApplicationAccept)
            .build(&opts())
            .unwrap();
        assert_eq!(ack.get(p("MSH-9")).er7(), msh_9, "{file}");
        assert_eq!(&ack[p("MSH-12")], version);
        assert_eq!(&ack[p("MSA-2")], id);
        assert_eq!(ack.segment_count(), 2);
    }
}

#[test]
fn enhanced_mode_commit_ack() {
    let msg = parse("hapi-hl7v2/adt_a05_v22_preadmit.hl7");
    assert!(matches!(
        ack::Requested::of(&msg),
        ack::Requested::Enhanced { .. }
    ));
    let ack = ack::Builder::new(&msg, ack::Code::CommitAccept)
        .build(&opts())
        .unwrap();
    assert_eq!(
        lines(&ack),
        [
            "MSH|^~\\&|STML|001|STML|001|20250101120000||ACK^A05|MF0001|T|2.2",
            "MSA|CA|01500"
        ]
    );
    // An ACK asks for no acknowledgment itself.
    assert_eq!(ack::Requested::of(&ack), ack::Requested::Original);
}

#[test]
fn header_fields_swap_with_components_and_charset() {
    let msg = parse("hapi-hl7v2/erp_z99_v231_olis_chem.hl7");
    let ack = ack::Builder::new(&msg, ack::Code::ApplicationAccept)
        .build(&opts())
        .unwrap();
    assert_eq!(
        lines(&ack),
        [
            "MSH|^~\\&|^2.16.840.1.113883.3.59.3:0947^ISO||^OLIS^X500||20250101120000||ACK^Z99^ACK|MF0001|T|2.3.1||||||8859/1",
            "MSA|AA|bf3dd577-2108-47ad-abd2-4f06284f3b55",
        ]
    );
    assert_eq!(&ack[p("MSH-5.2")], "OLIS");
    assert_eq!(&ack[p("MSH-3.3")], "ISO");
}

#[test]
fn custom_delimiters_kept() {
    let msg = parse("rethinkhealth-hl7v2/edge_custom_delimiters.hl7");
    let ack = ack::Builder::new(&msg, ack::Code::ApplicationError)
        .error(
            ack::ErrorEntry::new(ack::ErrorEntry::REQUIRED_FIELD_MISSING)
                .at(Path::parse_const("PID-3.4"))
                .with_text("Assigning authority # ! @ % * missing"),
        )
        .build(&opts())
        .unwrap();
    assert_eq!(
        lines(&ack),
        [
            "MSH#!@%*#RECV#FAC#SENDER#FAC#20250101120000##ACK!A01!ACK#MF0001#P#2.5",
            "MSA#AE#MSG007#Assigning authority %F% %S% %R% %E% %T% missing",
            "ERR##PID!1!3!!4#101!Required field missing!HL70357#E####Assigning authority %F% %S% %R% %E% %T% missing",
        ]
    );
    let read = Ack::read(&ack).unwrap();
    assert_eq!(
        read.text.as_deref(),
        Some("Assigning authority # ! @ % * missing")
    );
    assert_eq!(read.errors[0].text, read.text);

    // Field separator ^, component ~, repetition |: VistA's delimiters.
    let msg = parse("hapi-hl7v2/oru_r01_v24_vista_caret_field_sep.hl7");
    let ack = ack::Builder::new(&msg, ack::Code::ApplicationError)
        .error(ack::ErrorEntry::new(207).with_text("a|b^c~d"))
        .build(&opts())
        .unwrap();
    assert_eq!(
        lines(&ack),
        [
            "MSH^~|\\&^GMRV VDEF IESIDE^200HD~HDR.MED.VA.GOV~DNS^HDRVTLS^552~DAYTDEV.FO-BAYPINES.MED.VA.GOV~DNS^20250101120000^^ACK~R01~ACK^MF0001^T^2.4",
            "MSA^AE^55253408603^a\\R\\b\\F\\c\\S\\d",
            "ERR^~~~207&a\\R\\b\\F\\c\\S\\d&HL70357",
        ]
    );
    assert_eq!(
        Ack::read(&ack).unwrap().errors[0].text.as_deref(),
        Some("a|b^c~d")
    );
}

#[test]
fn never_ack_an_ack() {
    for file in [
        "nhapi/ack_v231_ae_with_err.hl7",
        "cdc-trusted-intermediary/ack_v251_natus.hl7",
        "rust-hl7/ack_o01_v23_separators_test.hl7",
    ] {
        let msg = parse(file);
        let err = ack::Builder::new(&msg, ack::Code::ApplicationAccept)
            .build(&opts())
            .unwrap_err();
        assert_eq!(err, ack::BuildError::AckOfAck, "{file}");
    }
    let bytes = b"MSH|^~\\&|A||B||2024||ACK^A01|1|P|2.3\rMSA|AA|9\rZZ|\r";
    let parse_error = Message::parse(&bytes[..]).unwrap_err();
    assert_eq!(
        ack::for_unparseable(bytes, &parse_error, ack::Code::ApplicationReject, &opts()),
        Err(ack::BuildError::AckOfAck)
    );
}

#[test]
fn unparseable_with_readable_header() {
    let msg = parse("rethinkhealth-hl7v2/oru_r01_lab.hl7");
    // A good header, then a segment whose name is not valid.
    let mut bytes = corpus("rethinkhealth-hl7v2/oru_r01_lab.hl7");
    bytes.extend_from_slice(b"obx|3|NM|HGB^Hemoglobin^LN||13.2\r");
    let error = Message::parse(bytes.clone()).unwrap_err();
    let ack = ack::for_unparseable(&bytes, &error, ack::Code::ApplicationReject, &opts()).unwrap();
    assert_eq!(&ack[p("MSA-1")], "AR");
    assert_eq!(&ack[p("MSA-2")], &msg[p("MSH-10")]);
    let whole = |m: &Message, path: &str| m.get(p(path)).er7().into_owned();
    assert_eq!(whole(&ack, "MSH-3"), whole(&msg, "MSH-5"));
    assert_eq!(whole(&ack, "MSH-5"), whole(&msg, "MSH-3"));
    assert_eq!(whole(&ack, "MSH-9"), "ACK^R01^ACK");
    assert_eq!(&ack[p("MSH-12")], "2.5.1");
    assert_eq!(&ack[p("ERR-3.1")], "100");
    assert_eq!(&ack[p("ERR-8")], error.to_string());
    // The reason is the parser's, never the bytes.
    assert!(!String::from_utf8_lossy(ack.as_bytes()).contains("Hemoglobin"));
    assert_eq!(Ack::read(&ack).unwrap().errors[0].code, 100);
}

#[test]
fn unparseable_header_gives_minimal_ack() {
    for file in [
        "hl7apy/msh2_duplicate_encoding_chars_v26.hl7",
        "cdc-trusted-intermediary/orm_o01_v251_missing_msh2.hl7",
    ] {
        let bytes = corpus(file);
        let error = Message::parse(bytes.clone()).unwrap_err();
        let ack = ack::for_unparseable(&bytes, &error, ack::Code::CommitReject, &opts()).unwrap();
        assert_eq!(
            lines(&ack),
            [
                "MSH|^~\\&|||||20250101120000||ACK^^ACK|MF0001|P|2.5.1".to_owned(),
                format!("MSA|CR||{error}"),
                format!(
                    "ERR|||207^Application internal error^HL70357|E||||{}",
                    error
                ),
            ],
            "{file}"
        );
        let read = Ack::read(&ack).unwrap();
        assert_eq!(read.code, ack::Code::CommitReject);
        assert!(read.acknowledges(""));
    }
    let error = Message::parse(&b""[..]).unwrap_err();
    let ack = ack::for_unparseable(b"", &error, ack::Code::ApplicationReject, &opts()).unwrap();
    assert_eq!(
        &ack[p("ERR-8")],
        "HL7 parse error at byte 0: the input is empty"
    );
}

#[test]
fn read_hand_written_acks() {
    let ack = Ack::read(&parse("nhapi/ack_v231_ae_with_err.hl7")).unwrap();
    assert_eq!(ack.code, ack::Code::ApplicationError);
    assert_eq!(ack.control_id, "00000001");
    assert_eq!(
        ack.text.as_deref(),
        Some("Patient id was not found, must be of type 'MR'")
    );
    // ERR-1 written with the code's parts flattened into components: no code, a location.
    assert_eq!(ack.errors.len(), 1);
    assert_eq!(
        ack.errors[0].location,
        Some(ack::ErrorLocation::from(Path::parse_const("PID-3")))
    );

    let ack = Ack::read(&parse("nhapi/ack_v04_v251_ar_unsupported_version.hl7")).unwrap();
    assert_eq!(ack.code, ack::Code::ApplicationReject);
    assert_eq!(ack.control_id, "9299381");
    assert_eq!(ack.errors[0].code, ack::ErrorEntry::UNSUPPORTED_VERSION_ID);
    assert_eq!(
        ack.errors[0].location,
        Some(ack::ErrorLocation::from(Path::parse_const("MSH-12")))
    );
    assert_eq!(
        ack.texts().collect::<Vec<_>>(),
        ["Unsupported HL7 Version ID-Message rejected"]
    );

    let ack = Ack::read(&parse("cdc-trusted-intermediary/ack_v251_natus.hl7")).unwrap();
    assert!(ack.is_positive());
    assert!(ack.acknowledges("0A173B79-D7AC-444F-99E7-C96B4A68B188"));
    assert!(ack.errors.is_empty() && ack.text.is_none());

    // A response that is not of type ACK still acknowledges through its MSA.
    let ack = Ack::read(&parse("hapi-hl7v2/erp_z99_v231_olis_chem.hl7")).unwrap();
    assert_eq!(ack.code, ack::Code::ApplicationAccept);
    assert_eq!(ack.control_id, "212137");
}

#[test]
fn read_errors() {
    let msg = parse("rethinkhealth-hl7v2/oru_r01_lab.hl7");
    assert_eq!(Ack::read(&msg), Err(ack::ReadError::NoMsa));
    let m = Message::parse("MSH|^~\\&|||||||ACK|1|P|2.5\rMSA||1\r").unwrap();
    assert_eq!(Ack::read(&m), Err(ack::ReadError::MissingCode));
    let m = Message::parse("MSH|^~\\&|||||||ACK|1|P|2.5\rMSA|OK|1\r").unwrap();
    assert_eq!(Ack::read(&m), Err(ack::ReadError::UnknownCode));
    let m = Message::parse("MSH|^~\\&|||||||ACK|1|P|2.5\rMSA|ca|1\r").unwrap();
    assert_eq!(Ack::read(&m).unwrap().code, ack::Code::CommitAccept);
}

#[test]
fn round_trip_every_code() {
    let msg = parse("hl7-parser-rs/sample_adt_a01.hl7");
    for code in [
        ack::Code::ApplicationAccept,
        ack::Code::ApplicationError,
        ack::Code::ApplicationReject,
        ack::Code::CommitAccept,
        ack::Code::CommitError,
        ack::Code::CommitReject,
    ] {
        let errors: Vec<ack::ErrorEntry> = if code.is_positive() {
            vec![]
        } else {
            vec![
                ack::ErrorEntry::new(ack::ErrorEntry::DUPLICATE_KEY_IDENTIFIER)
                    .at(ack::ErrorLocation::segment(
                        SegmentId::new(*b"PID").unwrap(),
                        1,
                    ))
                    .with_text("Visit number already on file"),
            ]
        };
        let ack = ack::Builder::new(&msg, code)
            .errors(errors.clone())
            .build(&opts())
            .unwrap();
        let read = Ack::read(&ack).unwrap();
        assert_eq!(read.code, code);
        assert!(read.acknowledges("599102"));
        assert_eq!(read.errors, errors);
        assert_eq!(ack.get(p("MSH-9")).er7(), "ACK^A01");
    }
}

#[test]
fn build_now_stamps_the_header() {
    let msg = parse("rethinkhealth-hl7v2/oru_r01_lab.hl7");
    let a = ack::Builder::new(&msg, ack::Code::ApplicationAccept)
        .build_now()
        .unwrap();
    let b = ack::Builder::new(&msg, ack::Code::ApplicationAccept)
        .build_now()
        .unwrap();
    assert_ne!(&a[p("MSH-10")], &b[p("MSH-10")]);
    assert_eq!(a[p("MSH-7")].len(), 19);
    assert!(a[p("MSH-7")].starts_with("20"));
}

/// Each version's letter, checked on hand-made headers: what MSH-9 and MSA-3 may hold, and
/// where the error text goes.
mod to_the_letter {
    use super::*;

    fn header(version: &str, encoding: &str) -> Message {
        let text = format!("MSH|{encoding}|LIS|LAB|EHR|HOSP|20260101||ADT^A01|C1|P|{version}\r");
        Message::parse(text.into_bytes()).expect("test message parses")
    }

    fn error_ack(msg: &Message) -> Message {
        ack::Builder::new(msg, ack::Code::ApplicationError)
            .error(
                ack::ErrorEntry::new(ack::ErrorEntry::APPLICATION_INTERNAL_ERROR).with_text("why"),
            )
            .build(&opts())
            .expect("the ACK builds")
    }

    #[test]
    fn msa_3_is_left_out_from_2_7_on() {
        let ack = error_ack(&header("2.7", "^~\\&"));
        assert_eq!(lines(&ack)[1], "MSA|AE|C1");
        assert_eq!(
            lines(&ack)[2],
            "ERR|||207^Application internal error^HL70357|E||||why"
        );
        let ack = error_ack(&header("2.6", "^~\\&"));
        assert_eq!(lines(&ack)[1], "MSA|AE|C1|why");
    }

    #[test]
    fn a_text_without_an_error_is_informational_from_2_7_on() {
        let msg = header("2.8", "^~\\&");
        let ack = ack::Builder::new(&msg, ack::Code::ApplicationAccept)
            .text("queued for the night run")
            .build(&opts())
            .expect("the ACK builds");
        assert_eq!(
            lines(&ack)[1..],
            [
                "MSA|AA|C1",
                "ERR|||0^Message accepted^HL70357|I||||queued for the night run"
            ]
        );
    }

    #[test]
    fn msh_9_has_the_trigger_from_2_2_and_the_structure_from_2_3_1() {
        let msh_9 = |version: &str| {
            let ack = error_ack(&header(version, "^~\\&"));
            lines(&ack)[0]
                .split('|')
                .nth(8)
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(msh_9("2.1"), "ACK");
        assert_eq!(msh_9("2.2"), "ACK^A01");
        assert_eq!(msh_9("2.3"), "ACK^A01");
        assert_eq!(msh_9("2.3.1"), "ACK^A01^ACK");
    }

    #[test]
    fn three_encoding_characters_get_a_sub_component_separator_for_err() {
        let ack = error_ack(&header("2.4", "^~\\"));
        let lines = lines(&ack);
        assert!(lines[0].starts_with("MSH|^~\\&|"), "{}", lines[0]);
        assert_eq!(lines[2], "ERR|^^^207&why&HL70357");
        // A separator the copied header already holds as text is not chosen.
        let msg =
            Message::parse(b"MSH|^~\\|LIS&CO|LAB|EHR|HOSP|20260101||ADT^A01|C1|P|2.4\r".to_vec())
                .expect("test message parses");
        let lines = super::lines(&error_ack(&msg));
        assert!(
            lines[0].starts_with("MSH|^~\\!|EHR|HOSP|LIS&CO|"),
            "{}",
            lines[0]
        );
        assert_eq!(lines[2], "ERR|^^^207!why!HL70357");
    }
}
