import flyte

a = flyte.TaskEnvironment(name="etl")
b = flyte.TaskEnvironment(name="etl")
#@ error E0215 at 4:32-4:37
