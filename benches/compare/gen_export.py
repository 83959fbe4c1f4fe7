"""Generated scripts for the export rows.

    python3 gen_export.py > std.flyte            # the parse bench's script (benches/parse.rs
                                                 # `generate(1_000, 10_000, t % 2 == 0)`):
                                                 # 1,000 environments, 10,000 tasks, ~101,500 lines
    python3 gen_export.py --dense N > d.flyte    # N lines of denser code: a function and two
                                                 # tasks every 14 lines (gather, f-strings, dicts)
"""
import sys


def standard(envs=1_000, tasks=10_000):
    out = ['let BASE_RES = Resources(cpu = 2, memory = "4Gi")\n\n']
    for e in range(envs):
        if e % 2 == 0:
            c, d = 1 + e % 4, 2 + e % 4
            out.append(
                f'env e{e} = TaskEnvironment(\n    name = "env-{e}",\n    image = "ghcr.io/acme/img:{e}",\n'
                f'    resources = Resources(cpu = ({c}, {d}), memory = ("{c}Gi", "{d}Gi")),\n'
                f'    env_vars = {{"STAGE": "prod", "INDEX": "{e}"}},\n    cache = "auto",\n)\n\n'
            )
        else:
            out.append(
                f'env e{e} = e{e - 1}.clone_with(\n    name = "env-{e}",\n'
                f"    reusable = ReusePolicy(replicas = (1, 4), concurrency = 2, idle_ttl = 60s),\n)\n\n"
            )
    for t in range(tasks):
        e = t % envs
        if t % 2 != 0:
            out.append(f"@e{e}\nasync task t{t}(x: int) -> int {{\n    return x * 2 + {t}\n}}\n\n")
            continue
        out.append(
            f"@e{e}(retries = 2, timeout = 10m)\nasync task t{t}(x: int, ys: list[int] = [1, 2, 3]) -> int {{\n"
            "    let total = 0\n    for (i, y) in enumerate(ys) {\n        if y > x {\n"
            "            total += y * i\n        } else {\n            total -= 1\n        }\n    }\n"
            '    let parts = [f"{y}-{x}" for y in ys if y % 2 == 0]\n    return total + len(parts)\n}\n\n'
        )
    return "".join(out)


def dense(n):
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
            '@big(retries = 2, timeout = 10m, cache = "auto")',
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
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    if sys.argv[1:2] == ["--dense"]:
        sys.stdout.write(dense(int(sys.argv[2]) if len(sys.argv) > 2 else 100_000))
    else:
        sys.stdout.write(standard())
