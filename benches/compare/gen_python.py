"""A generated flyte-sdk 2.x project for the `check .py` row: about N lines (default 10,000)
of the Python that flyte-dsl reads (benches/compare/run.sh; docs/python.md).

    python3 gen_python.py [N] > project.py

Every 50 lines: an environment (or a clone), a dataclass, a helper function, a task with a
body the language has (loops, f-strings, dicts, comprehensions, try/except), an async task
that fans out with asyncio.gather and an override, and an opaque task (it imports pandas).
"""
import sys


def block(i: int) -> str:
    env = f"env{i}"
    if i % 2 == 0:
        decl = (
            f"{env} = flyte.TaskEnvironment(\n"
            f'    name="env-{i}",\n'
            f'    image="ghcr.io/acme/img:{i}",\n'
            f'    resources=flyte.Resources(cpu=({1 + i % 4}, {2 + i % 4}), memory=("{1 + i % 4}Gi", "{2 + i % 4}Gi")),\n'
            f'    env_vars={{"STAGE": "prod", "INDEX": "{i}"}},\n'
            f'    cache="auto",\n'
            f")\n"
        )
    else:
        decl = (
            f"{env} = env{i - 1}.clone_with(\n"
            f'    name="env-{i}",\n'
            f"    reusable=flyte.ReusePolicy(replicas=(1, 4), concurrency=2, idle_ttl=60),\n"
            f")\n"
        )
    return f'''
{decl}

@dataclass
class Row{i}:
    key: str
    value: float
    tags: list[str] = field(default_factory=list)


def helper{i}(x: int, scale: int = {i % 7 + 1}) -> int:
    total = 0
    for k in range(x):
        if k % 3 == 0:
            total += k * scale
        elif k % 3 == 1:
            total -= 1
    return total


@{env}.task(retries=2, timeout=timedelta(minutes=30))
async def work{i}(n: int) -> Row{i}:
    counts = {{str(k): k * k for k in range(n) if k % 2 == 0}}
    try:
        value = helper{i}(n) / max(1, len(counts))
    except ZeroDivisionError:
        value = 0.0
    return Row{i}(key=f"row-{{n}}-{i}", value=value)


@{env}.task
async def fan{i}(n: int = 8) -> float:
    rows = await asyncio.gather(*[work{i}.override(retries=1).aio(k) for k in range(n)])
    return sum([r.value for r in rows])


@{env}.task
async def opaque{i}(path: str) -> int:  # flyte-dsl: compute=5m memory=1Gi
    import pandas as pd

    return len(pd.read_csv(path))
'''


def main() -> None:
    lines = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    out = [
        '"""A generated flyte-sdk project."""\n\n'
        "import asyncio\n"
        "from dataclasses import dataclass, field\n"
        "from datetime import timedelta\n\n"
        "import flyte\n"
    ]
    n = 0
    count = 0
    while count < lines:
        b = block(n)
        out.append(b)
        count += b.count("\n")
        n += 1
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
