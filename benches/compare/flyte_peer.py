"""flyte_peer.py: the fan-out of `cargo bench --bench run` in flyte-sdk's local run mode.

A root task gathers N leaf tasks (one CPU each; the leaf does `await asyncio.sleep(0)`,
since local mode really sleeps). Runs it REPEATS times in one process (default 3, as the
flyte-dsl side does) and prints the best wall time and its actions per second (N leaves + the
root).

    target/compare-venv/bin/python benches/compare/flyte_peer.py 1000 [REPEATS]
"""

import asyncio
import sys
import time

import flyte

env = flyte.TaskEnvironment(name="leaves", resources=flyte.Resources(cpu=1, memory="1Gi"))


@env.task
async def leaf(i: int) -> int:
    await asyncio.sleep(0)
    return i


@env.task
async def main(n: int) -> int:
    results = await asyncio.gather(*[leaf(i) for i in range(n)])
    return len(results)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    flyte.init()
    secs = None
    for _ in range(repeats):
        start = time.perf_counter()
        run = flyte.with_runcontext(mode="local").run(main, n=n)
        out = run.outputs()
        out = getattr(out, "o0", out)
        wall = time.perf_counter() - start
        secs = wall if secs is None else min(secs, wall)
    print(f"flyte-sdk local N = {n}: result {out}, {secs:.3f} s wall, {(n + 1) / secs:.0f} actions/s")
