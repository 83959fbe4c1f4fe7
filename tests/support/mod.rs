//! What several integration tests share: flyte-sdk's python, and a checked program.
// Each test crate uses a part of this module.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// flyte-sdk's python (tests/flyte-sdk/venv.sh), or `None` with a printed reason, except on CI
/// where it must be there.
pub fn python() -> Option<PathBuf> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let out = Command::new("bash")
        .arg(repo().join("tests/flyte-sdk/venv.sh"))
        .stderr(Stdio::inherit())
        .output();
    let reason = match out {
        Ok(o) if o.status.success() => {
            let path = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
            let path = if path.is_absolute() {
                path
            } else {
                repo().join(path)
            };
            return Some(path);
        }
        Ok(o) => format!("tests/flyte-sdk/venv.sh failed ({})", o.status),
        Err(e) => format!("cannot run bash: {e}"),
    };
    if ci {
        panic!("flyte-sdk is required on CI: {reason}");
    }
    eprintln!(
        "SKIPPED: the comparison with flyte-sdk needs python3 and flyte-sdk 2.12.1: {reason}"
    );
    None
}

/// `src` (file `t.flyte`, no imports but the stdlib) compiled by the one front end against
/// the default cluster, ready to run; any error fails the test with its rendering.
pub fn program(src: &str) -> flyte_dsl::runtime::Executable {
    compile(
        "t.flyte",
        src.as_bytes(),
        &flyte_dsl::check::imports::no_files,
    )
    .1
}

/// `bytes` as file `name` compiled by the one front end (imports through `resolver`) against
/// the default cluster; any error fails the test with its rendering.
pub fn compile(
    name: &str,
    bytes: &[u8],
    resolver: &flyte_dsl::check::imports::Resolver<'_>,
) -> (
    flyte_dsl::diagnostics::SourceMap,
    flyte_dsl::runtime::Executable,
) {
    compile_for(
        name,
        bytes,
        resolver,
        &flyte_dsl::sim::Cluster::default_cluster(),
    )
}

/// [`compile`] against `cluster` (constant resource requests must fit it: `E0309`).
pub fn compile_for(
    name: &str,
    bytes: &[u8],
    resolver: &flyte_dsl::check::imports::Resolver<'_>,
    cluster: &flyte_dsl::sim::Cluster,
) -> (
    flyte_dsl::diagnostics::SourceMap,
    flyte_dsl::runtime::Executable,
) {
    use flyte_dsl::frontend;
    let mut map = flyte_dsl::diagnostics::SourceMap::new();
    let compiled = frontend::compile(
        &mut map,
        frontend::Source::new(name, bytes),
        &frontend::Options::default(),
        resolver,
        cluster,
    );
    match compiled.program {
        Some(p) => (map, p),
        None => panic!(
            "{name}:\n{}",
            flyte_dsl::diagnostics::render_all(&compiled.diagnostics, &map, false)
        ),
    }
}
/// What `task main() -> RET { BODY }` returns (or the error it raised), run on one node of 16
/// CPUs with no cold start.
pub fn run_main(ret: &str, body: &str) -> Result<flyte_dsl::runtime::value::Value, String> {
    let prog = program(&format!(
        "env e = TaskEnvironment(name = \"e\")\n@e\ntask main() -> {ret} {{\n{body}\n}}\n"
    ));
    let cluster = flyte_dsl::sim::Cluster::from_toml_str(
        "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 16\nmemory = \"64Gi\"\ncost_per_hour = 1.0\n",
        "c.toml",
    )
    .unwrap();
    let opts = flyte_dsl::runtime::RunOptions::default();
    let out = flyte_dsl::runtime::run(&prog, "main", Vec::new(), &cluster, opts);
    out.result.map_err(|e| format!("{e:?}"))
}

pub mod bodies;
