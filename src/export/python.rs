//! `export python`: a flyte-sdk 2.x module with the script's environments, tasks and bodies.

use super::Prepared;

/// The module's text; `source` names the script in its header.
pub fn export(p: &Prepared, source: &str) -> String {
    let _ = (p, source);
    String::new()
}
