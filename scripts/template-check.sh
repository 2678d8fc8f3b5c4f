#!/usr/bin/env bash
# The template as a new user meets it: README.md's "Your own interface" commands generate a
# project from template/ beside a checkout (here a temporary folder holding a link to this
# one) and build, test and check it; then the generated project's own README is followed on
# loopback: a stand-in downstream (`sink`), `serve`, a sample sent with `send`, the store read
# with `messages`. Then its CI workflow's steps, every key of its environment files, and its
# systemd unit. Prints how long the first ACK took from `cargo generate` on.
# Everything started here is stopped, and the folder removed, on exit.
#
#   scripts/template-check.sh
#   TEMPLATE_KEEP=/tmp/demo scripts/template-check.sh   # its build folder kept for the next run
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

echo "== cargo-generate"
scripts/install-cargo-generate.sh

echo "== the template builds in place: its manifest reads"
cargo metadata --quiet --no-deps --format-version 1 --manifest-path template/Cargo.toml >/dev/null

# Each command README.md shows under "Your own interface" is one this script runs: a README
# that drifts from what is tested fails here.
readme_block() {
    awk '/^## Your own interface/ { section = 1; next }
         section && /^## / { exit }
         section && /^```/ { if (inside) exit; inside = 1; next }
         inside' README.md
}
trimmed() { sed -E 's/[[:space:]]+#.*$//; s/^[[:space:]]+//; s/[[:space:]]+$//'; }
if [ -z "$(readme_block)" ]; then
    echo "README.md has no command block under \"## Your own interface\""
    exit 1
fi
run_here=$(trimmed < "$0")
while IFS= read -r command; do
    [ -z "$command" ] && continue
    if ! grep -Fxq -- "$command" <<< "$run_here"; then
        echo "README.md shows a command that scripts/template-check.sh does not run: $command"
        exit 1
    fi
done < <(readme_block | trimmed)

# shellcheck source=scripts/processes.sh
. scripts/processes.sh
# cargo-generate asks for the user's name (for its `authors` placeholder); CI may not set it.
export USER="${USER:-$(id -un)}"
now() { date +%s.%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Where the project is generated: beside a link to this checkout named as `git clone` names it,
# in the temporary folder; or with TEMPLATE_KEEP in a folder kept between runs, where the
# project is generated again each time but its build folder is kept (a warm build: the paths of
# MessageFoundry's crates stay the same, so their build is reused too).
if [ -n "${TEMPLATE_KEEP:-}" ]; then
    place=$TEMPLATE_KEEP
    mkdir -p "$place/target"
    rm -rf "$place/demo-interfaces" "$place/messagefoundry"
else
    place=$work
fi
ln -s "$repo" "$place/messagefoundry"
cd "$place/messagefoundry"
echo "== README.md's commands, in $place"
started=$(now)
cd .. # beside the checkout
cargo generate --path messagefoundry/template --name demo-interfaces --silent -d messagefoundry_path="$PWD/messagefoundry"
cd demo-interfaces
if [ -n "${TEMPLATE_KEEP:-}" ]; then
    ln -s "$place/target" target
fi
cargo build
built=$(seconds_since "$started")
bin=target/debug/demo-interfaces

echo "== the generated README, on loopback: sink, serve, send, messages"
# Its commands with ports of this run's own choosing in place of dev.toml's fixed ones.
intake=$(free_port)
downstream=$(free_port)
mkdir -p "$work/environments"
printf '[inbound.IB_Lab_ORU]\nbind = "127.0.0.1"\nport = %s\n\n[outbound.OB_EHR_ORU]\nhost = "127.0.0.1"\nport = %s\n' \
    "$intake" "$downstream" > "$work/environments/loopback.toml"
"$bin" sink --port "$downstream" > "$work/sink.out" 2> "$work/sink.err" &
pids+=($!)
"$bin" serve --env loopback --environments "$work/environments" --db "$work/dev.redb" \
    > "$work/serve.out" 2> "$work/serve.err" &
engine=$!
pids+=("$engine")
waited_for() { # FILE TEXT: waits up to 60 s for TEXT to appear in FILE
    for _ in $(seq 600); do
        grep -qF -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "waited in vain for \"$2\" in $1"
    cat "$1" "$work/serve.err"
    return 1
}
waited_for "$work/serve.out" "MLLP listening on 127.0.0.1:$intake"
waited_for "$work/sink.out" "sink listening on 127.0.0.1:$downstream"
"$bin" send "127.0.0.1:$intake" samples/oru_r01.hl7 --timeout 10s | tee "$work/send.out"
first_ack=$(seconds_since "$started")
grep -q "LAB000123 -> AA LAB000123" "$work/send.out"
waited_for "$work/sink.out" "ORU^R01^ORU_R01 LAB000123"
"$bin" messages --db "$work/dev.redb" list | tee "$work/list.out"
grep -q "LAB000123  PROCESSED" "$work/list.out"
"$bin" messages --db "$work/dev.redb" show 1 | grep -q "^OBR|1|ORD777|"
"$bin" messages --db "$work/dev.redb" queues | grep -q OB_EHR_ORU
kill -TERM "$engine"
wait "$engine" # a clean stop exits 0

echo "== README.md's commands, continued"
cargo test
target/debug/demo-interfaces test samples/*.hl7
target/debug/demo-interfaces check --env test

echo "== the generated CI workflow's steps (the toolchain is this one)"
sed -n -E 's/^ *- run: //p' .github/workflows/ci.yml | grep -v '^rustup ' > "$work/ci-steps"
[ -s "$work/ci-steps" ]
while IFS= read -r step; do
    echo "\$ $step"
    bash -c "$step"
done < "$work/ci-steps"
cargo fmt --check

echo "== every key the environment files show, commented or not, is one the engine reads"
mkdir -p "$work/every-key"
for file in environments/*.toml; do
    sed -E 's/^# ([a-z_]+ = )/\1/' "$file" > "$work/every-key/$(basename "$file")"
    name=$(basename "$file" .toml)
    # Missing TLS files are errors of `check` too; only errors in the file itself count here.
    "$bin" check --env "$name" --environments "$work/every-key" --db "$work/keys.redb" \
        > "$work/keys.out" || true
    if grep -F ".toml: " "$work/keys.out"; then
        echo "environments/$name.toml shows a key or value the engine refuses"
        exit 1
    fi
done

if command -v systemd-analyze >/dev/null; then
    echo "== the systemd unit: verified, and its exposure rated"
    mkdir -p "$work/unit"
    # The binary where the unit expects the installed one.
    sed "s#/usr/local/bin/demo-interfaces#$PWD/$bin#" deploy/demo-interfaces.service \
        > "$work/unit/demo-interfaces.service"
    systemd-analyze verify "$work/unit/demo-interfaces.service"
    systemd-analyze security --offline=yes --threshold=20 "$work/unit/demo-interfaces.service" \
        > "$work/security.out" || { cat "$work/security.out"; exit 1; }
    grep "Overall exposure" "$work/security.out"
else
    echo "== the systemd unit: not checked (no systemd-analyze here)"
fi

echo "built ${built} s and first ACK ${first_ack} s after cargo generate began"
echo "ok: the template generates a project that builds, passes its tests and answers"
