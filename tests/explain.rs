//! Every code has an `explain` page whose wrong example produces that code and whose right
//! example does not; `flyte-dsl explain` prints pages and refuses unknown codes.

use flyte_dsl::diagnostics::{codes, SourceMap};
use std::process::Command;

/// The codes a program gets; `import "example.flyte"` reads the program itself (for E0205).
fn codes_of(src: &[u8]) -> Vec<&'static str> {
    let mut map = SourceMap::new();
    let me = src.to_vec();
    let resolver = move |_: &str, path: &str| -> Result<(String, Vec<u8>), String> {
        match path {
            "example.flyte" => Ok(("example.flyte".into(), me.clone())),
            _ => Err("not found".into()),
        }
    };
    flyte_dsl::check_source_with(
        &mut map,
        "example.flyte",
        src,
        &flyte_dsl::check::Options::default(),
        &resolver,
        &flyte_dsl::sim::Cluster::default_cluster(),
    )
    .iter()
    .map(|d| d.code)
    .collect()
}

/// The E0101 page shows the bad byte as U+FFFD; the test puts the real byte back.
fn bytes_of(example: &str) -> Vec<u8> {
    example
        .replace('\u{FFFD}', "\u{1}")
        .bytes()
        .map(|b| if b == 1 { 0xE9 } else { b })
        .collect()
}

#[test]
fn every_wrong_example_produces_its_code_and_every_right_one_does_not() {
    assert!(codes::CODES.len() >= 12);
    for info in codes::CODES.iter() {
        let wrong = codes_of(&bytes_of(info.wrong));
        assert!(
            wrong.contains(&info.code),
            "{}: the wrong example gives {wrong:?}",
            info.code
        );
        let right = codes_of(info.right.as_bytes());
        assert!(
            right.is_empty(),
            "{}: the right example gives {right:?}",
            info.code
        );
    }
}

#[test]
fn codes_are_unique_and_well_formed() {
    let mut seen = std::collections::HashSet::new();
    for info in codes::CODES.iter() {
        assert!(seen.insert(info.code), "{} twice", info.code);
        assert!(info.code.len() == 5 && (info.code.starts_with('E') || info.code.starts_with('W')));
        assert!(!info.title.is_empty() && info.explanation.len() > 40);
    }
}

#[test]
fn explain_prints_the_page() {
    let out = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
        .args(["explain", "e0102"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("E0102: unclosed bracket"));
    assert!(text.contains("Wrong:") && text.contains("Right:"));
    assert!(text.contains("    let sizes = [1, 2, 3\n"));
}

#[test]
fn explain_of_an_unknown_code_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
        .args(["explain", "E9999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown diagnostic code `E9999`"));
}
