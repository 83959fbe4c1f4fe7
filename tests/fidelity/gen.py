"""The seeded generator of the differential test: configurations across the rule space, each
written as a `.flyte` script and as a flyte-sdk module (see fidelity.py).

A configuration is an environment (every TaskEnvironment field), maybe a `clone_with`, a task
with decorator settings, and maybe an override of that task called from a driver task. Each
holds at most one *fault*: a value one side or both should reject. A fault is tagged with the
deliberate difference it exercises, when it is one (docs/language.md, section 13): flyte-sdk
accepts it, flyte-dsl rejects it with the code given.

Values are small trees: ("int", 3), ("float", 0.5), ("str", "4Gi"), ("bool", True),
("none",), ("dur", seconds), ("tuple", [v, ...]), ("dict", [(k, v)]), ("list", [v]),
("rec", ctor, [(kw, v), ...]).
"""

import random

GPU_STRINGS = {
    "A2": [1], "A10": range(1, 9), "A10G": range(1, 9), "A100": range(1, 9),
    "A100_80G": range(1, 9), "B200": range(1, 9), "H100": range(1, 9), "H200": range(1, 9),
    "L4": range(1, 9), "L40s": range(1, 9), "T4": range(1, 9), "V100": range(1, 9),
    "RTX_PRO_4500": [1], "RTX_PRO_6000": [1, 2], "GB10": [1], "T4 shared": [1],
    "L4 shared": [1], "A10G shared": [1], "A10 shared": [1], "L40S shared": [1],
    "Trn1": [1, 4, 8, 16], "Trn1n": [1, 4, 8, 16], "Trn2": [1, 4, 8, 16],
    "Trn2u": [1, 4, 8, 16], "Inf1": range(1, 17), "Inf2": range(1, 13), "MI100": [1],
    "MI300X": [1], "MI355X": [1], "Gaudi1": [1],
}
# The default cluster's accelerators: any other device cannot be scheduled there (E0309).
ON_CLUSTER = {"T4", "A100", "H100"}
MIG = {
    "A100": ["1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"],
    "A100_80G": ["1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
    "H100": ["1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
    "H200": ["1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb"],
    "RTX_PRO_6000": ["1g.24gb", "2g.48gb", "4g.96gb"],
}
GPU_TYPES = ["A2", "A10", "A10G", "A100", "A100_80G", "B200", "H100", "H200", "L4", "L40s",
             "T4", "V100", "RTX_PRO_4500", "RTX_PRO_6000", "GB10", "T4 shared", "L4 shared"]
TPU_SLICES = {
    "V5E": ["1x1", "2x2", "2x4", "4x4", "4x8", "8x8", "8x16", "16x16"],
    "V5P": ["2x2x1", "2x2x2", "2x4x4", "4x4x4", "4x4x8", "4x8x8", "8x8x8", "8x8x16"],
    "V6E": ["1x1", "2x2", "2x4", "4x4"],
}
# Slices the default cluster's TPU pool holds.
TPU_ON_CLUSTER = {("V5P", "2x2x1"), ("V5P", None)}
CACHE_STRINGS = ["auto", "disable", "override", "enable", "enabled", "on", "true", "yes",
                 "off", "false", "no", "none", "Yes", "OFF"]


def dur(s):
    return ("dur", s)


class Gen:
    """One configuration's random choices; `fault` is set once at most."""

    def __init__(self, rng, fault_rate):
        self.r = rng
        self.fault_rate = fault_rate
        self.fault = None  # (description, deliberate tag or None, code flyte-dsl must give)
        self.capacity = False  # a valid request the default cluster cannot hold

    def want_fault(self):
        return self.fault is None and self.r.random() < self.fault_rate

    def pick(self, valid, faults):
        """A valid value, or (at most once per configuration) one of `faults`: (value, what,
        deliberate tag or None, flyte-dsl code for a deliberate one)."""
        if faults and self.want_fault():
            v, what, tag, code = self.r.choice(faults)
            self.fault = (what, tag, code)
            return v
        return self.r.choice(valid)

    # -- Resources -----------------------------------------------------------------------------

    def cpu(self):
        return self.pick(
            [("int", 1), ("int", 2), ("float", 0.5), ("str", "500m"), ("str", "2"),
             ("tuple", [("int", 1), ("int", 2)]), ("tuple", [("str", "250m"), ("str", "1")]),
             ("int", 0)],
            [(("int", -1), "negative cpu", None, None),
             (("tuple", [("int", 1), ("int", 2), ("int", 3)]), "3-tuple cpu", None, None),
             (("tuple", [("int", -1), ("int", 2)]), "negative cpu request", None, None),
             (("list", [("int", 1)]), "cpu as a list", None, None),
             (("str", "abc"), "malformed cpu string", "k8s", "E0301"),
             (("tuple", [("int", 2), ("int", 1)]), "cpu request above limit", "k8s", "E0303")])

    def memory(self):
        return self.pick(
            [("str", "1Gi"), ("str", "512Mi"), ("str", "1G"), ("str", "1.5Gi"),
             ("tuple", [("str", "1Gi"), ("str", "2Gi")])],
            [(("int", 1024), "memory as an int", None, None),
             (("tuple", [("str", "1Gi"), ("str", "2Gi"), ("str", "3Gi")]), "3-tuple memory", None, None),
             (("str", "4GB"), "malformed memory", "k8s", "E0301"),
             (("str", "abc"), "malformed memory", "k8s", "E0301"),
             (("tuple", [("str", "2Gi"), ("str", "1Gi")]), "memory request above limit", "k8s", "E0303")])

    def gpu(self):
        kind = self.r.choice(["int", "str", "str", "GPU", "GPU", "TPU", "other"])
        if kind == "int":
            return self.pick([("int", 0), ("int", 1), ("int", 2)],
                             [(("int", -1), "negative gpu", None, None)])
        if kind == "str":
            dev = self.r.choice(list(GPU_STRINGS))
            n = self.r.choice(list(GPU_STRINGS[dev]))
            v = self.pick(
                [("str", f"{dev}:{n}")],
                [(("str", dev), "device string without a count", None, None),
                 (("str", f"{dev}:0{n}"), "count with a leading zero", None, None),
                 (("str", f"{dev}:+{n}"), "count with a sign", None, None),
                 (("str", "A100:9"), "count out of range", None, None),
                 (("str", "A2:2"), "count out of range", None, None),
                 (("str", "Banana:1"), "unknown device", None, None),
                 (("str", "V5P:1"), "TPU as a string", None, None),
                 (("str", "AppleSilicon"), "AppleSilicon", "capacity", "E0309")])
            if v == ("str", f"{dev}:{n}") and (dev not in ON_CLUSTER or (dev == "T4" and n > 4)):
                self.capacity = True
            return v
        if kind == "GPU":
            dev = self.r.choice(GPU_TYPES)
            q = self.r.randint(1, 8) if "shared" not in dev else 1
            args = [("device", ("str", dev)), ("quantity", ("int", q))]
            if dev in MIG and self.r.random() < 0.5:
                args.append(("partition", ("str", self.r.choice(MIG[dev]))))
            faults = [
                (("rec", "GPU", [("device", ("str", dev))]), "GPU() without quantity", None, None),
                (("rec", "GPU", [("device", ("str", "A100")), ("quantity", ("int", 0))]), "GPU quantity 0", None, None),
                (("rec", "GPU", [("device", ("str", "Banana")), ("quantity", ("int", 1))]), "unknown GPU", None, None),
                (("rec", "GPU", [("device", ("str", "A100")), ("quantity", ("int", 1)), ("partition", ("str", "9g.99gb"))]), "bad MIG partition", None, None),
                (("rec", "GPU", [("device", ("str", "T4 shared")), ("quantity", ("int", 1)), ("partition", ("str", "1g.5gb"))]), "partition on a shared GPU", None, None),
                (("rec", "GPU", [("device", ("str", "A100")), ("quantity", ("int", 9))]), "GPU quantity above 8", "typing", "E0305"),
                (("rec", "GPU", [("device", ("str", "T4")), ("quantity", ("int", 1)), ("partition", ("str", "1g.5gb"))]), "partition on a GPU without MIG", "k8s", "E0306"),
            ]
            v = self.pick([("rec", "GPU", args)], faults)
            if v == ("rec", "GPU", args) and (dev not in ON_CLUSTER or (dev == "T4" and q > 4)):
                self.capacity = True
            if v == ("rec", "GPU", args) and len(args) == 3 and dev != "A100":
                self.capacity = True  # the default cluster slices A100s only
            return v
        if kind == "TPU":
            dev = self.r.choice(list(TPU_SLICES))
            part = self.r.choice(TPU_SLICES[dev] + [None])
            args = [("device", ("str", dev))] + ([("partition", ("str", part))] if part else [])
            v = self.pick([("rec", "TPU", args)],
                          [(("rec", "TPU", [("device", ("str", "V5P")), ("partition", ("str", "3x3"))]), "bad TPU slice", None, None),
                           (("rec", "TPU", [("device", ("str", "V9"))]), "unknown TPU", None, None)])
            if v == ("rec", "TPU", args) and (dev, part) not in TPU_ON_CLUSTER:
                self.capacity = True
            return v
        ctor, dev = self.r.choice([("Neuron", "Trn1"), ("Neuron", "Inf2"), ("AMD_GPU", "MI300X"),
                                   ("HABANA_GAUDI", "Gaudi1")])
        v = self.pick([("rec", ctor, [("device", ("str", dev))])],
                      [(("rec", ctor, [("device", ("str", "Nope"))]), f"unknown {ctor} device", None, None)])
        if v == ("rec", ctor, [("device", ("str", dev))]):
            self.capacity = True
        return v

    def resources(self):
        fields = []
        for name, make in [("cpu", self.cpu), ("memory", self.memory), ("gpu", self.gpu)]:
            if self.r.random() < 0.5:
                fields.append((name, make()))
        if self.r.random() < 0.2:
            fields.append(("disk", self.pick([("str", "10Gi")],
                                             [(("str", "10GB"), "malformed disk", "k8s", "E0301")])))
        if self.r.random() < 0.2:
            fields.append(("shm", self.r.choice([("str", "auto"), ("str", "1Gi")])))
        return ("rec", "Resources", fields)

    # -- Reuse, cache, retries, timeouts -------------------------------------------------------

    def ttl(self):
        return self.pick([("int", 30), ("int", 300), dur(60), dur(600)],
                         [(("int", 10), "ttl below 30 s", None, None),
                          (dur(5), "ttl below 30 s", None, None),
                          (("float", 45.0), "float ttl", None, None)])

    def reuse_policy(self):
        fields = []
        if self.r.random() < 0.7:
            fields.append(("replicas", self.pick(
                [("int", 1), ("int", 2), ("tuple", [("int", 1), ("int", 3)]),
                 ("tuple", [("int", 0), ("int", 2)])],
                [(("tuple", [("int", 3), ("int", 1)]), "replicas min above max", None, None),
                 (("int", -1), "negative replicas", None, None),
                 (("list", [("int", 1), ("int", 2)]), "replicas as a list", None, None),
                 (("tuple", [("int", 0), ("int", 0)]), "no replica at all", "replicas", "E0401")])))
        if self.r.random() < 0.5:
            fields.append(("concurrency", self.pick([("int", 1), ("int", 2)],
                                                    [(("int", 0), "concurrency 0", None, None)])))
        if self.r.random() < 0.4:
            fields.append(("idle_ttl", self.ttl()))
        if self.r.random() < 0.3:
            fields.append(("scaledown_ttl", self.ttl()))
        if self.r.random() < 0.3:
            fields.append(("scope", self.pick([("str", "global"), ("str", "run")],
                                              [(("str", "cluster"), "unknown scope", None, None)])))
        return ("rec", "ReusePolicy", fields)

    def cache(self):
        if self.r.random() < 0.6:
            return self.pick([("str", s) for s in CACHE_STRINGS],
                             [(("str", "always"), "unknown cache behaviour", None, None),
                              (("str", "AUTO"), "canonical name in upper case", None, None)])
        fields = [("behavior", ("str", self.r.choice(["auto", "override", "disable"])))]
        if fields[0][1][1] == "override" or self.r.random() < 0.3:
            fields.append(("version_override", ("str", "v1")))
        if self.r.random() < 0.3:
            fields.append(("serialize", ("bool", self.r.random() < 0.5)))
        if self.r.random() < 0.3:
            fields.append(("salt", ("str", "s")))
        if self.r.random() < 0.3:
            fields.append(("ignored_inputs", ("tuple", [("str", "x")])))
        if self.r.random() < 0.2:
            fields.append(("max_age", self.pick([("int", 60), dur(3600)],
                                                [(("int", -1), "negative max_age", None, None)])))
        return ("rec", "Cache", fields)

    def retries(self):
        if self.r.random() < 0.5:
            return self.pick([("int", 0), ("int", 1), ("int", 3)],
                             [(("int", -1), "negative retries", None, None),
                              (("float", 1.5), "float retries", None, None)])
        fields = [("count", self.pick([("int", 1), ("int", 2)],
                                      [(("int", -1), "negative count", None, None)]))]
        if self.r.random() < 0.6:
            b = [("base", self.pick([dur(1), dur(10), dur(0)],
                                    [(("int", 10), "Backoff base as an int", None, None),
                                     (dur(-1), "negative base", None, None)]))]
            if self.r.random() < 0.5:
                b.append(("factor", self.pick([("float", 1.0), ("float", 2.0), ("int", 3)],
                                              [(("float", 0.5), "factor below 1", None, None)])))
            if self.r.random() < 0.6 or any(f == "factor" and v[1] > 1 for f, v in b):
                cap = self.pick([dur(60), dur(300)],
                                [(("int", 60), "Backoff cap as an int", None, None)])
                b.append(("cap", cap))
            fields.append(("backoff", ("rec", "Backoff", b)))
        return ("rec", "RetryStrategy", fields)

    def timeout(self):
        if self.r.random() < 0.5:
            return self.pick([("int", 0), ("int", 60), dur(300)],
                             [(("int", -5), "negative timeout", "negative", "E0506"),
                              (("float", 1.5), "float timeout", None, None)])
        fields = []
        for name in ["max_runtime", "max_queued_time", "deadline"]:
            if self.r.random() < 0.5:
                fields.append((name, self.pick([("int", 60), dur(120)],
                                               [(dur(-10), "negative timeout", "negative", "E0506")])))
        if not fields:
            fields.append(("max_runtime", dur(60)))
        return ("rec", "Timeout", fields)


def gen_config(rng, index, fault_rate=0.07):
    g = Gen(rng, fault_rate)
    r = rng
    cfg = {"index": index}
    name = g.pick(["e", "data-proc", "snake_case_1", "x2-y3"],
                  [("Bad Name", "environment name", None, None), ("a--b", "environment name", None, None)])
    env = [("name", ("str", name))]
    if r.random() < 0.5:
        env.append(("resources", g.resources()))
    reusable = r.random() < 0.3
    if reusable:
        env.append(("reusable", g.reuse_policy()))
    if r.random() < 0.2:
        env.append(("image", g.pick([("str", "python:3.12"), ("str", "auto")],
                                    [(("str", ""), "empty image", None, None)])))
    if r.random() < 0.2:
        env.append(("cache", g.cache()))
    if r.random() < 0.2:
        env.append(("interruptible", ("bool", r.random() < 0.5)))
    if r.random() < 0.2:
        env.append(("env_vars", ("dict", [("A", ("str", "1"))])))
    if r.random() < 0.2:
        env.append(("secrets", ("list", [("str", "s")])))
    if r.random() < 0.1:
        env.append(("description", ("str", "d" * r.choice([10, 300]))))
    cfg["env"] = env
    fault_site = "env" if g.fault else None
    fault_in_env = g.fault is not None  # in the environment itself, not in its clone
    clone = None
    if r.random() < 0.25:
        clone = [("name", ("str", "cloned"))]
        for k, make in [("resources", g.resources), ("cache", g.cache)]:
            if r.random() < 0.3:
                clone.append((k, make()))
        if r.random() < 0.3:
            clone.append(("reusable", ("none",) if r.random() < 0.5 else g.reuse_policy()))
        if r.random() < 0.2:
            clone.append(("interruptible", ("bool", True)))
        if g.want_fault() and r.random() < 0.3:
            clone.append(("queue", ("str", "q")))
            g.fault = ("queue in clone_with", None, None)
    cfg["clone"] = clone
    if g.fault and fault_site is None:
        fault_site = "env"
    settings = []
    for k, make in [("cache", g.cache), ("retries", g.retries), ("timeout", g.timeout)]:
        if r.random() < 0.35:
            settings.append((k, make()))
    if r.random() < 0.15:
        settings.append(("short_name", ("str", "short")))
    if r.random() < 0.15:
        settings.append(("interruptible", ("bool", r.random() < 0.5)))
    cfg["settings"] = settings
    # An environment's invalid cache string under a task that sets its own cache: flyte-sdk
    # never looks at it, flyte-dsl checks every value it is given.
    if (g.fault and g.fault[0] in ("unknown cache behaviour", "canonical name in upper case")
            and fault_site == "env"
            and any(k == "cache" for k, _ in settings + [(k, v) for k, v in clone or []
                                                          if fault_in_env])):
        g.fault = (g.fault[0] + " (unused)", "unused", "E0504")
    cfg["is_async"] = r.random() < 0.6
    override = None
    if r.random() < 0.5:
        override = []
        keys = ["resources", "env_vars", "secrets", "reusable", "retries", "timeout", "cache",
                "interruptible", "short_name"]
        for k in r.sample(keys, r.randint(1, 3)):
            if k in ("resources", "env_vars", "secrets", "cache", "timeout") and r.random() < 0.12:
                # An explicit none: flyte-sdk keeps the task's own setting.
                override.append((k, ("none",)))
            elif k == "resources":
                override.append((k, g.resources()))
            elif k == "env_vars":
                override.append((k, ("dict", [("B", ("str", "2"))])))
            elif k == "secrets":
                override.append((k, ("list", [("str", "t")])))
            elif k == "reusable":
                override.append((k, r.choice([("none",), ("str", "off"), g.reuse_policy()])))
            elif k == "retries":
                override.append((k, g.retries()))
            elif k == "timeout":
                override.append((k, g.timeout()))
            elif k == "cache":
                override.append((k, g.cache()))
            elif k == "interruptible":
                override.append((k, ("bool", r.random() < 0.5)))
            else:
                override.append((k, ("str", "o")))
        if g.want_fault() and r.random() < 0.2:
            override.append(("name", ("str", "n")))
            g.fault = ("overriding the name", None, None)
    cfg["override"] = override
    # Some overrides take their values at run time: the driver's parameters.
    cfg["runtime"] = override is not None and r.random() < 0.3
    cfg["fault"] = g.fault
    cfg["capacity"] = g.capacity
    return cfg


def generate(seed, count, fault_rate=0.07):
    rng = random.Random(seed)
    return [gen_config(rng, i, fault_rate) for i in range(count)]
