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
    let (dict, test) = held_out_dictionary(&bodies);
    let plain: usize = test.iter().map(|b| b.len()).sum();
    for level in [1, 3] {
        let size = |dict: &[u8]| -> usize {
            test.iter()
                .map(|b| {
                    zstd::bulk::Compressor::with_dictionary(level, dict)
                        .and_then(|mut c| c.compress(b))
                        .map_or(b.len(), |c| c.len())
                })
                .sum()
        };
        eprintln!(
            "level {level}: dictionary of {} bytes on {} held-out 1-3 KB messages: ratio {:.2} with, {:.2} without",
            dict.len(),
            test.len(),
            plain as f64 / size(&dict) as f64,
            plain as f64 / size(&[]) as f64
        );
    }
}

/// What the load figures' feed would get from a dictionary trained on its own first messages:
/// 1 000 copies of the one ORU, as the load tool sends it. Not a feed's real variety: the
/// dictionary holds the whole message, so the figure bounds the gain from above.
fn print_same_message_dictionary() {
    let copies = vec![ORU; 1000];
    match zstd::dict::from_samples(&copies, 16 * 1024) {
        Ok(dict) => {
            let with = zstd::bulk::Compressor::with_dictionary(1, &dict)
                .and_then(|mut c| c.compress(ORU))
                .map_or(0, |c| c.len());
            eprintln!(
                "the ORU at level 1 with a dictionary of {} bytes trained on 1000 copies of it: {} bytes",
                dict.len(),
                with
            );
        }
        Err(e) => eprintln!("no dictionary from 1000 copies of the ORU: {e}"),
    }
}

/// A dictionary trained on every other body of the corpus, and the held-out bodies of 1–3 KB
/// it is tried on. Without a corpus (two messages), a dictionary of the two.
fn held_out_dictionary(bodies: &[Vec<u8>]) -> (Vec<u8>, Vec<Vec<u8>>) {
    let (train, test): (Vec<_>, Vec<_>) = bodies.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let train: Vec<&[u8]> = train.into_iter().map(|(_, b)| b.as_slice()).collect();
    let mut test: Vec<Vec<u8>> = test
        .into_iter()
        .map(|(_, b)| b.clone())
        .filter(|b| (1000..=3000).contains(&b.len()))
        .collect();
    if test.is_empty() {
        test = bodies.to_vec();
    }
    let dict = zstd::dict::from_samples(&train, 16 * 1024)
        .or_else(|_| zstd::dict::from_continuous(&bodies.concat(), &[bodies.concat().len()], 4096))
        .unwrap_or_default();
    (dict, test)
}

/// Compressing and decompressing held-out messages at level 1, with the corpus dictionary
/// (prepared once, as a store would keep it) and without.
fn dictionary(c: &mut Criterion) {
    let (dict, test) = held_out_dictionary(&corpus());
    let encoder = zstd::dict::EncoderDictionary::copy(&dict, 1);
    let decoder = zstd::dict::DecoderDictionary::copy(&dict);
    let mut with = zstd::bulk::Compressor::with_prepared_dictionary(&encoder).expect("compressor");
    let mut without = zstd::bulk::Compressor::new(1).expect("compressor");
    let mut open_with =
        zstd::bulk::Decompressor::with_prepared_dictionary(&decoder).expect("decompressor");
    let mut open_without = zstd::bulk::Decompressor::new().expect("decompressor");
    let framed_with: Vec<Vec<u8>> = test
        .iter()
        .map(|b| with.compress(b).expect("compressed"))
        .collect();
    let framed_without: Vec<Vec<u8>> = test
        .iter()
        .map(|b| without.compress(b).expect("compressed"))
        .collect();
    let mut group = c.benchmark_group("dictionary-level1");
    // Per message: one iteration runs over every held-out message.
    group.throughput(Throughput::Elements(test.len() as u64));
    group.bench_function("compress/none", |b| {
        b.iter(|| {
            test.iter()
                .map(|m| without.compress(black_box(m)).expect("c").len())
                .sum::<usize>()
        })
    });
    group.bench_function("compress/dictionary", |b| {
        b.iter(|| {
            test.iter()
                .map(|m| with.compress(black_box(m)).expect("c").len())
                .sum::<usize>()
        })
    });
    group.bench_function("decompress/none", |b| {
        b.iter(|| {
            framed_without
                .iter()
                .map(|f| {
                    open_without
                        .decompress(black_box(f), 4000)
                        .expect("d")
                        .len()
                })
                .sum::<usize>()
        })
    });
    group.bench_function("decompress/dictionary", |b| {
        b.iter(|| {
            framed_with
                .iter()
                .map(|f| open_with.decompress(black_box(f), 4000).expect("d").len())
                .sum::<usize>()
        })
    });
    group.finish();
}

fn envelope(c: &mut Criterion) {
    print_ratios();
    print_same_message_dictionary();
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
    targets = envelope, dictionary
}
criterion_main!(benches);
