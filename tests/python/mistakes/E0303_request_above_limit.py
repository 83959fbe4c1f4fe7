import flyte

env = flyte.TaskEnvironment(
    name="etl",
    resources=flyte.Resources(cpu=(4, 2), memory="1Gi"),
)
#@ error E0303 at 5:36-5:37
