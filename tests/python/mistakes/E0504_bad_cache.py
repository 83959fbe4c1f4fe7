import flyte

env = flyte.TaskEnvironment(name="etl")


@env.task(cache="always")
def load(x: int) -> int:
    return x
#@ error E0504 at 6:17-6:25
