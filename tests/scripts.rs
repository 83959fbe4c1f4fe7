//! The script harness: every `tests/scripts/**/*.flyte` file (and every
//! `tests/python/**/*.py` flyte-sdk module) states what must happen to it in
//! leading `#@` comment lines, and this one test checks them all.
//!
//! ```text
//! #@ ok                          -- no diagnostics at all
//! #@ error E0102 at 3:9          -- an error with this code whose primary span starts here
//! #@ error E0102 at 3:9-3:10     -- ... and ends here (line:column, 1-based)
//! #@ warning W0401 at 5:1
//! #@ cluster accelerators.toml   -- check against this cluster (beside the script), not the default
//! ```
//!
//! The diagnostics must be exactly those listed, in order of position.

use flyte_dsl::diagnostics::SourceMap;
use std::path::{Path, PathBuf};

#[derive(Debug, PartialEq)]
struct Expected {
    severity: String,
    code: String,
    start: (usize, usize),
    end: Option<(usize, usize)>,
}

fn parse_pos(s: &str) -> (usize, usize) {
    let (l, c) = s.split_once(':').expect("line:column");
    (l.parse().unwrap(), c.parse().unwrap())
}

fn expectations(src: &str) -> (bool, Vec<Expected>) {
    let mut ok = false;
    let _ = cluster_of(src);
    let mut out = Vec::new();
    for line in src.lines().filter_map(|l| l.strip_prefix("#@ ")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["ok"] => ok = true,
            ["cluster", _] => {}
            [sev @ ("error" | "warning"), code, "at", pos] => {
                let (start, end) = match pos.split_once('-') {
                    Some((a, b)) => (parse_pos(a), Some(parse_pos(b))),
                    None => (parse_pos(pos), None),
                };
                out.push(Expected {
                    severity: sev.to_string(),
                    code: code.to_string(),
                    start,
                    end,
                });
            }
            _ => panic!("bad expectation line: #@ {line}"),
        }
    }
    (ok, out)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "flyte" || e == "py") {
            out.push(path);
        }
    }
}

/// The `#@ cluster FILE` a script names, if any.
fn cluster_of(src: &str) -> Option<String> {
    src.lines()
        .filter_map(|l| l.strip_prefix("#@ cluster "))
        .map(|f| f.trim().to_string())
        .next()
}

#[test]
fn scripts() {
    let mut files = Vec::new();
    // `.flyte` scripts, and flyte-sdk Python modules read by the Python front end.
    for dir in ["tests/scripts", "tests/python"] {
        collect(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut files);
    }
    files.sort();
    assert!(files.len() >= 10, "found only {} scripts", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let src = String::from_utf8_lossy(&bytes);
        let (ok, expected) = expectations(&src);
        assert!(
            ok || !expected.is_empty(),
            "{}: states no expectation",
            path.display()
        );
        let cluster = match cluster_of(&src) {
            Some(f) => {
                let p = path.parent().unwrap().join(f);
                let text = std::fs::read_to_string(&p).unwrap();
                flyte_dsl::sim::Cluster::from_toml_str(&text, &p.display().to_string()).unwrap()
            }
            None => flyte_dsl::sim::Cluster::default_cluster(),
        };
        let mut map = SourceMap::new();
        let name = path.display().to_string();
        let diags = flyte_dsl::check_source_with(
            &mut map,
            &name,
            &bytes,
            &flyte_dsl::check::Options::default(),
            &flyte_dsl::check::imports::relative_files(&[flyte_dsl::check::imports::script_root(
                path,
            )]),
            &cluster,
        );
        let got: Vec<Expected> = diags
            .iter()
            .map(|d| {
                let span = d.primary_span().expect("every diagnostic has a span");
                let file = map.get(span.file);
                Expected {
                    severity: format!("{:?}", d.severity).to_lowercase(),
                    code: d.code.to_string(),
                    start: file.line_col(span.start),
                    end: Some(file.line_col(span.end)),
                }
            })
            .collect();
        let matches = got.len() == expected.len()
            && got.iter().zip(&expected).all(|(g, e)| {
                g.severity == e.severity
                    && g.code == e.code
                    && g.start == e.start
                    && (e.end.is_none() || g.end == e.end)
            });
        if !matches {
            failures.push(format!(
                "{}:\n  expected {:?}\n  got      {:?}\n{}",
                path.display(),
                expected,
                got,
                flyte_dsl::diagnostics::render_all(&diags, &map, false)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} scripts failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
