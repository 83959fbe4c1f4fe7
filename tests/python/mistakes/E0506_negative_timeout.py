from datetime import timedelta

import flyte

env = flyte.TaskEnvironment(name="etl")


@env.task(timeout=timedelta(minutes=-5))
def load(x: int) -> int:
    return x
#@ error E0506 at 8:19-8:40
