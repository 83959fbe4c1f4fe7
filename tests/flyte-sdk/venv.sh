#!/usr/bin/env bash
# Makes (once) a Python venv with flyte-sdk 2.12.1 from PyPI under target/, and prints the path
# of its python. Idempotent: a venv that already has the right flyte is reused as it is.
#   PY=$(tests/flyte-sdk/venv.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
venv="${CARGO_TARGET_DIR:-target}/flyte-venv"
# An absolute path: callers run the python from other folders.
case "$venv" in /*) ;; *) venv="$(pwd)/$venv" ;; esac
want="2.12.1"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c "import flyte, sys; sys.exit(flyte.__version__ != '$want')" 2>/dev/null; then
    echo "$venv/bin/python"
    exit 0
fi
mkdir -p "$(dirname "$venv")"
python3 -m venv "$venv" >&2
"$venv/bin/pip" install -q --disable-pip-version-check "flyte==$want" >&2
echo "$venv/bin/python"
