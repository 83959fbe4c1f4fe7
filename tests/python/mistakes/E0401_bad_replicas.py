import flyte

env = flyte.TaskEnvironment(
    name="actors",
    resources=flyte.Resources(cpu=1, memory="1Gi"),
    reusable=flyte.ReusePolicy(replicas=0),
)
#@ error E0401 at 6:41-6:42
