import os

import flyte

# The computed `cpu` is not checked (W0504), the constant `memory` still is (E0301).
env = flyte.TaskEnvironment(
    name="etl",
    resources=flyte.Resources(cpu=os.environ["CPUS"], memory="4GB"),
)
#@ warning W0504 at 8:35-8:53
#@ error E0301 at 8:62-8:67
