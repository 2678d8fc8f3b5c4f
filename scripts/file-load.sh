#!/usr/bin/env bash
# File intake rate beside MLLP intake, in the same run and the same interface binary
# (examples/file-bridge, release build), on a fresh store per run. Loopback and temporary
# folders only; everything started here is stopped on exit.
#
#   scripts/file-load.sh                      # 200 files of 100 messages, then 8 files of 2 500
#   FILES=50 PER_FILE=100 scripts/file-load.sh
#
# File intake: the files are written to a folder beside the inbox (with an old modification
# time, so they have settled), the engine is started, and they are renamed into the inbox at
# once; the time runs from the rename to the moment the last file has left the inbox, which is
# when every message of every file is stored (fsync'd commits) and the files are in done/.
# MLLP intake: the same message count through `send` to the MLLP inbound (ACK after the
# commit). In both the downstream is away, so messages are routed and queued, not delivered.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/processes.sh
. scripts/processes.sh

cargo build --quiet --release -p file-bridge
bin=target/release/file-bridge
message=messagefoundry-hl7/benches/data/oru_r01.hl7   # a real 2.7 KB ORU^R01 (see its README)

port=$(free_port)
ehr_port=$(free_port)
mkdir -p "$work/environments"
printf '[inbound.IB_LAB_FILES]\ndir = "%s/inbox"\nsettle = "1ms"\npoll = "20ms"\n[outbound.OB_EHR]\nport = %s\n[inbound.IB_EHR_ORDERS]\nbind = "127.0.0.1"\nport = %s\n[outbound.OB_ORDER_FILES]\ndir = "%s/outbox-away"\n' \
    "$work" "$ehr_port" "$port" "$work" > "$work/environments/load.toml"

start_engine() {
    # A fresh store; and no earlier start's "listening" line may be taken for this one.
    rm -rf "$work/load.redb" "$work/load.redb.journal" "$work/inbox"
    : > "$work/serve.out"
    mkdir -p "$work/inbox"
    "$bin" serve --db "$work/load.redb" --env load --environments "$work/environments" \
        --admin off > "$work/serve.out" 2> "$work/serve.err" &
    engine=$!
    pids+=("$engine")
    for _ in $(seq 100); do grep -q "MLLP listening" "$work/serve.out" 2>/dev/null && return; sleep 0.1; done
    echo "the engine did not start"; cat "$work/serve.err"; exit 1
}
stop_engine() {
    kill -TERM "$engine" 2>/dev/null || true
    wait "$engine" 2>/dev/null || true
}

# Writes $1 files of $2 messages each (every message its own MSH-10) to $work/staging.
make_files() {
    rm -rf "$work/staging"
    python3 - "$work/staging" "$1" "$2" "$message" <<'PYTHON'
import os, sys
out, files, per, template = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), open(sys.argv[4], "rb").read()
os.makedirs(out)
fields = template.split(b"\r", 1)[0].split(b"|")
for f in range(files):
    parts = []
    for m in range(per):
        fields[9] = b"F%05dM%06d" % (f, m)
        parts.append(b"|".join(fields) + b"\r" + template.split(b"\r", 1)[1])
    path = os.path.join(out, "f%05d.hl7" % f)
    open(path, "wb").write(b"".join(parts))
    os.utime(path, (0, 0))
PYTHON
}

file_run() {
    local files=$1 per=$2
    make_files "$files" "$per"
    start_engine
    local start end
    start=$(date +%s.%N)
    for f in "$work"/staging/*.hl7; do mv "$f" "$work/inbox/"; done
    while compgen -G "$work/inbox/*.hl7" > /dev/null; do sleep 0.01; done
    end=$(date +%s.%N)
    python3 -c "import sys; n, s = int(sys.argv[1]), float(sys.argv[3]) - float(sys.argv[2]); print(f'{n} messages in {s:.2f} s: {n / s:,.0f} msg/s')" \
        "$((files * per))" "$start" "$end"
    ls "$work/inbox/done" | wc -l | xargs echo "files in done/:"
    stop_engine
}

files=${FILES:-200}
per_file=${PER_FILE:-100}
total=$((files * per_file))

echo "== file intake: $files files of $per_file messages"
file_run "$files" "$per_file"
echo "== file intake: 8 files of $((total / 8)) messages"
file_run 8 $((total / 8))

for c in 1 64; do
    echo "== MLLP intake: $c connection(s), $total messages (ACK after the commit)"
    start_engine
    timeout 300 "$bin" send "127.0.0.1:$port" "$message" --connections "$c" --count "$total"
    stop_engine
done
