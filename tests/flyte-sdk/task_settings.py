"""Prints, as one JSON object by FQN, the settings flyte-sdk sees on each task of an exported
module: what `flyte deploy` would send. tests/export_settings.rs compares them with the
settings flyte-dsl resolved for the script.

    python task_settings.py MODULE.py
"""

import datetime
import importlib.util
import json
import re
import sys

UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
         "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def quantity(q):
    """A Kubernetes memory quantity in bytes."""
    m = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", str(q))
    return int(float(m.group(1)) * UNITS[m.group(2)])


def cpu_milli(c):
    s = str(c)
    return int(s[:-1]) if s.endswith("m") else int(round(float(s) * 1000))


def pair(v, one):
    if v is None:
        return None
    if isinstance(v, tuple):
        return [one(v[0]), one(v[1])]
    return [one(v), one(v)]


def seconds(v):
    if v is None:
        return None
    if isinstance(v, datetime.timedelta):
        v = v.total_seconds()
    return float(v) if v else None


def main():
    import flyte

    spec = importlib.util.spec_from_file_location("exported", sys.argv[1])
    module = importlib.util.module_from_spec(spec)
    sys.modules["exported"] = module
    spec.loader.exec_module(module)
    out = {}
    for attr in sorted(vars(module)):
        t = getattr(module, attr)
        if not isinstance(t, flyte.TaskTemplate):
            continue
        timeout = t.timeout
        if isinstance(timeout, flyte.Timeout):
            times = [seconds(timeout.max_runtime), seconds(timeout.max_queued_time), seconds(timeout.deadline)]
        else:
            times = [seconds(timeout), None, None]
        retries = t.retries.count if isinstance(t.retries, flyte.RetryStrategy) else int(t.retries or 0)
        cache = t.cache if isinstance(t.cache, flyte.Cache) else flyte.Cache(behavior=t.cache)
        reuse = t.reusable
        r = t.resources
        out[t.name] = {
            "short_name": t.short_name,
            "retries": retries,
            "timeout": times,
            "cache": [cache.behavior, cache.version_override, sorted(cache.get_ignored_inputs()),
                      cache.salt, cache.serialize],
            "interruptible": bool(t.interruptible),
            "reusable": None if reuse is None else [
                list(reuse.replicas) if isinstance(reuse.replicas, tuple) else [reuse.replicas, reuse.replicas],
                reuse.concurrency, seconds(reuse.idle_ttl), seconds(reuse.scaledown_ttl), reuse.scope],
            "cpu_milli": pair(r.cpu, cpu_milli) if r else None,
            "memory": pair(r.memory, quantity) if r else None,
            "disk": quantity(r.disk) if r and r.disk else None,
        }
    sys.stdout.write(json.dumps(out, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
