"""flyte_peer.py: the fan-out of `cargo bench --bench run` in flyte-sdk's local run mode.

A root task gathers N leaf tasks (one CPU each; the leaf does `await asyncio.sleep(0)`,
since local mode really sleeps). Prints wall time and actions per second (N leaves + the root).

    target/compare-venv/bin/python benches/compare/flyte_peer.py 1000
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
    flyte.init()
    start = time.perf_counter()
    run = flyte.with_runcontext(mode="local").run(main, n=n)
    out = run.outputs()
    out = getattr(out, "o0", out)
    secs = time.perf_counter() - start
    print(f"flyte-sdk local N = {n}: result {out}, {secs:.3f} s wall, {(n + 1) / secs:.0f} actions/s")
