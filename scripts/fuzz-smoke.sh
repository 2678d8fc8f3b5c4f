#!/usr/bin/env bash
# Builds the fuzz targets with stable Rust and runs each for a bounded time; fails on any crash,
# invariant failure, timeout or out-of-memory. Seeds come from corpus/ and fuzz/seeds/.
#
#   scripts/fuzz-smoke.sh                        every target, 20 s each
#   FUZZ_SECONDS=300 scripts/fuzz-smoke.sh json  one target for five minutes
#   FUZZ_SEED=7 scripts/fuzz-smoke.sh            another sequence of mutations (default 1)
#
# The seed is fixed so that a run is reproducible: from a fresh corpus (CI's case; locally,
# `rm -rf fuzz/corpus`), the same seed explores the same inputs in the same order, and a
# longer run here explores everything a shorter run elsewhere did.
#
# A failing input is saved under fuzz/artifacts/<target>/; running the target's binary
# (fuzz/target/<host>/release/<target>) with that file as its argument replays it.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"

seconds="${FUZZ_SECONDS:-20}"
mutation_seed="${FUZZ_SEED:-1}"
all=(parse batch_split batch_build mllp_split path json ack)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

# Stable Rust has no `-Zsanitizer`, but its LLVM flags give libFuzzer the coverage it needs
# (no AddressSanitizer, which safe Rust rarely needs). `--target` keeps the flags off build
# scripts and proc macros, which run on the host without the libFuzzer runtime.
host="$(rustc -vV | sed -n 's/^host: //p')"
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks"
echo "== building the fuzz targets for $host"
cargo build --release --target "$host" --bins
bin="target/$host/release"

# Seeds: every corpus message for the targets that read HL7; each one framed for the MLLP
# decoder, behind the cap and cut header that target reads (cap 65535, reads of 5, 64, 32).
seed() {
    local name="$1"
    mkdir -p "corpus/$name"
    case "$name" in
    parse | batch_split | batch_build | ack)
        find ../corpus -name '*.hl7' -exec cp {} "corpus/$name/" \;
        ;;
    mllp_split)
        local file
        find ../corpus -name '*.hl7' | while read -r file; do
            { printf '\377\377\003\005\100\040junk\013'; cat "$file"; printf '\034\015\013MSH|^~\\&|A\034\015'; } \
                >"corpus/$name/$(basename "$file")"
        done
        ;;
    esac
    if [ -d "seeds/$name" ]; then
        cp seeds/"$name"/* "corpus/$name/"
    fi
}

for name in "${targets[@]}"; do
    echo "== $name for ${seconds}s"
    seed "$name"
    mkdir -p "artifacts/$name"
    # One process (other builds share the machine); a unit slower than 10 s is a failure.
    "$bin/$name" "corpus/$name" -max_total_time="$seconds" -seed="$mutation_seed" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="artifacts/$name/" -print_final_stats=1 2>"artifacts/$name.log" ||
        { tail -n 40 "artifacts/$name.log"; echo "== $name FAILED (input saved in fuzz/artifacts/$name/)"; exit 1; }
    grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' "artifacts/$name.log" || true
    grep -E 'cov: ' "artifacts/$name.log" | tail -n 1 || true
done
echo "== fuzzing passed: ${targets[*]}"
