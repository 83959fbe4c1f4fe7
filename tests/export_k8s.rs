//! `flyte-dsl export k8s`: the pods each task's resources imply, checked field by field, parsed
//! back into k8s-openapi's `Pod`, and compared with flyte-sdk's own serialization of the same
//! environments (tests/flyte-sdk/k8s_resources.py, which also transcribes propeller's rules).

use flyte_dsl::check::imports;
use flyte_dsl::diagnostics::SourceMap;
use flyte_dsl::export;
use flyte_dsl::resources::quantity::{parse_bytes, parse_cpu_milli};
use flyte_dsl::sim::Cluster;
use k8s_openapi::api::core::v1::{Pod, Toleration, Volume};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[path = "export_k8s/flyte_sdk.rs"]
mod flyte_sdk;
mod support;

/// A cluster with a pool for every device the cases ask for, so that the checker's
/// schedulability check (`E0309`) passes.
const CLUSTER: &str = r#"
[[pool]]
name = "cpu"
count = 1
cpu = 64
memory = "512Gi"

[[pool]]
name = "cpu-spot"
count = 1
cpu = 64
memory = "512Gi"
spot = true

[[pool]]
name = "a100"
count = 1
cpu = 96
memory = "1152Gi"
gpu = "A100:8"
"#;

const MORE_POOLS: &[(&str, &str)] = &[
    ("h100", r#"gpu = "H100:8""#),
    ("a100-80", r#"gpu = "A100_80G:8""#),
    ("h200", r#"gpu = "H200:8""#),
    ("l40s", r#"gpu = "L40s:8""#),
    ("t4-shared", r#"gpu = "T4 shared:1""#),
    ("t4", r#"gpu = "T4:4""#),
    ("v5p", r#"tpu = "V5P:2x2x1""#),
    ("v5e", r#"tpu = "V5E:2x4""#),
    ("trn1", r#"gpu = "Trn1:16""#),
    ("inf2", r#"gpu = "Inf2:12""#),
    ("mi300x", r#"gpu = "MI300X:1""#),
    ("gaudi", r#"gpu = "Gaudi1:1""#),
];

fn cluster() -> Cluster {
    let mut text = CLUSTER.to_string();
    for (name, accel) in MORE_POOLS {
        text.push_str(&format!(
            "\n[[pool]]\nname = \"{name}\"\ncount = 1\ncpu = 96\nmemory = \"1024Gi\"\n{accel}\n"
        ));
    }
    Cluster::from_toml_str(&text, "test-cluster.toml").unwrap()
}

/// One environment: its name, its `Resources(...)` (the same text in the language and in
/// Python), whether it is interruptible, its image.
struct Case {
    env: &'static str,
    resources: Option<&'static str>,
    interruptible: bool,
    image: Option<&'static str>,
}

const fn case(env: &'static str, resources: &'static str) -> Case {
    Case {
        env,
        resources: Some(resources),
        interruptible: false,
        image: None,
    }
}

const CASES: &[Case] = &[
    case("scalars", r#"Resources(cpu = 2, memory = "4Gi")"#),
    case("strings", r#"Resources(cpu = "500m", memory = "512Mi")"#),
    case("fractions", r#"Resources(cpu = 0.25, memory = "1.5Gi")"#),
    case(
        "decimal",
        r#"Resources(cpu = "1500m", memory = "1G", disk = "20G")"#,
    ),
    case(
        "tuples",
        r#"Resources(cpu = (1, 4), memory = ("2Gi", "8Gi"), disk = "50Gi", shm = "2Gi")"#,
    ),
    case("shm-auto", r#"Resources(cpu = 1, shm = "auto")"#),
    Case {
        env: "defaults",
        resources: None,
        interruptible: false,
        image: None,
    },
    case(
        "gpu-string",
        r#"Resources(cpu = 16, memory = "128Gi", gpu = "A100:2")"#,
    ),
    case("gpu-count", r#"Resources(cpu = 4, gpu = 2)"#),
    case(
        "mig-a100",
        r#"Resources(cpu = 2, memory = "8Gi", gpu = GPU(device = "A100", quantity = 1, partition = "1g.5gb"))"#,
    ),
    case(
        "mig-h100",
        r#"Resources(cpu = 8, gpu = GPU(device = "H100", quantity = 1, partition = "3g.40gb"))"#,
    ),
    case(
        "mig-a100-80g",
        r#"Resources(gpu = GPU(device = "A100_80G", quantity = 1, partition = "7g.80gb"))"#,
    ),
    case(
        "gpu-helper",
        r#"Resources(gpu = GPU(device = "H100", quantity = 4))"#,
    ),
    case("h200", r#"Resources(gpu = "H200:4")"#),
    case("l40s", r#"Resources(gpu = "L40s:1")"#),
    case("t4-shared", r#"Resources(gpu = "T4 shared:1")"#),
    case(
        "tpu-v5p",
        r#"Resources(cpu = 32, memory = "128Gi", gpu = TPU(device = "V5P", partition = "2x2x1"))"#,
    ),
    case(
        "tpu-v5e",
        r#"Resources(gpu = TPU(device = "V5E", partition = "2x4"))"#,
    ),
    case("trn1", r#"Resources(gpu = "Trn1:16")"#),
    case("inf2", r#"Resources(gpu = Neuron(device = "Inf2"))"#),
    case("mi300x", r#"Resources(gpu = AMD_GPU(device = "MI300X"))"#),
    case(
        "gaudi",
        r#"Resources(gpu = HABANA_GAUDI(device = "Gaudi1"))"#,
    ),
    Case {
        env: "spot",
        resources: Some(r#"Resources(cpu = 2)"#),
        interruptible: true,
        image: None,
    },
    Case {
        env: "custom-image",
        resources: Some(r#"Resources(cpu = 1)"#),
        interruptible: false,
        image: Some("python:3.12-slim"),
    },
];

/// The program declaring every case's environment with one task `t{i}`, then a `clone_with`
/// family that only the language side knows.
fn program() -> String {
    let mut src = String::new();
    for (i, c) in CASES.iter().enumerate() {
        let mut args = format!("name = \"{}\"", c.env);
        if let Some(r) = c.resources {
            args.push_str(&format!(", resources = {r}"));
        }
        if c.interruptible {
            args.push_str(", interruptible = true");
        }
        if let Some(img) = c.image {
            args.push_str(&format!(", image = \"{img}\""));
        }
        src.push_str(&format!(
            "env e{i} = TaskEnvironment({args})\n@e{i}\nasync task t{i}() -> int {{ return 1 }}\n"
        ));
    }
    src.push_str(
        r#"env base = TaskEnvironment(name = "base", resources = Resources(cpu = (2, 8), memory = "16Gi", gpu = "T4:1"), env_vars = {"MODE": "fast"})
env child = base.clone_with(name = "child", interruptible = true)
env other = base.clone_with(name = "other", resources = Resources(memory = "2Gi"))
@base
async task on_base() -> int { return 1 }
@child
async task on_child() -> int { return 1 }
@other
async task on_other() -> int { return 1 }
@base(interruptible = true)
async task spot_task() -> int { return 1 }
"#,
    );
    src
}

fn export_text(src: &str) -> String {
    let mut map = SourceMap::new();
    let prepared = export::prepare(
        &mut map,
        "k8s.flyte",
        src.as_bytes(),
        &imports::no_files,
        &cluster(),
    )
    .unwrap_or_else(|d| panic!("{d:#?}"));
    export::k8s::export(&prepared)
}

fn parse_pods(text: &str) -> Vec<Pod> {
    serde_norway::Deserializer::from_str(text)
        .map(|doc| Pod::deserialize(doc).expect("a v1 Pod"))
        .collect()
}

fn all_pods() -> Vec<Pod> {
    parse_pods(&export_text(&program()))
}

fn annotation<'a>(pod: &'a Pod, key: &str) -> &'a str {
    pod.metadata.annotations.as_ref().unwrap()[key].as_str()
}

fn by_env<'a>(pods: &'a [Pod], env: &str) -> &'a Pod {
    pods.iter()
        .find(|p| annotation(p, "flyte-dsl/environment") == env)
        .unwrap_or_else(|| panic!("no pod for {env}"))
}

fn by_fqn<'a>(pods: &'a [Pod], fqn: &str) -> &'a Pod {
    pods.iter()
        .find(|p| annotation(p, "flyte-dsl/fqn") == fqn)
        .unwrap_or_else(|| panic!("no pod for {fqn}"))
}

type Quantities = BTreeMap<String, String>;

/// (requests, limits) of the only container.
fn resources(pod: &Pod) -> (Quantities, Quantities) {
    let spec = pod.spec.as_ref().unwrap();
    assert_eq!(spec.containers.len(), 1);
    let r = spec.containers[0].resources.as_ref().unwrap();
    let plain =
        |m: &Option<BTreeMap<String, k8s_openapi::apimachinery::pkg::api::resource::Quantity>>| {
            m.iter()
                .flatten()
                .map(|(k, v)| (k.clone(), v.0.clone()))
                .collect::<Quantities>()
        };
    (plain(&r.requests), plain(&r.limits))
}

fn q(pairs: &[(&str, &str)]) -> Quantities {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// (key, operator, values) of the required node-affinity expressions.
fn affinity(pod: &Pod) -> Vec<(String, String, Vec<String>)> {
    let Some(a) = &pod.spec.as_ref().unwrap().affinity else {
        return Vec::new();
    };
    let terms = &a
        .node_affinity
        .as_ref()
        .unwrap()
        .required_during_scheduling_ignored_during_execution
        .as_ref()
        .unwrap()
        .node_selector_terms;
    assert_eq!(terms.len(), 1);
    terms[0]
        .match_expressions
        .iter()
        .flatten()
        .map(|e| {
            (
                e.key.clone(),
                e.operator.clone(),
                e.values.clone().unwrap_or_default(),
            )
        })
        .collect()
}

fn tolerations(pod: &Pod) -> Vec<Toleration> {
    pod.spec
        .as_ref()
        .unwrap()
        .tolerations
        .clone()
        .unwrap_or_default()
}

fn tol(key: &str, value: &str) -> Toleration {
    Toleration {
        key: Some(key.into()),
        value: Some(value.into()),
        operator: Some("Equal".into()),
        effect: Some("NoSchedule".into()),
        ..Default::default()
    }
}

fn sel(key: &str, value: &str) -> (String, String, Vec<String>) {
    (key.into(), "In".into(), vec![value.into()])
}

const ACC: &str = "k8s.amazonaws.com/accelerator";
const PART: &str = "k8s.amazonaws.com/gpu-partition-size";

#[test]
fn cpu_memory_disk_requests_and_limits() {
    let pods = all_pods();
    let rl = |env| resources(by_env(&pods, env));
    // A scalar is the request; propeller makes the limit equal.
    let both = q(&[("cpu", "2"), ("memory", "4Gi")]);
    assert_eq!(rl("scalars"), (both.clone(), both));
    let both = q(&[("cpu", "500m"), ("memory", "512Mi")]);
    assert_eq!(rl("strings"), (both.clone(), both));
    let both = q(&[("cpu", "250m"), ("memory", "1536Mi")]);
    assert_eq!(rl("fractions"), (both.clone(), both));
    let both = q(&[
        ("cpu", "1500m"),
        ("ephemeral-storage", "20G"),
        ("memory", "1G"),
    ]);
    assert_eq!(rl("decimal"), (both.clone(), both));
    // Tuples are (request, limit); disk is both.
    assert_eq!(
        rl("tuples"),
        (
            q(&[
                ("cpu", "1"),
                ("ephemeral-storage", "50Gi"),
                ("memory", "2Gi")
            ]),
            q(&[
                ("cpu", "4"),
                ("ephemeral-storage", "50Gi"),
                ("memory", "8Gi")
            ]),
        )
    );
    // Unset CPU and memory are propeller's defaults.
    let defaults = q(&[("cpu", "1"), ("memory", "1Gi")]);
    assert_eq!(rl("defaults"), (defaults.clone(), defaults));
    let (req, _) = rl("shm-auto");
    assert_eq!(req, q(&[("cpu", "1"), ("memory", "1Gi")]));
}

#[test]
fn shared_memory_is_a_memory_volume_at_dev_shm() {
    let pods = all_pods();
    for (env, size) in [("tuples", "2Gi"), ("shm-auto", "0")] {
        let spec = by_env(&pods, env).spec.as_ref().unwrap();
        let volumes = spec.volumes.as_ref().unwrap();
        assert_eq!(volumes.len(), 1);
        assert_eq!(volumes[0].name, "flyte-shm");
        let dir = volumes[0].empty_dir.as_ref().unwrap();
        assert_eq!(dir.medium.as_deref(), Some("Memory"));
        assert_eq!(dir.size_limit.as_ref().unwrap().0, size);
        let mounts = spec.containers[0].volume_mounts.as_ref().unwrap();
        assert_eq!(mounts.len(), 1);
        assert_eq!(
            (mounts[0].name.as_str(), mounts[0].mount_path.as_str()),
            ("flyte-shm", "/dev/shm")
        );
    }
    let spec = by_env(&pods, "scalars").spec.as_ref().unwrap();
    assert!(spec.volumes.is_none() && spec.containers[0].volume_mounts.is_none());
}

#[test]
fn gpus_select_and_tolerate_their_device_and_partition() {
    let pods = all_pods();
    let gpu = |env, n: &str| {
        let (req, lim) = resources(by_env(&pods, env));
        assert_eq!(req["nvidia.com/gpu"], n, "{env}");
        assert_eq!(lim["nvidia.com/gpu"], n, "{env}");
    };
    gpu("gpu-string", "2");
    let p = by_env(&pods, "gpu-string");
    assert_eq!(affinity(p), vec![sel(ACC, "nvidia-tesla-a100")]);
    assert_eq!(tolerations(p), vec![tol(ACC, "nvidia-tesla-a100")]);

    // A bare count: any GPU, no placement.
    gpu("gpu-count", "2");
    let p = by_env(&pods, "gpu-count");
    assert!(affinity(p).is_empty() && tolerations(p).is_empty());

    // MIG: the partition label too, and the pod is labelled with its slices.
    for (env, device, part, slices) in [
        ("mig-a100", "nvidia-tesla-a100", "1g.5gb", "1"),
        ("mig-h100", "nvidia-tesla-h100", "3g.40gb", "3"),
        ("mig-a100-80g", "nvidia-a100-80gb", "7g.80gb", "7"),
    ] {
        gpu(env, "1");
        let p = by_env(&pods, env);
        assert_eq!(
            affinity(p),
            vec![sel(ACC, device), sel(PART, part)],
            "{env}"
        );
        assert_eq!(tolerations(p), vec![tol(ACC, device), tol(PART, part)]);
        let labels = p.metadata.labels.as_ref().unwrap();
        assert_eq!(labels["platform.union.ai/gpu-partition-slices"], slices);
    }
    gpu("gpu-helper", "4");
    assert_eq!(
        affinity(by_env(&pods, "gpu-helper")),
        vec![sel(ACC, "nvidia-tesla-h100")]
    );
    // flyte-sdk leaves H200 alone, propeller's table names it; L40s is flyte-sdk's.
    gpu("h200", "4");
    assert_eq!(
        affinity(by_env(&pods, "h200")),
        vec![sel(ACC, "nvidia-h200")]
    );
    assert_eq!(
        affinity(by_env(&pods, "l40s")),
        vec![sel(ACC, "nvidia-l40s")]
    );
    assert_eq!(
        tolerations(by_env(&pods, "t4-shared")),
        vec![tol(ACC, "T4 shared")]
    );
}

#[test]
fn tpus_and_other_device_plugins() {
    let pods = all_pods();
    const TPU_ACC: &str = "cloud.google.com/gke-tpu-accelerator";
    const TOPOLOGY: &str = "cloud.google.com/gke-tpu-topology";
    for (env, device, topology) in [
        ("tpu-v5p", "tpu-v5p-slice", "2x2x1"),
        ("tpu-v5e", "tpu-v5-lite-podslice", "2x4"),
    ] {
        let p = by_env(&pods, env);
        let (req, lim) = resources(p);
        assert_eq!(
            (
                req["google.com/tpu"].as_str(),
                lim["google.com/tpu"].as_str()
            ),
            ("1", "1")
        );
        assert!(!req.contains_key("nvidia.com/gpu"));
        assert_eq!(
            affinity(p),
            vec![sel(TPU_ACC, device), sel(TOPOLOGY, topology)]
        );
        assert_eq!(
            tolerations(p),
            vec![tol(TPU_ACC, device), tol(TOPOLOGY, topology)]
        );
        // A topology is no MIG partition: no slice label.
        assert!(!p
            .metadata
            .labels
            .as_ref()
            .unwrap()
            .contains_key("platform.union.ai/gpu-partition-slices"));
    }
    for (env, resource, n, device) in [
        ("trn1", "aws.amazon.com/neuron", "16", "aws-neuron-trn1"),
        ("inf2", "aws.amazon.com/neuron", "1", "aws-neuron-inf2"),
        ("mi300x", "amd.com/gpu", "1", "amd-mi300x"),
        ("gaudi", "habana.ai/gaudi", "1", "habana-gaudi-dl1"),
    ] {
        let p = by_env(&pods, env);
        let (req, lim) = resources(p);
        assert_eq!(req[resource], n, "{env}");
        assert_eq!(lim[resource], n, "{env}");
        assert_eq!(affinity(p), vec![sel(ACC, device)], "{env}");
        assert_eq!(tolerations(p), vec![tol(ACC, device)], "{env}");
    }
}

#[test]
fn clone_with_interruptible_image_and_env_vars() {
    let pods = all_pods();
    let base = by_fqn(&pods, "base.on_base");
    let child = by_fqn(&pods, "child.on_child");
    // clone_with inherits the resources...
    assert_eq!(resources(base), resources(child));
    assert_eq!(
        resources(base).0,
        q(&[("cpu", "2"), ("memory", "16Gi"), ("nvidia.com/gpu", "1")])
    );
    assert_eq!(resources(base).1["cpu"], "8");
    assert_eq!(affinity(child), vec![sel(ACC, "nvidia-tesla-t4")]);
    // ...and env vars; a new `resources` replaces them whole, as in flyte-sdk.
    let other = by_fqn(&pods, "other.on_other");
    assert_eq!(resources(other).0, q(&[("cpu", "1"), ("memory", "2Gi")]));
    assert!(affinity(other).is_empty());
    let env = base.spec.as_ref().unwrap().containers[0]
        .env
        .clone()
        .unwrap();
    assert_eq!(
        (env[0].name.as_str(), env[0].value.as_deref()),
        ("MODE", Some("fast"))
    );
    assert_eq!(
        child.spec.as_ref().unwrap().containers[0]
            .env
            .as_ref()
            .unwrap()[0]
            .name,
        "MODE"
    );

    assert_eq!(annotation(base, "flyte-dsl/interruptible"), "false");
    assert_eq!(annotation(child, "flyte-dsl/interruptible"), "true");
    assert_eq!(
        annotation(by_fqn(&pods, "base.spot_task"), "flyte-dsl/interruptible"),
        "true"
    );
    assert_eq!(
        annotation(by_env(&pods, "spot"), "flyte-dsl/interruptible"),
        "true"
    );
    // With propeller's default configuration, interruptible adds no toleration.
    assert!(tolerations(by_env(&pods, "spot")).is_empty());

    let image = |env| {
        by_env(&pods, env).spec.as_ref().unwrap().containers[0]
            .image
            .clone()
            .unwrap()
    };
    assert_eq!(image("custom-image"), "python:3.12-slim");
    assert_eq!(image("scalars"), "ghcr.io/flyteorg/flyte:py3.11-v2.12.1");
}

#[test]
fn every_document_is_a_named_v1_pod() {
    let text = export_text(&program());
    let pods = parse_pods(&text);
    assert_eq!(pods.len(), CASES.len() + 4);
    let mut names = std::collections::HashSet::new();
    for p in &pods {
        let name = p.metadata.name.clone().unwrap();
        assert!(name.len() <= 63, "{name}");
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{name}"
        );
        assert!(names.insert(name.clone()), "duplicate {name}");
        let spec = p.spec.as_ref().unwrap();
        assert_eq!(spec.containers[0].name, name);
        assert_eq!(spec.restart_policy.as_deref(), Some("Never"));
        assert_eq!(spec.enable_service_links, Some(false));
        assert_eq!(
            annotation(p, "cluster-autoscaler.kubernetes.io/safe-to-evict"),
            "false"
        );
        for v in p.metadata.labels.as_ref().unwrap().values() {
            assert!(
                v.len() <= 63 && !v.starts_with('-') && !v.ends_with('-'),
                "{v}"
            );
        }
    }
    assert_eq!(
        by_fqn(&pods, "mig-a100.t9").metadata.name.as_deref(),
        Some("mig-a100-t9")
    );
    // The same program exports the same bytes.
    assert_eq!(text, export_text(&program()));
    // Also as generic YAML: apiVersion and kind at the top of every document.
    for doc in serde_norway::Deserializer::from_str(&text) {
        let v = serde_norway::Value::deserialize(doc).unwrap();
        assert_eq!(v["apiVersion"].as_str(), Some("v1"));
        assert_eq!(v["kind"].as_str(), Some("Pod"));
    }
}

// ---------------------------------------------------------------------------------------------
// The command line
// ---------------------------------------------------------------------------------------------

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flyte-dsl-k8s-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn cli_writes_the_pods_and_nothing_for_a_script_with_errors() {
    let dir = temp_dir();
    let out = dir.join("resources.yaml");
    let status = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
        .args(["export", "k8s"])
        .arg(repo().join("examples/resources.flyte"))
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(0), "{status:?}");
    let text = std::fs::read_to_string(&out).unwrap();
    let pods = parse_pods(&text);
    assert_eq!(pods.len(), 7);
    let tune = by_fqn(&pods, "a100-mig.tune");
    assert_eq!(
        affinity(tune),
        vec![sel(ACC, "nvidia-tesla-a100"), sel(PART, "1g.5gb")]
    );

    let bad = dir.join("bad.flyte");
    std::fs::write(
        &bad,
        "env e = TaskEnvironment(name = \"e\", resources = Resources(memory = \"4GB\"))\n@e\nasync task t() -> int { return 1 }\n",
    )
    .unwrap();
    let out = dir.join("bad.yaml");
    let status = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
        .args(["export", "k8s"])
        .arg(&bad)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&status.stderr).contains("E0301"));
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The example in docs/export-k8s.md is what the export writes for its script.
#[test]
fn the_documented_example_is_current() {
    let doc = std::fs::read_to_string(repo().join("docs/export-k8s.md")).unwrap();
    let block = |fence: &str| {
        let start = doc.find(fence).unwrap() + fence.len();
        let len = doc[start..].find("```").unwrap();
        doc[start..start + len].to_string()
    };
    let (script, yaml) = (block("## Example\n\n```\n"), block("```yaml\n"));
    let text = export_text(&script);
    assert_eq!(text.strip_prefix(export::k8s::HEADER), Some(yaml.as_str()));
}
