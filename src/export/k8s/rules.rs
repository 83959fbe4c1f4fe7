//! The two translations a task's resources go through on the way to a pod, as tables and small
//! functions: flyte-sdk 2.12.1's serializer (`_internal/runtime/resources_serde.py`) and Flyte's
//! propeller with its default plugin configuration (`flyteplugins/go/tasks/pluginmachinery/
//! flytek8s`: `config/config.go`, `container_helper.go`, `pod_helper.go`, `utils.go`).

use crate::resources::devices;

/// flyte-sdk's `ACCELERATOR_DEVICE_MAP`: the device names the serializer rewrites into node
/// label values before they reach the backend; other names pass through unchanged.
pub const SDK_DEVICE_MAP: &[(&str, &str)] = &[
    ("A100", "nvidia-tesla-a100"),
    ("A100_80G", "nvidia-a100-80gb"),
    ("A100 80G", "nvidia-a100-80gb"),
    ("H100", "nvidia-tesla-h100"),
    ("A10", "nvidia-a10"),
    ("A10G", "nvidia-a10g"),
    ("A100G", "nvidia-a100g"),
    ("L4", "nvidia-l4"),
    ("L40s", "nvidia-l40s"),
    ("L4_VWS", "nvidia-l4-vws"),
    ("K80", "nvidia-tesla-k80"),
    ("M60", "nvidia-tesla-m60"),
    ("P4", "nvidia-tesla-p4"),
    ("P100", "nvidia-tesla-p100"),
    ("RTX_PRO_4500", "nvidia-rtx-pro-4500"),
    ("RTX_PRO_6000", "nvidia-rtx-pro-6000"),
    ("RTX PRO 6000", "nvidia-rtx-pro-6000"),
    ("T4", "nvidia-tesla-t4"),
    ("V100", "nvidia-tesla-v100"),
    ("V5E", "tpu-v5-lite-podslice"),
    ("V5P", "tpu-v5p-slice"),
    ("V6E", "tpu-v6e-slice"),
];

/// Propeller's default `accelerator-devices`. `GetNormalizedAcceleratorDevice` looks the
/// device up by its upper-cased name, so the keys with lower-case letters (`L40s`) never match
/// and such devices pass through unchanged.
pub const PROPELLER_DEVICE_MAP: &[(&str, &str)] = &[
    ("A10", "nvidia-a10"),
    ("A10G", "nvidia-a10g"),
    ("A100", "nvidia-tesla-a100"),
    ("A100 80G", "nvidia-a100-80gb"),
    ("A100G", "nvidia-a100g"),
    ("B200", "nvidia-b200"),
    ("GB200", "nvidia-gb200"),
    ("H100", "nvidia-h100"),
    ("H100 80G", "nvidia-h100-80gb"),
    ("H100 MEGA 80G", "nvidia-h100-mega-80gb"),
    ("H200", "nvidia-h200"),
    ("K80", "nvidia-tesla-k80"),
    ("L4", "nvidia-l4"),
    ("L40s", "nvidia-l40s"),
    ("L4_VWS", "nvidia-l4-vws"),
    ("M60", "nvidia-tesla-m60"),
    ("P4", "nvidia-tesla-p4"),
    ("P100", "nvidia-tesla-p100"),
    ("RTX PRO 6000", "nvidia-rtx-pro-6000"),
    ("T4", "nvidia-tesla-t4"),
    ("V100", "nvidia-tesla-v100"),
    ("V5E", "tpu-v5-lite-podslice"),
    ("V5P", "tpu-v5p-slice"),
    ("V6E", "tpu-v6e-slice"),
    ("INF1", "aws-neuron-inf1"),
    ("INF2", "aws-neuron-inf2"),
    ("TRN1", "aws-neuron-trn1"),
    ("TRN1N", "aws-neuron-trn1n"),
    ("TRN2", "aws-neuron-trn2"),
    ("TRN2U", "aws-neuron-trn2u"),
    ("MI100", "amd-mi100"),
    ("MI210", "amd-mi210"),
    ("MI250", "amd-mi250"),
    ("MI250X", "amd-mi250x"),
    ("MI300A", "amd-mi300a"),
    ("MI300X", "amd-mi300x"),
    ("MI325X", "amd-mi325x"),
    ("MI350X", "amd-mi350x"),
    ("MI355X", "amd-mi355x"),
    ("GAUDI1", "habana-gaudi-dl1"),
];

/// The device label value a pod is steered by: flyte-sdk's rewrite, then propeller's.
///
/// ```
/// use flyte_dsl::export::k8s::rules::node_label_value;
/// assert_eq!(node_label_value("A100"), "nvidia-tesla-a100");
/// assert_eq!(node_label_value("H100"), "nvidia-tesla-h100"); // flyte-sdk's name wins
/// assert_eq!(node_label_value("H200"), "nvidia-h200"); // only propeller knows it
/// assert_eq!(node_label_value("Trn1"), "aws-neuron-trn1");
/// assert_eq!(node_label_value("A2"), "A2"); // neither does
/// ```
pub fn node_label_value(device: &str) -> String {
    let sdk = lookup(SDK_DEVICE_MAP, device).unwrap_or(device);
    let upper = sdk.to_uppercase();
    lookup(PROPELLER_DEVICE_MAP, &upper)
        .unwrap_or(sdk)
        .to_string()
}

fn lookup(table: &[(&'static str, &'static str)], key: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// flyte-sdk's `DeviceClass`, as the `GPUAccelerator.device_class` enum propeller reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeviceClass {
    NvidiaGpu,
    GoogleTpu,
    AmazonNeuron,
    AmdGpu,
    HabanaGaudi,
}

/// Propeller's global GPU labels, used by every class that sets none of its own.
pub const GPU_DEVICE_LABEL: &str = "k8s.amazonaws.com/accelerator";
pub const GPU_PARTITION_LABEL: &str = "k8s.amazonaws.com/gpu-partition-size";
/// The GKE labels of the `GOOGLE_TPU` class.
pub const TPU_DEVICE_LABEL: &str = "cloud.google.com/gke-tpu-accelerator";
pub const TPU_PARTITION_LABEL: &str = "cloud.google.com/gke-tpu-topology";
/// The pod label propeller adds for a MIG partition: how many of the 7 compute slices it takes.
pub const GPU_PARTITION_SLICES_LABEL: &str = "platform.union.ai/gpu-partition-slices";

impl DeviceClass {
    /// The class of a device name the checker accepted.
    pub fn of(device: &str) -> DeviceClass {
        if devices::TPU_TYPES.contains(&device) {
            DeviceClass::GoogleTpu
        } else if devices::NEURON_TYPES.contains(&device) {
            DeviceClass::AmazonNeuron
        } else if devices::AMD_TYPES.contains(&device) {
            DeviceClass::AmdGpu
        } else if devices::HABANA_TYPES.contains(&device) {
            DeviceClass::HabanaGaudi
        } else {
            DeviceClass::NvidiaGpu
        }
    }

    /// The enum's name in flyteidl2 (`GPUAccelerator.DeviceClass`).
    pub fn proto_name(self) -> &'static str {
        match self {
            DeviceClass::NvidiaGpu => "NVIDIA_GPU",
            DeviceClass::GoogleTpu => "GOOGLE_TPU",
            DeviceClass::AmazonNeuron => "AMAZON_NEURON",
            DeviceClass::AmdGpu => "AMD_GPU",
            DeviceClass::HabanaGaudi => "HABANA_GAUDI",
        }
    }

    /// The extended resource the device plugin advertises (`accelerator-device-classes`).
    pub fn resource_name(self) -> &'static str {
        match self {
            DeviceClass::NvidiaGpu => "nvidia.com/gpu",
            DeviceClass::GoogleTpu => "google.com/tpu",
            DeviceClass::AmazonNeuron => "aws.amazon.com/neuron",
            DeviceClass::AmdGpu => "amd.com/gpu",
            DeviceClass::HabanaGaudi => "habana.ai/gaudi",
        }
    }

    /// The node label naming the attached device.
    pub fn device_label(self) -> &'static str {
        match self {
            DeviceClass::GoogleTpu => TPU_DEVICE_LABEL,
            _ => GPU_DEVICE_LABEL,
        }
    }

    /// The node label naming the partition (MIG profile, TPU topology).
    pub fn partition_label(self) -> &'static str {
        match self {
            DeviceClass::GoogleTpu => TPU_PARTITION_LABEL,
            _ => GPU_PARTITION_LABEL,
        }
    }
}

/// Propeller's `default-cpus`: the CPU request (and limit) of a task that asks for none.
pub const DEFAULT_CPU_MILLI: u64 = 1000;
/// Propeller's `default-memory`: 1024Mi.
pub const DEFAULT_MEMORY: u64 = 1024 << 20;

/// Propeller's `default-annotations`.
pub const DEFAULT_ANNOTATIONS: &[(&str, &str)] =
    &[("cluster-autoscaler.kubernetes.io/safe-to-evict", "false")];

/// The shared-memory volume flyte-sdk asks for (`SharedMemory(mount_path, mount_name)`).
pub const SHM_VOLUME: &str = "flyte-shm";
pub const SHM_MOUNT_PATH: &str = "/dev/shm";

/// The image of `image = "auto"`: flyte-sdk's `Image.from_debian_base()` for the flyte version
/// this project follows. flyte-sdk puts the deploying interpreter's Python version in the tag;
/// the export assumes Python 3.11.
pub const DEFAULT_IMAGE: &str = "ghcr.io/flyteorg/flyte:py3.11-v2.12.1";

/// The MIG compute slices of a partition (`"3g.40gb"` is 3), by propeller's
/// `^(\d+)g\.\d+gb$`; `None` for anything else (TPU topologies).
pub fn mig_slices(partition: &str) -> Option<&str> {
    let (g, rest) = partition.split_once("g.")?;
    let gb = rest.strip_suffix("gb")?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(g) && digits(gb)).then_some(g)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_and_labels() {
        assert_eq!(DeviceClass::of("V5P").resource_name(), "google.com/tpu");
        assert_eq!(
            DeviceClass::of("Inf2").resource_name(),
            "aws.amazon.com/neuron"
        );
        assert_eq!(DeviceClass::of("MI300X").device_label(), GPU_DEVICE_LABEL);
        assert_eq!(DeviceClass::of("Gaudi1").resource_name(), "habana.ai/gaudi");
        assert_eq!(DeviceClass::of("T4 shared"), DeviceClass::NvidiaGpu);
        assert_eq!(node_label_value("L40s"), "nvidia-l40s");
        assert_eq!(node_label_value("Gaudi1"), "habana-gaudi-dl1");
        assert_eq!(node_label_value("B200"), "nvidia-b200");
        assert_eq!(node_label_value("T4 shared"), "T4 shared");
    }

    #[test]
    fn slices() {
        assert_eq!(mig_slices("1g.5gb"), Some("1"));
        assert_eq!(mig_slices("7g.141gb"), Some("7"));
        assert_eq!(mig_slices("2x2x1"), None);
        assert_eq!(mig_slices("g.5gb"), None);
    }
}
