#!/usr/bin/env bash
# Highlights every .flyte file of the repository with editors/vscode's TextMate grammar, using
# VS Code's own engine (vscode-textmate with vscode-oniguruma, from npm, installed once under
# target/), and checks the scopes: see check.mjs.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
NODE_DIR="${CARGO_TARGET_DIR:-$ROOT/target}/highlight-node"
if ! command -v node > /dev/null || ! command -v npm > /dev/null; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm) > /dev/null 2>&1 \
        || { echo "highlight: cannot install node and npm" >&2; exit 1; }
fi
if [ ! -f "$NODE_DIR/node_modules/vscode-textmate/package.json" ] \
    || [ ! -f "$NODE_DIR/node_modules/vscode-oniguruma/package.json" ]; then
    mkdir -p "$NODE_DIR"
    npm install --silent --no-audit --no-fund --prefix "$NODE_DIR" \
        vscode-textmate@9.4.0 vscode-oniguruma@2.0.1 > "$NODE_DIR/npm.log" 2>&1 \
        || { cat "$NODE_DIR/npm.log" >&2; exit 1; }
fi
NODE_PATH="$NODE_DIR/node_modules" node "$ROOT/tests/highlight/check.cjs" "$ROOT"
