"""Runs a task of a module that `flyte-dsl export python` wrote, in flyte-sdk's local mode, and
prints one JSON line shaped as `flyte-dsl run --json` prints its outcome:

    {"status": "succeeded", "result": ..., "error": null}
    {"status": "failed", "result": null, "error": {"type": ..., "code": ..., "message": ...}}

Values map as flyte-dsl maps them to JSON: a dataclass as its fields, a tuple as a list,
a timedelta as seconds, an error as {"type", "message"}.

    python run_export.py MODULE.py TASK [ARGS_JSON]

The simulated waits (`sleep` as asyncio.sleep / time.sleep) are skipped, so a script that
sleeps ten virtual minutes runs at once; nothing else is changed.
"""

import asyncio
import dataclasses
import datetime
import importlib.util
import json
import logging
import os
import sys
import time
import typing


async def _no_sleep(_delay, result=None):
    await _real_async_sleep(0)
    return result


_real_async_sleep = asyncio.sleep
asyncio.sleep = _no_sleep
time.sleep = lambda _delay: None


def to_json(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, BaseException):
        return {"type": type(value).__name__, "message": message(value)}
    return repr(value)


def message(error):
    if isinstance(error, KeyError) and error.args:
        return str(error.args[0])
    return str(error)


def main():
    path, task_name = sys.argv[1], sys.argv[2]
    args = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
    logging.disable(logging.CRITICAL)
    os.environ.setdefault("FLYTE_LOG_LEVEL", "CRITICAL")
    import flyte
    import flyte.errors

    spec = importlib.util.spec_from_file_location("exported", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["exported"] = module
    spec.loader.exec_module(module)
    task = getattr(module, task_name)
    flyte.init()
    try:
        run = flyte.with_runcontext(mode="local").run(task, **args)
        outputs = run.outputs()
    except BaseException as error:  # noqa: BLE001 - every failure is reported
        code = getattr(error, "code", None) or type(error).__name__
        out = {"status": "failed", "result": None,
               "error": {"type": type(error).__name__, "code": code, "message": message(error)}}
    else:
        ret = typing.get_type_hints(task.func).get("return")
        is_tuple = typing.get_origin(ret) is tuple
        if is_tuple:
            result = to_json(list(outputs))
        elif len(outputs) == 0:
            result = None
        else:
            result = to_json(outputs[0])
        out = {"status": "succeeded", "result": result, "error": None}
    out["tasks"], out["serialize_errors"] = serialize_all(module)
    sys.stdout.write(json.dumps(out) + "\n")


def serialize_all(module):
    """Each task of the module through flyte-sdk's deploy serializer (what `flyte deploy`
    runs): the FQNs it gives, and the failures."""
    import pathlib

    import flyte
    from flyte._internal.runtime.task_serde import get_proto_task
    from flyte.models import SerializationContext

    context = SerializationContext(version="export-check", root_dir=pathlib.Path(module.__file__).parent)
    names, errors = [], []
    for attr in sorted(vars(module)):
        task = getattr(module, attr)
        if not isinstance(task, flyte.TaskTemplate):
            continue
        try:
            spec = get_proto_task(task, context)
            names.append(spec.id.name)
        except Exception as error:  # noqa: BLE001 - each failure is reported
            errors.append(f"{attr}: {type(error).__name__}: {error}")
    return names, errors


if __name__ == "__main__":
    main()
