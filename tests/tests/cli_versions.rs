//! An interface binary knows every HL7 version: `hl7 validate` of a 2.1, 2.2, 2.7 or 2.8
//! message (from the corpus, see corpus/README.md) validates it against that version's schema
//! rather than failing for want of it.

use std::process::Command;

#[test]
fn an_interface_binary_validates_every_version() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
    for (file, version) in [
        ("nhapi/adt_a01_v21.hl7", "2.1"),
        ("hapi-hl7v2/orm_o01_v22_trailing_space_in_field.hl7", "2.2"),
        ("hl7apy/rsp_k22_v27_truncation_char.hl7", "2.7"),
        ("nhapi/oru_r01_v28_observations.hl7", "2.8"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_lab-serve"))
            .args(["hl7", "validate"])
            .arg(corpus.join(file))
            .output()
            .expect("the interface binary runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        assert!(!text.contains("not compiled in"), "{file}: {text}");
        assert!(
            text.contains(&format!("of HL7 {version}")),
            "{file}: {text}"
        );
    }
}
