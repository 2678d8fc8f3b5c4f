//! Parsing and reading, measured against the Rust peers `hl7-parser` and `rust-hl7` in the same
//! run: `cargo bench -p messagefoundry-hl7 --bench parse`. See BENCHMARKS.md for the figures.
//!
//! Every parser gets its fastest public way to parse and to reach a value: hl7-parser's
//! `segment_n` / `field` / `repeat` / `component` chain (what its `query` does, without the
//! query-string allocation), rust-hl7's public segment and field vectors, and our pre-parsed
//! [`Path`] constants (as path literals are, once checked at compile time). The peers hand back
//! raw slices; ours unescapes leaf values (borrowed when there is nothing to unescape, as here).

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use messagefoundry_hl7::{Message, Path};

/// The inputs: real messages from the corpus (see `benches/data/README.md`).
const INPUTS: &[(&str, &str)] = &[
    ("oru_r01", include_str!("data/oru_r01.hl7")),
    ("adt_a01", include_str!("data/adt_a01.hl7")),
];

/// A path in the pieces every parser understands.
struct Spec {
    text: &'static str,
    segment: &'static str,
    occurrence: usize,
    field: usize,
    repetition: usize,
    component: Option<usize>,
}

const fn spec(
    text: &'static str,
    segment: &'static str,
    occurrence: usize,
    field: usize,
    component: Option<usize>,
) -> Spec {
    Spec {
        text,
        segment,
        occurrence,
        field,
        repetition: 1,
        component,
    }
}

/// The ten leaf values read from each message, the same for all parsers.
const SPECS: [Spec; 10] = [
    spec("MSH-9.1", "MSH", 1, 9, Some(1)),
    spec("MSH-10", "MSH", 1, 10, None),
    spec("PID-3.1", "PID", 1, 3, Some(1)),
    spec("PID-5.1", "PID", 1, 5, Some(1)),
    spec("PID-7", "PID", 1, 7, None),
    spec("OBR-4.1", "OBR", 1, 4, Some(1)),
    spec("OBR-25", "OBR", 1, 25, None),
    spec("OBX[2]-5", "OBX", 2, 5, None),
    spec("OBX[3]-3.2", "OBX", 3, 3, Some(2)),
    spec("PV1-2", "PV1", 1, 2, None),
];

/// Our paths, parsed once as compile-time checked literals are.
const PATHS: [Path; 10] = [
    Path::parse_const("MSH-9.1"),
    Path::parse_const("MSH-10"),
    Path::parse_const("PID-3.1"),
    Path::parse_const("PID-5.1"),
    Path::parse_const("PID-7"),
    Path::parse_const("OBR-4.1"),
    Path::parse_const("OBR-25"),
    Path::parse_const("OBX[2]-5"),
    Path::parse_const("OBX[3]-3.2"),
    Path::parse_const("PV1-2"),
];

fn mf_read<'m>(msg: &'m Message, out: &mut [&'m str; 10]) {
    for (slot, path) in out.iter_mut().zip(&PATHS) {
        *slot = &msg[path];
    }
}

/// hl7-parser: the chain its `query` walks. Absent reads as "".
fn hp_get<'m>(msg: &'m hl7_parser::Message<'m>, s: &Spec) -> &'m str {
    let repeat = msg
        .segment_n(s.segment, s.occurrence)
        .and_then(|seg| seg.field(s.field))
        .and_then(|f| f.repeat(s.repetition));
    match s.component {
        None => repeat.map(|r| r.raw_value()),
        Some(c) => repeat.and_then(|r| r.component(c)).map(|c| c.raw_value()),
    }
    .unwrap_or("")
}

fn hp_read<'m>(msg: &'m hl7_parser::Message<'m>, out: &mut [&'m str; 10]) {
    for (slot, s) in out.iter_mut().zip(&SPECS) {
        *slot = hp_get(msg, s);
    }
}

/// rust-hl7: its public vectors (`query` and indexing only reach the first segment of a name).
/// Field 0 is the segment name, so MSH-n is `fields[n - 1]`.
fn rh_get<'m>(msg: &rusthl7::message::Message<'m>, s: &Spec) -> &'m str {
    let field = if s.segment == "MSH" {
        s.field - 1
    } else {
        s.field
    };
    msg.segments
        .iter()
        .filter(|seg| seg.fields.first().is_some_and(|f| f.source == s.segment))
        .nth(s.occurrence - 1)
        .and_then(|seg| seg.fields.get(field))
        .and_then(|f| match s.component {
            None => f.repeats.get(s.repetition - 1).copied(),
            Some(c) => f
                .components
                .get(s.repetition - 1)
                .and_then(|r| r.get(c - 1))
                .copied(),
        })
        .unwrap_or("")
}

fn rh_read<'m>(msg: &rusthl7::message::Message<'m>, out: &mut [&'m str; 10]) {
    for (slot, s) in out.iter_mut().zip(&SPECS) {
        *slot = rh_get(msg, s);
    }
}

/// Checks once, outside the timed loops, that every parser reads the same ten values.
fn check_same_values(name: &str, text: &str) {
    let mf = Message::parse(text).expect("messagefoundry parses the input");
    let mut mf_values = [""; 10];
    mf_read(&mf, &mut mf_values);
    let hp = hl7_parser::Message::parse(text).expect("hl7-parser parses the input");
    let mut hp_values = [""; 10];
    hp_read(&hp, &mut hp_values);
    let rh = rusthl7::message::Message::try_from(text).expect("rust-hl7 parses the input");
    let mut rh_values = [""; 10];
    rh_read(&rh, &mut rh_values);
    for (i, s) in SPECS.iter().enumerate() {
        assert_eq!(mf_values[i], hp_values[i], "{name} {}: hl7-parser", s.text);
        assert_eq!(mf_values[i], rh_values[i], "{name} {}: rust-hl7", s.text);
    }
    assert!(
        mf_values.iter().filter(|v| !v.is_empty()).count() >= 6,
        "{name}: most of the ten paths should hold a value"
    );
}

/// Modest times, so that a run stays short on a busy machine.
fn config() -> Criterion {
    Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

/// Parsing alone: our index, and the peers' parse.
fn parse(c: &mut Criterion) {
    for (name, text) in INPUTS {
        check_same_values(name, text);
        let mut group = c.benchmark_group(format!("parse/{name}"));
        group.throughput(Throughput::Bytes(text.len() as u64));
        // Our parser keeps its own buffer, so from a borrowed input it pays for one allocation
        // and copy that the peers, which borrow, do not. (Handing it the frame's own `Vec`
        // avoids that copy; criterion's `iter_batched` cannot time that case without measuring
        // its own bookkeeping and cold buffers, so the copy is kept in the figures.)
        group.bench_function("messagefoundry", |b| {
            b.iter(|| Message::parse(black_box(text.as_bytes())).expect("parses"));
        });
        group.bench_function("hl7-parser", |b| {
            b.iter(|| hl7_parser::Message::parse(black_box(text)).expect("parses"));
        });
        group.bench_function("rust-hl7", |b| {
            b.iter(|| rusthl7::message::Message::try_from(black_box(*text)).expect("parses"));
        });
        group.finish();
    }
}

/// Parsing and reading the ten values.
fn parse_and_read(c: &mut Criterion) {
    for (name, text) in INPUTS {
        let mut group = c.benchmark_group(format!("parse_read10/{name}"));
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function("messagefoundry", |b| {
            b.iter(|| {
                let msg = Message::parse(black_box(text.as_bytes())).expect("parses");
                let mut out = [""; 10];
                mf_read(&msg, &mut out);
                black_box(&out);
            });
        });
        group.bench_function("hl7-parser", |b| {
            b.iter(|| {
                let msg = hl7_parser::Message::parse(black_box(text)).expect("parses");
                let mut out = [""; 10];
                hp_read(&msg, &mut out);
                black_box(&out);
            });
        });
        group.bench_function("rust-hl7", |b| {
            b.iter(|| {
                let msg = rusthl7::message::Message::try_from(black_box(*text)).expect("parses");
                let mut out = [""; 10];
                rh_read(&msg, &mut out);
                black_box(&out);
            });
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = config();
    targets = parse, parse_and_read
}
criterion_main!(benches);
