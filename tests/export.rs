//! `flyte-dsl export python`: what the module says, that it compiles, and the CLI's promises.
//! (Running the exports under flyte-sdk is tests/flyte-sdk/export-diff.sh, run by CI.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_flyte-dsl")
}

fn export_src(src: &str) -> String {
    joined(&export_raw(src))
}

fn export_raw(src: &str) -> String {
    let dir = tempdir();
    let file = dir.join("script.flyte");
    std::fs::write(&file, src).unwrap();
    let out = Command::new(bin())
        .args(["export", "python"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The module with every bracketed split joined back into one line (black's trailing commas
/// taken out), so a test can look for a construct whatever its width.
fn joined(py: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut chars = py.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == '\\' {
                out.extend(chars.next());
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            '\n' if depth > 0 => {
                while chars.peek() == Some(&' ') {
                    chars.next();
                }
                if matches!(chars.peek(), Some(')' | ']' | '}')) {
                    if out.ends_with(',') {
                        out.pop();
                    }
                } else if !out.ends_with(['(', '[', '{']) {
                    out.push(' ');
                }
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "flyte-dsl-export-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Each of `wants` is in `py`.
fn assert_contains(py: &str, wants: &[&str]) {
    for want in wants {
        assert!(py.contains(want), "missing `{want}` in:\n{py}");
    }
}

const ENV: &str =
    "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n";

fn flyte_files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "flyte"))
        .collect();
    v.sort();
    v
}

#[test]
fn every_example_exports_to_python_that_compiles() {
    let dir = tempdir();
    let mut files = flyte_files("examples");
    files.extend(flyte_files("tests/export"));
    assert!(files.len() >= 10);
    for f in files {
        let out = dir.join(format!("{}.py", f.file_stem().unwrap().to_string_lossy()));
        let st = Command::new(bin())
            .args(["export", "python"])
            .arg(&f)
            .arg("-o")
            .arg(&out)
            .output()
            .unwrap();
        assert!(
            st.status.success(),
            "{}: {}",
            f.display(),
            String::from_utf8_lossy(&st.stderr)
        );
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(text.starts_with("# Exported by flyte-dsl"), "{text}");
        assert!(text.contains(&format!(
            "from {}",
            f.file_name().unwrap().to_string_lossy()
        )));
        let py = Command::new("python3")
            .args(["-m", "py_compile"])
            .arg(&out)
            .output()
            .expect("python3");
        assert!(
            py.status.success(),
            "{} does not compile: {}\n{text}",
            f.display(),
            String::from_utf8_lossy(&py.stderr)
        );
    }
}

#[test]
fn environments_keep_every_field_as_written() {
    let py = export_src(
        r#"
let small = Resources(cpu = (1, 2), memory = ("1Gi", "2Gi"), disk = "10Gi", shm = "auto")
env base = TaskEnvironment(
    name = "base",
    image = "ghcr.io/org/img:1",
    resources = small,
    env_vars = {"MODE": "fast"},
    secrets = ["api-key"],
    cache = Cache(behavior = "override", version_override = "v2", ignored_inputs = ["x"], max_age = 7d),
    reusable = ReusePolicy(replicas = (1, 4), concurrency = 2, idle_ttl = 300, scaledown_ttl = 60s, scope = "run"),
    interruptible = true,
    description = "the base",
)
env gpu = base.clone_with(name = "gpu", resources = Resources(cpu = 4, memory = "16Gi", gpu = GPU(device = "A100", quantity = 1, partition = "1g.5gb")), reusable = none)
env tpu = TaskEnvironment(name = "tpu", resources = Resources(gpu = TPU(device = "V5P", partition = "2x2x1")), depends_on = [base])

@gpu(cache = "auto", retries = RetryStrategy(count = 3, backoff = Backoff(base = 10s, factor = 2.0, cap = 5m)), timeout = Timeout(max_runtime = 10m, max_queued_time = 1h), short_name = "tr", docs = "Trains.", report = true, interruptible = false)
async task train(x: int) -> int { return x }
"#,
    );
    assert_contains(
        &py,
        &[
            "small = flyte.Resources(cpu=(1, 2), memory=(\"1Gi\", \"2Gi\"), disk=\"10Gi\", shm=\"auto\")",
            "base = flyte.TaskEnvironment(",
            "image=\"ghcr.io/org/img:1\"",
            "resources=small",
            "env_vars={\"MODE\": \"fast\"}",
            "secrets=[\"api-key\"]",
            "cache=flyte.Cache(behavior=\"override\", version_override=\"v2\", ignored_inputs=(\"x\",), max_age=timedelta(days=7))",
            "reusable=flyte.ReusePolicy(replicas=(1, 4), concurrency=2, idle_ttl=300, scaledown_ttl=timedelta(minutes=1), scope=\"run\")",
            "interruptible=True",
            "description=\"the base\"",
            "gpu = base.clone_with(name=\"gpu\"",
            "gpu=flyte.GPU(device=\"A100\", quantity=1, partition=\"1g.5gb\")",
            "reusable=None",
            "gpu=flyte.TPU(device=\"V5P\", partition=\"2x2x1\")",
            "depends_on=[base]",
            "@gpu.task(",
            "retries=flyte.RetryStrategy(count=3, backoff=flyte.Backoff(base=timedelta(seconds=10), factor=2.0, cap=timedelta(minutes=5)))",
            "timeout=flyte.Timeout(max_runtime=timedelta(minutes=10), max_queued_time=timedelta(hours=1))",
            "short_name=\"tr\"",
            "docs=flyte.Documentation(description=\"Trains.\")",
            "report=True",
            "async def train(x: int) -> int:",
            "from datetime import timedelta",
        ],
    );
    // Constants come before the environments that use them, whatever the source order.
    assert!(py.find("small = ").unwrap() < py.find("base = ").unwrap());
    assert!(py.find("base = ").unwrap() < py.find("gpu = base").unwrap());
}

#[test]
fn types_structs_and_signatures() {
    let py = export_src(&format!(
        r#"{ENV}
struct Inner {{ v: int }}
struct Outer {{ inner: Inner, tags: list[str], note: str? }}
@e
task t(a: int, b: float = 1.5, c: str? = none, d: list[int] = [1], m: dict[str, float] = {{}}, p: tuple[int, str] = (1, "x"), u: int | str = 3, w: duration = 90s, o: Outer? = none) -> tuple[int, Outer?] {{
    return (a, o)
}}
"#
    ));
    assert_contains(
        &py,
        &[
            "@dataclass\nclass Inner:\n    v: int\n",
            "class Outer:\n    inner: Inner\n    tags: list[str]\n    note: Optional[str]\n",
            "def t(a: int, b: float = 1.5, c: Optional[str] = None, d: list[int] = [1], m: dict[str, float] = {}, p: tuple[int, str] = (1, \"x\"), u: Union[int, str] = 3, w: timedelta = timedelta(seconds=90), o: Optional[Outer] = None) -> tuple[int, Optional[Outer]]:",
            "from typing import Optional, Union",
            "from dataclasses import dataclass",
        ],
    );
    // Inner is defined before Outer, which uses it.
    assert!(py.find("class Inner").unwrap() < py.find("class Outer").unwrap());
}

#[test]
fn bodies_keep_the_languages_meaning() {
    let py = export_src(&format!(
        r#"{ENV}
@e
task sq(x: int) -> int {{ compute(30s); return x * x }}
@e
async task slow(x: int) -> int {{ sleep(1.5s); return x }}
@e
task sq_all(xs: list[int]) -> list[int] {{ return map(sq, xs) }}
fn helper(lambda: int) -> int {{
    let total = 0
    if lambda > 0 {{
        let total = "inner"
        print(total, true, [none])
    }}
    for total in [1] {{ print(total) }}
    return total
}}
@e
async task main(flag: bool) -> str {{
    let pair = await gather(sq.aio(1), slow(2))
    let (a, b) = await gather(sq.aio(1), slow(2))
    let all = await gather(*[slow(i) for i in range(3)])
    let r = await map.aio(sq, [1], concurrency = 2, return_exceptions = true)
    let o = await sq.override(retries = 2).aio(3)
    let d: dict[str, int] = {{"k": 1}}
    for k, v in d.items() {{ print(k, v) }}
    let ks = d.keys()
    let v: int | bool = true
    with group("g") {{ print(now(), attempt(), random(), getenv("HOME"), secret("api-key")) }}
    try {{ allocate("1Gi"); free("1Gi") }} except OOMError as e {{ print(e.code) }} except (ValueError, KeyError) as e {{ print(e.message, e.task) }}
    return f"{{pair}} {{a}} {{flag}} {{isinstance(v, int)}} {{1.5:.1f}} {{(2m).seconds}}"
}}
"#
    ));
    assert_contains(
        &py,
        &[
            "def sq(x: int) -> int:\n    compute(timedelta(seconds=30))\n",
            "await asyncio.sleep(1.5)",
            "def helper(lambda_: int) -> int:",
            "    total = 0\n",
            "total_2 = \"inner\"",
            "print(total_2, show(True), show([None]))",
            "for total_2 in [1]:",
            "    return total\n",
            "pair = tuple(await asyncio.gather(sq.aio(1), slow(2)))",
            "a, b = await asyncio.gather(sq.aio(1), slow(2))",
            "all_ = await asyncio.gather(*[slow(i) for i in range(3)])",
            "return list(flyte.map(sq, xs, concurrency=0, return_exceptions=False, group_name=None))",
            "r = [result async for result in flyte.map.aio(sq, [1], concurrency=2, return_exceptions=True, group_name=None)]",
            "o = await sq.override(retries=2).aio(3)",
            "for k, v in d.items():",
            "ks = list(d.keys())",
            "with flyte.group(\"g\"):",
            "print(show(now()), attempt(), random.random(), show(os.environ.get(\"HOME\")), os.environ[\"API_KEY\"])",
            "except flyte.errors.OOMError as e_2:\n        print(e_2.code)",
            "except (ValueError, KeyError) as e_2:\n        print(error_message(e_2), show(error_task(e_2)))",
            "v: bool = True",
            "{show(pair)} {a} {show(flag)} {show((isinstance(v, int) and not isinstance(v, bool)))}",
            "{1.5:.1f} {timedelta(minutes=2).total_seconds()}",
            "def compute(work: timedelta) -> None:\n    \"\"\"PLACEHOLDER",
            "def allocate(quantity: str) -> None:",
            "STARTED = time.monotonic()",
        ],
    );
}

#[test]
fn errors_raised_are_flytes_own_classes() {
    let py = export_src(&format!(
        r#"{ENV}
@e
task t(k: int) -> int {{
    if k == 1 {{ raise ValueError("v") }}
    if k == 2 {{ raise RuntimeUserError("u") }}
    if k == 3 {{ raise NonRecoverableError("n") }}
    if k == 4 {{ raise MaxRuntimeExceededError("m") }}
    if k == 5 {{ raise UnschedulableError("s") }}
    return k
}}
"#
    ));
    assert_contains(
        &py,
        &[
            "raise ValueError(\"v\")",
            "raise flyte.errors.RuntimeUserError(\"RuntimeUserError\", \"u\")",
            "raise flyte.errors.NonRecoverableError(\"n\")",
            "raise flyte.errors.MaxRuntimeExceededError(\"m\")",
            "raise UnschedulableError(\"UnschedulableError\", \"s\")",
            "class UnschedulableError(flyte.errors.RuntimeSystemError):",
        ],
    );
}

#[test]
fn a_script_with_errors_writes_nothing_and_exits_1() {
    let dir = tempdir();
    let file = dir.join("bad.flyte");
    std::fs::write(
        &file,
        format!("{ENV}@e\ntask t() -> int {{ return \"x\" }}\n"),
    )
    .unwrap();
    let out = dir.join("out.py");
    let st = Command::new(bin())
        .args(["export", "python"])
        .arg(&file)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&st.stderr).contains("E0206"));
    assert!(!out.exists());
    assert!(st.stdout.is_empty());
}

#[test]
fn an_unwritable_output_is_a_usage_error_and_leaves_nothing_behind() {
    let dir = tempdir();
    let file = dir.join("ok.flyte");
    std::fs::write(
        &file,
        format!("{ENV}@e\ntask main() -> int {{ return 1 }}\n"),
    )
    .unwrap();
    let st = Command::new(bin())
        .args(["export", "python"])
        .arg(&file)
        .arg("-o")
        .arg(dir.join("missing-dir/out.py"))
        .output()
        .unwrap();
    assert_eq!(st.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&st.stderr).contains("cannot write"));
    // Over an existing file: replaced whole, no temporary file left.
    let out = dir.join("out.py");
    std::fs::write(&out, "old").unwrap();
    let st = Command::new(bin())
        .args(["export", "python"])
        .arg(&file)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert!(st.status.success());
    assert!(std::fs::read_to_string(&out)
        .unwrap()
        .contains("def main() -> int:"));
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The module is laid out as black and ruff lay it out (the differential test runs both on
/// every export); here, the rules by example.
#[test]
fn long_lines_split_as_black_splits_them() {
    let long = "x".repeat(50);
    let py = export_raw(&format!(
        r#"{ENV}
env wide = TaskEnvironment(name = "{long}", resources = Resources(cpu = (1, 4), memory = ("2Gi", "8Gi"), disk = "50Gi"))
@e
async task main(text: str = "{long}") -> dict[str, float] {{
    let xs = [1, 2, 3]
    let s = 'say "hi"'
    let n = 2
    return {{"a": 2 ** 10, "b": -2 ** 2, "c": float(len(xs[n:n + 1])), "d": float(len(xs[1:])), "e": 1.5 ** n, "long": float(len(f"{{s}} {long}"))}}
}}
"#
    ).replace("'say \"hi\"'", "\"say \\\"hi\\\"\""));
    let wants: Vec<String> = vec![
        // Right-hand split at the last bracket whose opening line fits, contents on one line
        // when they fit there, else one a line with a trailing comma.
        format!("wide = flyte.TaskEnvironment(\n    name=\"{long}\",\n    resources=flyte.Resources(cpu=(1, 4), memory=(\"2Gi\", \"8Gi\"), disk=\"50Gi\"),\n)\n"),
        // A def splits at its parameters; a lone one gets a trailing comma.
        format!("async def main(\n    text: str = \"{long}\",\n) -> dict[str, float]:\n"),
        // Quotes: double unless the text has more of them.
        "s = 'say \"hi\"'".into(),
        // Powers of simple operands hug; a negated power is parenthesized; complex slices
        // space their colons.
        "\"a\": 2**10".into(),
        "\"b\": -(2**2)".into(),
        "xs[n : n + 1]".into(),
        "xs[1:]".into(),
        "\"e\": 1.5**n".into(),
        "    return {\n        \"a\": 2**10,\n".into(),
    ];
    for want in &wants {
        assert!(py.contains(want.as_str()), "missing `{want}` in:\n{py}");
    }
    assert!(py.lines().all(|l| l.chars().count() <= 88), "{py}");
}
