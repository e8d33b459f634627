#!/usr/bin/env bash
# The security gate: Slither over the generated Foundry project of every
# example and of tests/programs/stdlib_all.tok (every stdlib template); fails
# on any High or Medium finding and prints a summary by impact. Slither
# compiles through forge (`@foundry-rs/forge` from tools/solidity, offline)
# and `solc-native.js`, the solc-js stand-in for a native solc. Slither itself
# is installed into tools/slither/.venv from the pinned requirements on first
# use. The exclusions each project's slither.config.json makes are justified
# in docs/solidity.md.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup-solidity.sh"
venv="$root/tools/slither/.venv"
if [ ! -x "$venv/bin/slither" ]; then
  command -v python3 >/dev/null || { echo "error: python3 is required to install Slither" >&2; exit 1; }
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/tools/slither/requirements.txt"
fi
tok="${TOK:-}"
if [ -z "$tok" ]; then
  # The same command shape as the test run, so nothing is rebuilt.
  (cd "$root" && cargo build --quiet --locked --workspace)
  tok="${CARGO_TARGET_DIR:-$root/target}/debug/tok"
fi
forge="$(ls "$root"/tools/solidity/node_modules/@foundry-rs/forge-*/bin/forge | head -n 1)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin"
ln -s "$forge" "$work/bin/forge"
export PATH="$work/bin:$PATH" FOUNDRY_SOLC="$root/tools/solidity/solc-native.js" FOUNDRY_OFFLINE=true
status=0
printf '%-18s %5s %7s %5s %14s\n' program high medium low informational
for program in "$root"/examples/*.tok "$root"/tests/programs/stdlib_all.tok; do
  name="$(basename "$program" .tok)"
  out="$work/$name"
  "$tok" build "$program" --target solidity --out "$out" >/dev/null
  ln -s "$root/tools/solidity/node_modules" "$out/node_modules"
  (cd "$out" && "$venv/bin/slither" . --json report.json >slither.log 2>&1) || true
  "$venv/bin/python" - "$out/report.json" "$name" "$out/slither.log" <<'PY' || status=1
import json, sys
path, name, log = sys.argv[1:4]
try:
    report = json.load(open(path))
except (OSError, ValueError):
    print(f"{name}: Slither did not run\n" + open(log).read())
    sys.exit(1)
if not report.get("success"):
    print(f"{name}: Slither failed: {report.get('error')}")
    sys.exit(1)
counts = dict.fromkeys(("High", "Medium", "Low", "Informational", "Optimization"), 0)
serious = []
for finding in report["results"].get("detectors", []):
    counts[finding["impact"]] += 1
    if finding["impact"] in ("High", "Medium"):
        serious.append(finding["description"])
print(f"{name:<18} {counts['High']:>5} {counts['Medium']:>7} {counts['Low']:>5} {counts['Informational']:>14}")
for description in serious:
    print("  " + description.replace("\n", "\n  "))
sys.exit(1 if serious else 0)
PY
done
if [ "$status" -ne 0 ]; then
  echo "error: Slither reports High or Medium findings (above)" >&2
fi
exit "$status"
