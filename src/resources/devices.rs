//! flyte-sdk's accelerator lists, exactly (flyte 2.12.1 `_resources.py`):
//! GPU types and the quantities each allows in the
//! `"DEVICE:N"` form, MIG partitions, TPU slices, Neuron, AMD and Habana devices.

/// GPU types (case-sensitive), including the shared (time-sliced) ones.
pub const GPU_TYPES: &[&str] = &[
    "A2",
    "A10",
    "A10G",
    "A100",
    "A100_80G",
    "B200",
    "H100",
    "H200",
    "L4",
    "L40s",
    "T4",
    "V100",
    "RTX_PRO_4500",
    "RTX_PRO_6000",
    "GB10",
    "T4 shared",
    "L4 shared",
    "A10G shared",
    "A10 shared",
    "L40S shared",
];

/// Old spellings accepted with a deprecation warning: (old, new).
pub const DEPRECATED_GPU: &[(&str, &str)] =
    &[("A100 80G", "A100_80G"), ("RTX PRO 6000", "RTX_PRO_6000")];

pub const TPU_TYPES: &[&str] = &["V5E", "V5P", "V6E"];
pub const NEURON_TYPES: &[&str] = &["Inf1", "Inf2", "Trn1", "Trn1n", "Trn2", "Trn2u"];
pub const AMD_TYPES: &[&str] = &[
    "MI100", "MI210", "MI250", "MI250X", "MI300A", "MI300X", "MI325X", "MI350X", "MI355X",
];
pub const HABANA_TYPES: &[&str] = &["Gaudi1"];
/// The Metal GPU of an Apple Silicon Mac running a devbox: `"AppleSilicon"` or
/// `"AppleSilicon:1"`, the one accelerator string whose count may be left out.
pub const APPLE_TYPES: &[&str] = &["AppleSilicon"];

/// Whether a GPU type is a shared (time-sliced) device: no partition, quantity 1.
pub fn is_shared(device: &str) -> bool {
    device.ends_with(" shared")
}

/// The quantities the `"DEVICE:N"` form allows, as an inclusive range or a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Allowed {
    Range(u32, u32),
    List(&'static [u32]),
}

impl Allowed {
    pub fn contains(self, n: u32) -> bool {
        match self {
            Allowed::Range(lo, hi) => (lo..=hi).contains(&n),
            Allowed::List(l) => l.contains(&n),
        }
    }

    /// `"1 to 8"`, `"1, 4, 8 or 16"`, `"1"`.
    pub fn describe(self) -> String {
        match self {
            Allowed::Range(lo, hi) if lo == hi => lo.to_string(),
            Allowed::Range(lo, hi) => format!("{lo} to {hi}"),
            Allowed::List(l) => {
                let s: Vec<String> = l.iter().map(u32::to_string).collect();
                match s.len() {
                    1 => s[0].clone(),
                    n => format!("{} or {}", s[..n - 1].join(", "), s[n - 1]),
                }
            }
        }
    }
}

/// Quantities allowed in the string form `"DEVICE:N"` for a device of any family; `None` for
/// devices with no string form (TPUs) or unknown devices.
pub fn string_quantities(device: &str) -> Option<Allowed> {
    Some(match device {
        "A10" | "A10G" | "A100" | "A100_80G" | "B200" | "H100" | "H200" | "L4" | "L40s" | "T4"
        | "V100" => Allowed::Range(1, 8),
        "RTX_PRO_6000" => Allowed::Range(1, 2),
        "A2" | "RTX_PRO_4500" | "GB10" => Allowed::Range(1, 1),
        d if is_shared(d) && GPU_TYPES.contains(&d) => Allowed::Range(1, 1),
        "Trn1" | "Trn1n" | "Trn2" | "Trn2u" => Allowed::List(&[1, 4, 8, 16]),
        "Inf1" => Allowed::Range(1, 16),
        "Inf2" => Allowed::Range(1, 12),
        d if AMD_TYPES.contains(&d) || HABANA_TYPES.contains(&d) || APPLE_TYPES.contains(&d) => {
            Allowed::Range(1, 1)
        }
        _ => return None,
    })
}

/// `GPU(device, quantity)`: quantity is typed 1..8 in flyte-sdk.
pub const GPU_QUANTITY: Allowed = Allowed::Range(1, 8);

/// MIG partitions of a GPU type; empty for GPUs without MIG.
pub fn mig_partitions(device: &str) -> &'static [&'static str] {
    match device {
        "A100" => &["1g.5gb", "2g.10gb", "3g.20gb", "4g.20gb", "7g.40gb"],
        "A100_80G" => &["1g.10gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb"],
        "H100" => &[
            "1g.10gb", "1g.20gb", "2g.20gb", "3g.40gb", "4g.40gb", "7g.80gb",
        ],
        "H200" => &[
            "1g.18gb", "1g.35gb", "2g.35gb", "3g.71gb", "4g.71gb", "7g.141gb",
        ],
        "RTX_PRO_6000" => &["1g.24gb", "2g.48gb", "4g.96gb"],
        _ => &[],
    }
}

/// GPU types that have MIG partitions.
pub const MIG_GPUS: &[&str] = &["A100", "A100_80G", "H100", "H200", "RTX_PRO_6000"];

/// The number of the 7 compute slices a MIG partition takes (`"3g.20gb"` takes 3).
pub fn mig_slices(partition: &str) -> Option<u32> {
    partition.split_once("g.")?.0.parse().ok()
}

/// TPU slice shapes of a TPU type.
pub fn tpu_slices(device: &str) -> &'static [&'static str] {
    match device {
        "V5E" | "V6E" => &["1x1", "2x2", "2x4", "4x4", "4x8", "8x8", "8x16", "16x16"],
        "V5P" => &[
            "2x2x1", "2x2x2", "2x4x4", "4x4x4", "4x4x8", "4x8x8", "8x8x8", "8x8x16", "8x16x16",
            "16x16x16", "16x16x24",
        ],
        _ => &[],
    }
}

/// Every device name of every family, for did-you-mean.
pub fn all_devices() -> impl Iterator<Item = &'static str> {
    GPU_TYPES
        .iter()
        .chain(TPU_TYPES)
        .chain(NEURON_TYPES)
        .chain(AMD_TYPES)
        .chain(HABANA_TYPES)
        .chain(APPLE_TYPES)
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_forms() {
        assert_eq!(string_quantities("A100"), Some(Allowed::Range(1, 8)));
        assert_eq!(string_quantities("T4 shared"), Some(Allowed::Range(1, 1)));
        assert!(string_quantities("Trn1").unwrap().contains(16));
        assert!(!string_quantities("Trn1").unwrap().contains(2));
        assert_eq!(string_quantities("V5P"), None);
        assert_eq!(string_quantities("Banana"), None);
        assert_eq!(Allowed::List(&[1, 4, 8, 16]).describe(), "1, 4, 8 or 16");
    }

    #[test]
    fn partitions() {
        assert_eq!(mig_slices("3g.20gb"), Some(3));
        assert_eq!(mig_slices("7g.141gb"), Some(7));
        assert!(mig_partitions("T4").is_empty());
        assert!(mig_partitions("H100").contains(&"1g.20gb"));
        assert!(tpu_slices("V5P").contains(&"2x2x1"));
        assert!(!tpu_slices("V5E").contains(&"2x2x1"));
    }
}
