# Shared by the scripts that start processes: a temporary work directory, the processes to
# stop on exit (append their ids to `pids`), and free loopback ports. Source it.

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# A loopback TCP port that is free now: the kernel picks it, so a run never depends on a fixed
# port being free. It is released at once, so bind it soon after.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
