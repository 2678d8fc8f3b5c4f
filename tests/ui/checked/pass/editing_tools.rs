use messagefoundry::hl7::EditError;
use messagefoundry::prelude::*;

// The literals of every editing tool are checked: paths, segment IDs, group members.
#[checked]
fn transform(mut msg: Message, from: &Message) -> Result<Message, EditError> {
    msg.update_every("PID-5.1", |family| family.to_uppercase())?;
    msg.update("PID-8", |sex| if sex == "M" { "male" } else { "other" })?;
    assert_eq!(msg.every("PID-5").len(), 2);
    msg.copy_from(from, "PID-3")?;
    msg.copy_segment_from(from, "PV1")?;
    msg.remove_segments("NTE")?;
    msg.insert_segment_after("PID", "PD1|||GENHOSP")?;
    let orders = msg.groups("OBR", ["OBX"]).count();
    assert_eq!(orders, 2);
    msg.for_each_group("OBR", &["OBX", "NTE"], |order| {
        if order["OBR-4"] == "GLU" {
            order.update_every("OBX-6", |_| "mmol/L")?;
        }
        Ok(())
    })?;
    msg.retain_segments(|seg| seg.id() != segment!("NTE") || !seg["NTE-3"].is_empty())?;
    Ok(msg)
}

fn main() {
    let msg = Message::parse(
        "MSH|^~\\&|LAB||EHR||20240101||ORU^R01|1|P|2.5.1\rPID|1||||Doe^John~Roe^Jane||19700101|M\r\
         NTE|1||note\rOBR|1|||GLU\rOBX|1|NM|GLU||5.5|mg/dL\rOBR|2|||NA\rOBX|1|NM|NA||140|mmol/L\r",
    )
    .unwrap();
    let from = Message::parse(
        "MSH|^~\\&|ADT||EHR||20240101||ADT^A08|2|P|2.5.1\rPID|1||123^^^H\rPV1|1|I\r",
    )
    .unwrap();
    let out = transform(msg, &from).unwrap();
    assert_eq!(&out[path!("PID-5[2].1")], "ROE");
    assert_eq!(&out[path!("PID-8")], "male");
    assert_eq!(&out[path!("PID-3.1")], "123");
    assert_eq!(&out[path!("PD1-3")], "GENHOSP");
    assert_eq!(&out[path!("PV1-2")], "I");
    assert_eq!(out.segments_named(segment!("NTE")).count(), 0);
    assert_eq!(&out[path!("OBX-6")], "mmol/L");
    assert_eq!(&out[path!("OBX[2]-6")], "mmol/L");
}
