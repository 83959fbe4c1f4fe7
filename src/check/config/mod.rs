//! Validators for configuration values: flyte-sdk's rules for resources, devices, reuse
//! policies, caches, retries and timeouts (../shared/spec/flyte-sdk-facts.md), plus the
//! Kubernetes quantity rules flyte-sdk leaves to deploy time.
//!
//! Each validator takes a [`value::SConst`] (a constant with its span) and the [`value::Level`]
//! it was given at, pushes diagnostics, and returns the normalized spec. The checker calls them
//! on constants; the interpreter on values computed at run time, with the same codes.

pub mod args;
pub mod devices;
pub mod quantity;
pub mod resources;
pub mod reuse;
pub mod settings;
pub mod value;

pub use resources::resources;
pub use reuse::{reuse_policy, ReuseSetting};
pub use settings::{cache, retries, timeout};
pub use value::*;
