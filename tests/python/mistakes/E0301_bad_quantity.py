import flyte

env = flyte.TaskEnvironment(name="etl", resources=flyte.Resources(cpu=1, memory="4GB"))
#@ error E0301 at 3:81-3:86
