//! What storing a body costs: the envelope's compression ratio and the CPU of sealing and
//! opening one message, with and without encryption:
//! `MF_CORPUS=/path/to/hl7/files cargo bench -p messagefoundry --features test-support --bench envelope`.
//! Without `MF_CORPUS` the ratio is measured on the two messages of the parser's benchmarks.
//! It also prints whether a zstd dictionary trained on the corpus would pay for messages of
//! 1–3 KB (the figures are in docs/store.md, "Compression").

#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented function"
)]

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use messagefoundry::store::{Codec, Keys};

const ORU: &[u8] = include_bytes!("../../messagefoundry-hl7/benches/data/oru_r01.hl7");
const ADT: &[u8] = include_bytes!("../../messagefoundry-hl7/benches/data/adt_a01.hl7");

/// Every file of the corpus folder (recursively), or the two bench messages.
fn corpus() -> Vec<Vec<u8>> {
    fn walk(dir: &Path, out: &mut Vec<Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "hl7")
                && let Ok(bytes) = std::fs::read(&path)
                && !bytes.is_empty()
            {
                out.push(bytes);
            }
        }
    }
    let mut out = Vec::new();
    if let Some(dir) = std::env::var_os("MF_CORPUS") {
        walk(Path::new(&dir), &mut out);
    }
    if out.is_empty() {
        out = vec![ORU.to_vec(), ADT.to_vec()];
    }
    out
}

fn ratio(codec: &Codec, bodies: &[Vec<u8>]) -> f64 {
    let plain: usize = bodies.iter().map(Vec::len).sum();
    let stored: usize = bodies
        .iter()
        .map(|b| codec.seal(b).expect("sealed").len())
        .sum();
    plain as f64 / stored as f64
}

/// Prints the ratio at each level, and with a dictionary trained on the corpus.
fn print_ratios() {
    let bodies = corpus();
    let mid: Vec<Vec<u8>> = bodies
        .iter()
        .filter(|b| (1000..=3000).contains(&b.len()))
        .cloned()
        .collect();
    let plain: usize = bodies.iter().map(Vec::len).sum();
    eprintln!(
        "{} bodies, {plain} bytes; {} of 1-3 KB",
        bodies.len(),
        mid.len()
    );
    for level in [1, 3, 6, 9, 19] {
        let codec = Codec::new(level, None);
        eprintln!(
            "level {level:>2}: ratio {:.2} over all, {:.2} on 1-3 KB, ORU {} -> {} bytes",
            ratio(&codec, &bodies),
            ratio(&codec, &mid),
            ORU.len(),
            codec.seal(ORU).expect("sealed").len()
        );
    }
    // A dictionary trained on half the corpus, tried on the 1-3 KB messages of the other half.
    let (train, test): (Vec<_>, Vec<_>) = bodies.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let train: Vec<&[u8]> = train.into_iter().map(|(_, b)| b.as_slice()).collect();
    let test: Vec<&Vec<u8>> = test
        .into_iter()
        .map(|(_, b)| b)
        .filter(|b| (1000..=3000).contains(&b.len()))
        .collect();
    if let Ok(dict) = zstd::dict::from_samples(&train, 16 * 1024) {
        let with: usize = test
            .iter()
            .map(|b| {
                zstd::bulk::Compressor::with_dictionary(3, &dict)
                    .and_then(|mut c| c.compress(b))
                    .map_or(b.len(), |c| c.len())
            })
            .sum();
        let without: usize = test
            .iter()
            .map(|b| zstd::bulk::compress(b, 3).map_or(b.len(), |c| c.len()))
            .sum();
        let plain: usize = test.iter().map(|b| b.len()).sum();
        eprintln!(
            "dictionary of {} bytes on {} held-out 1-3 KB messages: ratio {:.2} with, {:.2} without",
            dict.len(),
            test.len(),
            plain as f64 / with as f64,
            plain as f64 / without as f64
        );
    }
}

fn envelope(c: &mut Criterion) {
    print_ratios();
    let key = [7u8; 32];
    let cases = [
        ("zstd-3", Codec::new(3, None)),
        ("zstd-1", Codec::new(1, None)),
        (
            "zstd-3+aes",
            Codec::new(3, Some(Keys::from_bytes(&key, &[]))),
        ),
        ("aes-only", Codec::new(0, Some(Keys::from_bytes(&key, &[])))),
    ];
    let mut group = c.benchmark_group("envelope-oru");
    group.throughput(Throughput::Elements(1));
    for (name, codec) in &cases {
        group.bench_function(format!("seal/{name}"), |b| {
            b.iter(|| codec.seal(black_box(ORU)).expect("sealed"))
        });
        let stored = codec.seal(ORU).expect("sealed");
        group.bench_function(format!("open/{name}"), |b| {
            b.iter(|| codec.open(black_box(&stored)).expect("opened"))
        });
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
}

criterion_group! {
    name = benches;
    config = config();
    targets = envelope
}
criterion_main!(benches);
