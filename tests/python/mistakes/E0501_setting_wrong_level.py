import flyte

env = flyte.TaskEnvironment(name="etl", retries=3)
#@ error E0501 at 3:41-3:48
