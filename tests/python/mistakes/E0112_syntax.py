import flyte

env = flyte.TaskEnvironment(name="etl"


@env.task
def load(x: int) -> int:
    return x
#@ error E0112 at 7:1-7:2
