//! Export: from the simulation to a real Flyte deployment.
//!
//! A checked program becomes a flyte-sdk 2.x module ([`python`]) that runs in flyte-sdk's
//! local mode and deploys unchanged, or the Kubernetes pod specifications its tasks' resources
//! imply ([`k8s`]). Both read the program as the checker left it: the parsed modules for what
//! was written, and [`Checked`] for what it means (resolved settings, inferred types).

pub mod k8s;
pub mod python;

use crate::check::{self, imports, Checked};
use crate::diagnostics::{self, Diagnostic, SourceMap};

/// A program ready to export: every module as parsed, and what the checker learned of it.
pub struct Prepared {
    pub loaded: imports::Loaded,
    pub checked: Checked,
    /// Warnings the checker found (errors stop [`prepare`]).
    pub warnings: Vec<Diagnostic>,
}

/// Loads and checks `bytes` as file `name` (imports through `resolver`), keeping the types the
/// Python export needs; `Err` with every diagnostic when there is any error.
pub fn prepare(
    map: &mut SourceMap,
    name: &str,
    bytes: &[u8],
    resolver: &imports::Resolver<'_>,
    cluster: &crate::sim::Cluster,
) -> Result<Prepared, Vec<Diagnostic>> {
    let loaded = imports::load(map, name, bytes, resolver);
    let mut diags = loaded.diags.clone();
    let opts = check::Options {
        record_types: true,
        ..Default::default()
    };
    let (checked, mut more) = check::check_program(&loaded, &opts);
    diags.append(&mut more);
    diags.extend(check::feasible::check(&checked, cluster));
    diagnostics::sort(&mut diags);
    if diags.iter().any(|d| d.is_error()) {
        return Err(diags);
    }
    Ok(Prepared {
        loaded,
        checked,
        warnings: diags,
    })
}
