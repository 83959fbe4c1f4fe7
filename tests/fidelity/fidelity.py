"""The differential test: flyte-sdk 2.12.1 and flyte-dsl judge the same generated
configurations (gen.py) and must agree, outside the deliberate differences of
docs/language.md section 13; where both reject, for the same reason.

    python fidelity.py --bin target/debug/flyte-dsl [--seed 16] [--count 2000]

Run with the venv's python (tests/flyte-sdk/venv.sh). flyte-sdk judges every configuration
in this one process (construct, clone, decorate, override, serialize with
`flyte._internal.runtime.task_serde.get_proto_task`); flyte-dsl judges them with one
`check --json` over all the scripts, and `run --json` for the overrides computed at run time.
"""

import argparse
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import gen  # noqa: E402

# ---------------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------------


def fly(v):
    k = v[0]
    if k == "int":
        return str(v[1])
    if k == "float":
        return repr(float(v[1]))
    if k == "str":
        return json.dumps(v[1])
    if k == "bool":
        return "true" if v[1] else "false"
    if k == "none":
        return "none"
    if k == "dur":
        return f"{v[1]}s"
    if k == "param":
        return v[1]
    if k == "tuple":
        items = [fly(x) for x in v[1]]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if k == "list":
        return "[" + ", ".join(fly(x) for x in v[1]) + "]"
    if k == "dict":
        return "{" + ", ".join(f"{json.dumps(a)}: {fly(b)}" for a, b in v[1]) + "}"
    if k == "rec":
        return f"{v[1]}(" + ", ".join(f"{a} = {fly(b)}" for a, b in v[2]) + ")"
    raise ValueError(v)


def py(v):
    k = v[0]
    if k in ("int", "float"):
        return repr(v[1])
    if k == "str":
        return json.dumps(v[1])
    if k == "bool":
        return repr(bool(v[1]))
    if k == "none":
        return "None"
    if k == "dur":
        return f"timedelta(seconds={v[1]})"
    if k == "tuple":
        items = [py(x) for x in v[1]]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if k == "list":
        return "[" + ", ".join(py(x) for x in v[1]) + "]"
    if k == "dict":
        return "{" + ", ".join(f"{json.dumps(a)}: {py(b)}" for a, b in v[1]) + "}"
    if k == "rec":
        return f"flyte.{v[1]}(" + ", ".join(f"{a}={py(b)}" for a, b in v[2]) + ")"
    raise ValueError(v)


FLYTE_TYPE = {"int": "int", "float": "float", "str": "str", "bool": "bool"}


def lift(v, params):
    """`v` with its scalar leaves replaced by driver parameters (values given at run time)."""
    if v[0] in FLYTE_TYPE:
        name = f"p{len(params)}"
        params.append((name, FLYTE_TYPE[v[0]], v[1]))
        return ("param", name)
    if v[0] in ("tuple", "list"):
        return (v[0], [lift(x, params) for x in v[1]])
    if v[0] == "rec":
        return ("rec", v[1], [(a, lift(b, params)) for a, b in v[2]])
    return v


def flyte_script(cfg):
    """The `.flyte` script and, for a run-time override, the driver's arguments."""
    out = [f"env e0 = TaskEnvironment({', '.join(f'{k} = {fly(v)}' for k, v in cfg['env'])})"]
    env = "e0"
    if cfg["clone"] is not None:
        out.append(f"env c0 = e0.clone_with({', '.join(f'{k} = {fly(v)}' for k, v in cfg['clone'])})")
        env = "c0"
    settings = ", ".join(f"{k} = {fly(v)}" for k, v in cfg["settings"])
    out.append(f"@{env}({settings})" if settings else f"@{env}")
    out.append(f"{'async ' if cfg['is_async'] else ''}task t(x: int) -> int {{\n    return x\n}}")
    args = None
    if cfg["override"] is not None:
        params = []
        kws = []
        for k, v in cfg["override"]:
            if cfg["runtime"] and k != "name":
                v = lift(v, params)
            kws.append(f"{k} = {fly(v)}")
        out.append('env driver = TaskEnvironment(name = "driver")')
        sig = ", ".join(f"{n}: {t}" for n, t, _ in params)
        out.append(f"@driver\nasync task main({sig}) -> int {{\n    return await t.override({', '.join(kws)}).aio(1)\n}}")
        if cfg["runtime"]:
            args = {n: val for n, _, val in params}
    return "\n".join(out) + "\n", args


def sdk_module(cfg):
    lines = ["import flyte", "from datetime import timedelta", "STAGE = 'env'"]

    def kwargs(stage, fields):
        parts = []
        for i, (k, v) in enumerate(fields):
            var = f"{stage}_{i}"
            lines.append(f"STAGE = '{stage}.{k}'")
            lines.append(f"{var} = {py(v)}")
            parts.append(f"{k}={var}")
        return ", ".join(parts)

    env_kw = kwargs("env", cfg["env"])
    lines.append("STAGE = 'env.construct'")
    lines.append(f"e0 = flyte.TaskEnvironment({env_kw})")
    env = "e0"
    if cfg["clone"] is not None:
        clone_kw = kwargs("clone", cfg["clone"])
        lines.append("STAGE = 'clone.construct'")
        lines.append(f"c0 = e0.clone_with({clone_kw})")
        env = "c0"
    set_kw = kwargs("task", cfg["settings"])
    lines.append("STAGE = 'task.decorate'")
    lines.append(f"@{env}.task({set_kw})")
    lines.append(f"{'async ' if cfg['is_async'] else ''}def t(x: int) -> int:\n    return x")
    lines.append("TASKS = [t]")
    if cfg["override"] is not None:
        o_kw = kwargs("override", cfg["override"])
        lines.append("STAGE = 'override.call'")
        lines.append(f"TASKS.append(t.override({o_kw}))")
    lines.append("STAGE = 'serialize'")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# Reasons
# ---------------------------------------------------------------------------------------------

FIELD_CATEGORY = {
    "resources": "resources", "reusable": "reuse", "cache": "cache", "retries": "retries",
    "timeout": "timeout", "image": "image", "name": "name", "queue": "unknown_field",
    "env_vars": "type", "secrets": "type", "description": "type", "interruptible": "type",
    "short_name": "type",
}


def sdk_category(stage, exc):
    msg = str(exc)
    if "Cannot override" in msg:
        return "reuse_rule"
    if "cannot be overridden" in msg:
        return "forbidden_override"
    if "snake_case or kebab-case" in msg:
        return "name"
    if "base image URI" in msg:
        return "image"
    if "nexpected keyword" in msg:
        return "unknown_field"
    if "concurrency greater than 1" in msg:
        return "reuse"
    field = stage.split(".")[1] if "." in stage else stage
    if field in FIELD_CATEGORY:
        return FIELD_CATEGORY[field]
    # Raised while constructing, decorating or overriding: the message names the setting.
    for pattern, category in MESSAGE_CATEGORY:
        if re.search(pattern, msg):
            return category
    return f"other:{stage}"


MESSAGE_CATEGORY = [
    (r"[Cc]ache|behavior", "cache"),
    (r"Retry|retries|Backoff", "retries"),
    (r"[Tt]imeout|max_runtime|max_queued|deadline", "timeout"),
    (r"replicas|concurrency|ttl|ReusePolicy|reusable|scope", "reuse"),
    (r"cpu|memory|gpu|GPU|TPU|disk|shm|device|partition|quantity|Resources", "resources"),
]


CODE_CATEGORY = {
    **{f"E030{i}": "resources" for i in range(1, 9)}, "E0310": "resources",
    "E0309": "capacity", "E0601": "capacity",
    **{f"E040{i}": "reuse" for i in range(1, 8)},
    "E0503": "reuse_rule", "E0504": "cache", "E0505": "retries", "E0506": "timeout",
    "E0507": "unknown_field", "E0501": "unknown_field", "E0502": "forbidden_override",
    "E0508": "name", "E0511": "image",
}


def inner_code(code, text):
    """`E0510` wraps another code inside `override(...)`: that code."""
    if code == "E0510":
        m = re.search(r"outside an override this is (E\d{4})", text)
        return m.group(1) if m else code
    return code


def dsl_category(code, text):
    code = inner_code(code, text)
    if code == "E0510":
        # A run-time override error without the inner code: its message names the setting.
        for pattern, category in MESSAGE_CATEGORY:
            if re.search(pattern, text):
                return category
    return CODE_CATEGORY.get(code, "type" if code.startswith("E02") else f"other:{code}")


# ---------------------------------------------------------------------------------------------
# Judges
# ---------------------------------------------------------------------------------------------


def judge_sdk(cfgs, workdir):
    from flyte._internal.runtime.task_serde import get_proto_task
    from flyte.models import SerializationContext

    ctx = SerializationContext(version="v1", project="p", domain="d", org="o", root_dir=workdir)
    verdicts = {}
    for cfg in cfgs:
        path = workdir / f"c{cfg['index']}.py"
        path.write_text(sdk_module(cfg))
        spec = importlib.util.spec_from_file_location(f"fidelity_c{cfg['index']}", path)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod
        try:
            spec.loader.exec_module(mod)
            for t in mod.TASKS:
                get_proto_task(t, ctx)
            verdicts[cfg["index"]] = (True, None, "")
        except Exception as e:  # every rejection, whatever its class, is a verdict
            stage = getattr(mod, "STAGE", "?")
            verdicts[cfg["index"]] = (False, sdk_category(stage, e), f"{stage}: {type(e).__name__}: {e}")
    return verdicts


def judge_dsl(cfgs, workdir, binary):
    files = {}
    for cfg in cfgs:
        src, args = flyte_script(cfg)
        p = workdir / f"c{cfg['index']}.flyte"
        p.write_text(src)
        files[str(p)] = (cfg, args)
    errors = {cfg["index"]: [] for cfg in cfgs}
    names = list(files)
    for i in range(0, len(names), 500):
        chunk = names[i:i + 500]
        out = subprocess.run([binary, "check", "--json", *chunk], capture_output=True, text=True)
        for d in json.loads(out.stdout)["diagnostics"]:
            if d["severity"] == "error":
                errors[files[d["file"]][0]["index"]].append((d["code"], d.get("help"), d["message"]))
    verdicts = {}
    for path, (cfg, args) in files.items():
        errs = errors[cfg["index"]]
        if not errs and args is not None:
            out = subprocess.run([binary, "run", path, "main", "--json", "--args-json", json.dumps(args)],
                                 capture_output=True, text=True)
            j = json.loads(out.stdout)
            if j.get("status") != "succeeded":
                e = j.get("error") or {}
                m = re.search(r"\((E\d{4})\)", e.get("message", ""))
                code = m.group(1) if m else (e.get("code") or "E????")
                errs = [(code, None, f"run: {e.get('type')}: {e.get('message')}")]
        cats = {dsl_category(c, (h or "") + m) for c, h, m in errs}
        codes = [inner_code(c, (h or "") + m) for c, h, m in errs]
        verdicts[cfg["index"]] = (not errs, cats, codes, "; ".join(f"{c} {m}" for c, _, m in errs))
    return verdicts


def compare(cfg, sdk, dsl):
    """(agrees, deliberate tag or None, why)."""
    sdk_ok, sdk_cat, sdk_msg = sdk
    dsl_ok, dsl_cats, dsl_codes, dsl_msg = dsl
    if sdk_ok and dsl_ok:
        return True, None, ""
    if not sdk_ok and not dsl_ok:
        if sdk_cat in dsl_cats:
            return True, None, ""
        fault = cfg["fault"]
        if fault and fault[1] and fault[2] in dsl_codes:
            # flyte-dsl stops at the deliberate difference; flyte-sdk, past it, at another rule.
            return True, fault[1], ""
        if cfg["capacity"] and set(dsl_codes) <= {"E0309"}:
            return True, "capacity", ""
        if cfg["runtime"] and sdk_msg.startswith("override.") and "run:" not in dsl_msg:
            # flyte-sdk stops at a value of the override, which flyte-dsl knows at run time
            # only; flyte-dsl stops first at a static rule of the same call.
            if all(not c.startswith("E02") for c in dsl_codes):
                return True, "order", ""
        return False, None, f"different reasons: flyte-sdk {sdk_cat} ({sdk_msg}); flyte-dsl {sorted(dsl_cats)} ({dsl_msg})"
    if sdk_ok:
        allowed, tags = set(), []
        fault = cfg["fault"]
        if fault and fault[1]:
            allowed.add(fault[2])
            tags.append(fault[1])
        if cfg["capacity"] or (fault and fault[1] == "capacity"):
            allowed |= {"E0309", "E0601"}
            tags.append("capacity")
        if set(dsl_codes) <= allowed:
            return True, tags[0] if len(tags) == 1 else "+".join(sorted(set(tags))), ""
        return False, None, f"flyte-sdk accepts, flyte-dsl rejects: {dsl_msg}"
    return False, None, f"flyte-dsl accepts, flyte-sdk rejects: {sdk_msg}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--count", type=int, default=2000)
    ap.add_argument("--show", type=int, default=20, help="disagreements to print")
    ap.add_argument("--keep", help="write the generated files here")
    a = ap.parse_args()
    import logging

    logging.disable(logging.CRITICAL)
    cfgs = gen.generate(a.seed, a.count)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(a.keep or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        sys.path.insert(0, str(workdir))
        sdk = judge_sdk(cfgs, workdir)
        dsl = judge_dsl(cfgs, workdir, os.path.abspath(a.bin))
    passed, failed, tags, shown = 0, 0, Counter(), 0
    for cfg in cfgs:
        ok, tag, why = compare(cfg, sdk[cfg["index"]], dsl[cfg["index"]])
        if ok:
            passed += 1
            if tag:
                tags[tag] += 1
        else:
            failed += 1
            if shown < a.show:
                shown += 1
                print(f"--- configuration {cfg['index']} (fault: {cfg['fault']}): {why}")
                print(flyte_script(cfg)[0])
    rejected = sum(1 for v in sdk.values() if not v[0])
    print(f"fidelity: configurations {len(cfgs)} (seed {a.seed}), flyte-sdk rejects {rejected}, "
          f"deliberate differences {dict(sorted(tags.items()))}")
    return passed, failed


if __name__ == "__main__":
    passed, failed = main()
    print(f"fidelity: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
