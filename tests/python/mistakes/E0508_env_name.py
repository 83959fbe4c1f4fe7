import flyte

env = flyte.TaskEnvironment(name="Data Processing")
#@ error E0508 at 3:34-3:51
