#!/usr/bin/env bash
# The store's speed beside the layout-1 build, in one run: builds `lab-oru` (release) from the
# last commit whose store wrote layout 1 and from this checkout, then runs both in interleaved
# rounds (layout 1, current, layout 1, current, …; a fresh store each case), driven by this
# checkout's `send` for both, and prints the figures, their ratio and the store's goals as a
# markdown table. Loopback only; everything started here is stopped on exit.
#
#   scripts/store-speed.sh              # 3 rounds of 60 000 messages at 64 connections
#   ROUNDS=5 scripts/store-speed.sh
#   QUICK=1 scripts/store-speed.sh      # 1 round, smaller counts (CI)
#
# Fails only when a build fails or a case loses messages (every message sent must be ACKed
# and counted in the outbound's queue, or received by the sink); a goal not met is reported.
set -euo pipefail
cd "$(dirname "$0")/.."

layout1=b2e7e255b68b7ddfb1934c1c89c4a4bd9c6cf744
if ! git cat-file -e "$layout1^{commit}" 2>/dev/null; then
    # A shallow clone: ask its origin for that commit (or the whole history) first.
    git fetch --quiet origin "$layout1" 2>/dev/null || git fetch --quiet --unshallow 2>/dev/null || true
fi
if ! git cat-file -e "$layout1^{commit}" 2>/dev/null; then
    echo "commit $layout1 (the layout-1 store) is not in this clone: fetch the full history"
    exit 1
fi

rounds=${ROUNDS:-3}
n64=60000 n1=3000 syncs=2000
if [ -n "${QUICK:-}" ]; then rounds=1 n64=10000 n1=1000 syncs=500; fi

# The layout-1 source is exported to a folder of its own under target/ and built into a target
# folder of its own: its crates share names and versions with this tree's. An export that
# exists is kept, so a second run builds nothing.
v1_src=target/store-v1-src
if [ "$(cat "$v1_src/.layout1-commit" 2>/dev/null)" != "$layout1" ]; then
    rm -rf "$v1_src"
    mkdir -p "$v1_src"
    git archive "$layout1" | tar -x -C "$v1_src"
    echo "$layout1" > "$v1_src/.layout1-commit"
fi
echo "== building lab-oru at ${layout1:0:7} (layout 1) and at $(git rev-parse --short HEAD) (current), release"
(cd "$v1_src" && CARGO_TARGET_DIR="$PWD/../store-v1" cargo build --quiet --release --locked -p lab-oru)
# shellcheck source=scripts/common.sh
. scripts/common.sh   # builds this checkout's lab-oru: $bin; $message; $work, $pids, free_port
declare -A engine_bin=([v1]=target/store-v1/release/lab-oru [cur]="$bin")
message_bytes=$(stat -c %s "$message")

load_environment
db="$work/speed.redb"
results="$work/results.tsv"
: > "$results"
engine=""
tick=$(getconf CLK_TCK)

# One figure of one build in one round.
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >> "$results"; }
fail() { echo "FAILED: $*"; exit 1; }

start_engine() {
    # A fresh store; and no earlier start's "listening" line may be taken for this one.
    rm -f "$db" "$db.journal"
    : > "$work/serve.out"
    "${engine_bin[$1]}" serve --db "$db" --env load --environments "$work/environments" \
        --admin "127.0.0.1:$admin_port" > "$work/serve.out" 2> "$work/serve.err" &
    engine=$!
    pids+=("$engine")
    for _ in $(seq 100); do grep -q "MLLP listening" "$work/serve.out" 2>/dev/null && return; sleep 0.1; done
    cat "$work/serve.err"
    fail "the $1 engine did not start"
}
stop_engine() {
    kill -TERM "$engine" 2>/dev/null || true
    if ! timeout 60 tail --pid="$engine" -f /dev/null; then kill -KILL "$engine" 2>/dev/null || true; fi
    wait "$engine" 2>/dev/null || true
}
# The engine's CPU time so far (user + system), in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$engine/stat"; }
# Waits until the engine has finished the work the load left (routing into the queue): until
# its CPU time stops growing for 0.3 s, at most 60 s.
settle() {
    local before now
    before=$(cpu_ticks)
    for _ in $(seq 200); do
        sleep 0.3
        now=$(cpu_ticks)
        [ $((now - before)) -le 1 ] && return
        before=$now
    done
}
# Sends $2 messages over $1 connections with this checkout's `send`; fails unless every one
# was ACKed. Leaves its report in $work/send.out.
send_load() {
    timeout 600 "$bin" send "127.0.0.1:$port" "$message" --connections "$1" --count "$2" --quiet \
        > "$work/send.out" 2>&1 || { cat "$work/send.out"; fail "send failed"; }
    grep -q "^$2 of $2 messages acknowledged" "$work/send.out" \
        || { cat "$work/send.out"; fail "not every message was acknowledged"; }
}
sent_rate() { sed -n 's/.* \([0-9]*\) msg\/s$/\1/p' "$work/send.out"; }
# Every ACKed message must be in the outbound's queue (the downstream is down).
check_queued() {
    local queued=0
    for _ in $(seq 120); do
        queued=$(metric messagefoundry_outbound_queued_messages)
        [ "$queued" -eq "$1" ] && return
        sleep 0.5
    done
    fail "$1 messages ACKed but $queued in the queue of the $2 build"
}

# Intake at 64 connections, the downstream down: rate, engine CPU per message, peak RSS, and
# the store file against the message bytes.
intake_64() {
    start_engine "$1"
    local cpu0 cpu1
    cpu0=$(cpu_ticks)
    send_load 64 "$n64"
    settle
    cpu1=$(cpu_ticks)
    record "$1" intake64 "$(sent_rate)"
    record "$1" cpu_us "$(python3 -c "print(($cpu1 - $cpu0) / $tick / $n64 * 1e6)")"
    record "$1" rss_mb "$(awk '/^VmHWM:/ { print $2 * 1024 / 1e6 }' "/proc/$engine/status")"
    local bytes
    bytes=$(metric messagefoundry_inbound_received_bytes_total)
    check_queued "$n64" "$1"
    stop_engine
    record "$1" store_ratio "$(python3 -c "print($(stat -c %s "$db") / $bytes)")"
    echo "   $1: intake 64 $(sent_rate) msg/s, $(stat -c %s "$db") store bytes for $bytes message bytes"
}
# The disk's raw rate of 4 KiB writes each followed by a data sync, on the store's file system,
# taken right before each build's one-connection case.
raw_syncs() {
    local secs
    secs=$(LC_ALL=C dd if=/dev/zero of="$work/fsync.test" bs=4k count="$syncs" oflag=dsync 2>&1 \
        | sed -n 's/.* copied, \([0-9.e-]*\) s,.*/\1/p')
    rm -f "$work/fsync.test"
    record "$1" syncs "$(python3 -c "print($syncs / $secs)")"
}
intake_1() {
    raw_syncs "$1"
    start_engine "$1"
    send_load 1 "$n1"
    record "$1" intake1 "$(sent_rate)"
    record "$1" p50 "$(sed -n 's/^ACK latency: p50 \([0-9.]*\) ms.*/\1/p' "$work/send.out")"
    check_queued "$n1" "$1"
    stop_engine
    echo "   $1: intake 1 $(sent_rate) msg/s"
}
# End to end at 64 connections to a fast downstream: from the first send to the sink's last
# receipt.
end_to_end() {
    "$bin" sink --port "$ehr_port" --quiet --count "$n64" > "$work/sink.out" 2>&1 &
    local sink=$!
    pids+=("$sink")
    start_engine "$1"
    local start end
    start=$(date +%s.%N)
    send_load 64 "$n64"
    timeout 600 tail --pid="$sink" -f /dev/null || true
    end=$(date +%s.%N)
    grep -q "^received $n64 messages" "$work/sink.out" \
        || { cat "$work/sink.out"; fail "the sink did not receive all $n64 messages from the $1 build"; }
    stop_engine
    record "$1" e2e "$(python3 -c "print($n64 / ($end - $start))")"
    echo "   $1: end to end $(python3 -c "print(round($n64 / ($end - $start)))") msg/s"
}

echo "== $rounds round(s): intake at 64 connections ($n64 messages), at 1 ($n1), end to end ($n64)"
echo "   load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq "$rounds"); do
    echo "-- round $round"
    for case in intake_64 intake_1 end_to_end; do
        for build in v1 cur; do "$case" "$build"; done
    done
done
load_end=$(cut -d' ' -f1-3 /proc/loadavg)
echo "   load average at the end: $load_end"

echo
echo "Layout 1 is lab-oru at ${layout1:0:7}, current is $(git rev-parse --short HEAD); $rounds round(s),"
echo "interleaved; median of the rounds (range). Load average at the end: $load_end; $(nproc) cores."
echo
python3 - "$results" "$rounds" <<'PYTHON'
import collections, statistics, sys

values = collections.defaultdict(list)
for line in open(sys.argv[1]):
    build, figure, value = line.split("\t")
    values[build, figure].append(float(value))
several = int(sys.argv[2]) > 1

def med(build, figure):
    return statistics.median(values[build, figure])

def cell(build, figure, fmt, scale=1.0):
    vs = [v * scale for v in values[build, figure]]
    text = fmt(statistics.median(vs))
    return f"{text} ({fmt(min(vs))}–{fmt(max(vs))})" if several else text

num = lambda v: f"{v:,.0f}".replace(",", " ")
two = lambda v: f"{v:.2f}"
one = lambda v: f"{v:.1f}"
pct = lambda v: f"{v:.0f} %"
share = {b: [i / s for i, s in zip(values[b, "intake1"], values[b, "syncs"])] for b in ("v1", "cur")}
e2e = {b: [e / med(b, "intake64") for e in values[b, "e2e"]] for b in ("v1", "cur")}
for b in ("v1", "cur"):
    values[b, "share"], values[b, "e2e_ratio"] = share[b], e2e[b]

def met(ok):
    return "met" if ok else "not met"

rows = [
    ("raw 4 KiB write + data sync (syncs/s)", "syncs", num, 1, None, None),
    ("intake, 64 connections (msg/s)", "intake64", num, 1, "≥ 1.3× layout 1",
     lambda: med("cur", "intake64") >= 1.3 * med("v1", "intake64")),
    ("intake, 1 connection (msg/s)", "intake1", num, 1, None, None),
    ("ACK p50, 1 connection (ms)", "p50", two, 1, None, None),
    ("1 connection / raw sync rate", "share", pct, 100, "≥ 60 %",
     lambda: med("cur", "share") >= 0.6),
    ("end to end to a sink, 64 connections (msg/s)", "e2e", num, 1, None, None),
    ("end to end / intake at 64", "e2e_ratio", two, 1, "≥ 0.9",
     lambda: med("cur", "e2e_ratio") >= 0.9),
    ("engine CPU per message at intake (µs)", "cpu_us", one, 1, "≤ 30 µs",
     lambda: med("cur", "cpu_us") <= 30),
    ("store file / message bytes, after intake at 64", "store_ratio", two, 1, "≤ 0.5×",
     lambda: med("cur", "store_ratio") <= 0.5),
    ("peak RSS of serve, intake at 64 (MB)", "rss_mb", num, 1, "≤ 128 MB",
     lambda: med("cur", "rss_mb") <= 128),
]
print("| figure | layout 1 | current | current / layout 1 | goal | |")
print("|---|---|---|---|---|---|")
for name, figure, fmt, scale, goal, check in rows:
    ratio = med("cur", figure) / med("v1", figure)
    print(f"| {name} | {cell('v1', figure, fmt, scale)} | {cell('cur', figure, fmt, scale)} "
          f"| {ratio:.2f} | {goal or ''} | {met(check()) if check else ''} |")
PYTHON
