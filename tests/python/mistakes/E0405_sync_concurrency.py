import flyte

env = flyte.TaskEnvironment(
    name="actors",
    resources=flyte.Resources(cpu=1, memory="1Gi"),
    reusable=flyte.ReusePolicy(replicas=2, concurrency=4),
)


@env.task
def work(x: int) -> int:
    return x + 1
#@ error E0405 at 11:5-11:9
