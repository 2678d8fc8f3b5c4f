use messagefoundry::prelude::*;

#[checked]
fn observed(msg: &Message) -> Option<String> {
    msg.datetime("OBR-7").ok().flatten().map(|t| t.to_string())
}

fn main() {
    // A type of the crate's version (2.5.1, the default), with or without its structure.
    let oru = new_message!("ORU^R01").build().unwrap();
    assert_eq!(oru.get(path!("MSH-9")).er7(), "ORU^R01^ORU_R01");
    assert_eq!(oru.version(), "2.5.1");
    let adt = new_message!("ADT^A04^ADT_A01").build().unwrap();
    assert_eq!(&adt[path!("MSH-9.3")], "ADT_A01");
    // A locally defined type.
    let local = new_message!("ZRS^Z01").build().unwrap();
    assert_eq!(local.get(path!("MSH-9")).er7(), "ZRS^Z01");

    let mut msg = oru;
    msg.push_segment("OBR|1||||||20240101120000").unwrap();
    assert_eq!(observed(&msg).as_deref(), Some("20240101120000"));
}
