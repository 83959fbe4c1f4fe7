"""The export's differential test: each script that runs clean under `flyte-dsl run` is
exported with `flyte-dsl export python`, run by flyte-sdk's local mode (run_export.py), and the
two outcomes are compared: the same result (values mapped as `run --json` maps them), or the
same error type and code. Every task of each export must also pass flyte-sdk's deploy
serializer, under the FQN the script gives it, and each export must be as black and ruff
format it (they change nothing).

    python export_diff.py FLYTE_DSL_BINARY FILE.flyte...

Prints a line per script and ends with `export-diff: N passed, M failed, K skipped`; exits 1
on any failure. A script is skipped, with its reason, when its outcome is the simulated
cluster's (a deadlock, a timeout, an out-of-memory kill, a capacity error, a limit) or
depends on what differs between a simulation and a real run (the clock, the seed, the
attempt, the environment's variables and secrets).
"""

import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
# Outcomes only the simulated cluster has.
SIMULATED = {"DeadlockError", "UnschedulableError", "PreemptedError", "OOMError",
             "TaskTimeoutError", "MaxRuntimeExceededError", "MaxQueuedTimeExceededError",
             "DeadlineExceededError", "LimitExceededError", "CancelledError"}
# Builtins whose values differ between a simulation and a real run.
UNCOMPARABLE = re.compile(r"\b(now|attempt|random|getenv|secret)\s*\(")


def same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, (int, float)) and isinstance(b, (int, float)) and abs(a - b) <= 1e-9 * max(1.0, abs(a))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b and type(a) is type(b)


def formatted(python, path):
    """What black and ruff would change in the export (nothing, when it is as they format)."""
    bindir = os.path.dirname(python)
    for tool in (["ruff", "format", "--diff"], ["black", "--diff", "--quiet"]):
        run = subprocess.run([os.path.join(bindir, tool[0]), *tool[1:], path],
                             capture_output=True, text=True, timeout=120)
        if run.returncode != 0 or run.stdout.strip():
            return f"{tool[0]} would reformat it:\n{run.stdout[:1500]}{run.stderr[:500]}"
    return None


def check(binary, python, path, workdir):
    text = open(path, encoding="utf-8", errors="replace").read()
    if not re.search(r"\btask\s+main\s*\(", text):
        return "skip", "no task main"
    ours = subprocess.run([binary, "run", path, "--json", "--no-cache-store"],
                          capture_output=True, text=True, timeout=300)
    try:
        ours = json.loads(ours.stdout)
    except json.JSONDecodeError:
        return "skip", "main needs arguments or does not run"
    if ours.get("status") == "invalid":
        return "skip", "does not pass check"
    out = os.path.join(workdir, re.sub(r"\W", "_", os.path.basename(path)[:-6]) + ".py")
    exported = subprocess.run([binary, "export", "python", path, "-o", out],
                              capture_output=True, text=True, timeout=120)
    if exported.returncode != 0:
        return "fail", f"export failed: {exported.stderr.strip()[:400]}"
    formatting = formatted(python, out)
    if formatting:
        return "fail", formatting
    error = ours.get("error") or {}
    if error.get("type") in SIMULATED or str(error.get("code", "")).startswith("E0"):
        return "skip", f"simulation-only outcome ({error.get('type')} {error.get('code')})"
    theirs = subprocess.run([python, os.path.join(HERE, "run_export.py"), out, "main"],
                            capture_output=True, text=True, timeout=600, cwd=workdir)
    lines = theirs.stdout.strip().splitlines()
    if not lines:
        return "fail", f"flyte-sdk did not run it: {theirs.stderr.strip()[-800:]}"
    theirs = json.loads(lines[-1])
    problems = []
    if theirs["serialize_errors"]:
        problems.append(f"deploy serializer: {theirs['serialize_errors']}")
    if ours["status"] != theirs["status"]:
        problems.append(f"status {ours['status']} vs {theirs['status']} ({theirs['error']})")
    elif ours["status"] == "succeeded" and not same(ours["result"], theirs["result"]):
        problems.append(f"result {json.dumps(ours['result'])} vs {json.dumps(theirs['result'])}")
    elif ours["status"] == "failed":
        a, b = ours["error"], theirs["error"]
        if (a["type"], a["code"]) != (b["type"], b["code"]):
            problems.append(f"error {a['type']}/{a['code']} vs {b['type']}/{b['code']}")
    found = UNCOMPARABLE.search(text)
    if problems and found and not theirs["serialize_errors"]:
        return "skip", f"depends on {found.group(1)}(), which a real run gives otherwise: {problems[0]}"
    if problems:
        return "fail", "; ".join(problems)
    return "pass", f"{ours['status']}, {len(theirs['tasks'])} task(s) serialized"


def flyte_cli(binary, python, workdir):
    """flyte's own command line runs an export as it is: `flyte run --local OUT.py main --n 3`
    gives what `flyte-dsl run --arg n=3` gives."""
    path = os.path.join(os.path.dirname(HERE), "..", "examples", "quickstart.flyte")
    out = os.path.join(workdir, "quickstart_cli.py")
    subprocess.run([binary, "export", "python", path, "-o", out], check=True, timeout=120)
    ours = subprocess.run([binary, "run", path, "--arg", "n=3", "--json", "--no-cache-store"],
                          capture_output=True, text=True, timeout=300)
    want = json.loads(ours.stdout)["result"]
    flyte = os.path.join(os.path.dirname(python), "flyte")
    run = subprocess.run([flyte, "run", "--local", out, "main", "--n", "3"], capture_output=True,
                         text=True, timeout=600, cwd=workdir, env={**os.environ, "NO_COLOR": "1"})
    found = re.search(r"ActionOutputs\(o0=([^)]*)\)", run.stdout + run.stderr)
    if not found or found.group(1) != json.dumps(want):
        return "fail", f"flyte run --local gave {found.group(1) if found else run.stdout[-600:]}, want {want}"
    return "pass", f"flyte run --local {os.path.basename(out)} main --n 3 gives {want}"


def main():
    binary, files = sys.argv[1], sys.argv[2:]
    python = sys.executable
    counts = {"pass": 0, "fail": 0, "skip": 0}
    with tempfile.TemporaryDirectory(prefix="export-diff-") as workdir:
        verdict, why = flyte_cli(binary, python, workdir)
        counts[verdict] += 1
        print(f"{verdict:4} flyte's CLI: {why}", flush=True)
        for path in files:
            try:
                verdict, why = check(binary, python, path, workdir)
            except subprocess.TimeoutExpired as e:
                verdict, why = "fail", f"timed out: {e.cmd[:2]}"
            counts[verdict] += 1
            print(f"{verdict:4} {path}: {why}", flush=True)
    print(f"export-diff: {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    sys.exit(1 if counts["fail"] else 0)


if __name__ == "__main__":
    main()
