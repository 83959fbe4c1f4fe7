//! Capacity planning: the same workflow on two cluster shapes, makespan and cost for each.
//!
//!     cargo run --example compare_clusters

use flyte_dsl::{Cluster, Engine};

const WORKFLOW: &str = r#"
env etl = TaskEnvironment(name = "etl", resources = Resources(cpu = 4, memory = "8Gi"))

@etl
async task shard(i: int) -> int {
    compute(40m)                # 40 CPU-minutes on 4 cores: 10 minutes
    return i
}

@etl
async task main(n: int) -> int {
    return len(await gather(*[shard(i) for i in range(n)]))
}
"#;

const FEW_BIG: &str = "cold_start = \"5s\"\nimage_pull = \"30s\"\n[[pool]]\nname = \"big\"\ncount = 2\ncpu = 64\nmemory = \"256Gi\"\ncost_per_hour = 3.2\n";
const MANY_SMALL: &str = "cold_start = \"5s\"\nimage_pull = \"30s\"\n[[pool]]\nname = \"small\"\ncount = 16\ncpu = 8\nmemory = \"32Gi\"\ncost_per_hour = 0.45\n";

#[tokio::main]
async fn main() {
    println!("{:<12} {:>12} {:>10}", "cluster", "makespan", "cost");
    for (name, toml) in [("2 x 64 CPU", FEW_BIG), ("16 x 8 CPU", MANY_SMALL)] {
        let cluster = Cluster::from_toml_str(toml, name).expect("a valid cluster");
        let engine = Engine::builder().cluster(cluster).build();
        let program = engine
            .compile("etl.flyte", WORKFLOW)
            .expect("a valid workflow");
        let run = program
            .run("main", serde_json::json!({"n": 60}))
            .await
            .expect("valid arguments");
        println!(
            "{name:<12} {:>10.0} s {:>9.2} $",
            run.makespan_s(),
            run.cost_usd()
        );
    }
}
