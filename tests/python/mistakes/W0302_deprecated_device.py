import flyte

env = flyte.TaskEnvironment(name="train", resources=flyte.Resources(cpu=4, memory="16Gi", gpu="A100 80G:1"))
#@ warning W0302 at 3:95-3:107
