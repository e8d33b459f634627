#!/usr/bin/env bash
# The project's test command: formatting, lints, then every test.
# CI runs exactly this (see .ci/run); it needs a Rust toolchain, Node.js
# with npm (solc-js, OpenZeppelin and forge, installed from
# tools/solidity/package-lock.json), Python 3 (Slither, installed from
# tools/slither/requirements.txt) and Debian's Neovim (installed by
# scripts/setup-editors.sh) for the language server's client test, and
# Python's lark (tools/grammar/requirements.txt, scripts/setup-grammar.sh)
# for the grammar exports.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0
export CARGO_TERM_COLOR=never

echo "== Solidity toolchain (solc-js, OpenZeppelin, forge) from the lockfile"
bash scripts/setup-solidity.sh
echo "== Editors the language server is tested with (Neovim, the VS Code extension's tools)"
bash scripts/setup-editors.sh
echo "== Python's lark, which checks the exported grammars"
bash scripts/setup-grammar.sh
echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
echo "== VS Code extension: grammar tests over the examples, and the .vsix"
(cd editors/vscode && npm test && npm run package)
echo "== Security gate: Slither over every generated project"
bash scripts/security-gate.sh
