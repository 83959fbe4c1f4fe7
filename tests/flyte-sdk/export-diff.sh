#!/usr/bin/env bash
# The export's differential test against flyte-sdk 2.12.1 (see export_diff.py): every example,
# every script under tests/scripts/ok and tests/export that qualifies.
#   tests/flyte-sdk/export-diff.sh [FLYTE_DSL_BINARY]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-${CARGO_TARGET_DIR:-target}/debug/flyte-dsl}"
[ -x "$bin" ] || cargo build --quiet
py=$(tests/flyte-sdk/venv.sh)
# The formatters the exports must already satisfy, pinned (installed once into the venv).
"$py" -c 'import black' 2>/dev/null && [ -x "$(dirname "$py")/ruff" ] \
    || "$py" -m pip install -q --disable-pip-version-check "black==26.10.1" "ruff==0.17.6" >&2
shopt -s nullglob
exec "$py" tests/flyte-sdk/export_diff.py "$bin" examples/*.flyte tests/scripts/ok/*.flyte tests/export/*.flyte
