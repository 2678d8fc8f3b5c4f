//! Acknowledgments, read and written, on arbitrary bytes. Reading MSA/ERR (as a sender does
//! with a reply) never panics. For a message that parses, strictly or tolerantly, building an
//! ACK never panics and gives valid HL7 that reads back with its code and the message's
//! control ID; for bytes that do not parse, the reject ACK of the unparseable answer is built.

#![no_main]

use libfuzzer_sys::fuzz_target;
use messagefoundry_hl7::{ack::{self, Ack}, Message, Path};

fuzz_target!(|data: &[u8]| {
    for parsed in [Message::parse(data), Message::parse_tolerant(data)] {
        match parsed {
            Ok(msg) => {
                read(&msg);
                answer(&msg);
            }
            Err(e) => match ack::for_unparseable(data, &e, ack::Code::ApplicationReject, &options()) {
                Ok(ack) => {
                    let read = Ack::read(&ack).expect("the reject ACK reads as an ACK");
                    assert_eq!(read.code, ack::Code::ApplicationReject);
                }
                Err(ack::BuildError::AckOfAck) => {}
                Err(e) => panic!("no ACK for unparseable input: {e}"),
            },
        }
    }
});

fn options() -> ack::Stamp {
    ack::Stamp::new("20250101120000", "MF0001")
}

/// Reads the message as a reply, the way a sender does.
fn read(msg: &Message) {
    if let Ok(ack) = Ack::read(msg) {
        let _ = (ack.verdict(), ack.level(), ack.acknowledges("42"));
        let _ = ack.texts().count();
        assert_eq!(ack::Code::parse(ack.code.as_str()), Some(ack.code));
    }
}

/// Answers the message with a plain accept and with an error that carries a location and
/// text holding delimiters and non-ASCII (escaped and encoded in the message's character set).
fn answer(msg: &Message) {
    let error = ack::ErrorEntry::new(ack::ErrorEntry::REQUIRED_FIELD_MISSING)
        .at(Path::parse_const("PID-3[2].1"))
        .with_text("Wrong | ^ ~ \\ & \r Ünïcode €");
    let builders = [
        ack::Builder::new(msg, ack::Code::ApplicationAccept),
        ack::Builder::new(msg, ack::Code::CommitReject).error(error),
    ];
    for builder in builders {
        let ack = match builder.build(&options()) {
            Ok(ack) => ack,
            Err(ack::BuildError::AckOfAck) => {
                assert!(
                    msg[Path::parse_const("MSH-9.1")]
                        .trim()
                        .eq_ignore_ascii_case("ACK")
                );
                continue;
            }
            Err(e) => panic!("no ACK for a message that parses: {e}"),
        };
        let read = Ack::read(&ack).expect("a built ACK reads as an ACK");
        let control_id = msg
            .segment(0)
            .map(|s| s.field(10).text().into_owned());
        assert_eq!(Some(read.control_id), control_id, "MSA-2 is not MSH-10");
        let _ = (read.text, read.errors.len());
    }
}
