import asyncio

import flyte

env = flyte.TaskEnvironment(
    name="actors",
    resources=flyte.Resources(cpu=1, memory="1Gi"),
    reusable=flyte.ReusePolicy(replicas=2),
)


@env.task
async def square(x: int) -> int:
    return x * x


@env.task
async def main(n: int = 4) -> int:
    big = square.override(resources=flyte.Resources(cpu=2, memory="2Gi"))
    results = await asyncio.gather(*[big.aio(i) for i in range(n)])
    return sum(results)
#@ error E0503 at 19:27-19:36
