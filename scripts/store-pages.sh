#!/usr/bin/env bash
# Where the store file's bytes go after intake of N copies of the 2.7 KB ORU^R01 (the load
# tool's message) at 64 connections, the downstream down, as scripts/store-speed.sh fills it:
# `store stats` of the file, and the file against the message bytes received. Loopback only;
# everything started here is stopped on exit.
#
#   scripts/store-pages.sh            # 60 000 messages
#   COUNT=10000 scripts/store-pages.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/common.sh
. scripts/common.sh
count=${COUNT:-60000}

load_environment
db="$work/pages.redb"
fail() { echo "FAILED: $*"; exit 1; }

"$bin" serve --db "$db" --env load --environments "$work/environments" \
    --admin "127.0.0.1:$admin_port" > "$work/serve.out" 2> "$work/serve.err" &
engine=$!
pids+=("$engine")
for _ in $(seq 100); do grep -q "MLLP listening" "$work/serve.out" 2>/dev/null && break; sleep 0.1; done
grep -q "MLLP listening" "$work/serve.out" || { cat "$work/serve.err"; fail "the engine did not start"; }
timeout 600 "$bin" send "127.0.0.1:$port" "$message" --connections 64 --count "$count" --quiet \
    > "$work/send.out" 2>&1 || { cat "$work/send.out"; fail "send failed"; }
grep -q "^$count of $count messages acknowledged" "$work/send.out" || { cat "$work/send.out"; fail "not every message was acknowledged"; }
# Every message routed into the outbound's queue (the downstream is down) before the stop.
for _ in $(seq 240); do
    [ "$(metric messagefoundry_outbound_queued_messages)" -eq "$count" ] && break
    sleep 0.5
done
[ "$(metric messagefoundry_outbound_queued_messages)" -eq "$count" ] || fail "not every message was queued"
bytes=$(metric messagefoundry_inbound_received_bytes_total)
kill -TERM "$engine"
wait "$engine" || true

"$bin" store stats "$db"
echo "message bytes received: $bytes; store file / message bytes: $(python3 -c "print(round($(stat -c %s "$db") / $bytes, 3))")"
# What of "other" is free pages: compaction gives them back to the file system.
"$bin" store --db "$db" compact --quiet
"$bin" store stats "$db" | tail -2
