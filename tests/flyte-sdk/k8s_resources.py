"""flyte-sdk's own serialization of task resources, and the pod Flyte's propeller builds from it.

Reads a JSON list of cases from stdin, each {"env": NAME, "resources": PYTHON-EXPR or null,
"interruptible": BOOL or null, "image": STR or null, "env_vars": {..} or null, "clone_of":
NAME or null, "task": NAME or null, "task_interruptible": BOOL or null}; builds
`flyte.TaskEnvironment(name=NAME, resources=eval(EXPR), ...)` (or `clone_of`'s `clone_with`)
once per name, with the task TASK (default "work"), serializes the task with flyte-sdk's
`get_proto_task`, and prints one JSON object keyed by "NAME.TASK" (the task's FQN):

  "proto": what flyte-sdk wrote: container requests and limits (resource name -> quantity),
           the GPUAccelerator and SharedMemory of the extended resources, interruptible, image;
  "pod":   the primary container's resources, the required node-affinity expressions, the
           tolerations, the volumes and mounts, and the pod labels that propeller derives
           from "proto" with its default configuration: a transcription, independent of the
           Rust export, of flyteplugins/go/tasks/pluginmachinery/flytek8s (utils.go
           ToK8sResourceList, container_helper.go ApplyResourceOverrides and
           SanitizeGPUResourceRequirements, pod_helper.go ApplyGPUNodeSelectors and
           ApplySharedMemory, config/config.go defaults).

Run by tests/export_k8s.rs with the python of tests/flyte-sdk/venv.sh.
"""

import json
import pathlib
import re
import sys

import flyte
from flyte import AMD_GPU, GPU, HABANA_GAUDI, TPU, Neuron, Resources
from flyte._internal.runtime.task_serde import get_proto_task
from flyte.models import SerializationContext
from flyteidl2.core import tasks_pb2

# --- propeller's default K8sPluginConfig (config/config.go) -------------------------------------

DEFAULT_CPU = "1000m"
DEFAULT_MEMORY = "1024Mi"
GPU_DEVICE_NODE_LABEL = "k8s.amazonaws.com/accelerator"
GPU_PARTITION_SIZE_NODE_LABEL = "k8s.amazonaws.com/gpu-partition-size"
GPU_RESOURCE_NAME = "nvidia.com/gpu"
ACCELERATOR_DEVICES = {
    "A10": "nvidia-a10", "A10G": "nvidia-a10g", "A100": "nvidia-tesla-a100",
    "A100 80G": "nvidia-a100-80gb", "A100G": "nvidia-a100g", "B200": "nvidia-b200",
    "GB200": "nvidia-gb200", "H100": "nvidia-h100", "H100 80G": "nvidia-h100-80gb",
    "H100 MEGA 80G": "nvidia-h100-mega-80gb", "H200": "nvidia-h200", "K80": "nvidia-tesla-k80",
    "L4": "nvidia-l4", "L40s": "nvidia-l40s", "L4_VWS": "nvidia-l4-vws", "M60": "nvidia-tesla-m60",
    "P4": "nvidia-tesla-p4", "P100": "nvidia-tesla-p100", "RTX PRO 6000": "nvidia-rtx-pro-6000",
    "T4": "nvidia-tesla-t4", "V100": "nvidia-tesla-v100",
    "V5E": "tpu-v5-lite-podslice", "V5P": "tpu-v5p-slice", "V6E": "tpu-v6e-slice",
    "INF1": "aws-neuron-inf1", "INF2": "aws-neuron-inf2", "TRN1": "aws-neuron-trn1",
    "TRN1N": "aws-neuron-trn1n", "TRN2": "aws-neuron-trn2", "TRN2U": "aws-neuron-trn2u",
    "MI100": "amd-mi100", "MI210": "amd-mi210", "MI250": "amd-mi250", "MI250X": "amd-mi250x",
    "MI300A": "amd-mi300a", "MI300X": "amd-mi300x", "MI325X": "amd-mi325x",
    "MI350X": "amd-mi350x", "MI355X": "amd-mi355x",
    "GAUDI1": "habana-gaudi-dl1",
}
DEVICE_CLASSES = {
    "NVIDIA_GPU": {"resource": "nvidia.com/gpu"},
    "GOOGLE_TPU": {
        "resource": "google.com/tpu",
        "device_label": "cloud.google.com/gke-tpu-accelerator",
        "partition_label": "cloud.google.com/gke-tpu-topology",
    },
    "AMAZON_NEURON": {"resource": "aws.amazon.com/neuron"},
    "AMD_GPU": {"resource": "amd.com/gpu"},
    "HABANA_GAUDI": {"resource": "habana.ai/gaudi"},
}
PROTO_NAMES = {
    tasks_pb2.Resources.CPU: "cpu",
    tasks_pb2.Resources.MEMORY: "memory",
    tasks_pb2.Resources.GPU: "gpu",
    tasks_pb2.Resources.EPHEMERAL_STORAGE: "ephemeral-storage",
}


def is_zero(q: str) -> bool:
    """Whether a quantity string is zero (enough of resource.ParseQuantity for these cases)."""
    m = re.match(r"^[+]?([0-9.]+)", q)
    return m is not None and float(m.group(1)) == 0.0


def propeller_pod(template) -> dict:
    container = template.container
    ext = template.extended_resources if template.HasField("extended_resources") else None
    acc = ext.gpu_accelerator if ext is not None and ext.HasField("gpu_accelerator") else None
    class_name = tasks_pb2.GPUAccelerator.DeviceClass.Name(acc.device_class) if acc else None
    cls = DEVICE_CLASSES.get(class_name, {})

    # ToK8sResourceList: zero quantities are dropped; GPU is the placeholder "gpu".
    def to_list(entries):
        return {PROTO_NAMES[e.name]: e.value for e in entries if not is_zero(e.value)}

    requests = to_list(container.resources.requests)
    limits = to_list(container.resources.limits)
    # SanitizeGPUResourceRequirements
    gpu_name = cls.get("resource", GPU_RESOURCE_NAME) if acc else GPU_RESOURCE_NAME
    for rl in (requests, limits):
        if "gpu" in rl:
            rl[gpu_name] = rl.pop("gpu")

    # ApplyResourceOverrides with no platform resources: AdjustOrDefaultResource.
    def adjust(name, default):
        req, lim = requests.get(name), limits.get(name)
        if req is None:
            req = lim if lim is not None else default
        if lim is None:
            lim = req
        requests[name], limits[name] = req, lim

    adjust("cpu", DEFAULT_CPU)
    adjust("memory", DEFAULT_MEMORY)
    if "ephemeral-storage" in requests or "ephemeral-storage" in limits:
        adjust("ephemeral-storage", None)
    for accel in {GPU_RESOURCE_NAME} | {c["resource"] for c in DEVICE_CLASSES.values()}:
        if accel in requests or accel in limits:
            adjust(accel, None)

    expressions, tolerations, labels = [], [], {}
    accel_names = {GPU_RESOURCE_NAME} | {c["resource"] for c in DEVICE_CLASSES.values()}
    if acc is not None and any(n in limits for n in accel_names):  # podRequiresAccelerator
        device_label = cls.get("device_label", GPU_DEVICE_NODE_LABEL)
        partition_label = cls.get("partition_label", GPU_PARTITION_SIZE_NODE_LABEL)
        if acc.device:
            device = ACCELERATOR_DEVICES.get(acc.device.upper(), acc.device)
            expressions.append({"key": device_label, "operator": "In", "values": [device]})
            tolerations.append(
                {"key": device_label, "operator": "Equal", "value": device, "effect": "NoSchedule"}
            )
        if acc.WhichOneof("partition_size_value") == "partition_size":
            p = acc.partition_size
            expressions.append({"key": partition_label, "operator": "In", "values": [p]})
            tolerations.append(
                {"key": partition_label, "operator": "Equal", "value": p, "effect": "NoSchedule"}
            )
            m = re.match(r"^(\d+)g\.\d+gb$", p)
            if m:
                labels["platform.union.ai/gpu-partition-slices"] = m.group(1)

    volumes, mounts = [], []
    if ext is not None and ext.HasField("shared_memory"):
        shm = ext.shared_memory
        size = shm.size_limit if shm.size_limit else "0"
        volumes.append({"name": shm.mount_name, "emptyDir": {"medium": "Memory", "sizeLimit": size}})
        mounts.append({"name": shm.mount_name, "mountPath": shm.mount_path})

    return {
        "requests": requests,
        "limits": limits,
        "matchExpressions": expressions,
        "tolerations": tolerations,
        "volumes": volumes,
        "volumeMounts": mounts,
        "labels": labels,
    }


def task_function(name: str):
    async def fn() -> int:
        return 1

    fn.__name__ = fn.__qualname__ = name
    return fn


def main() -> None:
    cases = json.load(sys.stdin)
    ctx = SerializationContext(
        version="v1", project="p", domain="d", org="o", root_dir=pathlib.Path(__file__).parent
    )
    names = {
        "Resources": Resources, "GPU": GPU, "TPU": TPU, "Neuron": Neuron,
        "AMD_GPU": AMD_GPU, "HABANA_GAUDI": HABANA_GAUDI,
    }
    envs = {}
    out = {}
    for case in cases:
        name = case["env"]
        if name not in envs:
            kwargs = {}
            if case.get("resources"):
                kwargs["resources"] = eval(case["resources"], {"__builtins__": {}}, names)
            if case.get("interruptible") is not None:
                kwargs["interruptible"] = case["interruptible"]
            if case.get("image"):
                kwargs["image"] = case["image"]
            if case.get("env_vars"):
                kwargs["env_vars"] = case["env_vars"]
            if case.get("clone_of"):
                envs[name] = envs[case["clone_of"]].clone_with(name=name, **kwargs)
            else:
                envs[name] = flyte.TaskEnvironment(name=name, **kwargs)
        env = envs[name]
        task_name = case.get("task") or "work"
        task = env.task(task_function(task_name), interruptible=case.get("task_interruptible"))
        t = get_proto_task(task, ctx)
        c = t.container
        ext = t.extended_resources if t.HasField("extended_resources") else None
        acc = None
        if ext is not None and ext.HasField("gpu_accelerator"):
            a = ext.gpu_accelerator
            acc = {
                "device": a.device,
                "partition_size": a.partition_size
                if a.WhichOneof("partition_size_value") == "partition_size"
                else None,
                "device_class": tasks_pb2.GPUAccelerator.DeviceClass.Name(a.device_class),
            }
        shm = None
        if ext is not None and ext.HasField("shared_memory"):
            s = ext.shared_memory
            shm = {"mount_path": s.mount_path, "mount_name": s.mount_name, "size_limit": s.size_limit}
        out[f"{name}.{task_name}"] = {
            "proto": {
                "requests": {PROTO_NAMES[e.name]: e.value for e in c.resources.requests},
                "limits": {PROTO_NAMES[e.name]: e.value for e in c.resources.limits},
                "accelerator": acc,
                "shared_memory": shm,
                "interruptible": t.metadata.interruptible,
                "image": c.image,
                "env": {kv.key: kv.value for kv in c.env},
            },
            "pod": propeller_pod(t),
        }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
