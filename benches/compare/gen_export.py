"""A generated script of about N lines (default 100,000) for the export row: environments,
structs, functions and tasks with ordinary bodies.  python3 gen_export.py [N] > big.flyte"""
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
out = [
    'env base = TaskEnvironment(name = "bench", resources = Resources(cpu = 1, memory = "1Gi"))',
    'env big = base.clone_with(name = "bench-big", resources = Resources(cpu = (1, 4), memory = ("2Gi", "8Gi")))',
    "struct Row { id: int, label: str, score: float? }",
]
i = 0
while True:
    block = [
        f"fn helper{i}(xs: list[int], k: int = {i % 7}) -> int {{",
        "    let total = 0",
        "    for x in xs { if x % 2 == 0 { total += x * k } else { total -= 1 } }",
        "    return total",
        "}",
        f"@big(retries = 2, timeout = 10m, cache = \"auto\")",
        f"async task step{i}(n: int, rows: list[Row]) -> dict[str, int] {{",
        f"    let parts = await gather(*[leaf{i}.aio(j) for j in range(n)])",
        f'    let d: dict[str, int] = {{"sum": sum(parts), "h": helper{i}(parts)}}',
        f'    print(f"step {i}: {{d}} {{len(rows)}}")',
        "    return d",
        "}",
        "@base",
        f"task leaf{i}(j: int) -> int {{ compute(1s); return j * {i % 13 + 1} }}",
    ]
    if len(out) + len(block) > n:
        break
    out += block
    i += 1
out += ["# padding"] * (n - len(out))
print("\n".join(out))
