#!/usr/bin/env bash
# A bounded soak of "nothing is lost, each connection stays in order": eight connections send
# while the downstream goes down and comes back every few seconds and the engine is killed
# with SIGKILL at random moments (some right after a restart, while recovery is routing) and
# started again on the same store. At the end:
#   lost              acknowledged messages the downstream never received (must be 0)
#   duplicates        deliveries of a message already delivered (allowed: at least once)
#   order violations  first deliveries of one client connection out of the order it sent them
#                     (must be 0)
# Loopback only; everything started here is stopped on exit.
#
#   scripts/soak.sh                          # 60 000 messages, 10 kills
#   COUNT=200000 KILLS=40 scripts/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."

count=${COUNT:-60000}
kills=${KILLS:-10}
connections=8
# shellcheck source=scripts/common.sh
. scripts/common.sh
intake=$(free_port)
downstream=$(free_port)
mkdir -p "$work/environments"
printf '[inbound.IB_Lab_ORU]\nport = %s\nbind = "127.0.0.1"\n\n[outbound.OB_EHR_ORU]\nport = %s\nbackoff = "100ms"\nmax_backoff = "500ms"\n' \
    "$intake" "$downstream" > "$work/environments/soak.toml"

start_engine() {
    local started
    started=$(grep -c "MLLP listening" "$work/serve.out" 2>/dev/null || true)
    "$bin" serve --db "$work/soak.redb" --env soak --environments "$work/environments" --admin off \
        >> "$work/serve.out" 2>> "$work/serve.err" &
    engine=$!
    pids+=("$engine")
    for _ in $(seq 100); do
        [ "$(grep -c "MLLP listening" "$work/serve.out" 2>/dev/null || true)" -gt "${started:-0}" ] && return
        sleep 0.05
    done
    echo "the engine did not start"; tail "$work/serve.err"; exit 1
}

# The downstream flaps: up 3 s, down 1 s, until told to stop. Each run of the sink writes its
# own file, numbered so that the files sort in the order the runs came.
sink_file() { printf '%s/sink.%05d.out' "$work" "$1"; }
(
    n=0
    while [ ! -e "$work/stop-flapping" ]; do
        n=$((n + 1))
        "$bin" sink --port "$downstream" > "$(sink_file "$n")" 2>/dev/null &
        sink=$!
        sleep 3
        kill "$sink" 2>/dev/null || true
        wait "$sink" 2>/dev/null || true
        sleep 1
    done
) &
pids+=($!)

start_engine
echo "== $count messages over $connections connections; the downstream flaps; $kills kills with SIGKILL"
# send's load mode gives message n the control ID L<run>-<n> and sends it on connection
# n % connections, each connection in increasing n.
"$bin" send 127.0.0.1:$intake "$message" --connections "$connections" --count "$count" --timeout 5s \
    --record "$work/acknowledged" > "$work/send.out" 2>&1 &
sender=$!
for kill in $(seq "$kills"); do
    # Every third kill comes right after the restart (20-300 ms), the others after 0.3-2.5 s.
    if [ $((kill % 3)) -eq 0 ]; then
        wait_ms=$((20 + RANDOM % 280))
    else
        wait_ms=$((300 + RANDOM % 2200))
    fi
    sleep "$(printf '%d.%03d' $((wait_ms / 1000)) $((wait_ms % 1000)))"
    kill -KILL "$engine" 2>/dev/null || true
    wait "$engine" 2>/dev/null || true
    start_engine
done
wait "$sender" || true
cat "$work/send.out"

sort -u "$work/acknowledged" > "$work/acknowledged.sorted"
acknowledged=$(wc -l < "$work/acknowledged.sorted")

touch "$work/stop-flapping"
sleep 5
"$bin" sink --port "$downstream" > "$(sink_file 99999)" 2>/dev/null &
pids+=($!)
deadline=$((SECONDS + 120))
while :; do
    cat "$work"/sink.*.out | awk '/^ORU/ {print $2}' | sort -u > "$work/delivered.sorted"
    missing=$(comm -23 "$work/acknowledged.sorted" "$work/delivered.sorted" | wc -l)
    [ "$missing" -eq 0 ] && break
    [ "$SECONDS" -ge "$deadline" ] && break
    sleep 1
done
# The sink files in the order of their runs, each in order of arrival: the downstream's view.
read -r delivered duplicates violations < <(
    cat "$work"/sink.*.out | awk -v connections="$connections" '
        /^ORU/ {
            id = $2
            if (seen[id]++) { duplicates++; next }
            distinct++
            split(id, part, "-"); n = part[2] + 0; c = n % connections
            if ((c in last) && n <= last[c]) violations++
            last[c] = n
        }
        END { print distinct + 0, duplicates + 0, violations + 0 }'
)
echo "acknowledged: $acknowledged"
echo "delivered: $delivered distinct, $duplicates duplicates"
echo "lost: $missing"
echo "order violations: $violations"
if [ "$missing" -ne 0 ] || [ "$violations" -ne 0 ]; then
    echo "FAIL"
    exit 1
fi
echo "ok: every acknowledged message was delivered, each connection in order"
