#!/usr/bin/env bash
# The differential test against flyte-sdk 2.12.1 (tests/fidelity/fidelity.py): 2,000 seeded
# configurations judged by both; prints "fidelity: N passed, M failed" and fails on any
# disagreement outside docs/language.md's deliberate differences. In CI (CI=true) the venv
# must be made; elsewhere the test is skipped, with a message, when it cannot be.
#   tests/fidelity/run.sh [--seed S] [--count N]
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! PY=$(tests/flyte-sdk/venv.sh); then
    if [ "${CI:-}" = "true" ]; then
        echo "fidelity: could not make the flyte-sdk venv" >&2
        exit 1
    fi
    echo "fidelity: skipped (no flyte-sdk 2.12.1 venv: tests/flyte-sdk/venv.sh failed)" >&2
    exit 0
fi
cargo build -q --bin flyte-dsl
exec "$PY" tests/fidelity/fidelity.py --bin "${CARGO_TARGET_DIR:-target}/debug/flyte-dsl" --seed 16 --count 2000 "$@"
