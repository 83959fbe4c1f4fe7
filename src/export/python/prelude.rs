//! The few definitions an exported module may need beyond flyte-sdk: stand-ins for the
//! simulation's builtins, and helpers where Python's meaning differs from the language's.
//! Each is written only when the module uses it.

/// (name, Python source). The order is the order they are written in.
pub const PRELUDE: &[(&str, &str)] = &[
    (
        "STARTED",
        "# When this module was loaded: `now()` counts from here.\nSTARTED = time.monotonic()\n",
    ),
    (
        "compute",
        r#"def compute(work: timedelta) -> None:
    """PLACEHOLDER for the real work: the flyte-dsl script simulated `work` of single-core CPU time here."""
"#,
    ),
    (
        "gpu_compute",
        r#"def gpu_compute(work: timedelta) -> None:
    """PLACEHOLDER for the real work: the flyte-dsl script simulated `work` on one full GPU here."""
"#,
    ),
    (
        "allocate",
        r#"def allocate(quantity: str) -> None:
    """PLACEHOLDER: the flyte-dsl script simulated allocating `quantity` of memory here."""
"#,
    ),
    (
        "free",
        r#"def free(quantity: str) -> None:
    """PLACEHOLDER: the flyte-dsl script simulated freeing `quantity` of memory here."""
"#,
    ),
    (
        "now",
        r#"def now() -> timedelta:
    """Time since this module was loaded (in flyte-dsl, the run's virtual time)."""
    return timedelta(seconds=time.monotonic() - STARTED)
"#,
    ),
    (
        "attempt",
        r#"def attempt() -> int:
    """This action's attempt, counted from 1 as flyte-dsl counts it."""
    return (flyte.ctx().attempt_number or 0) + 1
"#,
    ),
    (
        "collect",
        r#"async def collect(results) -> list:
    """The list an async iterator gives (flyte-dsl's `map.aio` is a future of a list)."""
    return [result async for result in results]
"#,
    ),
    (
        "show",
        r#"def show(value: object, quoted: bool = False) -> str:
    """str() of a value as flyte-dsl prints it: true, none, ["a", 1.5], Point(x = 1), 90s."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        if not quoted:
            return value
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return (
            '"'
            + escaped.replace("\t", "\\t").replace("\r", "\\r").replace("\0", "\\0")
            + '"'
        )
    if isinstance(value, timedelta):
        ns = (
            value.days * 86_400 + value.seconds
        ) * 1_000_000_000 + value.microseconds * 1_000
        if ns == 0:
            return "0s"
        units = [
            ("d", 86_400_000_000_000),
            ("h", 3_600_000_000_000),
            ("m", 60_000_000_000),
            ("s", 1_000_000_000),
        ]
        for unit, size in units:
            if abs(ns) >= size and ns % size == 0:
                return f"{ns // size}{unit}"
        for unit, size in units:
            if abs(ns) >= size and ns % (size // 1000) == 0:
                return f"{ns / size}{unit}"
        return f"{ns / 1e6}ms"
    if isinstance(value, list):
        return "[" + ", ".join(show(v, True) for v in value) + "]"
    if isinstance(value, tuple):
        return (
            "("
            + ", ".join(show(v, True) for v in value)
            + ("," if len(value) == 1 else "")
            + ")"
        )
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{show(k, True)}: {show(v, True)}" for k, v in value.items())
            + "}"
        )
    if dataclasses.is_dataclass(value):
        fields = ", ".join(
            f"{f.name} = {show(getattr(value, f.name), True)}"
            for f in dataclasses.fields(value)
        )
        return f"{type(value).__name__}({fields})"
    if isinstance(value, BaseException):
        return error_message(value)
    return str(value)
"#,
    ),
    (
        "error_code",
        r#"def error_code(error: BaseException) -> str:
    """flyte-dsl's `.code`: flyte's error code, or the exception's class name."""
    if isinstance(error, flyte.errors.BaseRuntimeError):
        return error.code
    return type(error).__name__
"#,
    ),
    (
        "error_message",
        r#"def error_message(error: BaseException) -> str:
    """flyte-dsl's `.message`: a KeyError's is the missing key as the script writes it."""
    if isinstance(error, KeyError) and error.args:
        return show(error.args[0], True)
    return str(error)
"#,
    ),
    (
        "error_task",
        r#"def error_task(error: BaseException) -> Optional[str]:
    """flyte-dsl's `.task`: flyte names the worker the error came from, where it knows it."""
    return getattr(error, "worker", None)
"#,
    ),
    (
        "DeadlockError",
        r#"class DeadlockError(flyte.errors.RuntimeSystemError):
    """flyte-dsl's simulated deadlock; a real cluster waits instead."""
"#,
    ),
    (
        "UnschedulableError",
        r#"class UnschedulableError(flyte.errors.RuntimeSystemError):
    """flyte-dsl's simulated cluster had no node for the request; a real one keeps it queued."""
"#,
    ),
    (
        "PreemptedError",
        r#"class PreemptedError(flyte.errors.RuntimeSystemError):
    """flyte-dsl's simulated preemption past the system retries."""
"#,
    ),
    (
        "LimitExceededError",
        r#"class LimitExceededError(Exception):
    """flyte-dsl stopped a run at one of its limits (steps, depth, time)."""
"#,
    ),
];

/// What a prelude item uses itself, so that asking for it asks for these too.
pub fn depends(name: &str) -> &'static [&'static str] {
    match name {
        "now" => &["STARTED"],
        "show" => &["error_message"],
        "error_message" => &["show"],
        _ => &[],
    }
}
