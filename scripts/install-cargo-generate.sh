#!/usr/bin/env bash
# Installs cargo-generate, unless `cargo generate --version` already works.
#
# `cargo install cargo-generate --locked` fails on Rust 1.95: the lockfile it ships wants crates
# newer than that. So cargo fetches its source, the lockfile is made again choosing versions
# this Rust can build, and it is installed from there. Without its `git` feature (templates from
# a local path need none), and without the link-time optimisation of its release profile: both
# only make the build longer.
set -euo pipefail

version=0.26.0
if cargo generate --version >/dev/null 2>&1; then
    cargo generate --version
    exit 0
fi
build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
# `cargo info` downloads the crate into cargo's own cache, through the registry's usual client.
cargo info --quiet "cargo-generate@$version" >/dev/null
crate=$(find "${CARGO_HOME:-$HOME/.cargo}/registry/cache" -name "cargo-generate-$version.crate" | head -n 1)
if [ -z "$crate" ]; then
    echo "error: cargo did not download cargo-generate $version" >&2
    exit 1
fi
tar -xzf "$crate" -C "$build"
cd "$build/cargo-generate-$version"
CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback cargo generate-lockfile --quiet
CARGO_TARGET_DIR="$build/target" CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --quiet --path . --locked --no-default-features
cargo generate --version
