#!/usr/bin/env bash
# The project's test command: formatting, lints, then every test.
# CI runs exactly this (see .ci/run); it needs a Rust toolchain and Node.js
# with npm (for solc-js, installed from tools/solidity/package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0
export CARGO_TERM_COLOR=never

echo "== Solidity toolchain (solc-js, OpenZeppelin) from the lockfile"
bash scripts/setup-solidity.sh
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
