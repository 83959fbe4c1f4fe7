//! The embedding API as a host uses it.

use flyte_dsl::{
    CancelHandle, Cluster, Engine, EventKind, HostError, Limits, OutputError, RunError,
};
use serde_json::json;

const ENV: &str =
    "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n";

fn engine() -> Engine {
    Engine::builder()
        .seed(3)
        .native_fn("lookup", |key: String| -> Result<i64, HostError> {
            match key.as_str() {
                "a" => Ok(1),
                "b" => Ok(2),
                _ => Err(HostError::new(format!("no key {key}"))),
            }
        })
        .native_fn("explode", |_: i64| -> Result<i64, HostError> {
            panic!("host bug")
        })
        .native_fn(
            "join_all",
            |xs: Vec<String>, sep: String| -> Result<String, HostError> { Ok(xs.join(&sep)) },
        )
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_runs_at_once_on_one_engine() {
    let engine = engine();
    let src = format!("{ENV}@e\nasync task leaf(i: int) -> int {{\n    sleep(1m)\n    return i * i\n}}\n@e\nasync task main(n: int) -> list[int] {{\n    return await gather(*[leaf(i) for i in range(n)])\n}}\n");
    let program = engine.compile("fan.flyte", &src).unwrap();
    let mut handles = Vec::new();
    for n in 0..50i64 {
        let p = program.clone();
        handles.push(tokio::spawn(async move {
            (n, p.run("main", json!({"n": n})).await.unwrap())
        }));
    }
    for h in handles {
        let (n, run) = h.await.unwrap();
        let out: Vec<i64> = run.output().unwrap();
        assert_eq!(out, (0..n).map(|i| i * i).collect::<Vec<_>>());
    }
}

#[tokio::test]
async fn inputs_and_outputs_go_through_serde_with_typed_errors() {
    #[derive(serde::Serialize)]
    struct Args {
        names: Vec<String>,
    }
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Out {
        joined: String,
        count: i64,
    }
    let src = format!("{ENV}@e\ntask main(names: list[str]) -> dict[str, str | int] {{\n    return {{\"joined\": join_all(names, \"+\"), \"count\": len(names)}}\n}}\n");
    let program = engine().compile("serde.flyte", &src).unwrap();
    let run = program
        .run(
            "main",
            Args {
                names: vec!["x".into(), "y".into()],
            },
        )
        .await
        .unwrap();
    assert_eq!(
        run.output::<Out>().unwrap(),
        Out {
            joined: "x+y".into(),
            count: 2
        }
    );
    assert!(matches!(
        run.output::<Vec<i64>>(),
        Err(OutputError::Shape(_))
    ));
    let bad = program.run("main", json!({"names": [1, 2]})).await;
    assert!(
        matches!(bad, Err(RunError::Input { ref param, .. }) if param == "names"),
        "{bad:?}"
    );
    assert!(matches!(
        program.run("main", json!({})).await,
        Err(RunError::Input { .. })
    ));
    assert!(matches!(
        program.run("nope", ()).await,
        Err(RunError::NoTask(_))
    ));
}

#[test]
fn scripts_are_checked_against_host_signatures() {
    let src = format!("{ENV}@e\ntask main() -> int {{\n    return lookup(3)\n}}\n");
    let diags = engine()
        .compile("bad.flyte", &src)
        .err()
        .expect("a type error");
    let codes: Vec<_> = diags.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["E0206"]);
    assert!(diags.render(false).contains("lookup(3)"));
    assert_eq!(diags.to_json()["diagnostics"][0]["code"], "E0206");
}

#[tokio::test]
async fn host_errors_are_catchable_and_panics_become_errors() {
    let src = format!("{ENV}@e\ntask main() -> list[str] {{\n    let out: list[str] = [str(lookup(\"a\"))]\n    try {{\n        lookup(\"zzz\")\n    }} except RuntimeUserError as err {{\n        out.append(err.code + \": \" + err.message)\n    }}\n    try {{\n        explode(1)\n    }} except RuntimeSystemError {{\n        out.append(\"panic caught\")\n    }}\n    return out\n}}\n");
    let run = engine()
        .compile("host.flyte", &src)
        .unwrap()
        .run("main", ())
        .await
        .unwrap();
    assert_eq!(
        run.output::<Vec<String>>().unwrap(),
        ["1", "HostError: no key zzz", "panic caught"]
    );
}

#[tokio::test]
async fn each_limit_stops_the_run_with_its_own_error() {
    let loop_src = format!("{ENV}@e\ntask main() -> int {{\n    let i = 0\n    while true {{\n        i += 1\n    }}\n    return i\n}}\n");
    let deep_src = format!("{ENV}fn f(n: int) -> int {{\n    return f(n + 1)\n}}\n@e\ntask main() -> int {{\n    return f(0)\n}}\n");
    let long_src = format!("{ENV}@e\ntask main() -> int {{\n    sleep(10d)\n    return 1\n}}\n");
    let wide_src = format!("{ENV}@e\nasync task leaf() -> int {{\n    sleep(1s)\n    return 1\n}}\n@e\nasync task main() -> int {{\n    return len(await gather(*[leaf() for i in range(100)]))\n}}\n");
    let cases = [
        (
            loop_src.as_str(),
            Limits {
                max_steps: Some(10_000),
                ..Default::default()
            },
            "E0701",
        ),
        (
            deep_src.as_str(),
            Limits {
                max_call_depth: 50,
                ..Default::default()
            },
            "E0702",
        ),
        (
            long_src.as_str(),
            Limits {
                max_virtual_time: Some(3_600_000_000_000),
                ..Default::default()
            },
            "E0703",
        ),
        (
            loop_src.as_str(),
            Limits {
                max_steps: None,
                max_wall_time: Some(std::time::Duration::from_millis(50)),
                ..Default::default()
            },
            "E0704",
        ),
        (
            wide_src.as_str(),
            Limits {
                max_live_actions: Some(10),
                ..Default::default()
            },
            "E0706",
        ),
    ];
    for (src, limits, code) in cases {
        let engine = Engine::builder().limits(limits).build();
        let run = engine
            .compile("limit.flyte", src)
            .unwrap()
            .run("main", ())
            .await
            .unwrap();
        let err = run.error().expect("the run stops");
        assert_eq!(err.kind, "LimitExceededError", "{code}: {err:?}");
        assert_eq!(err.code, code, "each limit has its own code");
        // The code is shown once, in the header, not again in the message.
        assert!(!err.message.contains(code), "{code}: {}", err.message);
        assert!(
            err.rendered
                .starts_with(&format!("[{code}] Error: LimitExceededError: ")),
            "{}",
            err.rendered
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_can_cancel_a_run_from_another_task() {
    let src = format!("{ENV}@e\ntask main() -> int {{\n    let i = 0\n    while true {{\n        i += 1\n    }}\n    return i\n}}\n");
    let engine = Engine::builder()
        .limits(Limits {
            max_steps: None,
            ..Default::default()
        })
        .build();
    let program = engine.compile("spin.flyte", &src).unwrap();
    let handle = CancelHandle::default();
    let h2 = handle.clone();
    tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        h2.cancel();
    });
    let run = program.run_with_handle("main", (), handle).await.unwrap();
    assert_eq!(run.error().unwrap().kind, "CancelledError");
    assert_eq!(run.error().unwrap().code, "E0705");
}

#[tokio::test]
async fn events_and_summaries_describe_the_run() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = seen.clone();
    let engine = Engine::builder()
        .cluster(Cluster::from_toml_str("cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 4\nmemory = \"16Gi\"\ncost_per_hour = 1.0\n", "c.toml").unwrap())
        .on_event(move |e| sink.lock().unwrap().push(e.clone()))
        .build();
    let src = format!("{ENV}@e\ntask child() -> int {{\n    print(\"working\")\n    sleep(1m)\n    return 1\n}}\n@e\ntask main() -> int {{\n    return child()\n}}\n");
    let run = engine
        .compile("ev.flyte", &src)
        .unwrap()
        .run("main", ())
        .await
        .unwrap();
    assert_eq!(run.makespan_s(), 60.0);
    assert_eq!(run.json()["actions"]["total"], 2);
    assert!(run.summary().contains("makespan 1m"));
    let kinds: Vec<String> = run
        .events()
        .iter()
        .filter(|e| e.task == "e.child")
        .map(|e| format!("{}@{}", serde_json::to_value(&e.kind).unwrap(), e.at_s))
        .collect();
    assert_eq!(kinds.len(), 5, "{kinds:?}");
    assert!(kinds[0].starts_with("{\"queued\""));
    assert!(kinds.iter().any(|k| k.contains("working")));
    assert!(
        kinds.last().unwrap().starts_with("\"succeeded\"@60"),
        "{kinds:?}"
    );
    assert_eq!(seen.lock().unwrap().len(), run.events().len());
    assert!(run.events().iter().any(|e| e.kind == EventKind::Succeeded));
}

#[test]
fn scripts_reach_no_files_unless_the_host_allows() {
    let src = "import \"secrets.flyte\"\n";
    assert!(Engine::builder().build().compile("a.flyte", src).is_err());
    let engine = Engine::builder()
        .import_resolver(|_, path| match path {
            "secrets.flyte" => Ok(("secrets.flyte".into(), b"let X = 1\n".to_vec())),
            _ => Err("no".into()),
        })
        .build();
    assert!(engine.compile("a.flyte", src).is_ok());
    // The stdlib is always there.
    assert!(Engine::builder()
        .build()
        .compile("b.flyte", "import \"std/math\" as m\n")
        .is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_tasks_are_actions_of_their_environment() {
    let engine = Engine::builder()
        .cluster(Cluster::from_toml_str("cold_start = \"5s\"\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 8\nmemory = \"16Gi\"\ncost_per_hour = 1.0\n", "c.toml").unwrap())
        .native_task("host-env", "fetch", |url: String| async move {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
            if url.starts_with("http") {
                Ok(url.len() as i64)
            } else {
                Err(HostError::new(format!("bad url {url}")))
            }
        })
        .build();
    let src = "env host = TaskEnvironment(name = \"host-env\", resources = Resources(cpu = 1))\nenv e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))\n@e\nasync task main() -> list[int] {\n    let sizes = await gather(fetch(\"http://a\"), fetch(\"https://bb\"))\n    let out = [sizes[0], sizes[1]]\n    try {\n        await fetch(\"ftp\")\n    } except RuntimeUserError as err {\n        out.append(len(err.message))\n    }\n    return out\n}\n";
    let run = engine
        .compile("host.flyte", src)
        .unwrap()
        .run("main", ())
        .await
        .unwrap();
    assert_eq!(run.output::<Vec<i64>>().unwrap(), [8, 10, 11]);
    assert_eq!(run.json()["actions"]["total"], 4);
    // Each host-task action paid its cold start on the cluster: the root at 0-5 s, the two
    // fetches 5-10 s, the third 10-15 s.
    assert_eq!(run.makespan_s(), 15.0);
    assert!(run.events().iter().any(|e| e.task == "host-env.fetch"));
    // Scripts are checked against the host task's signature and environment.
    let bad = engine.compile("bad.flyte", "env host = TaskEnvironment(name = \"host-env\")\nenv e = TaskEnvironment(name = \"e\")\n@e\nasync task main() -> int {\n    return await fetch(3)\n}\n");
    assert_eq!(
        bad.err()
            .unwrap()
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>(),
        ["E0206"]
    );
    let missing = engine.compile("nohost.flyte", "env e = TaskEnvironment(name = \"e\")\n");
    assert_eq!(
        missing
            .err()
            .unwrap()
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>(),
        ["E0214"]
    );
}

#[tokio::test]
async fn global_scope_replicas_stay_warm_across_runs_of_one_engine() {
    let engine = Engine::builder().build();
    let src = "env pool = TaskEnvironment(name = \"pool\", resources = Resources(cpu = 1), reusable = ReusePolicy(replicas = 1, scope = \"global\"))\nenv e = TaskEnvironment(name = \"e\")\n@pool\nasync task g(x: int) -> int {\n    return x\n}\n@e\nasync task main() -> int {\n    return await g(1)\n}\n";
    let program = engine.compile("warm.flyte", src).unwrap();
    let first = program.run("main", ()).await.unwrap();
    let second = program.run("main", ()).await.unwrap();
    // Root and replica cold-start in the first run; only the root in the second.
    assert_eq!(first.json()["cold_starts"], 2);
    assert_eq!(second.json()["cold_starts"], 1);
}

/// Names in a module imported `as` an alias resolve within that module, as in Python: its
/// functions call their siblings and read its top-level `let`s (a tuple pattern included), its
/// tasks are decorated with its environments (one cloned from another), and its signatures name
/// its structs, even where the importing script declares the same names.
#[tokio::test]
async fn imported_modules_keep_their_own_names() {
    let lib = "let (LO, HI) = (2, 3)\nstruct Pair { a: int, b: int }\nenv base = TaskEnvironment(name = \"lib-base\", resources = Resources(cpu = 1))\nenv e = base.clone_with(name = \"lib-e\")\nfn helper(x: int) -> int {\n    return x * HI + LO\n}\nfn pair(x: int) -> Pair {\n    return Pair(a = x, b = helper(x))\n}\nfn api(x: int) -> int {\n    let p: Pair = pair(x)\n    return p.b + len([k for k in range(LO)])\n}\n@e\nasync task work(x: int) -> int {\n    return api(x) + HI\n}\n";
    let engine = Engine::builder()
        .import_resolver(move |_, path| match path {
            "lib.flyte" => Ok(("lib.flyte".into(), lib.as_bytes().to_vec())),
            _ => Err("no".into()),
        })
        .build();
    let src = "import \"lib.flyte\" as m\nlet HI = 100\nstruct Pair { x: str }\nfn helper(x: int) -> int {\n    return -x\n}\nenv e = TaskEnvironment(name = \"e\")\n@e\nasync task main() -> list[int] {\n    let w = await m.work(1)\n    return [helper(1), m.api(10), helper(2), m.helper(1), HI, m.HI, w]\n}\n";
    let run = engine
        .compile("main.flyte", src)
        .unwrap()
        .run("main", ())
        .await
        .unwrap();
    assert_eq!(
        run.output::<Vec<i64>>().unwrap(),
        [-1, 10 * 3 + 2 + 2, -2, 5, 100, 3, 3 + 2 + 2 + 3]
    );
    let tasks: Vec<&str> = run.events().iter().map(|e| e.task.as_str()).collect();
    assert!(tasks.contains(&"lib-e.work"), "{tasks:?}");
}

/// A failed run's error carries its chain of statements (RUNTIME.md section 7): rendered as the
/// CLI prints it, and as a `check --json` diagnostic with a label per statement.
#[tokio::test]
async fn a_failed_runs_error_points_at_its_statements() {
    let src = "env e = TaskEnvironment(name = \"e\")\nfn half(x: int) -> int {\n    return x // 0\n}\n@e\nasync task leaf(x: int) -> int {\n    return half(x)\n}\n@e\nasync task main() -> int {\n    return await leaf(4)\n}\n";
    let run = Engine::builder()
        .build()
        .compile("p.flyte", src)
        .unwrap()
        .run("main", ())
        .await
        .unwrap();
    let e = run.error().expect("the run fails");
    assert_eq!(
        (e.kind.as_str(), e.code.as_str()),
        ("RuntimeUserError", "ZeroDivisionError")
    );
    assert!(
        e.rendered.contains("raised here, in e.leaf"),
        "{}",
        e.rendered
    );
    let labels: Vec<(u64, String)> = e.diagnostic["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["line"].as_u64().unwrap(),
                l["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        labels,
        [
            (3, "raised here, in e.leaf".to_string()),
            (7, "called here, in e.leaf".to_string()),
            (11, "e.leaf called here, in e.main".to_string()),
        ]
    );
    assert_eq!(e.diagnostic["code"], "ZeroDivisionError");
}
