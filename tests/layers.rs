//! The layers of src/README.md, held: every `crate::` path in a file under src/ (and every
//! `flyte_dsl::` path in the binary's files) must name a module of a lower layer than the
//! file's own, or the file's own module. Inside one folder, the files' imports of each other
//! (`super::x`) must not form a cycle.
//!
//! The test reads the source text, not the compiler's view: comments and string literals are
//! skipped, `use` trees are expanded (`use crate::{a, b::c}` names `a` and `b`), and a path
//! written inline (`crate::human::human_duration(..)`) counts as much as a `use`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Layers, lowest first. A module may import only modules of a lower layer; modules of one
/// layer are independent of each other.
const LAYERS: &[&[&str]] = &[
    // Base: no language. Spans and diagnostics; human-readable durations; the stack;
    // resource quantities, devices and specs.
    &["diagnostics", "human", "stack", "resources"],
    // The syntax; the cluster simulator (knows nothing of the language); the result store.
    &["syntax", "sim", "cache"],
    // The Python front end: a flyte-sdk module lowered into the syntax tree.
    &["python"],
    // The checker (its feasibility check asks the simulator whether a request fits).
    &["check"],
    // The lowered program (issue 18): bodies as register code, once per program.
    &["ir"],
    // The interpreter.
    &["runtime"],
    // What a run tells a person: summaries, trace, HTML report; the one front end (source to
    // a runnable program, arguments to inputs).
    &["report", "frontend"],
    // The embedding API and the exporters.
    &["engine", "export"],
    // The language server (the binary's `lsp` command serves it).
    &["lsp"],
    // The crate's front door and the binary.
    &["lib", "main", "cli", "repl"],
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level module a file under src/ belongs to: `src/check/env.rs` -> `check`,
/// `src/human.rs` -> `human`.
fn module_of(rel: &Path) -> String {
    let mut parts = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let first = parts.next().unwrap();
    match first.strip_suffix(".rs") {
        Some(stem) => stem.to_string(),
        None => first,
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The source with comments and the insides of string and char literals blanked out (newlines
/// kept, so line numbers hold).
fn code_only(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let blank = |c: u8| if c == b'\n' { b'\n' } else { b' ' };
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                out.push(b' ');
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if b[i] == b'r'
            && (b.get(i + 1) == Some(&b'"') || b.get(i + 1) == Some(&b'#'))
            && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
        {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&b'"') {
                out.push(b[i]);
                i += 1;
                continue;
            }
            let mut close = vec![b'"'];
            close.extend(std::iter::repeat_n(b'#', hashes));
            out.extend(std::iter::repeat_n(b' ', j + 1 - i));
            i = j + 1;
            while i < b.len() && !b[i..].starts_with(&close) {
                out.push(blank(b[i]));
                i += 1;
            }
            out.extend(std::iter::repeat_n(b' ', close.len().min(b.len() - i)));
            i += close.len();
        } else if b[i] == b'"' {
            out.push(b' ');
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' && i + 1 < b.len() {
                    out.push(b' ');
                    i += 1;
                }
                out.push(blank(b[i]));
                i += 1;
            }
            out.push(b' ');
            i += 1;
        } else if b[i] == b'\'' {
            // A char literal ('a', '\n', '\''), not a lifetime ('a).
            let end = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..]
                    .iter()
                    .position(|&c| c == b'\'')
                    .map(|p| i + 2 + p)
            } else if b.get(i + 2) == Some(&b'\'') {
                Some(i + 2)
            } else {
                None
            };
            match end {
                Some(e) => {
                    out.extend(std::iter::repeat_n(b' ', e + 1 - i));
                    i = e + 1;
                }
                None => {
                    out.push(b[i]);
                    i += 1;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A path a file names, with the line it is on.
struct PathRef {
    line: usize,
    /// `crate`, `super` or `flyte_dsl`, then the next segments.
    segments: Vec<String>,
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Expands a `use` tree (`crate::{a::b, c}`) into its paths.
fn expand(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let tree = tree.trim();
    if tree.is_empty() {
        return;
    }
    // Split off the leading segments up to a `{`.
    let mut segs = prefix.to_vec();
    let mut rest = tree;
    loop {
        if let Some(inner) = rest.strip_prefix('{') {
            let inner = inner.trim_end().strip_suffix('}').unwrap_or(inner);
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in inner.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        expand(&inner[start..i], &segs, out);
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            expand(&inner[start..], &segs, out);
            return;
        }
        let end = rest.find(|c: char| !is_ident(c)).unwrap_or(rest.len());
        let seg = &rest[..end];
        if seg.is_empty() || seg == "as" {
            break;
        }
        segs.push(seg.to_string());
        rest = rest[end..].trim_start();
        match rest.strip_prefix("::") {
            Some(r) => rest = r.trim_start(),
            None => break,
        }
    }
    out.push(segs);
}

/// Every `crate::`, `super::` and `flyte_dsl::` path in `code` (comments already blanked).
fn paths(code: &str) -> Vec<PathRef> {
    let mut out = Vec::new();
    let line_of = |at: usize| code[..at].matches('\n').count() + 1;
    // `use` statements, expanded (they may span lines).
    let mut used_spans = Vec::new();
    let mut search = 0;
    while let Some(p) = code[search..].find("use ") {
        let at = search + p;
        search = at + 4;
        let before = code[..at].chars().next_back();
        if before.is_some_and(is_ident) {
            continue;
        }
        let Some(end) = code[at..].find(';') else {
            break;
        };
        let tree = &code[at + 4..at + end];
        if !["crate", "super", "flyte_dsl", "self"]
            .iter()
            .any(|r| tree.trim_start().starts_with(r))
        {
            continue;
        }
        used_spans.push(at..at + end);
        let mut trees = Vec::new();
        expand(tree, &[], &mut trees);
        for segments in trees {
            out.push(PathRef {
                line: line_of(at),
                segments,
            });
        }
    }
    // Paths written inline.
    for root in ["crate::", "super::", "flyte_dsl::"] {
        let mut search = 0;
        while let Some(p) = code[search..].find(root) {
            let at = search + p;
            search = at + root.len();
            if code[..at]
                .chars()
                .next_back()
                .is_some_and(|c| is_ident(c) || c == ':')
            {
                continue;
            }
            if used_spans.iter().any(|s| s.contains(&at)) {
                continue;
            }
            let mut trees = Vec::new();
            let end = code[at..]
                .find(|c: char| !(is_ident(c) || c == ':'))
                .map_or(code.len(), |e| at + e);
            expand(&code[at..end], &[], &mut trees);
            for segments in trees {
                out.push(PathRef {
                    line: line_of(at),
                    segments,
                });
            }
        }
    }
    out
}

struct SrcFile {
    rel: PathBuf,
    module: String,
    refs: Vec<PathRef>,
}

fn sources() -> Vec<SrcFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&root).unwrap().to_path_buf();
            let text = std::fs::read_to_string(&p).unwrap();
            SrcFile {
                module: module_of(&rel),
                refs: paths(&code_only(&text)),
                rel,
            }
        })
        .collect()
}

/// The layer violations among `files`, one line each.
fn violations(files: &[SrcFile]) -> Vec<String> {
    let mut bad = Vec::new();
    for f in files {
        let Some(own) = layer_of(&f.module) else {
            bad.push(format!(
                "src/{}: module `{}` is in no layer: add it to LAYERS in tests/layers.rs \
                 and to src/README.md",
                f.rel.display(),
                f.module
            ));
            continue;
        };
        // The binary's files (main.rs, cli/, repl/) reach the library as `flyte_dsl::`.
        let in_binary = matches!(f.module.as_str(), "main" | "cli" | "repl");
        for r in &f.refs {
            // In the binary, `crate::` is its own tree (cli, repl) and the library is
            // `flyte_dsl::`; in the library, `crate::` is the library.
            let lib_root = if in_binary { "flyte_dsl" } else { "crate" };
            if r.segments[0] != lib_root {
                continue;
            }
            let Some(target) = r.segments.get(1).map(String::as_str) else {
                continue;
            };
            if target == f.module {
                continue;
            }
            match layer_of(target) {
                Some(l) if l < own => {}
                Some(l) => bad.push(format!(
                    "src/{}:{}: `{}` ({}) imports `{}` ({}): {}",
                    f.rel.display(),
                    r.line,
                    f.module,
                    LAYERS[own].join("/"),
                    r.segments.join("::"),
                    LAYERS[l].join("/"),
                    if l == own {
                        "same layer, meant to be independent"
                    } else {
                        "a higher layer"
                    }
                )),
                // Macros, `crate::Engine` re-exported at the root and the like.
                None => {}
            }
        }
    }
    bad
}

/// Import cycles among the files of one folder (`super::x` between siblings).
fn sibling_cycles(files: &[SrcFile]) -> Vec<String> {
    // folder -> file stem -> (sibling stem -> first line importing it)
    let mut graph: BTreeMap<PathBuf, BTreeMap<String, BTreeMap<String, usize>>> = BTreeMap::new();
    for f in files {
        let stem = f.rel.file_stem().unwrap().to_string_lossy().into_owned();
        if stem == "mod" || f.rel.parent().is_none_or(|p| p.as_os_str().is_empty()) {
            continue;
        }
        let dir = f.rel.parent().unwrap().to_path_buf();
        let edges = graph.entry(dir).or_default().entry(stem).or_default();
        for r in &f.refs {
            if r.segments[0] == "super" {
                if let Some(s) = r.segments.get(1) {
                    edges.entry(s.clone()).or_insert(r.line);
                }
            }
        }
    }
    let mut bad = Vec::new();
    for (dir, g) in &graph {
        let files: BTreeSet<&String> = g.keys().collect();
        for (a, edges) in g {
            for (b, line) in edges {
                if !files.contains(b) || a >= b {
                    continue;
                }
                if let Some(back) = g.get(b).and_then(|e| e.get(a)) {
                    bad.push(format!(
                        "src/{d}/{a}.rs:{line} imports {b}.rs and src/{d}/{b}.rs:{back} imports \
                         {a}.rs",
                        d = dir.display()
                    ));
                }
            }
        }
        // Longer cycles: a depth-first search for a back edge.
        fn visit<'g>(
            n: &'g String,
            g: &'g BTreeMap<String, BTreeMap<String, usize>>,
            state: &mut BTreeMap<&'g String, u8>,
            stack: &mut Vec<&'g String>,
            found: &mut Option<Vec<String>>,
        ) {
            state.insert(n, 1);
            stack.push(n);
            for m in g.get(n).into_iter().flat_map(|e| e.keys()) {
                if !g.contains_key(m) || found.is_some() {
                    continue;
                }
                match state.get(m) {
                    Some(1) => {
                        let from = stack.iter().position(|s| *s == m).unwrap();
                        let mut cycle: Vec<String> =
                            stack[from..].iter().map(|s| s.to_string()).collect();
                        cycle.push(m.clone());
                        *found = Some(cycle);
                    }
                    Some(_) => {}
                    None => visit(m, g, state, stack, found),
                }
            }
            stack.pop();
            state.insert(n, 2);
        }
        let mut state = BTreeMap::new();
        let mut found = None;
        for n in g.keys() {
            if !state.contains_key(n) {
                visit(n, g, &mut state, &mut Vec::new(), &mut found);
            }
        }
        if let Some(c) = found.filter(|c| c.len() > 3) {
            bad.push(format!(
                "src/{}: import cycle {}",
                dir.display(),
                c.join(" -> ")
            ));
        }
    }
    bad
}

#[test]
fn no_layer_imports_a_higher_one() {
    let bad = violations(&sources());
    assert!(
        bad.is_empty(),
        "layer violations (src/README.md):\n{}",
        bad.join("\n")
    );
}

#[test]
fn no_import_cycle_between_files_of_a_folder() {
    let bad = sibling_cycles(&sources());
    assert!(bad.is_empty(), "import cycles:\n{}", bad.join("\n"));
}

#[test]
fn the_reader_finds_paths_in_use_trees_and_inline() {
    let code = code_only(
        "use crate::{a::b, c::{d, e}};\n// use crate::z;\nlet s = \"crate::y\";\nfn f() { \
         crate::h::g(); }\nuse super::sched::{Sim, NONE};\n",
    );
    let got: Vec<(usize, String)> = paths(&code)
        .into_iter()
        .map(|r| (r.line, r.segments.join("::")))
        .collect();
    let want = [
        (1, "crate::a::b"),
        (1, "crate::c::d"),
        (1, "crate::c::e"),
        (5, "super::sched::Sim"),
        (5, "super::sched::NONE"),
        (4, "crate::h::g"),
    ];
    assert_eq!(got, want.map(|(l, s)| (l, s.to_string())));
}

#[test]
fn a_higher_import_is_reported_with_file_and_line() {
    let file = |rel: &str, code: &str| SrcFile {
        rel: rel.into(),
        module: module_of(Path::new(rel)),
        refs: paths(&code_only(code)),
    };
    let bad = violations(&[
        file(
            "sim/node.rs",
            "use crate::diagnostics::Span;\n\nuse crate::check::Checked;\n",
        ),
        file(
            "cli/mod.rs",
            "use flyte_dsl::runtime::run;\nuse crate::repl;\n",
        ),
    ]);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].starts_with("src/sim/node.rs:3: `sim`"), "{}", bad[0]);
    let cycles = sibling_cycles(&[
        file("sim/a.rs", "use super::b::X;\n"),
        file("sim/b.rs", "fn f() {}\nuse super::a::Y;\n"),
    ]);
    assert_eq!(
        cycles,
        ["src/sim/a.rs:1 imports b.rs and src/sim/b.rs:2 imports a.rs"]
    );
}
