# Shared by the load and soak scripts: what scripts/processes.sh gives, and the release build
# of the lab interface. Source it from the repository's root.

# shellcheck source=scripts/processes.sh
. scripts/processes.sh

cargo build --quiet --release -p lab-oru
bin=target/release/lab-oru
message=messagefoundry-hl7/benches/data/oru_r01.hl7   # a real 2.7 KB ORU^R01 (see its README)
# Ports picked for this run (the engine's inbound, the EHR: down while intake is measured, a
# sink's when one is started; the admin server's) and the `load` environment that names them.
load_environment() {
    port=$(free_port)
    ehr_port=$(free_port)
    admin_port=$(free_port)
    mkdir -p "$work/environments"
    printf '[inbound.IB_Lab_ORU]\nport = %s\nbind = "127.0.0.1"\n\n[outbound.OB_EHR_ORU]\nport = %s\n' \
        "$port" "$ehr_port" > "$work/environments/load.toml"
}
# A value of the engine's /metrics: the sum of the lines of a metric (with its labels, if any).
metric() {
    python3 - "http://127.0.0.1:$admin_port/metrics" "$1" <<'PYTHON'
import sys, urllib.request
body = urllib.request.urlopen(sys.argv[1], timeout=30).read().decode()
name = sys.argv[2]
print(int(sum(float(l.split()[-1]) for l in body.splitlines()
              if l.startswith(name + "{") or l.startswith(name + " "))))
PYTHON
}
