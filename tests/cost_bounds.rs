//! Costs stay finite: an absurd `cost_per_hour` is refused when the cluster loads, and the
//! accounting of a cluster built in code never reports a non-finite (JSON `null`) cost.

use flyte_dsl::check::{self, imports};
use flyte_dsl::diagnostics::SourceMap;
use flyte_dsl::runtime::{self, Program, RunOptions};
use flyte_dsl::sim::Cluster;

fn cluster(cost: &str) -> String {
    format!("cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 3\nmemory = \"64Gi\"\ncost_per_hour = {cost}\n")
}

#[test]
fn absurd_or_non_finite_costs_are_refused_at_load() {
    for bad in ["1e308", "1e7", "inf", "nan", "-1.0", "1000001"] {
        let err = Cluster::from_toml_str(&cluster(bad), "c.toml")
            .err()
            .unwrap_or_else(|| panic!("cost_per_hour = {bad} was accepted"));
        let msg = format!("{err:?}");
        assert!(msg.contains("cost_per_hour"), "{bad}: {msg}");
        assert!(msg.contains("from 0 to 1000000"), "{bad}: {msg}");
    }
    for good in ["0", "3.6", "1000000", "1e6"] {
        let c = Cluster::from_toml_str(&cluster(good), "c.toml").unwrap();
        assert_eq!(c.pools[0].cost_per_hour, good.parse::<f64>().unwrap());
    }
}

fn run(src: &str, cluster: &Cluster) -> serde_json::Value {
    let mut map = SourceMap::new();
    let loaded = imports::load(&mut map, "t.flyte", src.as_bytes(), &imports::no_files);
    let (checked, diags) = check::check_program(&loaded, &check::Options::default());
    assert!(diags.iter().all(|d| !d.is_error()));
    let prog = Program::new(loaded, checked);
    let outcome = runtime::run(&prog, "main", vec![], cluster, RunOptions::default());
    flyte_dsl::report::summary_json(&outcome)
}

#[test]
fn a_huge_rate_set_in_code_gives_a_finite_cost_not_null() {
    let mut c = Cluster::from_toml_str(&cluster("1.0"), "c.toml").unwrap();
    c.pools[0].cost_per_hour = f64::MAX;
    // Two node-hours at the largest rate overflow to the largest float, not infinity.
    let src = "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n@e\ntask main() -> int {\n    sleep(2h)\n    return 1\n}\n";
    let j = run(src, &c);
    assert_eq!(j["status"], "succeeded", "{j}");
    assert_eq!(j["cost_usd"].as_f64(), Some(f64::MAX), "{j}");
}
