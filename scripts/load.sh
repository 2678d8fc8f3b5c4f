#!/usr/bin/env bash
# Load figures of the engine, with the Python `messagefoundry` engine (PyPI) doing the same job
# in the same run. Loopback only; every run is bounded in count and time; everything started
# here is stopped on exit.
#
#   scripts/load.sh            # full run (a few minutes)
#   SKIP_PYTHON=1 scripts/load.sh
#   SCRAPE_ONLY=1 scripts/load.sh   # only intake with and without /metrics scraped
#
# Prints: raw fsync rate of the disk, intake (ACKed after commit) at 1, 8 and 64 connections,
# intake at 64 with and without `/metrics` scraped ten times a second, intake over TLS at 64,
# end to end to a fast downstream (our `sink`), and the Python engine's intake at 1, 8 and 64.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/common.sh
. scripts/common.sh

echo "== raw fsync rate: 2000 writes of 4 KiB, each followed by a data sync"
dd if=/dev/zero of="$work/fsync.test" bs=4k count=2000 oflag=dsync 2>&1 | tail -1
rm -f "$work/fsync.test"

# Ports picked for this run and the environment naming them (the EHR's is down while intake is
# measured; the sink listens there for the end-to-end run); the Python engine's is picked below.
load_environment

start_engine() {
    # A fresh store; and no earlier start's "listening" line may be taken for this one.
    rm -f "$work/load.redb" "$work/load.redb.journal"
    : > "$work/serve.out"
    "$bin" serve --db "$work/load.redb" --env load --environments "$work/environments" \
        --admin "127.0.0.1:$admin_port" > "$work/serve.out" 2> "$work/serve.err" &
    pids+=($!)
    for _ in $(seq 50); do grep -q "MLLP listening" "$work/serve.out" 2>/dev/null && return; sleep 0.1; done
    echo "the engine did not start"; cat "$work/serve.err"; exit 1
}
stop_engine() {
    pkill -TERM -f "$work/load.redb" || true
    sleep 0.5
}

# Scrapes /metrics ten times a second (a Prometheus server scrapes every 15 to 60 s) until
# stopped, or for five minutes at most; prints how many scrapes and their slowest.
scrape_loop() {
    exec python3 -c '
import signal, sys, time, urllib.request
url, times, end = sys.argv[1], [], time.time() + 300
def report(*_):
    print("scrapes: %d, slowest %.1f ms, median %.1f ms" % (len(times), max(times or [0]) * 1e3,
          sorted(times or [0])[len(times) // 2] * 1e3))
    sys.exit(0)
signal.signal(signal.SIGTERM, report)
while time.time() < end:
    t = time.time()
    urllib.request.urlopen(url, timeout=10).read()
    times.append(time.time() - t)
    time.sleep(0.1)
report()
' "http://127.0.0.1:$admin_port/metrics"
}

scrape_comparison() {
    echo
    echo "== intake at 64 connections with and without /metrics scraped every 0.1 s (interleaved;"
    echo "   the downstream is down, so each scrape also counts a queue growing to 60 000)"
    for round in 1 2 3; do
        start_engine
        echo "-- round $round: not scraped"
        timeout 300 "$bin" send "127.0.0.1:$port" "$message" --connections 64 --count 60000
        stop_engine
        start_engine
        echo "-- round $round: scraped"
        scrape_loop > "$work/scrape.out" &
        scraper=$!
        pids+=($scraper)
        timeout 300 "$bin" send "127.0.0.1:$port" "$message" --connections 64 --count 60000
        kill -TERM "$scraper"; wait "$scraper" || true
        cat "$work/scrape.out"
        stop_engine
    done
}

if [ -n "${SCRAPE_ONLY:-}" ]; then scrape_comparison; exit 0; fi

echo
echo "== intake: ACKed after the commit (the downstream is down, messages queue)"
# 64 connections three times: runs on a shared machine vary, so the range is reported.
for c in 1 8 64 64 64; do
    start_engine
    count=$(( c == 1 ? 2000 : c == 8 ? 20000 : 60000 ))
    echo "-- $c connection(s), $count messages"
    timeout 300 "$bin" send "127.0.0.1:$port" "$message" --connections "$c" --count "$count"
    stop_engine
done

scrape_comparison

echo
echo "== intake over TLS (the engine's self-signed certificate), 64 connections"
start_engine
timeout 300 "$bin" send "127.0.0.1:$port" "$message" --connections 64 --count 60000 \
    --tls-ca "$work/load-tls-cert.pem" --tls-server-name localhost
stop_engine

echo
echo "== end to end: intake and delivery to a fast downstream (sink), 64 connections"
"$bin" sink --port "$ehr_port" --quiet --count 20000 > "$work/sink.out" &
sink=$!
pids+=($sink)
start_engine
timeout 300 "$bin" send "127.0.0.1:$port" "$message" --connections 64 --count 20000
timeout 120 tail --pid="$sink" -f /dev/null || true
grep received "$work/sink.out"
stop_engine

if [ -n "${SKIP_PYTHON:-}" ]; then exit 0; fi
echo
echo "== the Python messagefoundry engine (PyPI), same feed, same load tool"
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check messagefoundry hl7
cp -r scripts/python-peer "$work/py"
py_port=$(free_port)
sed -i "s/^port = .*/port = $(free_port)/" "$work/py/messagefoundry.toml"
export LOAD_INBOUND_PORT=$py_port LOAD_EHR_PORT=$ehr_port
(
    cd "$work/py"
    "$work/venv/bin/python" -m messagefoundry --version 2>/dev/null || true
    "$work/venv/bin/python" -m messagefoundry check --config config > /dev/null
)
for c in 1 8 64; do
    rm -f "$work/py/mf.db"*
    (cd "$work/py" && exec "$work/venv/bin/python" -m messagefoundry serve --config config --db mf.db --env dev \
        > "$work/py.out" 2> "$work/py.err") &
    pids+=($!)
    for _ in $(seq 100); do (echo > "/dev/tcp/127.0.0.1/$py_port") 2>/dev/null && break; sleep 0.2; done
    count=$(( c == 1 ? 300 : 1500 ))
    echo "-- $c connection(s), $count messages"
    timeout 300 "$bin" send "127.0.0.1:$py_port" "$message" --connections "$c" --count "$count" || true
    pkill -TERM -f "messagefoundry serve --config config --db mf.db" || true
    sleep 1
done
