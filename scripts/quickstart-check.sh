#!/usr/bin/env bash
# Runs the quick start of README.md as written: every line of the block after the
# `<!-- quickstart` marker, in order; `scripts/quickstart-check.sh FILE MARKER` runs the block
# after `<!-- MARKER` in another page the same way (docs/admin.md, `operations`). `cargo`
# lines run in the checkout; the others run in a temporary folder (the store and the generated
# certificate land there) that sees the checkout's `target/` and `examples/`. `sink` and
# `serve` keep running in the background until their port answers; a later `serve` replaces
# the earlier one. The ports are the README's (2575 and 6661, and 7575 for serve's admin
# server), so the script first makes sure nothing else holds them.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
page=${1:-README.md}
marker=${2:-quickstart}
source "$repo/scripts/processes.sh"

port_free() {
    python3 -c 'import socket,sys; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1])))' "$1" 2>/dev/null
}
wait_for_port() {
    local port=$1 pid=$2
    for _ in $(seq 1 300); do
        if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$port" 2>/dev/null; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || { echo "the process for port $port exited" >&2; return 1; }
        sleep 0.1
    done
    echo "nothing answered on port $port" >&2
    return 1
}

for port in 2575 6661 7575; do
    port_free "$port" || { echo "port $port is taken: the quick start needs it" >&2; exit 1; }
done

# The block's lines, continuations joined.
lines=$(awk -v marker="^<!-- $marker" '$0 ~ marker {f=1; next} f && /^```/ {n++; if (n==2) exit; next} f && n==1' "$repo/$page" |
    sed -e ':a' -e '/\\$/N; s/\\\n//; ta')
[ -n "$lines" ] || { echo "$page has no block marked $marker" >&2; exit 1; }

ln -s "$repo/target" "$work/target"
ln -s "$repo/examples" "$work/examples"
serve_pid=""
while IFS= read -r line; do
    echo "\$ $line"
    case "$line" in
        cargo\ *) (cd "$repo" && eval "$line") ;;
        *" sink "*)
            (cd "$work" && exec bash -c "exec $line") > "$work/sink.log" 2>&1 &
            pids+=($!)
            wait_for_port 6661 $!
            ;;
        *" serve "*)
            if [ -n "$serve_pid" ]; then
                kill -TERM "$serve_pid"
                wait "$serve_pid" || { echo "serve did not stop cleanly" >&2; exit 1; }
            fi
            (cd "$work" && exec bash -c "exec $line") > "$work/serve.log" 2>&1 &
            serve_pid=$!
            pids+=("$serve_pid")
            wait_for_port 2575 "$serve_pid"
            ;;
        *) (cd "$work" && eval "$line") ;;
    esac
done <<< "$lines"

if [ "$page" != README.md ]; then
    echo "ok: the block $marker of $page runs as written"
    exit 0
fi
# What the quick start promises: the sample reached the stand-in EHR and the store lists it.
grep -q "ORU^R01" "$work/sink.log" || { echo "the stand-in EHR received nothing:" >&2; cat "$work/sink.log" >&2; exit 1; }
echo "ok: the README's quick start runs as written"
