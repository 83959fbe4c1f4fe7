//! Resources as a cluster and a request both speak of them: Kubernetes quantities (CPU in
//! millicores, sizes in bytes: [`quantity`]), flyte-sdk's accelerator lists ([`devices`]) and
//! a normalized resource request ([`ResourceSpec`]).
//!
//! A base module: the checker validates `Resources(...)` into a [`ResourceSpec`]
//! (`check::config::resources`), the simulator reads the cluster's pools in the same units and
//! places requests of this shape (`sim`), and the exporters print them. It imports nothing of
//! the language.

pub mod devices;
pub mod quantity;

/// A (request, limit) pair; a single value is both (as flyte-sdk's pod spec makes it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReqLim<T> {
    pub request: T,
    pub limit: T,
}

/// An accelerator request.
#[derive(Clone, Debug, PartialEq)]
pub enum Accelerator {
    /// `"A100:2"`, `GPU(device = "A100", quantity = 2)`, or an int (any GPU type: `device` None).
    Gpu {
        device: Option<String>,
        quantity: u32,
        /// A MIG partition: `"1g.5gb"`, taking `slices` of the 7 compute slices of one GPU.
        partition: Option<String>,
        slices: Option<u32>,
    },
    /// `TPU(device = "V5P", partition = "2x2x1")`.
    Tpu {
        device: String,
        slice: Option<String>,
    },
    /// `Neuron`, `AMD_GPU` and `HABANA_GAUDI` devices: a device name and a count.
    Other { device: String, quantity: u32 },
}

/// `Resources(...)`, normalized: CPU in millicores, sizes in bytes.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ResourceSpec {
    pub cpu_milli: Option<ReqLim<u64>>,
    pub memory: Option<ReqLim<u64>>,
    pub disk: Option<u64>,
    /// `Some(None)` for `"auto"`.
    pub shm: Option<Option<u64>>,
    pub accelerator: Option<Accelerator>,
}
