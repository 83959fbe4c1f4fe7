//! The checker: names, types, and flyte-sdk's resource, reuse and override rules.

pub mod config;
