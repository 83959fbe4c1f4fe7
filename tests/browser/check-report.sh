#!/usr/bin/env bash
# Opens HTML reports in a real headless browser (Debian's chromium): each must load with no
# network, render its SVG charts, and be captured as a screenshot (target/report-*.png) for a
# person to look at. Usage: tests/browser/check-report.sh [path/to/flyte-dsl]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-${CARGO_TARGET_DIR:-target}/debug/flyte-dsl}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "check-report: no chromium on this machine (apt-get install chromium)" >&2
    exit 1
fi
out=target/browser-check
rm -rf "$out" && mkdir -p "$out"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$out/profile")
status=0
for example in quickstart resources reuse override_oom; do
    "$bin" run "examples/$example.flyte" --no-cache-store --report "$out/$example.html" > /dev/null 2>&1
    # The DOM as the browser built it: the charts and the table must be there.
    timeout 60 "$browser" "${flags[@]}" --dump-dom "file://$PWD/$out/$example.html" > "$out/$example.dom" 2> /dev/null
    for needle in "<svg" "Schedule by node" "Utilization" "<rect" "<polyline" "makespan"; do
        if ! grep -q -- "$needle" "$out/$example.dom"; then
            echo "check-report: $example: the rendered page lacks $needle" >&2
            status=1
        fi
    done
    timeout 60 "$browser" "${flags[@]}" --window-size=1200,900 --screenshot="$PWD/target/report-$example.png" \
        "file://$PWD/$out/$example.html" > /dev/null 2>&1
    if [ ! -s "target/report-$example.png" ]; then
        echo "check-report: $example: no screenshot" >&2
        status=1
    fi
done
[ $status -eq 0 ] && echo "check-report: 4 reports rendered in $browser; screenshots in target/report-*.png"
exit $status
