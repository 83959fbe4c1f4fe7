//! Issue 19, item 15: a host that depends on `flyte-dsl` with `default-features = false` gets
//! neither the binary's dependencies (clap, rustyline, ctrlc) nor bundled SQLite.

use std::process::Command;

/// The crates the library depends on (normal dependencies, transitively) with `features`.
fn dependencies(features: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "--offline", "-e", "normal", "--prefix", "none"])
        .args(features)
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn without_default_features_the_library_pulls_in_no_cli_or_sqlite() {
    let crates = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_string))
            .collect()
    };
    let lean = crates(&dependencies(&["--no-default-features"]));
    for heavy in [
        "clap",
        "rustyline",
        "ctrlc",
        "rusqlite",
        "libsqlite3-sys",
        "lsp-server",
        "lsp-types",
    ] {
        assert!(
            !lean.iter().any(|c| c == heavy),
            "{heavy} is still a dependency"
        );
    }
    assert!(lean.iter().any(|c| c == "pest"), "{lean:?}");
    let full = crates(&dependencies(&[]));
    for cli in ["clap", "rustyline", "ctrlc", "rusqlite", "lsp-server"] {
        assert!(
            full.iter().any(|c| c == cli),
            "{cli} is gone from the default build"
        );
    }
}
