import flyte

env = flyte.TaskEnvironment(name="etl")


@env.task(retries=0)
def load(x: int) -> int:
    return x
#@ warning W0501 at 6:19-6:20
