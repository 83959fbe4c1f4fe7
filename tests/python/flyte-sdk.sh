#!/usr/bin/env bash
# The Python front end against flyte-sdk 2.12.1 itself (CI, after the export differential):
#  1. the example the flyte wheel ships (the source of `flyte run hello`, read out of the
#     installed package) must check clean, and `flyte-dsl run` must give the value flyte-sdk's
#     local run gives;
#  2. so must every clean module of tests/python/ok/ that flyte-sdk can run here (a module
#     whose opaque tasks import libraries the venv lacks is checked only).
# Prints a line per module and `python-sdk: N passed, M failed`; exit 1 on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-target}"
bin="${FLYTE_DSL:-$target/debug/flyte-dsl}"
[ -x "$bin" ] || cargo build --quiet
py="$(tests/flyte-sdk/venv.sh)"
work="$target/python-sdk"
mkdir -p "$work"
# The wheel's own example: `flyte run hello` writes TASK_SOURCE out and runs it.
(cd "$work" && "$py" -c 'from flyte.cli._hello import TASK_SOURCE; print(TASK_SOURCE, end="")') >"$work/hello.py"
grep -q "@env.task" "$work/hello.py" || { echo "python-sdk: no example found in the flyte wheel" >&2; exit 1; }
passed=0 failed=0
compare() { # FILE [run-by-flyte-sdk: yes|no]
    local f="$1" name
    name="$(basename "$f")"
    local diags
    diags="$("$bin" check "$f" 2>&1)" || { echo "FAIL $name: check found errors"; echo "$diags"; failed=$((failed + 1)); return; }
    if [ -n "$diags" ]; then echo "FAIL $name: check is not clean"; echo "$diags"; failed=$((failed + 1)); return; fi
    local ours theirs
    ours="$("$bin" run --json --no-cache-store "$f" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["result"]))')"
    if [ "${2:-yes}" = no ]; then
        echo "ok   $name: checks clean, runs ($ours); not run by flyte-sdk (its opaque tasks need libraries)"
        passed=$((passed + 1))
        return
    fi
    local abs runner
    abs="$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"
    runner="$(pwd)/tests/flyte-sdk/run_export.py"
    theirs="$(cd "$work" && "$py" "$runner" "$abs" main 2>/dev/null \
        | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["result"]))')"
    if [ "$ours" = "$theirs" ]; then
        echo "ok   $name: $ours, as flyte-sdk"
        passed=$((passed + 1))
    else
        echo "FAIL $name: flyte-dsl $ours, flyte-sdk $theirs"
        failed=$((failed + 1))
    fi
}
compare "$work/hello.py"
for f in tests/python/ok/*.py; do
    if grep -q "^    import \(pandas\|torch\)" "$f"; then compare "$f" no; else compare "$f"; fi
done
echo "python-sdk: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
