use messagefoundry::hl7::{Presence, Segment};
use messagefoundry::prelude::*;

struct Lab;

// Every method's literals are checked, inside closures and `assert_eq!` too.
#[checked]
impl Lab {
    fn family_name(msg: &Message) -> String {
        msg["PID-5.1"].to_uppercase()
    }

    fn results(msg: &Message) -> usize {
        msg.segments_named("OBX").count()
    }

    fn correct(msg: &mut Message) {
        msg.set("OBR-25", "C").unwrap();
        assert_eq!(msg.get("OBR-25").presence(), Presence::Valued);
        let values: Vec<String> = msg
            .segments_named("OBX")
            .map(|s| s.field(5).to_string())
            .collect();
        assert_eq!(values, ["one", "two"]);
    }
}

#[checked]
mod helpers {
    use messagefoundry::prelude::*;

    pub fn first_result(msg: &Message) -> String {
        assert_eq!(&msg["MSH-9.1"], "ORU");
        msg["OBX-5"].to_string()
    }
}

// Outside checked items, `segment!` and `path!` check a literal.
fn is_result(seg: Segment<'_>) -> bool {
    seg.id() == segment!("OBX")
}

fn status(msg: &Message) -> String {
    msg[path!("OBR-25")].to_string()
}

fn main() {
    let mut msg = Message::parse(
        "MSH|^~\\&|LAB||EHR||20240101||ORU^R01|1|P|2.5.1\rPID|1||||van&Beethoven^Ludwig\r\
         OBR|1\rOBX|1|ST|A||one\rOBX|2|ST|B||two\r",
    )
    .unwrap();
    assert_eq!(Lab::family_name(&msg), "VAN");
    assert_eq!(Lab::results(&msg), 2);
    Lab::correct(&mut msg);
    assert_eq!(status(&msg), "C");
    assert_eq!(helpers::first_result(&msg), "one");
    assert_eq!(msg.segments().filter(|s| is_result(*s)).count(), 2);
}
