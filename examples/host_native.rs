//! A host program: registers a host function and a host task, and runs a script that calls
//! both.
//!
//!     cargo run --example host_native

use flyte_dsl::{Engine, HostError};

const SCRIPT: &str = r#"
env api = TaskEnvironment(name = "pricing", resources = Resources(cpu = 1, memory = "1Gi"))
env host = TaskEnvironment(name = "host-env", resources = Resources(cpu = 1))

@api
async task quote(item: str) -> float {
    sleep(2s)                                   # the remote call, in virtual time
    let stock = await stock_of(item)            # a host task: an action of `host-env`
    return price_of(item) * 1.2 * stock         # a host function
}

@api
async task main(items: list[str]) -> dict[str, float] {
    let prices = await gather(*[quote(i) for i in items])
    return {item: p for (item, p) in zip(items, prices)}
}
"#;

#[tokio::main]
async fn main() {
    let engine = Engine::builder()
        .native_fn("price_of", |item: String| -> Result<f64, HostError> {
            match item.as_str() {
                "apple" => Ok(0.5),
                "pear" => Ok(0.75),
                other => Err(HostError::new(format!("no price for {other}"))),
            }
        })
        .native_task("host-env", "stock_of", |item: String| async move {
            // Real async work would go here (a database, an HTTP call, ...).
            Ok::<f64, HostError>(if item == "apple" { 10.0 } else { 4.0 })
        })
        .on_event(|e| {
            if let flyte_dsl::EventKind::Succeeded = e.kind {
                println!("  t={:>5.1}s  {} succeeded", e.at_s, e.task);
            }
        })
        .build();
    let program = match engine.compile("pricing.flyte", SCRIPT) {
        Ok(p) => p,
        Err(diags) => {
            eprint!("{}", diags.render(true));
            std::process::exit(1);
        }
    };
    let run = program
        .run("main", serde_json::json!({"items": ["apple", "pear"]}))
        .await
        .expect("valid arguments");
    let prices: std::collections::BTreeMap<String, f64> = run.output().expect("the run succeeds");
    println!("{prices:?}");
    print!("{}", run.summary());
}
