//! `flyte-dsl run`: check, then simulate a task on a cluster.

use flyte_dsl::cache::Cache;
use flyte_dsl::check::imports;
use flyte_dsl::diagnostics::{self, SourceMap};
use flyte_dsl::frontend::{self, Arg, BindError};
use flyte_dsl::runtime;
use flyte_dsl::sim::Cluster;
use std::path::{Path, PathBuf};

/// The cluster from `--cluster FILE`, or the built-in one; `Err(2)` after reporting.
pub fn load_cluster(path: Option<&Path>) -> Result<Cluster, i32> {
    let Some(path) = path else {
        return Ok(Cluster::default_cluster());
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        eprintln!("error: cannot read {}: {e}", path.display());
        2
    })?;
    Cluster::from_toml_str(&text, &path.display().to_string()).map_err(|e| {
        eprintln!("error: {e}");
        2
    })
}

/// Files a run writes besides its summary.
pub struct Outputs<'a> {
    pub trace: Option<&'a Path>,
    pub report: Option<&'a Path>,
    /// `--why ACTION`: print why the matching actions waited.
    pub why: Option<&'a str>,
    /// `--actions-csv`: every attempt's metrics as CSV.
    pub actions_csv: Option<&'a Path>,
    /// `--actions`: the `action_list` array in the `--json` object.
    pub action_list: bool,
    pub cache_dir: Option<&'a Path>,
    pub no_cache_store: bool,
    /// Folders imports may read besides the script's.
    pub import_roots: &'a [PathBuf],
    /// The run's limits (`--max-wall-time`, `--max-memory`).
    pub limits: runtime::Limits,
}

/// `cache list` and `cache clear`, on the cache in `dir`.
pub enum CacheCmd {
    List { dir: PathBuf },
    Clear { task: Option<String>, dir: PathBuf },
}

/// The folder a script's cache is kept in, as `run` keeps it: `.flyte` beside the script.
pub fn script_cache_dir(script: &Path) -> PathBuf {
    script.parent().unwrap_or(Path::new(".")).join(".flyte")
}

/// The cache folder of `cache list|clear`: `--cache-dir` itself; else a script's (beside
/// it) or a folder's (`.flyte` in it); else the current folder's.
pub fn cache_dir(script: Option<&Path>, dir: Option<PathBuf>) -> PathBuf {
    match (dir, script) {
        (Some(d), _) => d,
        (None, Some(p)) if p.is_dir() => p.join(".flyte"),
        (None, Some(p)) => script_cache_dir(p),
        (None, None) => PathBuf::from(".flyte"),
    }
}

fn open_cache(path: &Path) -> Cache {
    let (cache, warning) = Cache::open(path);
    if let Some(w) = warning {
        eprintln!("{w}");
    }
    cache
}

/// serde_json's parse error as a message: what is wrong, at which line and column.
fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if text.starts_with("recursion limit exceeded") {
        format!(
            "nests arrays and objects deeper than the limit of 128 levels (line {}, column {})",
            e.line(),
            e.column()
        )
    } else {
        format!("is not valid JSON: {text}")
    }
}

/// The cache at `path` if there is one, without creating anything; `Err(code)` after
/// reporting when there is none or it cannot be read.
fn existing_cache(path: &Path) -> Result<Cache, i32> {
    match Cache::open_existing(path) {
        Ok(Some(c)) => Ok(c),
        Ok(None) => {
            eprintln!(
                "no cache at {} (nothing was created; `run` keeps a script's cache beside it: `flyte-dsl cache list SCRIPT`)",
                path.display()
            );
            Err(0)
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(1)
        }
    }
}

/// Lists or clears the cache; creates nothing, and says which file it read.
pub fn cache(cmd: CacheCmd) -> i32 {
    match cmd {
        CacheCmd::List { dir } => {
            let path = dir.join("cache.db");
            let cache = match existing_cache(&path) {
                Ok(c) => c,
                Err(code) => return code,
            };
            let entries = cache.list();
            println!(
                "{:<40} {:<14} {:<14} {:>8}  stored",
                "task", "version", "inputs", "size"
            );
            for e in &entries {
                let when = chrono_like(e.stored_at);
                println!(
                    "{:<40} {:<14} {:<14} {:>8}  {when}",
                    e.key.fqn,
                    &e.key.version[..e.key.version.len().min(12)],
                    &e.key.inputs[..12],
                    e.size
                );
            }
            eprintln!(
                "{} entr{} in {}",
                entries.len(),
                if entries.len() == 1 { "y" } else { "ies" },
                path.display()
            );
            0
        }
        CacheCmd::Clear { task, dir } => {
            let path = dir.join("cache.db");
            if let Err(code) = existing_cache(&path) {
                return code;
            }
            let cache = open_cache(&path);
            if cache.is_read_only() {
                eprintln!(
                    "error: the cache {} is read-only; nothing was removed",
                    path.display()
                );
                return 1;
            }
            let n = cache.clear(task.as_deref());
            eprintln!(
                "removed {n} entr{} from {}",
                if n == 1 { "y" } else { "ies" },
                path.display()
            );
            0
        }
    }
}

/// `2026-11-25 17:08:38 UTC` from unix seconds, without a date crate.
fn chrono_like(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Prints the diagnostics of a script that does not pass `check`, as `run` does: the
/// `{"status": "invalid"}` object with `--json`, else rendered on stderr.
pub fn print_invalid(diags: &mut Vec<diagnostics::Diagnostic>, map: &SourceMap, json: bool) {
    let dropped = diagnostics::limit(diags, diagnostics::MAX_PER_FILE);
    if json {
        let list: Vec<_> = diags.iter().map(|d| d.to_json(map)).collect();
        let mut out = serde_json::json!({"status": "invalid", "diagnostics": list});
        if dropped > 0 {
            out["not_shown"] = dropped.into();
        }
        println!("{out}");
    } else {
        eprint!(
            "{}",
            diagnostics::render_all(diags, map, super::use_colour())
        );
        if dropped > 0 {
            eprintln!("{}", diagnostics::not_shown(dropped));
        }
    }
}

/// Reads `file` and compiles it against `cluster`, reporting its diagnostics (warnings only
/// without `json`); `Err(status)` after reporting.
pub fn compile_script(
    file: &Path,
    cluster: &Cluster,
    json: bool,
    import_roots: &[PathBuf],
) -> Result<(SourceMap, runtime::Executable), i32> {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return Err(2);
        }
    };
    let mut map = SourceMap::new();
    let name = file.display().to_string();
    let compiled = frontend::compile(
        &mut map,
        frontend::Source::new(&name, &bytes),
        &frontend::Options::default(),
        &imports::relative_files(&super::import_roots(file, import_roots)),
        cluster,
    );
    let mut diags = compiled.diagnostics;
    match compiled.program {
        None => {
            print_invalid(&mut diags, &map, json);
            Err(1)
        }
        Some(program) => {
            if !json {
                let dropped = diagnostics::limit(&mut diags, diagnostics::MAX_PER_FILE);
                eprint!(
                    "{}",
                    diagnostics::render_all(&diags, &map, super::use_colour())
                );
                if dropped > 0 {
                    eprintln!("{}", diagnostics::not_shown(dropped));
                }
            }
            Ok((map, program))
        }
    }
}

/// The arguments as given: `--args-json` first, `--arg` over it; `Err(2)` after reporting.
pub fn given_args(args: &[String], args_json: Option<&str>) -> Result<Vec<(String, Arg)>, i32> {
    let mut given: Vec<(String, Arg)> = Vec::new();
    if let Some(text) = args_json {
        match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v @ serde_json::Value::Object(_)) => {
                given.extend(frontend::json_args(v).unwrap_or_default())
            }
            Ok(other) => {
                eprintln!(
                    "error: --args-json must be a JSON object, not {}",
                    frontend::json_kind(&other)
                );
                return Err(2);
            }
            Err(e) => {
                eprintln!("error: --args-json {}", json_error(&e));
                return Err(2);
            }
        }
    }
    for a in args {
        let Some((k, text)) = a.split_once('=') else {
            eprintln!("error: --arg takes NAME=VALUE, got `{a}`");
            return Err(2);
        };
        given.push((k.to_string(), Arg::Text(text.to_string())));
    }
    Ok(given)
}

/// Binds the arguments to `task`'s parameters by their types; `Err(2)` after reporting.
pub fn bind_args(
    program: &runtime::Executable,
    file: &Path,
    task: &str,
    given: Vec<(String, Arg)>,
) -> Result<Vec<(flyte_dsl::syntax::ast::Name, runtime::value::Value)>, i32> {
    match frontend::bind(program, task, given) {
        Ok(argv) => Ok(argv),
        Err(BindError::NoTask { runnable, .. }) => {
            let runnable: Vec<&String> = runnable.iter().filter(|t| !t.contains('.')).collect();
            if runnable.is_empty() {
                eprintln!(
                    "error: {} has no tasks to run (a task is declared with an environment's decorator, `@env`)",
                    file.display()
                );
            } else {
                eprintln!(
                    "error: {} has no task `{task}`; the tasks that can be run are: {}",
                    file.display(),
                    runnable
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            Err(2)
        }
        Err(BindError::Unknown { params, param, .. }) => {
            eprintln!(
                "error: task `{task}` has no parameter `{param}`; its parameters are: {}",
                params.join(", ")
            );
            Err(2)
        }
        Err(e @ BindError::Missing { .. }) => {
            eprintln!("error: {e}: pass --arg {}=...", e.param());
            Err(2)
        }
        Err(e @ BindError::Invalid { .. }) => {
            eprintln!("error: {e}");
            Err(2)
        }
    }
}

#[allow(clippy::too_many_arguments)]
pub fn run(
    file: &Path,
    task: Option<&str>,
    args: &[String],
    args_json: Option<&str>,
    cluster: Option<&Path>,
    seed: u64,
    json: bool,
    outputs: Outputs<'_>,
) -> i32 {
    if let Err(e) = std::fs::metadata(file) {
        eprintln!("error: cannot read {}: {e}", file.display());
        return 2;
    }
    let cluster = match load_cluster(cluster) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let (map, program) = match compile_script(file, &cluster, json, outputs.import_roots) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let opaque = program.loaded.opaque.clone();
    if !json {
        eprint!("{}", flyte_dsl::python::opaque_text(&opaque, &map));
    }
    let task = task.unwrap_or("main");
    let given = match given_args(args, args_json) {
        Ok(g) => g,
        Err(code) => return code,
    };
    let argv = match bind_args(&program, file, task, given) {
        Ok(a) => a,
        Err(code) => return code,
    };
    let cache = if outputs.no_cache_store {
        Cache::memory()
    } else {
        let dir = match outputs.cache_dir {
            Some(d) => d.to_path_buf(),
            None => script_cache_dir(file),
        };
        open_cache(&dir.join("cache.db"))
    };
    // A progress line on stderr, only on a terminal and never with --json.
    use std::io::{IsTerminal, Write};
    let show = !json && std::io::stderr().is_terminal();
    let shown = std::cell::Cell::new(false);
    let progress = |done: usize, known: usize, at: i64| {
        if show {
            shown.set(true);
            let _ = write!(
                std::io::stderr(),
                "\r\x1b[2K{done} / {known} actions done, virtual time {}",
                flyte_dsl::human::human_duration(at)
            );
        }
    };
    // `--why` alone turns into text the waits of the actions it matches; a report, trace or
    // action list shows every action's.
    let shows_every_wait = outputs.report.is_some()
        || outputs.trace.is_some()
        || outputs.actions_csv.is_some()
        || outputs.action_list;
    let why_of =
        |fqn: &str, id: usize| outputs.why.is_some_and(|p| super::why::matches(p, fqn, id));
    let opts = runtime::RunOptions {
        seed,
        cache: Some(&cache),
        progress: Some(&progress),
        limits: outputs.limits.clone(),
        // Why actions waited, for whatever shows it.
        record_waits: outputs.why.is_some() || shows_every_wait,
        waits_of: match outputs.why {
            Some(_) if !shows_every_wait => Some(&why_of),
            _ => None,
        },
        ..Default::default()
    };
    let outcome = runtime::run(&program, task, argv, &cluster, opts);
    if shown.get() {
        eprint!("\r\x1b[2K");
    }
    if outputs.trace.is_some() || outputs.report.is_some() {
        let record = flyte_dsl::report::Record::of(&outcome);
        if let Some(path) = outputs.trace {
            let text = flyte_dsl::report::trace::trace_text(&record);
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return 2;
            }
        }
        if let Some(path) = outputs.report {
            let title = format!("{} — {task}", file.display());
            let html = flyte_dsl::report::html::report(
                &record,
                &flyte_dsl::report::summary_json(&outcome),
                &title,
            );
            if let Err(e) = std::fs::write(path, html) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return 2;
            }
        }
    }
    if let Some(path) = outputs.actions_csv {
        let text = flyte_dsl::report::actions::csv(flyte_dsl::report::actions::View::of(&outcome));
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return 2;
        }
    }
    if json {
        let mut summary = flyte_dsl::report::summary_json(&outcome);
        if outputs.action_list {
            summary["action_list"] = flyte_dsl::report::actions::json_list(
                flyte_dsl::report::actions::View::of(&outcome),
            );
        }
        if !opaque.is_empty() {
            summary["opaque"] = flyte_dsl::python::opaque_json(&opaque, &map);
        }
        println!("{summary}");
    } else {
        for line in &outcome.logs {
            eprintln!(
                "[{} {}] {}",
                flyte_dsl::human::human_duration(line.at),
                outcome.actions[line.action].fqn,
                line.text
            );
        }
        match &outcome.result {
            Ok(v) => println!("{}", v.repr()),
            Err(e) => eprint!(
                "{}",
                diagnostics::render(
                    &outcome
                        .error_diagnostic()
                        .unwrap_or_else(|| e.to_diagnostic()),
                    &map,
                    super::use_colour()
                )
            ),
        }
        print!("{}", flyte_dsl::report::summary_text(&outcome));
    }
    if let Some(pattern) = outputs.why {
        // With --json, stdout holds the one JSON object.
        let text = super::why::why_text(&outcome, pattern);
        if json {
            eprint!("{text}");
        } else {
            print!("{text}");
        }
    }
    i32::from(outcome.result.is_err())
}
