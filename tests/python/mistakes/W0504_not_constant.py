import os

import flyte

env = flyte.TaskEnvironment(
    name="etl",
    resources=flyte.Resources(cpu=os.environ.get("CPUS", "1"), memory="1Gi"),
)
#@ warning W0504 at 7:35-7:62
