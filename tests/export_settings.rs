//! The environments flyte-sdk sees carry the script's settings: every example and export
//! script is exported, loaded by flyte-sdk 2.12.1 (tests/flyte-sdk/task_settings.py), and each
//! task's effective settings (retries, timeouts, cache, interruptible, reuse, CPU, memory,
//! disk, short name) are compared with the ones flyte-dsl resolved for it.

mod support;

use flyte_dsl::check::config::{CacheBehavior, ReuseScope};
use flyte_dsl::check::imports;
use flyte_dsl::diagnostics::SourceMap;
use flyte_dsl::export;
use flyte_dsl::sim::Cluster;
use serde_json::{json, Value};
use std::process::Command;
use support::{python, repo};

fn secs(ns: Option<i64>) -> Value {
    match ns {
        Some(n) if n != 0 => json!(n as f64 / 1e9),
        _ => Value::Null,
    }
}

/// What flyte-dsl resolved for each task, by FQN, in task_settings.py's shape.
fn ours(p: &export::Prepared) -> Value {
    let c = &p.checked;
    let mut out = serde_json::Map::new();
    for (key, t) in &c.tasks {
        let Some(env) = t.env.as_ref().and_then(|e| c.envs.get(e)) else {
            continue;
        };
        let env = &env.settings;
        let s = &t.settings;
        let timeout = s.timeout.clone().unwrap_or_default();
        let cache = s.cache.clone().or_else(|| env.cache.clone());
        let cache = match cache {
            Some(c) => {
                let mut ignored = c.ignored_inputs.clone();
                ignored.sort();
                let behavior = match c.behavior {
                    CacheBehavior::Auto => "auto",
                    CacheBehavior::Override => "override",
                    CacheBehavior::Disable => "disable",
                };
                json!([behavior, c.version_override, ignored, c.salt, c.serialize])
            }
            None => json!(["disable", null, [], "", false]),
        };
        let reuse = env.reusable.as_ref().map(|(r, _)| {
            json!([
                [r.min_replicas, r.max_replicas],
                r.concurrency,
                r.idle_ttl as f64 / 1e9,
                r.scaledown_ttl as f64 / 1e9,
                match r.scope {
                    ReuseScope::Global => "global",
                    ReuseScope::Run => "run",
                }
            ])
        });
        let res = env.resources.as_ref();
        out.insert(
            t.fqn.clone(),
            json!({
                "short_name": s.short_name.clone().unwrap_or_else(|| key.rsplit('.').next().unwrap_or(key).to_string()),
                "retries": s.retries.as_ref().map_or(0, |r| r.count),
                "timeout": [secs(timeout.max_runtime), secs(timeout.max_queued_time), secs(timeout.deadline)],
                "cache": cache,
                "interruptible": s.interruptible.unwrap_or(env.interruptible),
                "reusable": reuse,
                "cpu_milli": res.and_then(|r| r.cpu_milli.as_ref()).map(|c| json!([c.request, c.limit])),
                "memory": res.and_then(|r| r.memory.as_ref()).map(|m| json!([m.request, m.limit])),
                "disk": res.and_then(|r| r.disk),
            }),
        );
    }
    Value::Object(out)
}

#[test]
fn flyte_sdk_sees_the_settings_the_script_gives() {
    let Some(py) = python() else { return };
    let dir = std::env::temp_dir().join(format!("flyte-dsl-settings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    for d in ["examples", "tests/export"] {
        for e in std::fs::read_dir(repo().join(d)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "flyte") {
                files.push(p);
            }
        }
    }
    files.sort();
    let mut tasks = 0;
    for f in files {
        let name = f.display().to_string();
        let bytes = std::fs::read(&f).unwrap();
        let mut map = SourceMap::new();
        let prepared = export::prepare(
            &mut map,
            &name,
            &bytes,
            &imports::relative_files(&[imports::script_root(&f)]),
            &Cluster::default_cluster(),
        )
        .unwrap_or_else(|d| panic!("{name}: {d:?}"));
        let module = dir.join(format!("{}.py", f.file_stem().unwrap().to_string_lossy()));
        std::fs::write(&module, export::python::export(&prepared, "t", None)).unwrap();
        let out = Command::new(&py)
            .arg(repo().join("tests/flyte-sdk/task_settings.py"))
            .arg(&module)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs: Value = serde_json::from_slice(&out.stdout).unwrap();
        let ours = ours(&prepared);
        let theirs = theirs.as_object().unwrap();
        // The same FQNs, whatever order each side lists them in.
        let fqns = |m: &serde_json::Map<String, Value>| {
            m.keys().cloned().collect::<std::collections::BTreeSet<_>>()
        };
        assert_eq!(
            fqns(ours.as_object().unwrap()),
            fqns(theirs),
            "{name}: the tasks' FQNs"
        );
        for (fqn, want) in ours.as_object().unwrap() {
            // Both sides' numbers as floats: 300 and 300.0 are the same setting.
            let norm = |v: &Value| {
                serde_json::from_str::<Value>(
                    &v.to_string().replace(".0,", ",").replace(".0]", "]"),
                )
                .unwrap()
            };
            assert_eq!(norm(want), norm(&theirs[fqn]), "{name}: {fqn}");
            tasks += 1;
        }
    }
    assert!(tasks >= 40, "only {tasks} tasks compared");
}
