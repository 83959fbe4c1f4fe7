//! The command line: exit statuses, `check --json` exactly as INTERFACES.md says, and output
//! streams.

use std::path::PathBuf;
use std::process::{Command, Output};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"));
    c.env_remove("NO_COLOR");
    c
}

fn temp(name: &str, text: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("flyte-dsl-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().unwrap()
}

#[test]
fn check_of_valid_examples_exits_0_and_is_quiet() {
    let out = run(&[
        "check",
        "examples/quickstart.flyte",
        "examples/gather.flyte",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[test]
fn check_with_errors_exits_1_and_renders_to_stderr_without_colour() {
    let path = temp("bad.flyte", b"let a = (1\nlet b = $\n");
    let out = run(&["check", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("[E0102] Error: unclosed `(`"), "{err}");
    assert!(
        err.contains("[E0108] Error: invalid character `$`"),
        "{err}"
    );
    assert!(err.contains("2 errors, 0 warnings in 1 file"));
    assert!(
        !err.contains('\u{1b}'),
        "no ANSI colour when stderr is not a terminal"
    );
}

#[test]
fn check_json_has_exactly_the_specified_fields() {
    let path = temp(
        "json.flyte",
        b"env e = TaskEnvironment(name = \"e\")\nlet x = [1, 2\n",
    );
    let out = run(&["check", "--json", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(v.as_object().unwrap().len(), 1);
    assert_eq!(diags.len(), 1);
    let d = diags[0].as_object().unwrap();
    let mut keys: Vec<_> = d.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "code",
            "column",
            "end_column",
            "end_line",
            "file",
            "help",
            "labels",
            "line",
            "message",
            "severity"
        ]
    );
    assert_eq!(d["code"], "E0102");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["file"], path.to_str().unwrap());
    // Parsing stopped at the end of the file (line 3, column 1); the `[` is at 2:9.
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(3), Some(1))
    );
    let labels = d["labels"].as_array().unwrap();
    assert_eq!(labels.len(), 2);
    assert_eq!(labels[1]["line"], 2);
    assert_eq!(labels[1]["column"], 9);
    assert_eq!(labels[1]["end_column"], 10);
    assert_eq!(labels[1]["message"], "this `[` is never closed");
    assert!(d["help"].is_string());
}

#[test]
fn check_json_of_a_clean_file_is_an_empty_list() {
    let out = run(&["check", "--json", "examples/quickstart.flyte"]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v, serde_json::json!({"diagnostics": []}));
}

#[test]
fn check_reports_every_file() {
    let a = temp("a.flyte", b"let a = )\n");
    let b = temp("b.flyte", b"let b = 10min\n");
    let out = run(&["check", "--json", a.to_str().unwrap(), b.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<_> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(codes.len(), 2);
    assert!(codes[0].0.ends_with("a.flyte") && codes[0].1 == "E0103");
    assert!(codes[1].0.ends_with("b.flyte") && codes[1].1 == "E0109");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        run(&["check", "/no/such/file.flyte"]).status.code(),
        Some(2)
    );
    assert_eq!(run(&["check"]).status.code(), Some(2));
    assert_eq!(run(&["check", "--bogus", "x.flyte"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(run(&[]).status.code(), Some(2));
}

#[test]
fn help_and_version_exit_0() {
    assert_eq!(run(&["--help"]).status.code(), Some(0));
    assert_eq!(run(&["--version"]).status.code(), Some(0));
}
