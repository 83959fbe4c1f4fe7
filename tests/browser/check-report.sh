#!/usr/bin/env bash
# Opens HTML reports in a real headless browser (Debian's chromium): each must load with no
# network, run its script (which marks the page `data-rendered` with what it drew and how long
# it took), pass the script's own self-test (`#selftest`: fold and unfold a group, zoom, pan,
# back to the whole run, durations), and be captured as a screenshot (target/report-*.png) for
# a person to look at. The examples, a fan-out of 10 actions, and one of 100,000 actions, which
# must load and draw within the time budget below.
# Usage: tests/browser/check-report.sh [path/to/flyte-dsl]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-${CARGO_TARGET_DIR:-target}/debug/flyte-dsl}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "check-report: no chromium on this machine (apt-get install chromium)" >&2
    exit 1
fi
# Milliseconds the page's script may take to draw the 100,000-action report.
BUDGET_MS=${BUDGET_MS:-5000}
out=target/browser-check
rm -rf "$out" && mkdir -p "$out"
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$out/profile")
status=0
fail() { echo "check-report: $*" >&2; status=1; }

# check NAME: opens $out/NAME.html; prints the script's drawing time in ms.
check() {
    local name=$1 page="file://$PWD/$out/$1.html"
    timeout 120 "$browser" "${flags[@]}" --dump-dom "$page#selftest" > "$out/$name.dom" 2> /dev/null || true
    for needle in "<canvas" "Timeline by task" "Schedule by node" "Nodes per pool" "Utilization" "makespan" "data-rendered="; do
        grep -q -- "$needle" "$out/$name.dom" || fail "$name: the rendered page lacks $needle"
    done
    local selftest
    selftest=$(grep -o 'data-selftest="[^"]*"' "$out/$name.dom" || true)
    case "$selftest" in
        *bad*|"") fail "$name: the page's self-test: ${selftest:-did not run}" ;;
    esac
    for word in "zoom ok" "pan ok" "fit ok" "human ok"; do
        [[ "$selftest" == *"$word"* ]] || fail "$name: the self-test lacks \"$word\": $selftest"
    done
    timeout 120 "$browser" "${flags[@]}" --window-size=1300,1800 --screenshot="$PWD/target/report-$name.png" \
        "$page" > /dev/null 2>&1 || true
    [ -s "target/report-$name.png" ] || fail "$name: no screenshot"
    grep -o 'data-rendered="[^"]*"' "$out/$name.dom" | sed -E 's/.*ms=([0-9]+).*/\1/'
}

for example in quickstart resources reuse override_oom; do
    "$bin" run "examples/$example.flyte" --no-cache-store --report "$out/$example.html" > /dev/null 2>&1 || true
    check "$example" > /dev/null
done

# A fan-out of N - 1 one-second leaves (the benches' script) and their driver on 100 nodes of 16 CPUs.
printf 'cold_start = 0\nimage_pull = 0\n[[pool]]\nname = "cpu"\ncount = 100\ncpu = 16\nmemory = "64Gi"\ncost_per_hour = 0.8\n' > "$out/fanout.toml"
for n in 10 100000; do
    "$bin" run benches/compare/wide.flyte --cluster "$out/fanout.toml" --arg n=$((n - 1)) --no-cache-store \
        --max-wall-time 0 --report "$out/fanout-$n.html" > /dev/null
    start=$(date +%s%N)
    ms=$(check "fanout-$n")
    wall=$(( ($(date +%s%N) - start) / 1000000 ))
    grep -q "actions=$n " "$out/fanout-$n.dom" || fail "fanout-$n: the page did not draw $n actions"
    if [ -z "$ms" ] || [ "$ms" -gt "$BUDGET_MS" ]; then
        fail "fanout-$n: drawing took ${ms:-?} ms (budget $BUDGET_MS ms)"
    fi
    echo "check-report: $n actions: $(du -k "$out/fanout-$n.html" | cut -f1) KB page, drawn in $ms ms, ${wall} ms for load, self-test and screenshot"
done
[ $status -eq 0 ] && echo "check-report: 6 reports rendered in $browser; screenshots in target/report-*.png"
exit $status
