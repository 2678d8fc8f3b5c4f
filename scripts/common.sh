# Shared by the load and soak scripts: a temporary work directory, processes to stop on exit,
# free ports, and the release build of the lab interface. Source it from the repository's root.

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

cargo build --quiet --release -p lab-oru
bin=target/release/lab-oru
message=messagefoundry-hl7/benches/data/oru_r01.hl7   # a real 2.7 KB ORU^R01 (see its README)

# A loopback TCP port that is free now: the kernel picks it, so a run never depends on a fixed
# port being free. It is released at once, so bind it soon after.
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
