//! Pages for the run-time codes: scheduling (`E06xx`) and the limits that stop a run (`E07xx`).
//! A wrong example here passes `check` and fails only when it runs; `tests/explain.rs` runs
//! it under the limits the page names.

use super::CodeInfo;

macro_rules! with_env {
    ($body:expr) => {
        concat!(
            "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))\n",
            $body
        )
    };
}

pub const RUNTIME: &[CodeInfo] = &[
    CodeInfo {
        code: "E0601",
        title: "no node can hold the request",
        explanation: "At run time an action asked for more than any node of the cluster has \
            (CPU, memory, a GPU type or count, a MIG partition), usually through an \
            `override(...)` with a computed value. It fails with `UnschedulableError` at \
            once instead of queueing forever. A constant request that no pool can hold is \
            found by `check` (`E0309`; `E0510` in an override). Ask for less, or run on a cluster with larger nodes \
            (`--cluster FILE`, see `flyte-dsl cluster show`).",
        wrong: with_env!("@e\nasync task work() -> int {\n    return 1\n}\n@e\nasync task main() -> int {\n    let cores = 10 * 100\n    return await work.override(resources = Resources(cpu = cores))()\n}\n"),
        right: with_env!("@e\nasync task work() -> int {\n    return 1\n}\n@e\nasync task main() -> int {\n    let cores = 2\n    return await work.override(resources = Resources(cpu = cores))()\n}\n"),
    },
    CodeInfo {
        code: "E0602",
        title: "deadlock: no action can make progress",
        explanation: "Every unfinished action waits on another and no timer is pending, so the \
            run can never end. The usual cause is a parent that holds the only slot of a \
            reusable environment while it awaits a child that needs a slot of the same \
            environment. The message lists the chain of waits. Give the environment more \
            replicas or `concurrency`, or run the parent in another environment.",
        wrong: "env solo = TaskEnvironment(name = \"solo\", reusable = ReusePolicy(replicas = 1))\n@solo\nasync task child() -> int {\n    return 1\n}\n@solo\nasync task main() -> int {\n    return await child()\n}\n",
        right: "env solo = TaskEnvironment(name = \"solo\", reusable = ReusePolicy(replicas = 1))\nenv driver = TaskEnvironment(name = \"driver\")\n@solo\nasync task child() -> int {\n    return 1\n}\n@driver\nasync task main() -> int {\n    return await child()\n}\n",
    },
    CodeInfo {
        code: "E0701",
        title: "step limit passed",
        explanation: "The run evaluated more statements and expressions than its step limit \
            allows (2,000,000,000 by default; `Limits::max_steps` when embedding). A builtin, \
            method or operator over a list or string (`sorted`, `sum`, `join`, `+`, `in`, ...) \
            counts one step per item, or per 16 bytes, that it reads or builds. This stops \
            a loop that never ends. The page's example is run with a limit of 10,000 steps.",
        wrong: with_env!("@e\ntask main() -> int {\n    let i = 0\n    while i >= 0 {\n        i += 1\n    }\n    return i\n}\n"),
        right: with_env!("@e\ntask main() -> int {\n    let i = 0\n    while i < 100 {\n        i += 1\n    }\n    return i\n}\n"),
    },
    CodeInfo {
        code: "E0702",
        title: "call depth limit passed",
        explanation: "Function and task calls nested deeper than the call-depth limit (200 by \
            default; `Limits::max_call_depth`), usually a recursion with no base case. The \
            run stops cleanly instead of overflowing the stack.",
        wrong: with_env!("fn count(n: int) -> int {\n    return count(n + 1)\n}\n@e\ntask main() -> int {\n    return count(0)\n}\n"),
        right: with_env!("fn count(n: int) -> int {\n    if n >= 10 {\n        return n\n    }\n    return count(n + 1)\n}\n@e\ntask main() -> int {\n    return count(0)\n}\n"),
    },
    CodeInfo {
        code: "E0703",
        title: "virtual-time limit passed",
        explanation: "The simulated clock passed the run's virtual-time limit \
            (`Limits::max_virtual_time`; none by default), or needed a time past the largest \
            the clock holds (2^63 - 1 ns, about 292 years: times saturate there, never wrap). \
            The page's example is run with a limit of one hour.",
        wrong: with_env!("@e\ntask main() -> int {\n    sleep(10d)\n    return 1\n}\n"),
        right: with_env!("@e\ntask main() -> int {\n    sleep(10m)\n    return 1\n}\n"),
    },
    CodeInfo {
        code: "E0704",
        title: "wall-time limit passed",
        explanation: "The run took more real time than its wall-time limit \
            (60 seconds for `flyte-dsl run`, `--max-wall-time SECONDS`, 0 for none; \
            `Limits::max_wall_time` when embedding, none by default). The page's example is \
            run with a limit of 50 ms and no step limit.",
        wrong: with_env!("@e\ntask main() -> int {\n    let i = 0\n    while i >= 0 {\n        i += 1\n    }\n    return i\n}\n"),
        right: with_env!("@e\ntask main() -> int {\n    let i = 0\n    while i < 100 {\n        i += 1\n    }\n    return i\n}\n"),
    },
    CodeInfo {
        code: "E0705",
        title: "cancelled by the host",
        explanation: "The embedding program (a `CancelHandle`), or Ctrl-C at the REPL, stopped \
            the run. It ends with a `CancelledError`; the session or engine goes on.",
        wrong: with_env!("@e\ntask main() -> int {\n    let i = 0\n    while i >= 0 {\n        i += 1\n    }\n    return i\n}\n"),
        right: with_env!("@e\ntask main() -> int {\n    return 1\n}\n"),
    },
    CodeInfo {
        code: "E0706",
        title: "live-action limit passed",
        explanation: "More actions were started and not yet ended than the live-action limit \
            allows (5,000,000 by default; `Limits::max_live_actions`), which bounds memory. \
            Gather in batches. The page's example is run with a limit of 10.",
        wrong: with_env!("@e\nasync task leaf() -> int {\n    sleep(1s)\n    return 1\n}\n@e\nasync task main() -> int {\n    return len(await gather(*[leaf() for i in range(100)]))\n}\n"),
        right: with_env!("@e\nasync task leaf() -> int {\n    sleep(1s)\n    return 1\n}\n@e\nasync task main() -> int {\n    let n = 0\n    for b in range(20) {\n        n += len(await gather(*[leaf() for i in range(5)]))\n    }\n    return n\n}\n"),
    },
    CodeInfo {
        code: "E0707",
        title: "memory limit passed",
        explanation: "The run's values held more memory at once than the memory limit allows \
            (1 GiB by default; `run --max-memory SIZE`, or `Limits::max_memory` when \
            embedding, where the host installs `runtime::memory::CountingAlloc` as its global \
            allocator for the limit to be counted). Single strings and lists are also capped \
            at 2^24 bytes or items. Build smaller values, or keep fewer of them alive. The \
            page's example is run with a limit of 64 MiB.",
        wrong: with_env!("@e\ntask main() -> int {\n    let chunk = \"x\" * 1000000\n    let kept = []\n    for i in range(1000) {\n        kept.append(chunk + str(i))\n    }\n    return len(kept)\n}\n"),
        right: with_env!("@e\ntask main() -> int {\n    let chunk = \"x\" * 1000000\n    let total = 0\n    for i in range(1000) {\n        total += len(chunk + str(i))\n    }\n    return total\n}\n"),
    },
];
