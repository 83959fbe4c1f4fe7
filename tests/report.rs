//! The Chrome trace and the HTML report of a run.

use flyte_dsl::{Cluster, Engine};
use serde_json::Value;

const SCRIPT: &str = r#"
env cpu = TaskEnvironment(name = "cpu-work", resources = Resources(cpu = 2, memory = "2Gi"))
env pool = TaskEnvironment(name = "pool", resources = Resources(cpu = 1), reusable = ReusePolicy(replicas = 1, concurrency = 2))

@cpu
async task work(i: int) -> int {
    print(f"working on {i}")
    sleep(1m)
    if i == 3 {
        raise ValueError("three")
    }
    return i
}

@pool
async task warm(i: int) -> int {
    sleep(30s)
    return i
}

@cpu
async task main() -> int {
    let ok = await gather(*[work(i) for i in range(3)])
    let w = await gather(*[warm(i) for i in range(3)])
    try {
        await work(3)
    } except RuntimeUserError {
        print("caught")
    }
    return sum(ok) + sum(w)
}
"#;

const CLUSTER: &str = "cold_start = \"5s\"\nimage_pull = \"10s\"\n[[pool]]\nname = \"cpu\"\ncount = 2\ncpu = 4\nmemory = \"16Gi\"\ncost_per_hour = 1.0\n";

/// The data object the report's charts draw.
fn data(html: &str) -> Value {
    let needle = "id=\"report-data\">";
    let start = html.find(needle).expect("the data element") + needle.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end].replace("<\\/", "</")).unwrap()
}

async fn run() -> flyte_dsl::Run {
    let engine = Engine::builder()
        .cluster(Cluster::from_toml_str(CLUSTER, "c.toml").unwrap())
        .build();
    engine
        .compile("r.flyte", SCRIPT)
        .unwrap()
        .run("main", ())
        .await
        .unwrap()
}

#[tokio::test]
async fn the_trace_has_the_chrome_trace_event_structure() {
    let run = run().await;
    assert_eq!(run.output::<i64>().unwrap(), 6);
    let t = run.trace_json();
    let events = t["traceEvents"].as_array().unwrap();
    for e in events {
        let ph = e["ph"].as_str().unwrap();
        assert!(["M", "X", "i", "C"].contains(&ph), "{e}");
        assert!(e["pid"].is_u64(), "{e}");
        if ph != "M" {
            assert!(e["ts"].as_f64().unwrap() >= 0.0, "{e}");
        }
        if ph == "X" {
            assert!(e["dur"].as_f64().unwrap() >= 0.0);
            assert!(e["tid"].is_u64());
            let args = &e["args"];
            assert!(
                args["fqn"].is_string() && args["attempt"].is_u64() && args["inputs"].is_string(),
                "{e}"
            );
        }
    }
    let names = |ph: &str, name: &str| {
        events
            .iter()
            .filter(|e| e["ph"] == ph && e["name"] == name)
            .count()
    };
    // One named process per node, plus the queue.
    assert_eq!(names("M", "process_name"), 3);
    let cats = |c: &str| events.iter().filter(|e| e["cat"] == c).count();
    // 8 actions: main, 3 + 1 work, 3 warm; each runs once.
    assert_eq!(cats("running"), 8);
    // Cold starts: every non-reusable action, and the replica's calls pay none.
    assert_eq!(cats("starting"), 5);
    assert!(cats("queued") >= 1);
    assert_eq!(cats("failure"), 1);
    assert_eq!(cats("log"), 5);
    let running: Vec<&Value> = events.iter().filter(|e| e["cat"] == "running").collect();
    let warm = running.iter().filter(|e| e["name"] == "pool.warm").count();
    assert_eq!(warm, 3);
    // Counters of utilization, as fractions.
    let counters: Vec<&Value> = events.iter().filter(|e| e["ph"] == "C").collect();
    assert!(!counters.is_empty());
    assert!(counters
        .iter()
        .all(|c| c["args"]["cpu"].as_f64().unwrap() <= 1.0));
    // A slot never holds two running attempts at once.
    let mut by_track: std::collections::HashMap<(u64, u64), Vec<(f64, f64)>> = Default::default();
    for e in &running {
        let ts = e["ts"].as_f64().unwrap();
        by_track
            .entry((e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap()))
            .or_default()
            .push((ts, ts + e["dur"].as_f64().unwrap()));
    }
    for (track, mut spans) in by_track {
        if track.1 >= 1_000_000 {
            continue; // a replica runs `concurrency` attempts at once
        }
        spans.sort_by(|a, b| a.0.total_cmp(&b.0));
        for w in spans.windows(2) {
            assert!(w[0].1 <= w[1].0 + 1e-6, "{track:?}: {w:?}");
        }
    }
}

#[tokio::test]
async fn the_report_is_one_self_contained_page() {
    let run = run().await;
    let html = run.report_html("report test");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("id=\"report-data\"") && html.contains("</html>"));
    for needle in [
        "report test",
        "makespan",
        "cpu-work.work",
        "pool.warm",
        "Timeline by task",
        "Schedule by node",
        "Nodes per pool",
        "Utilization",
        "cold start",
        "Logs",
        "working on 2",
        "caught",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    // No network: nothing is loaded from anywhere.
    assert!(
        !html.contains("http://")
            || html
                .matches("http://")
                .all(|_| html.contains("xmlns=\"http://www.w3.org/2000/svg\""))
    );
    assert!(!html.contains("<script src") && !html.contains("<link"));
    assert!(!html.contains("https://") && !html.contains("fetch(") && !html.contains("import("));
    // The data the charts draw: three `work` calls fold into one group, the fourth (`work(3)`,
    // also `cpu-work.work` with the same request) with them; the warm calls into another.
    let d = data(&html);
    let labels: Vec<&str> = d["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["label"].as_str().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["cpu-work.main", "cpu-work.work ×4", "pool.warm ×3"]
    );
    assert_eq!(d["groups"][1]["settings"], "cpu 2 · 2Gi");
    // The failed `work(3)` is the last action, after three `work` and three `warm` calls.
    assert_eq!(
        d["states"][d["act"]["state"][7].as_u64().unwrap() as usize],
        "failed"
    );
    assert_eq!(d["act"]["group"][7], 1);
    // Two fixed nodes of pool `cpu` all along.
    assert_eq!(
        d["pools"],
        serde_json::json!([{"name": "cpu", "times": [0], "counts": [2]}])
    );
    assert_eq!(d["util"]["keys"], serde_json::json!(["cpu", "memory"]));
    // The waiting and stretch read as durations and a number.
    assert!(html.contains("mean waiting<b>"), "{}", &html[..2000]);
    // Durations read as a person reads them (`3m 5s`), not as seconds past a minute.
    let makespan = flyte_dsl::human::human_duration((run.makespan_s() * 1e9).round() as i64);
    assert!(makespan.contains("m "), "{makespan}");
    assert!(
        html.contains(&format!("makespan<b>{makespan}</b>")),
        "makespan {makespan}"
    );
    assert!(run.summary().contains(&format!("makespan {makespan} ")));
}

#[tokio::test]
async fn cache_hits_are_marked() {
    let src = "env e = TaskEnvironment(name = \"e\", cache = \"auto\")\n@e\nasync task sq(x: int) -> int {\n    sleep(1m)\n    return x * x\n}\n@e\nasync task main() -> int {\n    let a = await sq(3)\n    let b = await sq(3)\n    return a + b\n}\n";
    let run = Engine::builder()
        .build()
        .compile("hits.flyte", src)
        .unwrap()
        .run("main", ())
        .await
        .unwrap();
    assert_eq!(run.json()["actions"]["cached"], 1);
    let t = run.trace_json();
    let hits: Vec<&Value> = t["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["cat"] == "cache_hit")
        .collect();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["args"]["fqn"], "e.sq");
    let html = run.report_html("hits");
    let d = data(&html);
    assert_eq!(d["groups"][1]["label"], "e.sq ×2 (1 cache hit)");
    assert_eq!(d["groups"][1]["hits"], 1);
    // The hit: the third action, when it was called (1m 5s: after the first call's cold start
    // and minute).
    assert_eq!(d["act"]["hits"].as_array().unwrap().len(), 1);
    assert_eq!(d["act"]["hits"][0][0], 2);
    assert_eq!(d["act"]["n"][2], 0);
}

#[tokio::test]
async fn large_runs_fold_into_groups_and_stay_small() {
    let src = "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))\nenv d = TaskEnvironment(name = \"d\")\n@e\nasync task leaf(i: int) -> int {\n    sleep(1s)\n    return i\n}\n@d\nasync task main(n: int) -> int {\n    return len(await gather(*[leaf(i) for i in range(n)]))\n}\n";
    let engine = Engine::builder().cluster(Cluster::from_toml_str("cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 10\ncpu = 16\nmemory = \"64Gi\"\ncost_per_hour = 1.0\n", "c.toml").unwrap()).build();
    let run = engine
        .compile("big.flyte", src)
        .unwrap()
        .run("main", serde_json::json!({"n": 20000}))
        .await
        .unwrap();
    let html = run.report_html("big");
    let d = data(&html);
    // 20,000 identical leaves: one group of 20,000 under the driver.
    assert_eq!(d["groups"].as_array().unwrap().len(), 2);
    assert_eq!(d["groups"][1]["label"], "e.leaf ×20000");
    assert_eq!(d["groups"][1]["size"], 20000);
    assert_eq!(d["act"]["group"].as_array().unwrap().len(), 20001);
    // Every attempt is in the data: 160 slots, 125 waves of 1 s, times in milliseconds.
    let ends: Vec<f64> = {
        let b = &d["bars"];
        let mut q = 0.0;
        (0..b["q"].as_array().unwrap().len())
            .map(|i| {
                q += b["q"][i].as_f64().unwrap();
                q + b["s"][i].as_f64().unwrap()
                    + b["r"][i].as_f64().unwrap()
                    + b["e"][i].as_f64().unwrap()
            })
            .collect()
    };
    assert_eq!(ends.len(), 20001);
    assert_eq!(ends.iter().copied().fold(0.0, f64::max), 125_000.0);
    assert_eq!(d["makespan"], 125_000.0);
    assert!(html.contains("The first 2000 of 20001 actions are listed."));
    assert!(html.len() < 2_000_000, "{} bytes", html.len());
}

/// `with group(...)`: actions started inside the block carry the group in the trace's args
/// (on every event of theirs); others, and those started after the block, carry null. A call
/// of a function inside the block still groups its actions.
#[tokio::test]
async fn with_group_marks_actions_in_the_trace() {
    let src = r#"
env e = TaskEnvironment(name = "e", resources = Resources(cpu = 1))

@e
async task leaf(i: int) -> int {
    sleep(1s)
    return i
}

async fn two(base: int) -> list[int] {
    return await gather(*[leaf(base + k) for k in range(2)])
}

@e
async task main() -> int {
    let total = 0
    with group("stage-a") {
        let xs = await gather(*[leaf(i) for i in range(2)])
        total += sum(xs)
        total += sum(await two(10))
    }
    total += await leaf(100)
    return total
}
"#;
    let engine = Engine::builder()
        .cluster(Cluster::from_toml_str(CLUSTER, "c.toml").unwrap())
        .build();
    let run = engine
        .compile("g.flyte", src)
        .unwrap()
        .run("main", ())
        .await
        .unwrap();
    assert_eq!(run.output::<i64>().unwrap(), 1 + 10 + 11 + 100);
    let t = run.trace_json();
    let mut by_input: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for e in t["traceEvents"].as_array().unwrap() {
        let args = &e["args"];
        let Some(fqn) = args["fqn"].as_str() else {
            continue;
        };
        if !fqn.ends_with("leaf") {
            continue;
        }
        let group = args["group"].as_str().unwrap_or("null").to_string();
        by_input
            .entry(args["inputs"].as_str().unwrap().to_string())
            .or_default()
            .insert(group);
    }
    assert_eq!(by_input.len(), 5, "{by_input:?}");
    for (inputs, groups) in &by_input {
        let want = if inputs.contains("100") {
            "null"
        } else {
            "stage-a"
        };
        assert_eq!(
            groups.iter().collect::<Vec<_>>(),
            vec![want],
            "leaf{inputs}"
        );
    }
}
