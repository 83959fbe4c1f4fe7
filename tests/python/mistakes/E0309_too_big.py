import flyte

env = flyte.TaskEnvironment(name="huge", resources=flyte.Resources(cpu=100000, memory="1Gi"))


@env.task
def t() -> int:
    return 1
#@ error E0309 at 3:52-3:93
