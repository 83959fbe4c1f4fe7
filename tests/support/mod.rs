//! What the tests that run flyte-sdk share.

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The repository's root.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// flyte-sdk's python (tests/flyte-sdk/venv.sh), or `None` with a printed reason, except on CI
/// where it must be there.
pub fn python() -> Option<PathBuf> {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let out = Command::new("bash")
        .arg(repo().join("tests/flyte-sdk/venv.sh"))
        .stderr(Stdio::inherit())
        .output();
    let reason = match out {
        Ok(o) if o.status.success() => {
            let path = PathBuf::from(String::from_utf8_lossy(&o.stdout).trim());
            let path = if path.is_absolute() {
                path
            } else {
                repo().join(path)
            };
            return Some(path);
        }
        Ok(o) => format!("tests/flyte-sdk/venv.sh failed ({})", o.status),
        Err(e) => format!("cannot run bash: {e}"),
    };
    if ci {
        panic!("flyte-sdk is required on CI: {reason}");
    }
    eprintln!(
        "SKIPPED: the comparison with flyte-sdk needs python3 and flyte-sdk 2.12.1: {reason}"
    );
    None
}
