//! `flyte-dsl fmt`: over every `.flyte` file of the repository, the output parses to the same
//! AST, keeps every comment and is its own format; the canonical layout on a messy file; the
//! command line (`--check`, in place, standard input, files with syntax errors).

mod support;

use flyte_dsl::diagnostics::FileId;
use flyte_dsl::syntax::fmt::format_source;
use flyte_dsl::syntax::lexer::{tokenize, Token};
use flyte_dsl::syntax::parse;
use std::path::{Path, PathBuf};
use std::process::Command;

fn flyte_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            if !name.starts_with('.') && name != "target" {
                flyte_files(&p, out);
            }
        } else if name.ends_with(".flyte") {
            out.push(p);
        }
    }
}

/// The AST without its spans (and so without where anything was written).
fn shape(src: &str) -> String {
    let parsed = parse(src, FileId(0));
    assert!(parsed.errors.is_empty(), "{:?}\n{src}", parsed.errors);
    let debug = format!("{:?}", parsed.module);
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(i) = rest.find("Span {") {
        out.push_str(&rest[..i]);
        let end = rest[i..].find('}').unwrap();
        rest = &rest[i + end + 1..];
    }
    out.push_str(rest);
    out
}

fn comments(src: &str) -> Vec<String> {
    let mut c: Vec<String> = tokenize(src)
        .filter(|(t, _)| *t == Ok(Token::Comment))
        .map(|(_, r)| src[r].trim_end().to_string())
        .collect();
    c.sort();
    c
}

#[test]
fn every_flyte_file_keeps_its_ast_and_comments_and_is_stable() {
    let mut files = Vec::new();
    flyte_files(&support::repo(), &mut files);
    assert!(files.len() > 100, "{}", files.len());
    let mut formatted = 0;
    for path in files {
        let Ok(src) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(out) = format_source(&src) else {
            // Files with syntax errors (tests of the parser) are left as they are.
            continue;
        };
        let name = path.display();
        assert_eq!(
            shape(&src),
            shape(&out),
            "the AST of {name} changed:\n{out}"
        );
        assert_eq!(comments(&src), comments(&out), "comments of {name}:\n{out}");
        let again = format_source(&out).unwrap();
        assert_eq!(out, again, "fmt of fmt of {name} changed it");
        for line in out.lines() {
            assert!(
                !line.ends_with(' ') && !line.contains('\t'),
                "{name}: {line:?}"
            );
        }
        formatted += 1;
    }
    assert!(formatted > 80, "{formatted}");
}

#[test]
fn a_messy_file_gets_the_canonical_layout() {
    let src = r#"# a header comment

import "lib.flyte"   as lib
env e=TaskEnvironment(name="e",resources=Resources(cpu=1,memory="1Gi"))
let   X:int?=none
struct P{ a:int,b:list[ str ]
}
fn f(x:int,y:int=2)->int{let z=x+y*2;return -(z**2)}



@e(retries=3)
async task main(n: int = 10) -> list[int] {
    # leading comment

    let xs=[i for i in range(n) if i%2==0]   # evens
    let d={"a":1,"b":(1,2),"c":(3,)}
    if n>5{return xs}elif n<0{raise ValueError("neg")}
    else{print("small")}
    try{await lib.t.aio(1)}except(ValueError,KeyError)as err{print(err)}finally{}
    let long_name_for_a_value = some_function_with_a_long_name(first_argument = 1, second_argument = 2, third = [1, 2, 3])
    return (a if b else c) if (not x) else (y or z) and w
}
"#;
    let out = format_source(src).unwrap();
    insta::assert_snapshot!(out);
    assert_eq!(shape(src), shape(&out));
    assert_eq!(format_source(&out).unwrap(), out);
}

/// Parentheses go where precedence needs them, and nowhere else.
#[test]
fn parentheses_follow_precedence() {
    for (src, want) in [
        ("let a = (1 + 2) * 3", "let a = (1 + 2) * 3"),
        ("let a = 1 + (2 * 3)", "let a = 1 + 2 * 3"),
        ("let a = (1 - 2) - 3", "let a = 1 - 2 - 3"),
        ("let a = 1 - (2 - 3)", "let a = 1 - (2 - 3)"),
        ("let a = (2 ** 3) ** 2", "let a = (2 ** 3) ** 2"),
        ("let a = 2 ** (3 ** 2)", "let a = 2 ** 3 ** 2"),
        ("let a = (-2) ** 2", "let a = (-2) ** 2"),
        ("let a = -(2 ** 2)", "let a = -2 ** 2"),
        ("let a = not (a and b)", "let a = not (a and b)"),
        ("let a = (not a) and b", "let a = not a and b"),
        ("let a = (a < b) == c", "let a = (a < b) == c"),
        ("let a = (x if c else y).z", "let a = (x if c else y).z"),
        ("let a = (await f()).x", "let a = (await f()).x"),
        (
            "let a = [x for x in (a if c else b)]",
            "let a = [x for x in (a if c else b)]",
        ),
    ] {
        let out = format_source(&format!("{src}\n")).unwrap();
        assert_eq!(out.trim_end(), want, "{src}");
        assert_eq!(shape(src), shape(&out), "{src}");
    }
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
}

#[test]
fn fmt_check_in_place_stdin_and_syntax_errors() {
    let dir = std::env::temp_dir().join(format!("flyte-dsl-fmt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let messy = dir.join("messy.flyte");
    let src = "fn f(x:int)->int{return x*2}  # double\n";
    std::fs::write(&messy, src).unwrap();
    // --check changes nothing and says which file it would change.
    let out = bin().args(["fmt", "--check"]).arg(&messy).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("would reformat"));
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), src);
    // In place, then --check passes.
    let out = bin().arg("fmt").arg(&messy).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let formatted = std::fs::read_to_string(&messy).unwrap();
    assert_eq!(
        formatted,
        "fn f(x: int) -> int {\n    return x * 2\n}  # double\n"
    );
    let out = bin().args(["fmt", "--check"]).arg(&messy).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    // No temporary file is left beside it.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    // Standard input to standard output.
    let mut child = bin()
        .args(["fmt", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(src.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), formatted);
    // A file with a syntax error: its diagnostic, exit 1, the file untouched.
    let broken = dir.join("broken.flyte");
    std::fs::write(&broken, "let x = (1\n").unwrap();
    let out = bin().arg("fmt").arg(&broken).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[E0102]"), "{err}");
    assert_eq!(std::fs::read_to_string(&broken).unwrap(), "let x = (1\n");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The first script of docs/language.md is written as `fmt` writes it.
#[test]
fn the_language_reference_example_is_formatted() {
    let doc = std::fs::read_to_string(support::repo().join("docs/language.md")).unwrap();
    let at = doc.find("## 1. A first script").unwrap();
    let start = doc[at..].find("```\n").unwrap() + at + 4;
    let end = doc[start..].find("```").unwrap() + start;
    let example = &doc[start..end];
    assert_eq!(format_source(example).unwrap(), example);
}

/// Code nested as deeply as the parser allows formats on a test thread's stack, quickly.
#[test]
fn deep_nesting_formats() {
    let depth = 190;
    let src = format!("let x = {}1{}\n", "f(".repeat(depth), ")".repeat(depth));
    let started = std::time::Instant::now();
    let out = format_source(&src).unwrap();
    assert_eq!(shape(&src), shape(&out));
    assert_eq!(format_source(&out).unwrap(), out);
    let deep = format!("let x = {}1\n", "-".repeat(900));
    let out = format_source(&deep).unwrap();
    assert_eq!(shape(&deep), shape(&out));
    assert!(started.elapsed().as_secs() < 10);
}
