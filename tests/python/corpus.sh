#!/usr/bin/env bash
# Checks every Python file under PATH with `flyte-dsl check` and prints the counts: files,
# clean, warnings only, with errors; then each file with diagnostics and their codes, lines
# and messages. The files are read where they lie (nothing is copied).
#   tests/python/corpus.sh PATH [CHECK-OPTIONS...]
# By default the check runs against tests/python/corpus-cluster.toml (the built-in cluster
# plus the accelerators and queues flyte-sdk's examples name); pass `--cluster FILE` to
# choose another. FLYTE_DSL names the binary (default: target/release/flyte-dsl, built if
# missing). Exit 0 when no file has an error, 1 otherwise.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
path="${1:?usage: corpus.sh PATH [CHECK-OPTIONS...]}"
shift
bin="${FLYTE_DSL:-${CARGO_TARGET_DIR:-$root/target}/release/flyte-dsl}"
if [ ! -x "$bin" ]; then
    (cd "$root" && cargo build --release --quiet)
fi
opts=("$@")
if [[ " ${opts[*]-} " != *" --cluster "* ]]; then
    opts+=(--cluster "$here/corpus-cluster.toml")
fi
files=0 clean=0 warned=0 failed=0
report=""
while IFS= read -r -d '' f; do
    files=$((files + 1))
    json="$("$bin" check --json "${opts[@]}" "$f" 2>/dev/null || true)"
    lines="$(printf '%s' "$json" | python3 -c '
import json, sys
text = sys.stdin.read().strip()
if not text:
    sys.exit(0)
data = json.loads(text)
items = data.get("diagnostics", []) if isinstance(data, dict) else data
for d in items:
    print("  %s %s %s:%s %s" % (d["severity"], d["code"], d["line"], d["column"], d["message"]))
')"
    if [ -z "$lines" ]; then
        clean=$((clean + 1))
    else
        if grep -q "^  error " <<<"$lines"; then failed=$((failed + 1)); else warned=$((warned + 1)); fi
        report+="${f#"$path"/}"$'\n'"$lines"$'\n'
    fi
done < <(find "$path" -name '*.py' -type f -print0 | sort -z)
printf '%s' "$report"
echo "corpus: $files files, $clean clean, $warned with warnings only, $failed with errors"
[ "$failed" -eq 0 ]
