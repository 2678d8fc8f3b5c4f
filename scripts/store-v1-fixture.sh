#!/usr/bin/env bash
# Writes messagefoundry/tests/fixtures/store-v1.redb with the layout-1 store code: the last
# commit whose store wrote layout 1 is exported to a temporary folder, the fixture's
# writer (messagefoundry/tests/store_v1_fixture.rs and store_v1/content.rs, from this tree) is
# run there, and the file is copied back. The migration tests read the file.
#
#   scripts/store-v1-fixture.sh
set -euo pipefail
cd "$(dirname "$0")/.."
layout1=b2e7e255b68b7ddfb1934c1c89c4a4bd9c6cf744
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/v1"
git archive "$layout1" | tar -x -C "$tmp/v1"
mkdir -p "$tmp/v1/messagefoundry/tests/store_v1"
cp messagefoundry/tests/store_v1_fixture.rs "$tmp/v1/messagefoundry/tests/"
# Fields the layout-1 code does not have are marked `layout-1-absent` on the line above them.
sed '/layout-1-absent/,+1d' messagefoundry/tests/store_v1/content.rs \
    >"$tmp/v1/messagefoundry/tests/store_v1/content.rs"
out="$root/messagefoundry/tests/fixtures/store-v1.redb"
# A target folder of its own: the layout-1 crates share names and versions with this tree's,
# and building both into one folder left stale artifacts for the next build here.
(cd "$tmp/v1" && CARGO_TARGET_DIR="$root/target/store-v1" MF_STORE_V1_FIXTURE="$out" \
    cargo test -p messagefoundry --features test-support --test store_v1_fixture -- --ignored)
ls -l "$out"
