"""A clean flyte-sdk module: environments, dataclasses, fan-out, overrides, errors."""

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

import flyte
import flyte.errors

BATCH = 4
IMAGE = "python:3.12"

base = flyte.TaskEnvironment(
    name="pipeline",
    image=IMAGE,
    resources=flyte.Resources(cpu=2, memory="2Gi"),
)
heavy = base.clone_with(name="pipeline-heavy", resources=flyte.Resources(cpu=4, memory="8Gi"))


@dataclass
class Stats:
    count: int
    total: float
    label: str = "stats"
    tags: list[str] = field(default_factory=list)


def scale(x: int, factor: int = 2) -> int:
    return x * factor


@base.task(cache="auto", retries=2)
async def square(x: int) -> int:
    await asyncio.sleep(30)
    return scale(x, factor=1) * x


@heavy.task(timeout=timedelta(hours=1))
async def summarize(values: list[int], note: str = "") -> Stats:
    total = 0.0
    for v in values:
        if v % 2 == 0:
            total += v
        else:
            total = total + v / 2
    label = f"sum of {len(values)}"
    if note:
        label = label + ": " + note
    return Stats(count=len(values), total=total, label=label)


@base.task
async def fragile(x: int) -> int:
    if x > 2:
        raise ValueError(f"too big: {x}")
    return x


@base.task
async def main(n: int = BATCH) -> float:
    squares = await asyncio.gather(*[square.aio(i) for i in range(n)])
    kept = []
    with flyte.group("checks"):
        for i in range(n):
            try:
                kept.append(await fragile.aio(i))
            except flyte.errors.RuntimeUserError:
                kept.append(0)
            except flyte.errors.OOMError as e:
                raise e
    doubled = {str(i): s * 2 for i, s in enumerate(squares) if s > 0}
    stats = await summarize.override(retries=1).aio(list(squares) + kept)
    return stats.total + len(doubled)
#@ ok
