#!/usr/bin/env bash
# Figures of the store file's commands on a 60 000-message store of the 2.7 KB ORU^R01 (the
# load tool's message): the cost of a /metrics scrape with the queue at 60 000, `store backup`
# through a running serve (idle, then under load) and with serve stopped, `store verify`,
# `messages prune` and `store compact` (time, sizes), the file's size when the same load is
# stored again after a prune (pruned space reused), and `store compact` of that store.
# Loopback only; everything started here is stopped on exit.
#
#   scripts/store-figures.sh
#   SCRAPE_ONLY=1 scripts/store-figures.sh   # only the scrape with 60 000 queued (runs on a
#                                            # checkout from before the queue counters too)
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/common.sh
. scripts/common.sh

load_environment
db="$work/load.redb"
engine=""

start_engine() {
    : > "$work/serve.out"
    "$bin" serve --db "$db" --env load --environments "$work/environments" \
        --admin "127.0.0.1:$admin_port" > "$work/serve.out" 2> "$work/serve.err" &
    engine=$!
    pids+=("$engine")
    for _ in $(seq 100); do grep -q "MLLP listening" "$work/serve.out" 2>/dev/null && return; sleep 0.1; done
    echo "the engine did not start"; cat "$work/serve.err"; exit 1
}
stop_engine() {
    kill -TERM "$engine"; wait "$engine" || true
}
size() { stat -c %s "$1"; }
mb() { python3 -c "print(f'{$1 / 1e6:.1f} MB')"; }
# Runs a command and prints its wall time.
timed() {
    local start end
    start=$(date +%s.%N)
    "$@"
    end=$(date +%s.%N)
    python3 -c "print(f'   took {$end - $start:.2f} s')"
}
# Scrapes /metrics 50 times, 0.1 s apart; prints the median and the slowest.
scrapes() {
    python3 - "http://127.0.0.1:$admin_port/metrics" <<'PYTHON'
import sys, time, urllib.request
times = []
for _ in range(50):
    t = time.time()
    body = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
    times.append(time.time() - t)
    time.sleep(0.1)
depth = [l for l in body.splitlines() if l.startswith("messagefoundry_outbound_queued_messages{")]
times.sort()
print("   %s; scrape median %.2f ms, slowest %.2f ms" % (depth[0] if depth else "no depth", times[25] * 1e3, times[-1] * 1e3))
PYTHON
}

start_engine
echo "== /metrics with the queue empty"
scrapes
echo "== 60 000 messages stored, 64 connections, the downstream down (all queued)"
timeout 600 "$bin" send "127.0.0.1:$port" "$message" --connections 64 --count 60000 --quiet
echo "   store file $(mb "$(size "$db")")"
echo "== /metrics with the queue at 60 000"
scrapes

if [ -n "${SCRAPE_ONLY:-}" ]; then stop_engine; exit 0; fi

echo "== store backup through the running serve, idle"
timed "$bin" store --db "$db" backup "$work/online.redb" --quiet
echo "== store backup through the running serve, while 20 000 more messages arrive"
timeout 600 "$bin" send "127.0.0.1:$port" "$message" --connections 8 --count 20000 --quiet > "$work/send.out" &
sender=$!
pids+=("$sender")
sleep 1
timed "$bin" store --db "$db" backup "$work/loaded.redb" --quiet
wait "$sender"
echo "   store file now $(mb "$(size "$db")")"
stop_engine

echo "== store backup with serve stopped"
timed "$bin" store --db "$db" backup "$work/stopped.redb" --quiet
echo "== store verify of that backup"
timed "$bin" store verify "$work/stopped.redb" --quiet | tail -1

echo "== delivered to a sink, pruned, compacted"
"$bin" sink --port "$ehr_port" --quiet --count 80000 > "$work/sink.out" &
sink=$!
pids+=("$sink")
start_engine
timeout 600 tail --pid="$sink" -f /dev/null || true
stop_engine
full=$(size "$db")
echo "   store file after delivery $(mb "$full")"
timed "$bin" messages --db "$db" prune --older-than 1ms
echo "   store file after prune $(mb "$(size "$db")")"
cp "$db" "$work/pruned.redb"
timed "$bin" store --db "$db" compact --quiet

echo "== pruned space reused: the same 60 000 stored again into the pruned (not compacted) store"
mv "$work/pruned.redb" "$db"
start_engine
timeout 600 "$bin" send "127.0.0.1:$port" "$message" --connections 64 --count 60000 --quiet
stop_engine
echo "   store file $(mb "$(size "$db")") (before the prune it was $(mb "$full"))"
echo "== store compact of that store (60 000 messages queued, the pruned pages free)"
timed "$bin" store --db "$db" compact --quiet
