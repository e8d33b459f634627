#!/usr/bin/env bash
# Installs the Solidity toolchain the tests compile generated code with
# (solc-js, OpenZeppelin Contracts and forge, pinned by
# tools/solidity/package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/../tools/solidity"
if [ ! -d node_modules/solc ] || [ ! -d node_modules/@openzeppelin/contracts ] \
  || [ ! -d node_modules/@foundry-rs/forge ]; then
  command -v npm >/dev/null || { echo "error: npm is required to install solc-js (install Node.js)" >&2; exit 1; }
  npm ci --no-audit --no-fund --loglevel=error
fi
