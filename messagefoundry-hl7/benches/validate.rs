//! Validation of real 2.5.1 ORU^R01 messages against HL7 2.5.1.
//!
//! The messages come from the corpus (see `corpus/INDEX.tsv` for their sources):
//! * `linuxforhealth/oru_r01_v251_lab_ucum.hl7`: a 7-segment lab result from
//!   LinuxForHealth/hl7v2-fhir-converter (Apache-2.0).
//! * `cdc-trusted-intermediary/oru_r01_v251_lri_tennessee.hl7`: a 130-segment LRI result from
//!   CDCgov/trusted-intermediary (Apache-2.0).
//!
//! Run with `cargo bench -p messagefoundry-hl7 --bench validate`.

// `criterion_group!` defines an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use messagefoundry_hl7::Message;
use messagefoundry_hl7::validate::{Options, validate};

const LAB: &[u8] = include_bytes!("../../corpus/linuxforhealth/oru_r01_v251_lab_ucum.hl7");
const LRI: &[u8] =
    include_bytes!("../../corpus/cdc-trusted-intermediary/oru_r01_v251_lri_tennessee.hl7");

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("validate");
    for (name, bytes) in [("oru_r01_lab_7seg", LAB), ("oru_r01_lri_130seg", LRI)] {
        let msg = Message::parse_tolerant(bytes).expect("the corpus message parses");
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        for (preset, options) in [
            ("tolerant", Options::tolerant()),
            ("strict", Options::strict()),
        ] {
            let options = options.with_version("2.5.1");
            group.bench_function(format!("{name}/{preset}"), |b| {
                b.iter(|| validate(black_box(&msg), black_box(&options)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
