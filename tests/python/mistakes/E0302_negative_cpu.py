import flyte

env = flyte.TaskEnvironment(name="etl", resources=flyte.Resources(cpu=-1, memory="1Gi"))
#@ error E0302 at 3:71-3:73
