#!/usr/bin/env bash
# benches/compare/run.sh: flyte-dsl side by side with its peers, in one run, one table.
#
#   benches/compare/run.sh            (from anywhere; idempotent)
#
# The `check .py` row reads a project made by gen_python.py.
# Peers: SimGrid 3.32 (Debian's libsimgrid-dev, benches/compare/simgrid_peer.cpp), flyte-sdk
# 2.12.1 in local run mode (a venv in target/compare-venv, benches/compare/flyte_peer.py),
# CPython (fib.py, loops.py; python3.11 where installed) and Lua 5.4 (Debian's lua5.4, fib.lua). Environment knobs: FLYTE_SDK_N (default 2000), SKIP_INSTALL=1.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
cd "$ROOT"
OUT="$ROOT/target/compare"
mkdir -p "$OUT"
: >"$OUT/stderr.log"
VENV="$ROOT/target/compare-venv"
FLYTE_SDK_N="${FLYTE_SDK_N:-2000}"
BIN="$ROOT/target/release/flyte-dsl"
FAILED=()

log() { echo "[compare] $*" >&2; }

# ---------------------------------------------------------------- 1. install what is missing
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
if [ "${SKIP_INSTALL:-0}" != 1 ]; then
    if ! dpkg -s libsimgrid-dev >/dev/null 2>&1 || ! command -v g++ >/dev/null; then
        log "installing libsimgrid-dev g++"
        { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libsimgrid-dev g++; } \
            >"$OUT/apt.log" 2>&1 || { FAILED+=("apt-get install libsimgrid-dev g++ (see target/compare/apt.log)"); }
    fi
    if ! command -v lua5.4 >/dev/null; then
        log "installing lua5.4"
        { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq lua5.4; } \
            >>"$OUT/apt.log" 2>&1 || FAILED+=("apt-get install lua5.4 (see target/compare/apt.log)")
    fi
    if ! "$VENV/bin/python" -c 'import flyte, sys; sys.exit(flyte.__version__ != "2.12.1")' >/dev/null 2>&1; then
        log "installing flyte==2.12.1 into $VENV"
        { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q flyte==2.12.1; } >"$OUT/pip.log" 2>&1 \
            || FAILED+=("pip install flyte==2.12.1 (see target/compare/pip.log)")
    fi
fi
log "cargo build --release --benches"
cargo build --release --benches >"$OUT/cargo-build.log" 2>&1 || { cat "$OUT/cargo-build.log" >&2; exit 1; }

SIMGRID="$OUT/simgrid_peer"
if command -v g++ >/dev/null && [ -e /usr/include/simgrid/s4u.hpp ]; then
    if [ ! -x "$SIMGRID" ] || [ "$HERE/simgrid_peer.cpp" -nt "$SIMGRID" ]; then
        log "compiling simgrid_peer.cpp"
        g++ -O2 -std=c++17 "$HERE/simgrid_peer.cpp" -lsimgrid -o "$SIMGRID" 2>"$OUT/g++.log" \
            || { FAILED+=("g++ simgrid_peer.cpp (see target/compare/g++.log)"); rm -f "$SIMGRID"; }
    fi
else
    FAILED+=("SimGrid peer: no g++ or no SimGrid headers")
fi

# ---------------------------------------------------------------- helpers
now() { date +%s.%N; }
# timed OUTFILE CMD...: runs CMD, stdout to OUTFILE; prints "wall_seconds peak_rss_kb".
timed() {
    local outf="$1"; shift
    local t0 t1 rss=0
    t0=$(now)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -f %M -o "$OUT/rss.txt" "$@" >"$outf" 2>>"$OUT/stderr.log"
        t1=$(now); rss=$(tail -1 "$OUT/rss.txt")
    else
        "$@" >"$outf" 2>>"$OUT/stderr.log"
        t1=$(now)
    fi
    echo "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f", b - a }') $rss"
}
# best3 CMD...: best wall seconds of 3 runs (stdout discarded).
best3() {
    local best="" w
    for _ in 1 2 3; do
        w=$(timed /dev/null "$@" | cut -d' ' -f1)
        best=$(awk -v a="$best" -v b="$w" 'BEGIN { if (a == "" || b < a) print b; else print a }')
    done
    echo "$best"
}
# best5 CMD...: the same, best of 5 (the interpreter rows, where a run is short).
best5() {
    local best="" w
    for _ in 1 2 3 4 5; do
        w=$(timed /dev/null "$@" | cut -d' ' -f1)
        best=$(awk -v a="$best" -v b="$w" 'BEGIN { if (a == "" || b < a) print b; else print a }')
    done
    echo "$best"
}
# cpu3 CMD...: best user CPU seconds of 3 runs (stdout discarded): steadier than wall time on a
# shared machine.
cpu3() {
    local best="" u
    for _ in 1 2 3; do
        /usr/bin/time -f %U -o "$OUT/cpu.txt" "$@" >/dev/null 2>>"$OUT/stderr.log" || true
        u=$(tail -1 "$OUT/cpu.txt")
        best=$(awk -v a="$best" -v b="$u" 'BEGIN { if (a == "" || b < a) print b; else print a }')
    done
    echo "$best"
}
calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }
# field LINE WORD-AFTER: the token just before WORD in LINE (e.g. "0.026 s wall" -> 0.026).
before() { echo "$1" | awk -v w="$2" '{ for (i = 2; i <= NF; i++) { t = $i; sub(/,$/, "", t); if (t == w) { print $(i - 1); exit } } }'; }
fmt() { [ -n "$2" ] && [ "$2" != n/a ] && awk -v v="$2" "BEGIN { printf \"$1\", v }" || echo "${2:-n/a}"; }

# ---------------------------------------------------------------- 2. simulation scale
declare -A OW ORATE ORSS OMK SW SRATE SRSS SMK
BENCH_100K=""
for n in 10000 100000 1000000; do
    log "flyte-dsl: cargo bench --bench run -- $n"
    line_all=$(cargo bench --bench run -- "$n" 2>/dev/null)
    line=$(echo "$line_all" | grep -E "^N = +$n:" | head -1)
    OW[$n]=$(before "$line" s)
    ORATE[$n]=$(before "$line" actions/s)
    ORSS[$n]=$(before "$line" MiB)
    OMK[$n]=$(echo "$line" | sed -E 's/.*makespan ([0-9.]+) s.*/\1/')
    if [ "$n" = 100000 ]; then BENCH_100K="$line_all"; fi
    if [ -x "$SIMGRID" ]; then
        log "SimGrid: simgrid_peer $n"
        read -r w rss < <(timed "$OUT/simgrid-$n.txt" "$SIMGRID" "$n" 100 16 --log=root.thres:critical)
        SW[$n]=$(fmt %.3f "$w"); SRSS[$n]=$(calc "$rss / 1024"); SRATE[$n]=$(calc "($n + 1) / $w")
        SMK[$n]=$(sed -E 's/.*makespan ([0-9.]+) s.*/\1/' "$OUT/simgrid-$n.txt")
    fi
done

# ---------------------------------------------------------------- 3. wide gather
log "flyte-dsl: wide gather of 100,000 on 1,000 x 100 slots"
"$BIN" run "$HERE/wide.flyte" --arg n=100000 --cluster "$HERE/wide.toml" --no-cache-store --json >"$OUT/wide.json"
WIDE_MK=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["makespan_s"])' "$OUT/wide.json")
WIDE=$(best3 "$BIN" run "$HERE/wide.flyte" --arg n=100000 --cluster "$HERE/wide.toml" --no-cache-store --json)
WIDE_SG=""
if [ -x "$SIMGRID" ]; then
    log "SimGrid: 100,000 actors on 1,000 x 100 cores"
    read -r WIDE_SG WIDE_SG_RSS < <(timed "$OUT/simgrid-wide.txt" "$SIMGRID" 100000 1000 100 --log=root.thres:critical \
        --cfg=contexts/guard-size:0 --cfg=contexts/stack-size:16)
fi

# ---------------------------------------------------------------- 4. flyte-sdk
# Both sides: best of 3 runs in one warm process.
log "flyte-dsl: cargo bench --bench run -- $FLYTE_SDK_N x 3"
OURS_SDK_RATE=""
while read -r line; do
    r=$(before "$line" actions/s)
    OURS_SDK_RATE=$(awk -v a="$OURS_SDK_RATE" -v b="$r" 'BEGIN { if (a == "" || b > a) print b; else print a }')
done < <(cargo bench --bench run -- "$FLYTE_SDK_N" "$FLYTE_SDK_N" "$FLYTE_SDK_N" 2>/dev/null | grep -E "^N = +$FLYTE_SDK_N:")
SDK_RATE=""
if [ -x "$VENV/bin/python" ]; then
    log "flyte-sdk local run, N = $FLYTE_SDK_N"
    if "$VENV/bin/python" "$HERE/flyte_peer.py" "$FLYTE_SDK_N" 3 >"$OUT/flyte-sdk.txt" 2>"$OUT/flyte-sdk.err"; then
        SDK_RATE=$(before "$(grep 'actions/s' "$OUT/flyte-sdk.txt")" actions/s)
    else
        FAILED+=("flyte_peer.py (see target/compare/flyte-sdk.err)")
    fi
fi

# ---------------------------------------------------------------- 5. interpreter vs CPython
log "fib(30) and loops: flyte-dsl vs CPython"
FIB_OURS=$(best5 "$BIN" run "$HERE/fib.flyte" --no-cache-store)
FIB_PY=$(best5 python3 "$HERE/fib.py")
LOOPS_OURS=$(best5 "$BIN" run "$HERE/loops.flyte" --no-cache-store)
LOOPS_PY=$(best5 python3 "$HERE/loops.py")
# Start-up alone (fib(0), zero rounds): subtracted for the compute-only rows.
FIB_OURS0=$(best5 "$BIN" run "$HERE/fib.flyte" --no-cache-store --arg n=0)
FIB_PY0=$(best5 python3 "$HERE/fib.py" 0)
LOOPS_OURS0=$(best5 "$BIN" run "$HERE/loops.flyte" --no-cache-store --arg rounds=0)
LOOPS_PY0=$(best5 python3 "$HERE/loops.py" 0)
net() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0.001) d = 0.001; printf "%.4f", d }'; }
FIB_OURS_NET=$(net "$FIB_OURS" "$FIB_OURS0"); FIB_PY_NET=$(net "$FIB_PY" "$FIB_PY0")
LOOPS_OURS_NET=$(net "$LOOPS_OURS" "$LOOPS_OURS0"); LOOPS_PY_NET=$(net "$LOOPS_PY" "$LOOPS_PY0")
# Same answer from both.
fo=$("$BIN" run "$HERE/fib.flyte" --no-cache-store --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')
fp=$(python3 "$HERE/fib.py")
lo=$("$BIN" run "$HERE/loops.flyte" --no-cache-store --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["result"])')
lp=$(python3 "$HERE/loops.py")
[ "$fo" = "$fp" ] || FAILED+=("fib results differ: flyte-dsl $fo, CPython $fp")
[ "$lo" = "$lp" ] || FAILED+=("loops results differ: flyte-dsl $lo, CPython $lp")

# fib(32) against Lua 5.4 and loops against CPython 3.11, in user CPU time (issue 18).
PY311=$(command -v python3.11 || command -v python3)
FIB32_OURS=$(cpu3 "$BIN" run "$HERE/fib.flyte" --no-cache-store --arg n=32)
FIB32_LUA=""
if command -v lua5.4 >/dev/null; then FIB32_LUA=$(cpu3 lua5.4 "$HERE/fib.lua" 32); fi
LOOPS_CPU_OURS=$(cpu3 "$BIN" run "$HERE/loops.flyte" --no-cache-store)
LOOPS_CPU_PY=$(cpu3 "$PY311" "$HERE/loops.py")

# ---------------------------------------------------------------- 6. parse + check, reports
log "cargo bench --bench parse"
PARSE_OUT=$(cargo bench --bench parse 2>/dev/null)
PARSE_MS=$(echo "$PARSE_OUT" | grep "^parse + check (issue's size)" | sed -E 's/.*: ([0-9.]+) ms.*/\1/')
PARSE_LINES=$(echo "$PARSE_OUT" | grep "^parse + check (issue's size)" | sed -E 's/.*\): ([0-9]+) lines.*/\1/')
PARSE_BIG_MS=$(echo "$PARSE_OUT" | grep "^parse + check (every task long)" | sed -E 's/.*: ([0-9.]+) ms.*/\1/')
PARSE_BIG_LINES=$(echo "$PARSE_OUT" | grep "^parse + check (every task long)" | sed -E 's/.*\): ([0-9]+) lines.*/\1/')
rep=$(echo "$BENCH_100K" | grep 'reports:' || true)
TRACE_S=$(echo "$rep" | sed -E 's/.*trace ([0-9.]+) s.*/\1/')
HTML_S=$(echo "$rep" | sed -E 's/.*HTML report ([0-9.]+) s.*/\1/')

# ---------------------------------------------------------------- 7. capacity planning
# `compare` of 10 clusters (10 to 100 nodes of 16 CPUs) x 10 seeds of a 10,000-leaf fan-out
# whose leaves draw their length from random(), so every one of the 100 runs is made.
log "flyte-dsl: compare, 10 clusters x 10 seeds of a 10,000-leaf fan-out"
CLUSTER_ARGS=()
for k in 1 2 3 4 5 6 7 8 9 10; do
    printf 'cold_start = 0\nimage_pull = 0\n[[pool]]\nname = "cpu"\ncount = %d\ncpu = 16\nmemory = "64Gi"\ncost_per_hour = 0.8\n' \
        $((k * 10)) >"$OUT/compare-$k.toml"
    CLUSTER_ARGS+=(--cluster "$OUT/compare-$k.toml")
done
COMPARE_S=$(best3 "$BIN" compare "$HERE/fanout.flyte" "${CLUSTER_ARGS[@]}" --seeds 1..10)
# The reasons each action waited, recorded (`run --why`) and not, for 100,000 leaves queued on
# 1,600 slots (the sim rows' cluster), whole process.
log "flyte-dsl: 100,000 queued leaves with and without --why"
printf 'cold_start = 0\nimage_pull = 0\n[[pool]]\nname = "cpu"\ncount = 100\ncpu = 16\nmemory = "64Gi"\ncost_per_hour = 0.8\n' >"$OUT/bench.toml"
WHY_S=$(best3 "$BIN" run "$HERE/wide.flyte" --arg n=100000 --cluster "$OUT/bench.toml" --no-cache-store --why 'leaf#99999')
NOWHY_S=$(best3 "$BIN" run "$HERE/wide.flyte" --arg n=100000 --cluster "$OUT/bench.toml" --no-cache-store)

# ---------------------------------------------------------------- the table
row() { printf "%-34s | %14s | %16s | %9s | %-18s | %s\n" "$@"; }
met() { if awk "BEGIN { exit !($1) }"; then echo yes; else echo NO; fi; }
na() { [ -n "$1" ] && echo "$1" || echo "n/a"; }
ratio() { if [ -n "$1" ] && [ -n "$2" ] && [ "$2" != n/a ]; then fmt %.2f "$(calc "$1 / $2")"; else echo "n/a"; fi; }

echo
row "row" "flyte-dsl" "peer" "ratio" "target" "met?"
row "----------------------------------" "--------------" "----------------" "---------" "------------------" "----"
for n in 10000 100000 1000000; do
    k=$(printf "%'d" "$n" 2>/dev/null || echo "$n")
    case $n in 10000) k=10k ;; 100000) k=100k ;; 1000000) k=1M ;; esac
    r=$(ratio "${OW[$n]}" "${SW[$n]:-}")
    case $n in
        100000) t="<= 0.4 s"; m=$(met "${OW[$n]} <= 0.4") ;;
        1000000) t="ratio <= 1"; m=$( [ "$r" != n/a ] && met "$r <= 1" || echo n/a) ;;
        *) t="ratio <= 1"; m=$( [ "$r" != n/a ] && met "$r <= 1" || echo n/a) ;;
    esac
    row "sim $k wall s (vs SimGrid)" "${OW[$n]}" "$(na "${SW[$n]:-}")" "$r" "$t" "$m"
    r=$(ratio "${ORATE[$n]}" "${SRATE[$n]:-}")
    row "sim $k actions/s" "${ORATE[$n]}" "$(fmt %.0f "${SRATE[$n]:-}")" "$r" "ratio >= 1" "$( [ "$r" != n/a ] && met "$r >= 1" || echo n/a)"
    if [ "$n" = 1000000 ]; then t="<= 256 MiB"; m=$(met "${ORSS[$n]} <= 256"); else t="-"; m="-"; fi
    row "sim $k peak RSS MiB" "${ORSS[$n]}" "$(fmt %.0f "${SRSS[$n]:-}")" "$(ratio "${ORSS[$n]}" "${SRSS[$n]:-}")" "$t" "$m"
    row "sim $k makespan s" "${OMK[$n]}" "$(na "${SMK[$n]:-}")" "-" "$(( (n + 1599) / 1600 )) s" \
        "$(met "${OMK[$n]} == $(( (n + 1599) / 1600 ))")"
done
r10=$(fmt %.2f "$(calc "${ORATE[10000]} / ${ORATE[1000000]}")")
s10=$( [ -n "${SRATE[10000]:-}" ] && fmt %.2f "$(calc "${SRATE[10000]} / ${SRATE[1000000]}")" || echo n/a)
row "rate 10k / rate 1M" "$r10" "$s10" "-" "<= 1.5" "$(met "$r10 <= 1.5")"
row "wide gather 100k on 100k slots s" "$(fmt %.3f "$WIDE")" "$(fmt %.3f "$WIDE_SG")" "$(ratio "$WIDE" "$WIDE_SG")" "< 0.5 s" "$(met "$WIDE < 0.5")"
row "wide gather makespan s" "$WIDE_MK" "-" "-" "1 s" "$(met "$WIDE_MK == 1")"
r=$(ratio "$OURS_SDK_RATE" "$SDK_RATE")
row "actions/s at N=$FLYTE_SDK_N vs flyte-sdk" "$OURS_SDK_RATE" "$(na "$SDK_RATE")" "$r" "ratio >= 300" "$( [ "$r" != n/a ] && met "$r >= 300" || echo n/a)"
r=$(ratio "$FIB_PY" "$FIB_OURS")
row "fib(30) s, whole process" "$(fmt %.3f "$FIB_OURS")" "$(fmt %.3f "$FIB_PY")" "$r" "speedup >= 1 (2)" "$(met "$r >= 1")"
r=$(ratio "$FIB_PY_NET" "$FIB_OURS_NET")
row "fib(30) s, start-up subtracted" "$(fmt %.3f "$FIB_OURS_NET")" "$(fmt %.3f "$FIB_PY_NET")" "$r" "speedup >= 1 (2)" "$(met "$r >= 1")"
r=$(ratio "$LOOPS_PY" "$LOOPS_OURS")
row "loops s, whole process" "$(fmt %.3f "$LOOPS_OURS")" "$(fmt %.3f "$LOOPS_PY")" "$r" "speedup >= 1 (2)" "$(met "$r >= 1")"
r=$(ratio "$LOOPS_PY_NET" "$LOOPS_OURS_NET")
row "loops s, start-up subtracted" "$(fmt %.3f "$LOOPS_OURS_NET")" "$(fmt %.3f "$LOOPS_PY_NET")" "$r" "speedup >= 1 (2)" "$(met "$r >= 1")"
r=$(ratio "$FIB32_OURS" "$FIB32_LUA")
row "fib(32) user CPU s vs Lua 5.4" "$(fmt %.3f "$FIB32_OURS")" "$(fmt %.3f "$FIB32_LUA")" "$r" "ratio <= 1" "$( [ "$r" != n/a ] && met "$r <= 1" || echo n/a)"
r=$(ratio "$LOOPS_CPU_OURS" "$LOOPS_CPU_PY")
row "loops user CPU s vs CPython 3.11" "$(fmt %.3f "$LOOPS_CPU_OURS")" "$(fmt %.3f "$LOOPS_CPU_PY")" "$r" "ratio <= 0.3" "$( [ "$r" != n/a ] && met "$r <= 0.3" || echo n/a)"
row "parse+check $((PARSE_LINES / 1000))k lines ms" "$PARSE_MS" "-" "-" "< 500 ms" "$(met "$PARSE_MS < 500")"
# Export: the parse bench's 101,502-line script, and 100,000 lines of denser code (no target:
# parsing dominates it).
python3 "$HERE/gen_export.py" >"$OUT/export-std.flyte"
python3 "$HERE/gen_export.py" --dense 100000 >"$OUT/export-dense.flyte"
EXPORT_S=$(best3 "$BIN" export python "$OUT/export-std.flyte" -o "$OUT/export-std.py")
EXPORT_DENSE_S=$(best3 "$BIN" export python "$OUT/export-dense.flyte" -o "$OUT/export-dense.py")
row "export python 101k lines s" "$(fmt %.3f "$EXPORT_S")" "-" "-" "< 1 s" "$(met "$EXPORT_S < 1")"
row "export python 100k dense lines s" "$(fmt %.3f "$EXPORT_DENSE_S")" "-" "-" "-" "-"
# The language server: an edit of a 2,000-line script to its published diagnostics.
read -r LSP_WALL LSP_CPU < <(cd "$HERE" && python3 lsp_recheck.py "$BIN" 2000)
row "lsp re-check 2k lines ms (wall)" "$LSP_WALL" "-" "-" "< 20 ms" "$(met "$LSP_WALL < 20")"
row "lsp re-check 2k lines ms (cpu)" "$LSP_CPU" "-" "-" "< 20 ms" "$(met "$LSP_CPU < 20")"
row "parse+check $((PARSE_BIG_LINES / 1000))k lines ms" "$PARSE_BIG_MS" "-" "-" "- (heavier)" "-"
# Python: a generated 10,000-line flyte-sdk project read by the Python front end (docs/python.md).
python3 "$HERE/gen_python.py" 10000 >"$OUT/python-10k.py"
PY_LINES=$(wc -l <"$OUT/python-10k.py")
PY_CHECK_S=$(best3 "$BIN" check "$OUT/python-10k.py")
row "check .py $((PY_LINES / 1000))k lines s" "$(fmt %.3f "$PY_CHECK_S")" "-" "-" "< 0.5 s" "$(met "$PY_CHECK_S < 0.5")"
TR=$(calc "$TRACE_S + $HTML_S")
row "trace+report of 100k s" "$(fmt %.3f "$TR")" "-" "-" "< 2 s" "$(met "$TR < 2")"
row "compare 10 clusters x 10 seeds s" "$(fmt %.3f "$COMPARE_S")" "-" "-" "< 1 s" "$(met "$COMPARE_S < 1")"
row "100k queued, waits recorded s" "$(fmt %.3f "$WHY_S")" "$(fmt %.3f "$NOWHY_S")" "$(ratio "$WHY_S" "$NOWHY_S")" "<= 0.4 s" "$(met "$WHY_S <= 0.4")"
echo
echo "flyte-dsl sim rows: in-process wall (cargo bench --bench run -- N, one process per N)."
echo "flyte-sdk row: best of 3 runs in one warm process, on both sides."
echo "SimGrid rows: whole-process wall and RSS, one run (wide: 100,000 actors, 16 KB stacks, no guard pages)."
echo "wide gather: whole-process wall of the release binary, best of 3. fib, loops: whole-process"
echo "wall of the release binary / python3, best of 5; start-up subtracted: minus the best of 5"
echo "of fib(0) / zero rounds, on each side. fib(32) vs Lua, loops vs CPython 3.11: best user CPU"
echo "time of 3 whole-process runs (ratio = flyte-dsl / peer)."
echo "speedup ratio = CPython time / flyte-dsl time. flyte-sdk: local run mode, N leaves + the root."
echo "trace+report = trace text + HTML generation for the 100k run (cargo bench --bench run)."
echo "compare: whole process, best of 3, 100 runs of fanout.flyte (10,000 leaves) on all cores."
echo "waits recorded: whole process, best of 3, run --why on wide.flyte (100,000 leaves) on 1,600"
echo "slots; peer column = the same run without --why (the 100k sim row's target)."
if [ "${#FAILED[@]}" -gt 0 ]; then
    echo
    echo "failed:"
    for f in "${FAILED[@]}"; do echo "  - $f"; done
fi
