//! The shipped stdlib data matches the specification: the default cluster is exactly the
//! table of RUNTIME.md section 3.

#[test]
fn default_cluster_is_the_specified_one() {
    let text = include_str!("../stdlib/default-cluster.toml");
    let v: toml::Value = toml::from_str(text).unwrap();
    assert_eq!(v["cold_start"].as_str(), Some("5s"));
    assert_eq!(v["image_pull"].as_str(), Some("30s"));
    assert_eq!(v["preemption_rate"].as_float(), Some(0.0));
    assert_eq!(v["system_retries"].as_integer(), Some(3));
    let pools: Vec<String> = v["pool"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let accel = p
                .get("gpu")
                .or(p.get("tpu"))
                .and_then(|a| a.as_str())
                .unwrap_or("-");
            format!(
                "{} {} {} {} {} {} {:.2} {}",
                p["name"].as_str().unwrap(),
                p["count"].as_integer().unwrap(),
                p["cpu"].as_integer().unwrap(),
                p["memory"].as_str().unwrap(),
                p["disk"].as_str().unwrap(),
                accel,
                p["cost_per_hour"].as_float().unwrap(),
                p["spot"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pools,
        [
            "cpu 4 16 64Gi 500Gi - 0.80 false",
            "cpu-spot 4 16 64Gi 500Gi - 0.25 true",
            "t4 2 16 64Gi 500Gi T4:4 3.90 false",
            "a100 1 96 1152Gi 2000Gi A100:8 32.00 false",
            "h100 1 192 2048Gi 4000Gi H100:8 98.00 false",
            "tpu 1 208 448Gi 500Gi V5P:2x2x1 17.00 false",
        ]
    );
}
