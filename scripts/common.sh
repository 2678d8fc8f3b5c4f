# Shared by the load and soak scripts: what scripts/processes.sh gives, and the release build
# of the lab interface. Source it from the repository's root.

# shellcheck source=scripts/processes.sh
. scripts/processes.sh

cargo build --quiet --release -p lab-oru
bin=target/release/lab-oru
message=messagefoundry-hl7/benches/data/oru_r01.hl7   # a real 2.7 KB ORU^R01 (see its README)
