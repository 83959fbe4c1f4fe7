import flyte

env = flyte.TaskEnvironment(name="etl", image="")
#@ error E0511 at 3:47-3:49
