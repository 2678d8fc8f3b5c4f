#!/usr/bin/env bash
# Intake by transport, in one run: the same 2.7 KB ORU^R01 taken in over MLLP, HTTP, HTTPS and
# files by one interface binary (tests/src/bin/intake-serve.rs: the three inbounds share one
# router and one outbound, which is down, so every message is stored, routed and queued).
# Each case runs on a fresh store and a fresh engine process; the cases of a round run one
# after the other, and each round starts one case later, so machine noise hits all alike.
# After each case the engine is stopped and the store is read: the run fails unless it holds
# every message sent, each control ID once. Loopback and temporary folders only; everything
# started here is stopped on exit.
#
#   scripts/intake-by-transport.sh            # release build, three rounds (about five minutes)
#   ROUNDS=2 scripts/intake-by-transport.sh
#   QUICK=1 scripts/intake-by-transport.sh    # one small round on the debug build: checks the
#                                             # script and the counts, not the speed (CI)
#
# Cases: MLLP and HTTP (plaintext and TLS, the engine's self-signed certificate) at 1 and 64
# connections (closed loop: each waits for its ACK, sent after the commit); files of one
# message each, and a few big files (the time from the files' rename into the inbox until the
# last has been moved to done/, which follows the commit of its last message). Prints, per
# case: messages per second, ACK (response) latency p50/p99, the engine's CPU time per message
# (user + system, from /proc/PID/stat), its peak resident memory (VmHWM), and the ratio to MLLP
# (at the same connection count; files against MLLP at 64), with the load average.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/processes.sh
. scripts/processes.sh

quick=${QUICK:-}
rounds=${ROUNDS:-$([ -n "$quick" ] && echo 1 || echo 3)}
# The run stops starting rounds after this many seconds; each step has its own timeout.
budget=${MAX_SECONDS:-1200}
if [ -n "$quick" ]; then
    one=40 many=640 small_files=40 big_files=2 per_big=200
    cargo build --quiet -p messagefoundry-tests --bin intake-serve
    bin=target/debug/intake-serve
else
    one=${ONE:-2000} many=${MANY:-30000} small_files=${SMALL_FILES:-2000} big_files=4
    per_big=${PER_BIG:-5000}
    cargo build --quiet --release -p messagefoundry-tests --bin intake-serve
    bin=target/release/intake-serve
fi
message=messagefoundry-hl7/benches/data/oru_r01.hl7   # a real 2.7 KB ORU^R01 (see its README)
export MF_BENCH_HTTP_TOKEN=intake-bench-token-0123456789
ticks=$(getconf CLK_TCK)

mllp_port=$(free_port)
http_port=$(free_port)
ehr_port=$(free_port)
mkdir -p "$work/environments"
cat > "$work/environments/bench.toml" <<EOF
[inbound.IB_Mllp]
bind = "127.0.0.1"
port = $mllp_port

[inbound.IB_Http]
bind = "127.0.0.1"
port = $http_port

[inbound.IB_Files]
dir = "$work/inbox"
settle = "1ms"
poll = "50ms"

[outbound.OB_EHR]
port = $ehr_port
EOF
db=$work/intake.redb
cert=$work/intake-tls-cert.pem   # the self-signed certificate serve makes beside the store

start_engine() {
    # A fresh store; and no earlier start's "listening" line may be taken for this one.
    rm -rf "$db" "$db.journal" "$work/inbox"
    : > "$work/serve.out"
    mkdir -p "$work/inbox"
    "$bin" serve --db "$db" --env bench --environments "$work/environments" --admin off \
        > "$work/serve.out" 2> "$work/serve.err" &
    engine=$!
    pids+=("$engine")
    for _ in $(seq 200); do
        if grep -q "MLLP listening" "$work/serve.out" 2>/dev/null &&
            grep -q "HTTP listening" "$work/serve.out" 2>/dev/null; then
            return
        fi
        sleep 0.1
    done
    echo "the engine did not start"; cat "$work/serve.err"; exit 1
}
# The engine's CPU time so far (user + system, all threads), in clock ticks.
cpu_ticks() { sed 's/.*) //' "/proc/$engine/stat" | awk '{print $12 + $13}'; }
stop_engine() {
    kill -TERM "$engine" 2>/dev/null || true
    wait "$engine" 2>/dev/null || true
}

# Fails the run unless the store holds $2 messages from inbound $1, each control ID once.
verify() {
    local found
    found=$("$bin" messages --db "$db" search --inbound "$1" --limit $(($2 + 100)) |
        awk -v inbound="$1" '$3 == inbound { n++; if (!seen[$5]++) u++ } END { print n + 0, u + 0 }')
    if [ "$found" != "$2 $2" ]; then
        echo "error: the store holds $found (messages, distinct control IDs) from $1, not $2"
        exit 1
    fi
}

# Writes $1 files of $2 messages each (every message its own MSH-10) to $work/staging, with
# an old modification time, so they have settled when they are renamed into the inbox.
make_files() {
    rm -rf "$work/staging"
    python3 - "$work/staging" "$1" "$2" "$message" <<'PYTHON'
import os, sys
out, files, per, template = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), open(sys.argv[4], "rb").read()
os.makedirs(out)
head, rest = template.split(b"\r", 1)
fields = head.split(b"|")
for f in range(files):
    parts = []
    for m in range(per):
        fields[9] = b"F%05dM%06d" % (f, m)
        parts.append(b"|".join(fields) + b"\r" + rest)
    path = os.path.join(out, "f%05d.hl7" % f)
    open(path, "wb").write(b"".join(parts))
    os.utime(path, (0, 0))
PYTHON
}

# One case: $1 its name, then what it takes. Appends a line to $work/results.tsv:
# round, case, messages, msg/s, p50 ms, p99 ms, CPU µs per message, peak RSS MiB.
run_case() {
    local name=$1 round=$2 count rate p50=- p99=- before after rss
    case $name in
        files-*)
            local files per
            if [ "$name" = files-small ]; then files=$small_files per=1; else files=$big_files per=$per_big; fi
            count=$((files * per))
            make_files "$files" "$per"
            start_engine
            before=$(cpu_ticks)
            local start end
            start=$(date +%s.%N)
            mv "$work"/staging/*.hl7 "$work/inbox/"
            local waited=0
            while compgen -G "$work/inbox/*.hl7" > /dev/null; do
                sleep 0.01
                waited=$((waited + 1))
                if [ "$waited" -gt 30000 ]; then echo "error: the inbox was not emptied"; exit 1; fi
            done
            end=$(date +%s.%N)
            sleep 0.5   # the routing of the last messages
            after=$(cpu_ticks)
            rate=$(python3 -c "import sys; print(f'{int(sys.argv[1]) / (float(sys.argv[3]) - float(sys.argv[2])):.0f}')" "$count" "$start" "$end")
            local done_files
            done_files=$(find "$work/inbox/done" -name '*.hl7' | wc -l)
            if [ "$done_files" != "$files" ]; then
                echo "error: $done_files files in done/, not $files"; ls "$work/inbox"; exit 1
            fi
            echo "$name: $count messages in $files files: $rate msg/s"
            ;;
        *)
            local transport=${name%-*} connections=${name##*-} target tls=()
            count=$([ "$connections" = 1 ] && echo "$one" || echo "$many")
            case $transport in
                mllp) target=127.0.0.1:$mllp_port ;;
                http) target=http://127.0.0.1:$http_port/hl7 ;;
                https) target=https://127.0.0.1:$http_port/hl7
                       tls=(--tls-ca "$cert" --tls-server-name localhost) ;;
            esac
            [ "$transport" = mllp ] || tls+=(--auth-token-env MF_BENCH_HTTP_TOKEN)
            start_engine
            before=$(cpu_ticks)
            timeout 300 "$bin" send "$target" "$message" --quiet --connections "$connections" \
                --count "$count" "${tls[@]}" > "$work/send.out"
            sleep 0.5   # the routing of the last messages
            after=$(cpu_ticks)
            sed "s/^/$name: /" "$work/send.out"
            rate=$(sed -n 's/.* s: \([0-9]*\) msg\/s$/\1/p' "$work/send.out")
            p50=$(sed -n 's/^ACK latency: p50 \([0-9.]*\) ms.*/\1/p' "$work/send.out")
            p99=$(sed -n 's/.* p99 \([0-9.]*\) ms.*/\1/p' "$work/send.out")
            ;;
    esac
    rss=$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$engine/status")
    stop_engine
    case $name in
        mllp-*) verify IB_Mllp "$count" ;;
        http*) verify IB_Http "$count" ;;
        files-*) verify IB_Files "$count" ;;
    esac
    local cpu
    cpu=$(python3 -c "import sys; print(f'{(int(sys.argv[2]) - int(sys.argv[1])) * 1e6 / int(sys.argv[3]) / int(sys.argv[4]):.0f}')" "$before" "$after" "$ticks" "$count")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$name" "$count" "$rate" "$p50" "$p99" "$cpu" "$rss" \
        >> "$work/results.tsv"
}

cases=(mllp-1 mllp-64 http-1 http-64 https-1 https-64 files-small files-big)
started=$(date +%s)
echo "== intake by transport: $rounds round(s); $one messages at 1 connection, $many at 64;"
echo "   $small_files files of 1 message; $big_files files of $per_big messages ($bin)"
for round in $(seq "$rounds"); do
    if [ "$round" -gt 1 ] && [ $(($(date +%s) - started)) -gt "$budget" ]; then
        echo "-- time budget of $budget s spent: no more rounds"
        break
    fi
    echo "-- round $round, load average $(cut -d' ' -f1-3 /proc/loadavg)"
    for i in "${!cases[@]}"; do
        run_case "${cases[$(((i + round - 1) % ${#cases[@]}))]}" "$round"
    done
done
echo "-- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"

echo
python3 - "$work/results.tsv" <<'PYTHON'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])]
by = {}
for r, case, n, rate, p50, p99, cpu, rss in rows:
    by.setdefault(case, []).append((int(r), int(n), float(rate), p50, p99, float(cpu), int(rss)))
def base(case):
    return "mllp-1" if case.endswith("-1") else "mllp-64"
def ratio(case, r, rate):
    mllp = {x[0]: x[2] for x in by.get(base(case), [])}
    return rate / mllp[r] if mllp.get(r) else float("nan")
med = lambda xs: statistics.median(xs)
print("| case | messages | msg/s (median; each round) | ratio to MLLP | ACK p50 / p99 ms | engine CPU µs/msg | peak RSS MiB |")
print("|---|---|---|---|---|---|---|")
for case in ["mllp-1", "mllp-64", "http-1", "http-64", "https-1", "https-64", "files-small", "files-big"]:
    xs = by.get(case)
    if not xs:
        continue
    rates = [x[2] for x in xs]
    ratios = [ratio(case, x[0], x[2]) for x in xs]
    lat = "-" if xs[0][3] == "-" else "%.2f / %.2f" % (med([float(x[3]) for x in xs]), med([float(x[4]) for x in xs]))
    print("| %s | %d | %.0f (%s) | %.2f | %s | %.0f | %d |" % (
        case, xs[0][1], med(rates), ", ".join("%.0f" % r for r in rates), med(ratios), lat,
        med([x[5] for x in xs]), max(x[6] for x in xs)))
print()
print("ratio: msg/s against MLLP's at the same connection count in the same round (files: against")
print("MLLP at 64), the median over rounds; CPU: the engine's user + system time during the case")
print("divided by its messages; every count checked in the store after each case.")
PYTHON
