#!/usr/bin/env bash
# Installs Python's `lark` (pinned in tools/grammar/requirements.txt) into
# tools/grammar/.venv: the engine that checks `tok grammar --format lark`
# against every example and standard-library module (tests/tests/grammar.rs).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="$root/tools/grammar/.venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import lark" 2>/dev/null; then
  command -v python3 >/dev/null || { echo "error: python3 is required to install lark" >&2; exit 1; }
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/tools/grammar/requirements.txt"
fi
"$venv/bin/python" -c "import lark; print('lark', lark.__version__)"
