//! `flyte-dsl run`: check, then simulate a task on a cluster.

use flyte_dsl::check::{self, imports};
use flyte_dsl::diagnostics::{self, SourceMap};
use flyte_dsl::runtime::{self, convert, Program};
use flyte_dsl::sim::Cluster;
use std::path::Path;

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
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return 2;
        }
    };
    let cluster = match load_cluster(cluster) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut map = SourceMap::new();
    let name = file.display().to_string();
    let loaded = imports::load(&mut map, &name, &bytes, &imports::relative_files);
    let mut diags = loaded.diags.clone();
    let (checked, mut more) = check::check_program(&loaded, &check::Options::default());
    diags.append(&mut more);
    diags.extend(runtime::feasible::check(&checked, &cluster));
    diagnostics::sort(&mut diags);
    if diags.iter().any(|d| d.is_error()) {
        if json {
            let list: Vec<_> = diags.iter().map(|d| d.to_json(&map)).collect();
            println!(
                "{}",
                serde_json::json!({"status": "invalid", "diagnostics": list})
            );
        } else {
            eprint!(
                "{}",
                diagnostics::render_all(&diags, &map, super::use_colour())
            );
        }
        return 1;
    }
    if !json {
        eprint!(
            "{}",
            diagnostics::render_all(&diags, &map, super::use_colour())
        );
    }
    let task = task.unwrap_or("main");
    let runnable: Vec<&str> = checked
        .tasks
        .iter()
        .filter(|(k, t)| t.env.is_some() && !k.contains('.'))
        .map(|(k, _)| k.as_str())
        .collect();
    let Some(info) = checked.tasks.get(task).filter(|t| t.env.is_some()) else {
        eprintln!(
            "error: {} has no task `{task}`; the tasks that can be run are: {}",
            file.display(),
            runnable.join(", ")
        );
        return 2;
    };
    // Arguments, by the parameters' declared types.
    let mut given: indexmap::IndexMap<String, flyte_dsl::runtime::value::Value> =
        indexmap::IndexMap::new();
    if let Some(text) = args_json {
        let obj: serde_json::Value = match serde_json::from_str(text) {
            Ok(serde_json::Value::Object(o)) => serde_json::Value::Object(o),
            _ => {
                eprintln!("error: --args-json must be a JSON object");
                return 2;
            }
        };
        for (k, v) in obj.as_object().unwrap() {
            let Some(p) = info.params.iter().find(|p| p.name == k.as_str()) else {
                eprintln!("error: task `{task}` has no parameter `{k}`");
                return 2;
            };
            match convert::from_json(v, &p.ty, &checked) {
                Ok(v) => {
                    given.insert(k.clone(), v);
                }
                Err(e) => {
                    eprintln!("error: argument `{k}` ({}): {e}", p.ty);
                    return 2;
                }
            }
        }
    }
    for a in args {
        let Some((k, text)) = a.split_once('=') else {
            eprintln!("error: --arg takes NAME=VALUE, got `{a}`");
            return 2;
        };
        let Some(p) = info.params.iter().find(|p| p.name == k) else {
            eprintln!(
                "error: task `{task}` has no parameter `{k}`; its parameters are: {}",
                info.params
                    .iter()
                    .map(|p| format!("{}: {}", p.name, p.ty))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            return 2;
        };
        match convert::from_arg(text, &p.ty, &checked) {
            Ok(v) => {
                given.insert(k.to_string(), v);
            }
            Err(e) => {
                eprintln!("error: argument `{k}` ({}): {e}", p.ty);
                return 2;
            }
        }
    }
    for p in &info.params {
        if !p.has_default && !given.contains_key(p.name.as_str()) {
            eprintln!(
                "error: missing argument `{}` ({}) of task `{task}`: pass --arg {}=...",
                p.name, p.ty, p.name
            );
            return 2;
        }
    }
    let argv: Vec<_> = given
        .into_iter()
        .map(|(k, v)| (flyte_dsl::syntax::ast::Name::new(k), v))
        .collect();
    let program = Program::new(loaded, checked);
    let outcome = runtime::run(
        &program,
        task,
        argv,
        &cluster,
        seed,
        runtime::Limits::default(),
    );
    if outputs.trace.is_some() || outputs.report.is_some() {
        let record = flyte_dsl::report::Record::of(&outcome);
        if let Some(path) = outputs.trace {
            let text = flyte_dsl::report::trace::trace(&record).to_string();
            if let Err(e) = std::fs::write(path, text) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return 2;
            }
        }
        if let Some(path) = outputs.report {
            let title = format!("{} — {task}", file.display());
            let html =
                flyte_dsl::report::html::report(&record, &runtime::summary_json(&outcome), &title);
            if let Err(e) = std::fs::write(path, html) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return 2;
            }
        }
    }
    if json {
        println!("{}", runtime::summary_json(&outcome));
    } else {
        for line in &outcome.logs {
            eprintln!(
                "[{} {}] {}",
                flyte_dsl::runtime::value::format_duration(line.at),
                outcome.actions[line.action].fqn,
                line.text
            );
        }
        match &outcome.result {
            Ok(v) => println!("{}", v.repr()),
            Err(e) => {
                let task = e
                    .task
                    .as_deref()
                    .map(|t| format!(" in {t}"))
                    .unwrap_or_default();
                eprintln!("error: {}{task}: {}", e.kind, e.message);
            }
        }
        print!("{}", runtime::summary_text(&outcome));
    }
    i32::from(outcome.result.is_err())
}
