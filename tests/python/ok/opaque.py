"""Opaque tasks: library code the simulation does not run, with the cost a directive states."""

import flyte

env = flyte.TaskEnvironment(name="ml", resources=flyte.Resources(cpu=2, memory="8Gi"))


@env.task
def load(rows: int) -> int:  # flyte-dsl: compute=10m memory=2Gi
    import pandas as pd

    df = pd.DataFrame({"x": list(range(rows))})
    return len(df)


@env.task
def train(rows: int) -> float:
    import torch

    return float(torch.rand(rows).mean())


@env.task
def main(rows: int = 100) -> float:
    n = load(rows)
    return train(n) + n
#@ ok
