#!/usr/bin/env bash
# A bounded soak of "nothing is lost": eight connections send while the downstream goes down
# and comes back every few seconds, then the engine is stopped with SIGTERM in the middle of
# the load and started again. At the end every message the engine acknowledged must have
# reached the downstream (at least once). Loopback only; everything started here is stopped
# on exit.
#
#   scripts/soak.sh                 # 20 000 messages
#   COUNT=100000 scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."

count=${COUNT:-20000}
# shellcheck source=scripts/common.sh
. scripts/common.sh
mkdir -p "$work/environments"
printf '[inbound.IB_Lab_ORU]\nport = 13575\nbind = "127.0.0.1"\n\n[outbound.OB_EHR_ORU]\nport = 16662\nbackoff = "100ms"\nmax_backoff = "500ms"\n' \
    > "$work/environments/soak.toml"

start_engine() {
    "$bin" serve --db "$work/soak.redb" --env soak --environments "$work/environments" \
        >> "$work/serve.out" 2>> "$work/serve.err" &
    engine=$!
    pids+=("$engine")
    for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/13575) 2>/dev/null && return; sleep 0.1; done
    echo "the engine did not start"; tail "$work/serve.err"; exit 1
}

# The downstream flaps: up 3 s, down 1 s, until told to stop.
(
    n=0
    while [ ! -e "$work/stop-flapping" ]; do
        n=$((n + 1))
        "$bin" sink --port 16662 > "$work/sink.$n.out" 2>/dev/null &
        sink=$!
        sleep 3
        kill "$sink" 2>/dev/null || true
        wait "$sink" 2>/dev/null || true
        sleep 1
    done
) &
pids+=($!)

start_engine
echo "== $count messages over 8 connections; the downstream flaps; the engine restarts once"
"$bin" send 127.0.0.1:13575 "$message" --connections 8 --count "$count" --timeout 5s \
    --record "$work/acknowledged" > "$work/send.out" 2>&1 &
sender=$!
sleep 2
kill -TERM "$engine"; wait "$engine" || true
start_engine
wait "$sender" || true
cat "$work/send.out"

sort -u "$work/acknowledged" > "$work/acknowledged.sorted"
acknowledged=$(wc -l < "$work/acknowledged.sorted")
echo "acknowledged: $acknowledged"

touch "$work/stop-flapping"
sleep 5
"$bin" sink --port 16662 > "$work/sink.final.out" 2>/dev/null &
pids+=($!)
deadline=$((SECONDS + 120))
while :; do
    cat "$work"/sink.*.out | awk '/^ORU/ {print $2}' | sort -u > "$work/delivered.sorted"
    missing=$(comm -23 "$work/acknowledged.sorted" "$work/delivered.sorted" | wc -l)
    [ "$missing" -eq 0 ] && break
    [ "$SECONDS" -ge "$deadline" ] && break
    sleep 1
done
delivered=$(wc -l < "$work/delivered.sorted")
total=$(cat "$work"/sink.*.out | awk '/^ORU/' | wc -l)
echo "delivered: $delivered distinct, $total in all ($((total - delivered)) delivered twice)"
if [ "$missing" -ne 0 ]; then
    echo "FAIL: $missing acknowledged messages were not delivered"
    exit 1
fi
echo "ok: every acknowledged message was delivered"
