//! Pages for the configuration codes: resources (`E03xx`), reuse (`E04xx`), overrides and
//! task settings (`E05xx`), and their warnings (`W03xx`-`W05xx`).

use super::CodeInfo;

pub const CONFIG: &[CodeInfo] = &[
    CodeInfo {
        code: "E0301",
        title: "malformed resource quantity",
        explanation: "Memory, disk and shared-memory sizes are Kubernetes quantity strings: a \
            number with a binary suffix (`Ki Mi Gi Ti Pi Ei`), a decimal one (`k M G T P E`) \
            or none (bytes). CPU is a number of cores or a string such as `\"500m\"` \
            (millicores) or `\"2\"`. flyte-sdk passes any string through and Kubernetes \
            rejects it at deploy time; flyte-dsl rejects it before anything runs. `\"4GB\"` \
            is the usual slip: write `\"4G\"` (10^9 bytes) or `\"4Gi\"` (2^30 bytes).",
        wrong: "env e = TaskEnvironment(name = \"e\", resources = Resources(memory = \"4GB\"))\n",
        right: "env e = TaskEnvironment(name = \"e\", resources = Resources(memory = \"4Gi\"))\n",
    },
    CodeInfo {
        code: "E0302",
        title: "negative resource amount",
        explanation: "A CPU, memory, disk, shared-memory or GPU amount is below zero. \
            Kubernetes rejects negative requests and limits.",
        wrong: "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = -1))\n",
        right: "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))\n",
    },
    CodeInfo {
        code: "E0303",
        title: "resource request above its limit",
        explanation: "A `(request, limit)` tuple asks for more than its limit allows. \
            Kubernetes requires request <= limit and refuses the pod otherwise; flyte-sdk \
            does not check. The primary label is the request, the second one the limit.",
        wrong: "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = (4, 2)))\n",
        right: "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = (2, 4)))\n",
    },
    CodeInfo {
        code: "E0304",
        title: "unknown device",
        explanation: "The device is not one of flyte-sdk's accelerators, or it belongs to \
            another family than its helper (a TPU name in `GPU(...)`). GPU types (exact, \
            case-sensitive): A2, A10, A10G, A100, A100_80G, B200, H100, H200, L4, L40s, T4, \
            V100, RTX_PRO_4500, RTX_PRO_6000, GB10 and the shared devices \"T4 shared\", \
            \"L4 shared\", \"A10G shared\", \"A10 shared\", \"L40S shared\". TPUs: V5E, V5P, \
            V6E. Neuron: Inf1, Inf2, Trn1, Trn1n, Trn2, Trn2u. AMD: MI100, MI210, MI250, \
            MI250X, MI300A, MI300X, MI325X, MI350X, MI355X. Habana: Gaudi1.",
        wrong: "env e = TaskEnvironment(name = \"e\", resources = Resources(gpu = \"A100X:1\"))\n",
        right: "env e = TaskEnvironment(name = \"e\", resources = Resources(gpu = \"A100:1\"))\n",
    },
    CodeInfo {
        code: "E0305",
        title: "quantity not available for the device",
        explanation: "flyte-sdk lists the quantities each device may take in the \
            `\"DEVICE:N\"` form: 1 to 8 for A10, A10G, A100, A100_80G, B200, H100, H200, L4, \
            L40s, T4 and V100; 1 or 2 for RTX_PRO_6000; only 1 for A2, RTX_PRO_4500, GB10, \
            the shared devices, every AMD type and Gaudi1; 1, 4, 8 or 16 for Trn1, Trn1n, \
            Trn2 and Trn2u; 1 to 16 for Inf1 and 1 to 12 for Inf2; 1 for AppleSilicon. The \
            count is written exactly (not `01`, not `+1`) and only `\"AppleSilicon\"` may \
            leave it out. `GPU(device, quantity)` takes 1 to 8 (1 for a shared device).",
        wrong: "env e = TaskEnvironment(name = \"e\", resources = Resources(gpu = \"A2:2\"))\n",
        right: "env e = TaskEnvironment(name = \"e\", resources = Resources(gpu = \"A2:1\"))\n",
    },
    CodeInfo {
        code: "E0306",
        title: "GPU partition not available",
        explanation: "A MIG partition names a slice of one GPU, and only some GPUs have MIG: \
            A100 (1g.5gb 2g.10gb 3g.20gb 4g.20gb 7g.40gb), A100_80G (1g.10gb 2g.20gb \
            3g.40gb 4g.40gb 7g.80gb), H100 (1g.10gb 1g.20gb 2g.20gb 3g.40gb 4g.40gb \
            7g.80gb), H200 (1g.18gb 1g.35gb 2g.35gb 3g.71gb 4g.71gb 7g.141gb) and \
            RTX_PRO_6000 (1g.24gb 2g.48gb 4g.96gb). flyte-sdk accepts any string on the \
            other GPUs; flyte-dsl rejects it, and a shared (time-sliced) device takes no \
            partition at all.",
        wrong: "env e = TaskEnvironment(\n    name = \"e\",\n    resources = Resources(gpu = GPU(device = \"T4\", quantity = 1, partition = \"1g.5gb\")),\n)\n",
        right: "env e = TaskEnvironment(\n    name = \"e\",\n    resources = Resources(gpu = GPU(device = \"A100\", quantity = 1, partition = \"1g.5gb\")),\n)\n",
    },
    CodeInfo {
        code: "E0307",
        title: "invalid TPU slice",
        explanation: "A TPU is sized by its slice shape, not a quantity: `TPU(device, \
            partition)` takes no `quantity`, and TPUs have no `\"DEVICE:N\"` string form. \
            Slices: V5E and V6E 1x1 2x2 2x4 4x4 4x8 8x8 8x16 16x16; V5P 2x2x1 2x2x2 2x4x4 \
            4x4x4 4x4x8 4x8x8 8x8x8 8x8x16 8x16x16 16x16x16 16x16x24.",
        wrong: "env e = TaskEnvironment(\n    name = \"e\",\n    resources = Resources(gpu = TPU(device = \"V5E\", partition = \"2x2x1\")),\n)\n",
        right: "env e = TaskEnvironment(\n    name = \"e\",\n    resources = Resources(gpu = TPU(device = \"V5E\", partition = \"2x2\")),\n)\n",
    },
    CodeInfo {
        code: "E0308",
        title: "wrong type for a resource",
        explanation: "Each field of `Resources(...)` takes particular values: `cpu` an int, \
            a float, a string or a (request, limit) tuple; `memory` a quantity string or a \
            tuple of two; `disk` a quantity string; `shm` a quantity string or \"auto\"; \
            `gpu` an int, an accelerator string (\"A100:1\") or a device helper. A tuple \
            has exactly two items, and a (request, limit) pair is a tuple, not a list.",
        wrong: "env e = TaskEnvironment(name = \"e\", resources = Resources(memory = 4))\n",
        right: "env e = TaskEnvironment(name = \"e\", resources = Resources(memory = \"4Gi\"))\n",
    },
    CodeInfo {
        code: "E0310",
        title: "unknown or missing argument in a resource constructor",
        explanation: "`Resources(...)` takes `cpu`, `memory`, `gpu`, `disk` and `shm`; \
            `GPU(...)` takes `device`, `quantity` and `partition`; `TPU(...)` `device` and \
            `partition`; `Neuron(...)`, `AMD_GPU(...)` and `HABANA_GAUDI(...)` only \
            `device`, which every device helper requires. Any other argument, one given \
            twice, or one positional argument too many is an error; the help suggests the \
            nearest name.",
        wrong: "env e = TaskEnvironment(name = \"e\", resources = Resources(cpus = 2))\n",
        right: "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 2))\n",
    },
    CodeInfo {
        code: "E0401",
        title: "invalid replicas",
        explanation: "`replicas` is an int (a fixed count) or a tuple `(min, max)` of ints, \
            not a list, with 0 <= min <= max. flyte-dsl also requires max >= 1: with a \
            maximum of 0 no replica could ever run (a minimum of 0 lets the environment \
            scale to zero).",
        wrong: "env e = TaskEnvironment(name = \"e\", reusable = ReusePolicy(replicas = (3, 1)))\n",
        right: "env e = TaskEnvironment(name = \"e\", reusable = ReusePolicy(replicas = (1, 3)))\n",
    },
    CodeInfo {
        code: "E0402",
        title: "invalid concurrency",
        explanation: "`concurrency` is the number of tasks one replica runs at once: an int, \
            at least 1 (the default).",
        wrong: "env e = TaskEnvironment(name = \"e\", reusable = ReusePolicy(concurrency = 0))\n",
        right: "env e = TaskEnvironment(name = \"e\", reusable = ReusePolicy(concurrency = 2))\n",
    },
    CodeInfo {
        code: "E0403",
        title: "invalid reuse TTL",
        explanation: "`idle_ttl` (how long the whole environment may stay idle before all \
            its replicas stop) and `scaledown_ttl` (how long one idle replica waits before \
            it is removed) are an int of seconds or a duration, at least 30 seconds (the \
            default). A float is an error, as in flyte-sdk: write `45` or `1.5m`.",
        wrong: "env e = TaskEnvironment(name = \"e\", reusable = ReusePolicy(idle_ttl = 10))\n",
        right: "env e = TaskEnvironment(name = \"e\", reusable = ReusePolicy(idle_ttl = 60))\n",
    },
    CodeInfo {
        code: "E0404",
        title: "invalid reuse scope",
        explanation: "`scope` is \"global\" (the default: one environment reused across \
            runs) or \"run\" (each run gets its own).",
        wrong: "env e = TaskEnvironment(name = \"e\", reusable = ReusePolicy(scope = \"project\"))\n",
        right: "env e = TaskEnvironment(name = \"e\", reusable = ReusePolicy(scope = \"run\"))\n",
    },
    CodeInfo {
        code: "E0406",
        title: "invalid reusable value",
        explanation: "`reusable` takes a `ReusePolicy(...)` or `none`. The string \"off\" is \
            valid only in `task.override(...)`, where it lifts the reuse rule for that call; \
            an environment without reuse simply leaves `reusable` out, and `clone_with` \
            clears an inherited policy with `reusable = none`.",
        wrong: "env e = TaskEnvironment(name = \"e\", reusable = \"off\")\n",
        right: "env e = TaskEnvironment(name = \"e\", reusable = none)\n",
    },
    CodeInfo {
        code: "E0407",
        title: "unknown ReusePolicy argument",
        explanation: "`ReusePolicy(...)` takes `replicas`, `idle_ttl`, `concurrency`, \
            `scaledown_ttl` and `scope` (positionally in that order, as in flyte-sdk). Any \
            other argument, or one given twice, is an error; the help suggests the nearest \
            name.",
        wrong: "env e = TaskEnvironment(name = \"e\", reusable = ReusePolicy(replica = 2))\n",
        right: "env e = TaskEnvironment(name = \"e\", reusable = ReusePolicy(replicas = 2))\n",
    },
    CodeInfo {
        code: "E0504",
        title: "invalid cache setting",
        explanation: "`cache` is a behaviour string or `Cache(behavior, version_override, \
            serialize, ignored_inputs, salt, max_age)`. Behaviours: \"auto\", \"override\" \
            and \"disable\", case-sensitive; flyte-sdk's aliases \"enable\", \"enabled\", \
            \"on\", \"true\", \"yes\" (meaning \"auto\") and \"off\", \"false\", \"no\", \
            \"none\" (meaning \"disable\") in any case. `serialize` is a bool, \
            `ignored_inputs` a tuple or list of input names, `salt` and `version_override` \
            strings, `max_age` an int of seconds or a duration, at least 0.",
        wrong: "env e = TaskEnvironment(name = \"e\")\n\n@e(cache = \"always\")\ntask t() -> int {\n    return 1\n}\n",
        right: "env e = TaskEnvironment(name = \"e\")\n\n@e(cache = \"auto\")\ntask t() -> int {\n    return 1\n}\n",
    },
    CodeInfo {
        code: "E0505",
        title: "invalid retries",
        explanation: "`retries` is an int >= 0 or `RetryStrategy(count, backoff)`. A \
            `Backoff(base, factor = 1.0, cap)` waits min(base * factor^n, cap) before retry \
            n: `base` is a duration >= 0 (not an int: flyte-sdk's is a `timedelta`), `factor` a \
            finite number >= 1, and `cap` (a duration >= 0) is required when `factor` is above 1, so the delay cannot grow \
            without bound.",
        wrong: "env e = TaskEnvironment(name = \"e\")\n\n@e(retries = -1)\ntask t() -> int {\n    return 1\n}\n",
        right: "env e = TaskEnvironment(name = \"e\")\n\n@e(retries = 1)\ntask t() -> int {\n    return 1\n}\n",
    },
    CodeInfo {
        code: "E0506",
        title: "invalid timeout",
        explanation: "`timeout` is an int of seconds or a duration (the running time of one \
            attempt), or `Timeout(max_runtime, max_queued_time, deadline)`: the running \
            bound per attempt, the queueing bound per attempt, and a bound on the whole \
            action across attempts. 0 or `none` means no bound; a negative value or a float \
            number of seconds is an error (write a duration: `1.5s`).",
        wrong: "env e = TaskEnvironment(name = \"e\")\n\n@e(timeout = -5)\ntask t() -> int {\n    return 1\n}\n",
        right: "env e = TaskEnvironment(name = \"e\")\n\n@e(timeout = 5m)\ntask t() -> int {\n    return 1\n}\n",
    },
    CodeInfo {
        code: "E0510",
        title: "invalid value in an override",
        explanation: "Every error inside `task.override(...)` has an `E05xx` code, so one \
            code family covers what can go wrong when a task is overridden. A resource or \
            reuse value that would be an `E03xx` or `E04xx` error elsewhere is `E0510` \
            here, with the same message; its help names the code it has outside an \
            override, whose page explains the rule. So is a constant override that no node \
            of the cluster could hold (`E0309` for an environment).",
        wrong: "env e = TaskEnvironment(name = \"e\")\n\n@e\nasync task child(x: int) -> int {\n    return x\n}\n\n@e\nasync task parent() -> int {\n    return await child.override(resources = Resources(memory = \"4GB\"))(x = 1)\n}\n",
        right: "env e = TaskEnvironment(name = \"e\")\n\n@e\nasync task child(x: int) -> int {\n    return x\n}\n\n@e\nasync task parent() -> int {\n    return await child.override(resources = Resources(memory = \"4Gi\"))(x = 1)\n}\n",
    },
    CodeInfo {
        code: "W0301",
        title: "zero resource request",
        explanation: "A request of 0 reserves nothing: the scheduler may place the task on a \
            node that has none of that resource to spare. flyte-sdk accepts `cpu = 0`; \
            flyte-dsl warns. Leave the field out to use the cluster default, or request \
            what the task needs.",
        wrong: "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 0))\n",
        right: "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))\n",
    },
    CodeInfo {
        code: "W0302",
        title: "deprecated device name",
        explanation: "flyte-sdk renamed two GPU types: \"A100 80G\" is now \"A100_80G\" and \
            \"RTX PRO 6000\" is \"RTX_PRO_6000\". The old spellings still work, with this \
            warning naming the new one.",
        wrong: "env e = TaskEnvironment(name = \"e\", resources = Resources(gpu = \"A100 80G:1\"))\n",
        right: "env e = TaskEnvironment(name = \"e\", resources = Resources(gpu = \"A100_80G:1\"))\n",
    },
    CodeInfo {
        code: "W0503",
        title: "cache \"override\" without a version",
        explanation: "The \"override\" behaviour means \"use my explicit version\", but no \
            `version_override` is given, so the version falls back to the hash of the task's \
            body, exactly as with \"auto\". Give the version, or write \"auto\".",
        wrong: "env e = TaskEnvironment(name = \"e\", cache = \"override\")\n",
        right: "env e = TaskEnvironment(name = \"e\", cache = Cache(behavior = \"override\", version_override = \"v1\"))\n",
    },
    CodeInfo {
        code: "W0504",
        title: "not checked: not a constant",
        explanation: "In a `.py` file, a setting of an environment or a task decorator whose value \
            is computed when the module is imported (an environment variable, a function call, a \
            name from another module) cannot be seen by the checker, so its rules are not \
            checked: flyte-dsl leaves the setting out (an environment's name becomes the \
            variable's name) and says so, rather than guess. flyte-sdk checks it at run time. \
            Write the value as a constant, or a module-level constant, to have it checked. The \
            same warning names a `# flyte-dsl:` directive it does not understand and a task \
            decorator whose environment is not declared in the module.",
        wrong: "import flyte\nimport os\n\nenv = flyte.TaskEnvironment(name=\"e\", resources=flyte.Resources(cpu=os.environ[\"CPUS\"]))\n",
        right: "import flyte\n\nCPUS = 2\nenv = flyte.TaskEnvironment(name=\"e\", resources=flyte.Resources(cpu=CPUS))\n",
    },
];
