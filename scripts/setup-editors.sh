#!/usr/bin/env bash
# Installs what the editor tests drive: Debian's Neovim, the real client of
# compiler/cli/tests/neovim.rs, and the VS Code extension's packages
# (vscode-languageclient, the grammar test tools and vsce) from
# editors/vscode/package-lock.json.
set -euo pipefail
if ! command -v nvim >/dev/null; then
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "error: installing neovim needs root or sudo" >&2; exit 1; }
    sudo="sudo"
  fi
  command -v apt-get >/dev/null || { echo "error: install Neovim (0.7 or later) with your package manager" >&2; exit 1; }
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends neovim
fi
nvim --version | head -1
cd "$(dirname "$0")/../editors/vscode"
if [ ! -d node_modules/vscode-languageclient ] || [ ! -d node_modules/@vscode/vsce ] \
  || [ ! -d node_modules/vscode-tmgrammar-test ]; then
  command -v npm >/dev/null || { echo "error: npm is required for the VS Code extension (install Node.js)" >&2; exit 1; }
  npm ci --no-audit --no-fund --loglevel=error
fi
