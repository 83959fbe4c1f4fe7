//! The pods against flyte-sdk 2.12.1's own serialization of the same environments and tasks
//! (tests/flyte-sdk/k8s_resources.py), and the script's transcription of propeller's rules.

use super::*;

/// A volume with its size limit in bytes, to compare sizes by amount.
fn bytes_size_limit(mut v: Volume) -> Volume {
    if let Some(d) = v.empty_dir.as_mut() {
        d.size_limit = d
            .size_limit
            .take()
            .map(|s| Quantity(parse_bytes(&s.0).unwrap().to_string()));
    }
    v
}

use crate::support::python;

/// The same environments and tasks for k8s_resources.py: every case's task `t{i}`, and the
/// `clone_with` family of [`program`].
fn sdk_cases() -> Vec<Value> {
    let mut cases: Vec<Value> = CASES
        .iter()
        .enumerate()
        .map(|(i, c)| {
            json!({"env": c.env, "task": format!("t{i}"), "resources": c.resources,
                   "interruptible": c.interruptible, "image": c.image})
        })
        .collect();
    cases.extend([
        json!({"env": "base", "task": "on_base", "env_vars": {"MODE": "fast"},
               "resources": r#"Resources(cpu = (2, 8), memory = "16Gi", gpu = "T4:1")"#}),
        json!({"env": "child", "task": "on_child", "clone_of": "base", "interruptible": true}),
        json!({"env": "other", "task": "on_other", "clone_of": "base",
               "resources": r#"Resources(memory = "2Gi")"#}),
        json!({"env": "base", "task": "spot_task", "task_interruptible": true}),
    ]);
    cases
}

fn flyte_sdk(python: &Path) -> Value {
    let cases = sdk_cases();
    let mut child = Command::new(python)
        .arg(repo().join("tests/flyte-sdk/k8s_resources.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    serde_json::to_writer(child.stdin.take().unwrap(), &cases).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "k8s_resources.py failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A quantity as a number: millicores for CPU, bytes for sizes, a count otherwise.
fn amount(resource: &str, text: &str) -> u64 {
    match resource {
        "cpu" => parse_cpu_milli(text).unwrap(),
        "memory" | "ephemeral-storage" => parse_bytes(text).unwrap(),
        _ => text.parse().unwrap(),
    }
}

fn amounts(m: &Value) -> BTreeMap<String, u64> {
    m.as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), amount(k, v.as_str().unwrap())))
        .collect()
}

fn our_amounts(m: &Quantities) -> BTreeMap<String, u64> {
    m.iter().map(|(k, v)| (k.clone(), amount(k, v))).collect()
}

fn device_resource(class: Option<&str>) -> &'static str {
    match class {
        Some("GOOGLE_TPU") => "google.com/tpu",
        Some("AMAZON_NEURON") => "aws.amazon.com/neuron",
        Some("AMD_GPU") => "amd.com/gpu",
        Some("HABANA_GAUDI") => "habana.ai/gaudi",
        _ => "nvidia.com/gpu",
    }
}

#[test]
fn matches_flyte_sdk_serialization_and_propeller() {
    let Some(python) = python() else { return };
    let sdk = flyte_sdk(&python);
    let pods = all_pods();
    let sdk = sdk.as_object().unwrap();
    assert_eq!(sdk.len(), sdk_cases().len());
    for (fqn, entry) in sdk {
        let env = fqn.as_str();
        let got = by_fqn(&pods, fqn);
        let (req, lim) = resources(got);
        let proto = &entry["proto"];

        // What flyte-sdk wrote is in the pod, under Kubernetes' names.
        let class = proto["accelerator"]["device_class"].as_str();
        for (entries, ours) in [(&proto["requests"], &req), (&proto["limits"], &lim)] {
            for (name, value) in amounts(entries) {
                let k8s = if name == "gpu" {
                    device_resource(class).to_string()
                } else {
                    name
                };
                assert_eq!(amount(&k8s, &ours[&k8s]), value, "{env}: {k8s}");
            }
        }
        assert_eq!(
            proto["interruptible"].as_bool().unwrap(),
            annotation(got, "flyte-dsl/interruptible") == "true",
            "{env}"
        );
        let image = got.spec.as_ref().unwrap().containers[0]
            .image
            .clone()
            .unwrap();
        let sdk_image = proto["image"].as_str().unwrap();
        if !sdk_image.starts_with("ghcr.io/flyteorg/flyte:py") || sdk_image.contains(":py3.11-") {
            assert_eq!(image, sdk_image, "{env}");
        } else {
            // flyte-sdk's tag names the interpreter's Python; the export assumes 3.11.
            assert!(
                sdk_image.starts_with("ghcr.io/flyteorg/flyte:py")
                    && sdk_image.ends_with("-v2.12.1")
            );
        }
        let vars: BTreeMap<String, String> = got.spec.as_ref().unwrap().containers[0]
            .env
            .iter()
            .flatten()
            .map(|v| (v.name.clone(), v.value.clone().unwrap_or_default()))
            .collect();
        assert_eq!(
            vars,
            serde_json::from_value(proto["env"].clone()).unwrap(),
            "{env}"
        );
        let shm = &proto["shared_memory"];
        let volumes = got
            .spec
            .as_ref()
            .unwrap()
            .volumes
            .clone()
            .unwrap_or_default();
        if shm.is_null() {
            assert!(volumes.is_empty(), "{env}");
        } else {
            let size = shm["size_limit"].as_str().unwrap();
            let ours = &volumes[0]
                .empty_dir
                .as_ref()
                .unwrap()
                .size_limit
                .as_ref()
                .unwrap()
                .0;
            let want = if size.is_empty() {
                0
            } else {
                parse_bytes(size).unwrap()
            };
            assert_eq!(parse_bytes(ours).unwrap(), want, "{env}");
            assert_eq!(volumes[0].name, shm["mount_name"].as_str().unwrap());
        }

        // The pod propeller builds from it (the script's transcription of propeller).
        let pod = &entry["pod"];
        assert_eq!(
            our_amounts(&req),
            amounts(&pod["requests"]),
            "{env} requests"
        );
        assert_eq!(our_amounts(&lim), amounts(&pod["limits"]), "{env} limits");
        let exprs: Vec<(String, String, Vec<String>)> =
            serde_json::from_value::<Vec<Value>>(pod["matchExpressions"].clone())
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["key"].as_str().unwrap().into(),
                        e["operator"].as_str().unwrap().into(),
                        serde_json::from_value(e["values"].clone()).unwrap(),
                    )
                })
                .collect();
        assert_eq!(affinity(got), exprs, "{env} affinity");
        let tols: Vec<Toleration> = serde_json::from_value(pod["tolerations"].clone()).unwrap();
        assert_eq!(tolerations(got), tols, "{env} tolerations");
        let want_volumes: Vec<Volume> = serde_json::from_value(pod["volumes"].clone()).unwrap();
        let volumes: Vec<_> = volumes.into_iter().map(bytes_size_limit).collect();
        let want_volumes: Vec<_> = want_volumes.into_iter().map(bytes_size_limit).collect();
        assert_eq!(volumes, want_volumes, "{env} volumes");
        for (k, v) in pod["labels"].as_object().unwrap() {
            assert_eq!(
                got.metadata.labels.as_ref().unwrap()[k],
                v.as_str().unwrap(),
                "{env} label {k}"
            );
        }
    }
}
