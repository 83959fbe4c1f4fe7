from flyte import Resources, TaskEnvironment

env = TaskEnvironment(name="train", resources=Resources(cpu=4, memory="16Gi", gpu="A200:1"))
#@ error E0304 at 3:83-3:91
