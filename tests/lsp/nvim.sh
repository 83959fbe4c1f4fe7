#!/usr/bin/env bash
# A real client: Neovim's built-in LSP client (Debian's neovim, installed if missing), driven
# headless against `flyte-dsl lsp` over examples/quickstart.flyte with one planted mistake:
# its diagnostic, a hover and a go-to-definition must come back.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${1:-${CARGO_TARGET_DIR:-$ROOT/target}/debug/flyte-dsl}"
if ! command -v nvim > /dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim) > /dev/null 2>&1 \
        || { echo "lsp: cannot install neovim" >&2; exit 1; }
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# The planted mistake: `return` of a str where the task returns an int.
sed 's/^    return total$/    return "total"/' "$ROOT/examples/quickstart.flyte" > "$WORK/quickstart.flyte"
grep -q 'return "total"' "$WORK/quickstart.flyte" || { echo "lsp: the example changed; update nvim.sh" >&2; exit 1; }
LINE=$(grep -n 'return "total"' "$WORK/quickstart.flyte" | cut -d: -f1)
# Hover and definition: the first call of a task inside `main` (a name defined above).
CALL=$(grep -n 'process_shard' "$WORK/quickstart.flyte" | sed -n 2p)
CALL_LINE=$(( ${CALL%%:*} - 1 ))
CALL_TEXT="${CALL#*:}"
PREFIX="${CALL_TEXT%%process_shard*}"
COL=$(( ${#PREFIX} + 2 ))
DEF_LINE=$(( $(grep -n 'task process_shard' "$WORK/quickstart.flyte" | head -1 | cut -d: -f1) - 1 ))
cd "$WORK"
FLYTE_DSL="$BIN" FILE="$WORK/quickstart.flyte" OUT="$WORK/out.json" \
    HOVER_LINE="$CALL_LINE" HOVER_COL="$COL" DEF_LINE="$CALL_LINE" DEF_COL="$COL" \
    timeout 60 nvim --headless -n -u NONE -i NONE -c "luafile $ROOT/tests/lsp/nvim.lua" > "$WORK/nvim.log" 2>&1 \
    || { cat "$WORK/nvim.log" >&2; echo "lsp: neovim failed" >&2; exit 1; }
python3 - "$WORK/out.json" "$LINE" "$DEF_LINE" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); line = int(sys.argv[2]) - 1; def_line = int(sys.argv[3])
assert r["attached"], r
codes = [(d["code"], d["line"]) for d in r["diagnostics"]]
assert ("E0206", line) in codes, codes
hover = r["hover"]["contents"]["value"]
assert "task process_shard" in hover and "FQN" in hover, hover
d = r["definition"]
assert d["range"]["start"]["line"] == def_line, (d, def_line)
print(f"lsp: neovim {len(codes)} diagnostic(s) {codes}, hover and definition: ok")
PY
