//! Validators for configuration values: flyte-sdk's rules for resources, devices, reuse
//! policies, caches, retries and timeouts (as in flyte-sdk 2.12.1), plus the
//! Kubernetes quantity rules flyte-sdk leaves to deploy time. The quantities, the device lists
//! and the normalized [`ResourceSpec`] are the base module [`crate::resources`], shared with the
//! simulator.
//!
//! Each validator takes a [`value::SConst`] (a constant with its span) and the [`value::Level`]
//! it was given at, pushes diagnostics, and returns the normalized spec. The checker calls them
//! on constants; the interpreter on values computed at run time, with the same codes.

pub mod args;
pub(crate) mod resources;
pub mod reuse;
pub mod settings;
pub(crate) mod value;

// The resource vocabulary is a base module of its own; the interpreter still names it here.
pub use crate::resources::{devices, quantity};
pub use resources::resources;
pub use reuse::{reuse_policy, ReuseSetting};
pub use settings::{cache, retries, timeout};
pub use value::*;
