//! Facts of the embedded HL7 schema, checked against the standard, and the exact texts of
//! path resolution errors (the compile-time macros print them verbatim).

#![cfg(all(feature = "v2_3", feature = "v2_5_1"))]
#![allow(clippy::unwrap_used)] // helpers of tests: a panic is a failed test

use messagefoundry_hl7::schema::{
    self, Cardinality, Field, Node, Optionality, PathPart, Profile, ResolveError, SegmentDef,
    Version,
};
use messagefoundry_hl7::{Path, fields};

fn v(id: &str) -> &'static Version {
    schema::version(id).unwrap_or_else(|| panic!("HL7 {id} is not compiled in"))
}

fn path(text: &str) -> Path {
    Path::parse(text).unwrap()
}

#[test]
fn pid_has_39_fields_in_2_5_1_and_30_in_2_3() {
    assert_eq!(v("2.5.1").segment("PID").unwrap().fields.len(), 39);
    assert_eq!(v("2.3").segment("PID").unwrap().fields.len(), 30);
    assert_eq!(
        v("2.5.1").segment("PID").unwrap().name,
        Some("Patient Identification")
    );
}

#[test]
fn obr_25_is_result_status() {
    let v = v("2.5.1");
    let f = v.segment("OBR").unwrap().field(25).unwrap();
    assert_eq!(f.name, "Result Status");
    assert_eq!(f.data_type, Some("ID"));
    assert_eq!(f.table, Some("0123"));
    assert_eq!(f.repetitions, Cardinality::OPTIONAL);
    let table = v.table("0123").unwrap();
    assert_eq!(table.name, Some("Result Status"));
    assert!(table.contains("F") && table.contains("X") && !table.contains("Q"));
    assert_eq!(
        table.value("C").unwrap().description,
        Some("Correction to results")
    );
}

#[test]
fn msh_9_is_msg_with_three_components() {
    let v = v("2.5.1");
    let f = v.segment("MSH").unwrap().field(9).unwrap();
    assert_eq!((f.name, f.data_type), ("Message Type", Some("MSG")));
    assert_eq!(f.optionality, Some(Optionality::Required));
    let msg = v.data_type("MSG").unwrap();
    let names: Vec<_> = msg.components.iter().map(|c| c.name).collect();
    assert_eq!(
        names,
        ["Message Code", "Trigger Event", "Message Structure"]
    );
    assert_eq!(msg.component(1).unwrap().table, Some("0076"));
    assert!(msg.component(4).is_none() && msg.component(0).is_none());
    assert!(v.data_type("ST").unwrap().is_primitive());
    assert!(v.data_type("varies").unwrap().varies);
}

#[test]
fn events_map_to_structures() {
    for id in ["2.3", "2.5.1"] {
        let v = v(id);
        assert_eq!(v.structure_for("ADT", "A04").unwrap().id, "ADT_A01", "{id}");
        assert_eq!(v.structure_for("ORU", "R01").unwrap().id, "ORU_R01", "{id}");
        assert_eq!(v.structure_for("ACK", "R01").unwrap().id, "ACK", "{id}");
        assert!(v.structure_for("ZZZ", "Z99").is_none());
    }
    let v = v("2.5.1");
    assert_eq!(v.structure_for("SIU", "S13").unwrap().id, "SIU_S12");
    // The CODE_EVENT fallback, for an event the map does not list.
    assert_eq!(v.structure_for("ACK", "").unwrap().id, "ACK");
    assert!(
        v.events()
            .iter()
            .any(|e| e.message_code == "ADT" && e.trigger_event == "A04")
    );
}

#[test]
fn oru_r01_nests_obx_in_patient_result_order_observation_observation() {
    let s = v("2.5.1").structure("ORU_R01").unwrap();
    let group = |nodes: &'static [Node], name: &str| -> &'static schema::Group {
        nodes
            .iter()
            .find_map(|n| match n {
                Node::Group(g) if g.name == name => Some(g),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no group {name}"))
    };
    assert!(
        matches!(&s.nodes[0], Node::Segment { id: "MSH", cardinality } if *cardinality == Cardinality::ONE)
    );
    let patient_result = group(s.nodes, "PATIENT_RESULT");
    assert_eq!(patient_result.cardinality, Cardinality::new(1, None));
    let order = group(patient_result.children, "ORDER_OBSERVATION");
    let observation = group(order.children, "OBSERVATION");
    assert_eq!(observation.cardinality, Cardinality::ANY);
    assert!(matches!(
        &observation.children[0],
        Node::Segment { id: "OBX", .. }
    ));
    assert!(!observation.choice);
}

#[test]
fn choice_groups_and_any_segment() {
    let v = v("2.5.1");
    let orm = v.structure("ORM_O01").unwrap();
    fn any_choice(nodes: &[Node]) -> bool {
        nodes.iter().any(|n| match n {
            Node::Group(g) => g.choice || any_choice(g.children),
            _ => false,
        })
    }
    assert!(any_choice(orm.nodes));
    fn any_segment(nodes: &[Node]) -> bool {
        nodes.iter().any(|n| match n {
            Node::AnySegment { .. } => true,
            Node::Group(g) => any_segment(g.children),
            Node::Segment { .. } => false,
        })
    }
    assert!(any_segment(v.structure("MFN_M01").unwrap().nodes));
}

#[test]
fn every_version_loads_and_its_tables_are_sorted() {
    let ids: Vec<_> = schema::versions().iter().map(|v| v.id()).collect();
    assert!(ids.contains(&"2.3") && ids.contains(&"2.5.1"));
    #[cfg(feature = "all-versions")]
    assert_eq!(
        ids,
        [
            "2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.8", "2.8.1",
            "2.8.2"
        ]
    );
    fn sorted<T>(items: &[T], key: impl Fn(&T) -> (&str, &str)) -> bool {
        items.windows(2).all(|w| key(&w[0]) < key(&w[1]))
    }
    for v in schema::versions() {
        assert!(std::ptr::eq(schema::version(v.id()).unwrap(), *v));
        assert!(sorted(v.segments(), |s| (s.id, "")), "{v}");
        assert!(sorted(v.data_types(), |d| (d.code, "")), "{v}");
        assert!(sorted(v.structures(), |s| (s.id, "")), "{v}");
        assert!(
            sorted(v.events(), |e| (e.message_code, e.trigger_event)),
            "{v}"
        );
        assert!(sorted(v.tables(), |t| (t.id, "")), "{v}");
        assert!(v.segment("MSH").is_some(), "{v}");
        for s in v.segments() {
            assert_eq!(v.segment(s.id).map(|x| x.id), Some(s.id));
            for f in s.fields {
                if let Some(dt) = f.data_type {
                    assert!(v.data_type(dt).is_some(), "{v} {} {dt}", s.id);
                }
            }
        }
        for e in v.events() {
            assert!(v.structure(e.structure).is_some(), "{v} {}", e.structure);
        }
        for t in v.tables() {
            assert!(sorted(t.values, |x| (x.code, "")), "{v} table {}", t.id);
        }
    }
}

#[test]
fn resolve_names_fields_components_and_subcomponents() {
    let v = v("2.5.1");
    let r = schema::resolve(v, &path("PID-5.1.1")).unwrap();
    assert_eq!(r.segment.id, "PID");
    assert_eq!(r.field.name, "Patient Name");
    assert_eq!(r.field_type.unwrap().code, "XPN");
    assert_eq!(r.component.unwrap().name, "Family Name");
    assert_eq!(r.subcomponent.unwrap().name, "Surname");
    assert_eq!((r.name(), r.data_type()), ("Surname", Some("ST")));
    assert!(r.warnings.is_empty());
    assert_eq!(r.to_string(), "PID-5.1.1 Surname (ST)");

    let r = schema::resolve(v, &path("OBR-25")).unwrap();
    assert_eq!((r.data_type(), r.table()), (Some("ID"), Some("0123")));
    // OBX-5 varies: components cannot be checked, so any is accepted.
    let r = schema::resolve(v, &path("OBX[2]-5[3].7.2")).unwrap();
    assert!(r.component.is_none() && r.warnings.is_empty());
    assert!(
        schema::resolve(v, &path("PID-3[2].1"))
            .unwrap()
            .warnings
            .is_empty()
    );
}

/// Resolves `text` in 2.5.1 and returns the error text with the part it points at.
fn error(version: &str, text: &str) -> (String, String) {
    let p = path(text);
    let e = schema::resolve(v(version), &p).unwrap_err();
    assert_eq!(e.path(), &p);
    (e.to_string(), p.to_string()[e.span()].to_string())
}

fn warnings(text: &str) -> Vec<(String, String)> {
    let p = path(text);
    let r = schema::resolve(v("2.5.1"), &p).unwrap();
    r.warnings
        .iter()
        .map(|w| (w.to_string(), p.to_string()[w.span()].to_string()))
        .collect()
}

fn pair(message: &str, at: &str) -> (String, String) {
    (message.to_string(), at.to_string())
}

#[test]
fn resolve_error_texts() {
    assert_eq!(
        error("2.5.1", "PIX-3"),
        pair("unknown segment PIX in HL7 2.5.1; did you mean PID?", "PIX")
    );
    assert_eq!(
        error("2.5.1", "PDI-3"),
        pair(
            "unknown segment PDI in HL7 2.5.1; did you mean PID, PD1 or PDA?",
            "PDI"
        )
    );
    assert_eq!(
        error("2.5.1", "OBY[2]-5"),
        pair(
            "unknown segment OBY in HL7 2.5.1; did you mean OBR or OBX?",
            "OBY"
        )
    );
    assert_eq!(
        error("2.5.1", "QQQ-1"),
        pair("unknown segment QQQ in HL7 2.5.1", "QQQ")
    );
    assert_eq!(
        error("2.5.1", "ZPI-1"),
        pair(
            "segment ZPI is not declared; Z-segments are site-defined, so declare ZPI and its fields to use ZPI-1",
            "ZPI"
        )
    );
    assert_eq!(
        error("2.5.1", "OBR-55"),
        pair(
            "OBR has 50 fields in HL7 2.5.1; OBR-55 does not exist",
            "55"
        )
    );
    assert_eq!(
        error("2.3", "PID-31"),
        pair(
            "PID has 30 fields in HL7 2.3; PID-31 does not exist (it does in HL7 2.4 to 2.8.2)",
            "31"
        )
    );
    assert_eq!(
        error("2.5.1", "PID-41"),
        pair(
            "PID has 39 fields in HL7 2.5.1; PID-41 does not exist",
            "41"
        )
    );
    assert_eq!(
        error("2.3", "SPM-2"),
        pair(
            "unknown segment SPM in HL7 2.3 (it is defined in HL7 2.5 to 2.8.2)",
            "SPM"
        )
    );
    assert_eq!(
        error("2.5.1", "PID[2]-5[2].15"),
        pair(
            "XPN has 14 components in HL7 2.5.1; PID[2]-5[2].15 does not exist",
            "15"
        )
    );
    assert_eq!(
        error("2.5.1", "PID-8.2"),
        pair(
            "PID-8 is IS, a primitive type with no components; PID-8.2 does not exist",
            "2"
        )
    );
    assert_eq!(
        error("2.5.1", "PID-5.1.6"),
        pair(
            "FN has 5 components in HL7 2.5.1; PID-5.1.6 does not exist",
            "6"
        )
    );
    assert_eq!(
        error("2.5.1", "PID-5.2.2"),
        pair(
            "PID-5.2 is ST, a primitive type with no sub-components; PID-5.2.2 does not exist",
            "2"
        )
    );
    let e = schema::resolve(v("2.5.1"), &path("PID-5.1.6")).unwrap_err();
    assert_eq!((e.part(), e.span()), (PathPart::Subcomponent, 8..9));
}

#[test]
fn resolve_warning_texts() {
    assert_eq!(
        warnings("PID-8[2]"),
        [pair(
            "PID-8 does not repeat; PID-8[2] can never be present",
            "[2]"
        )]
    );
    assert_eq!(
        warnings("MSA-5"),
        [pair(
            "MSA-5 (Delayed Acknowledgment Type) is withdrawn in HL7 2.5.1 and must not be valued",
            "5"
        )]
    );
    assert_eq!(
        warnings("PID-8.1"),
        [pair(
            "PID-8 is IS, a primitive type; PID-8.1 is the same as PID-8",
            "1"
        )]
    );
    assert!(warnings("PID-8[1]").is_empty());
    assert!(warnings("PID-3[20]").is_empty());
    let r = schema::resolve(v("2.5.1"), &path("PID-8.1")).unwrap();
    assert_eq!(r.data_type(), Some("IS"));
}

static ZPI: SegmentDef = SegmentDef::custom(
    "ZPI",
    "Patient Extras",
    &[
        Field::new("Set ID - ZPI", "SI").required(),
        Field::new("Pet Name", "XPN").repeating(),
        Field::new("Favourite Colour", "CWE").table("9001"),
    ],
);
static ZPI_PROFILE: Profile = Profile::new(&schema::V2_5_1, std::slice::from_ref(&ZPI));

#[test]
fn declared_z_segments_resolve_like_standard_ones() {
    let r = ZPI_PROFILE.resolve(&path("ZPI-2[3].1.1")).unwrap();
    assert!(r.segment.custom);
    assert_eq!(r.segment.name, Some("Patient Extras"));
    assert_eq!(r.field.name, "Pet Name");
    assert_eq!(r.subcomponent.unwrap().name, "Surname");
    assert!(r.warnings.is_empty());
    assert_eq!(
        ZPI_PROFILE.resolve(&path("ZPI-3")).unwrap().table(),
        Some("9001")
    );
    let w = ZPI_PROFILE.resolve(&path("ZPI-1[2]")).unwrap().warnings;
    assert_eq!(
        w[0].to_string(),
        "ZPI-1 does not repeat; ZPI-1[2] can never be present"
    );
    let e = ZPI_PROFILE.resolve(&path("ZPI-4")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "ZPI has 3 fields as declared; ZPI-4 does not exist"
    );
    assert!(matches!(e, ResolveError::NoSuchField { count: 3, .. }));
    let e = ZPI_PROFILE.resolve(&path("ZPI-2.15")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "XPN has 14 components in HL7 2.5.1; ZPI-2.15 does not exist"
    );
    // Standard segments still resolve, and a near miss suggests the declared segment too.
    assert!(ZPI_PROFILE.resolve(&path("PID-5")).is_ok());
    let e = ZPI_PROFILE.resolve(&path("ZPJ-1")).unwrap_err();
    assert!(matches!(e, ResolveError::UndeclaredZSegment { .. }));
    let e = ZPI_PROFILE.resolve(&path("XPI-1")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "unknown segment XPI in HL7 2.5.1; did you mean ZPI?"
    );
}

#[test]
fn named_field_constants_are_paths() {
    const NAME: Path = fields::v2_5_1::PID::PATIENT_NAME;
    const STATUS: Path = fields::v2_5_1::OBR::RESULT_STATUS;
    assert_eq!(NAME, path("PID-5"));
    assert_eq!(STATUS, path("OBR-25"));
    assert_eq!(fields::v2_5_1::MSH::MESSAGE_TYPE, path("MSH-9"));
    assert_eq!(fields::v2_3::PID::PATIENT_NAME, path("PID-5"));
    assert_eq!(
        fields::v2_5_1::PID::PATIENT_IDENTIFIER_LIST.to_string(),
        "PID-3"
    );
    // Usable where a Path is: pattern position, static, resolution.
    static PATHS: [Path; 2] = [NAME, STATUS];
    assert!(matches!(path("OBR-25"), STATUS));
    for p in PATHS {
        assert!(schema::resolve(v("2.5.1"), &p).is_ok());
    }
}

#[test]
fn require_version_says_what_to_do() {
    assert_eq!(schema::require_version("2.5.1").unwrap().id(), "2.5.1");
    assert_eq!(
        schema::require_version("2.9").unwrap_err().to_string(),
        "unknown HL7 version 2.9; the versions are 2.1, 2.2, 2.3, 2.3.1, 2.4, 2.5, 2.5.1, 2.6, 2.7, 2.8, 2.8.1, 2.8.2"
    );
    #[cfg(not(feature = "v2_1"))]
    assert_eq!(
        schema::require_version("2.1").unwrap_err().to_string(),
        "HL7 2.1 is not compiled in; enable the `v2_1` feature of messagefoundry-hl7 (or `all-versions`)"
    );
}

#[test]
fn spans_point_into_the_text_as_written() {
    let text = "OBR-055";
    let e = schema::resolve(v("2.5.1"), &path(text)).unwrap_err();
    assert_eq!(&text[e.span_in(text)], "055");
}
