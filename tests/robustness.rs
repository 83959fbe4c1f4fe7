//! No input crashes the parser: deep nesting, huge files, invalid UTF-8, NUL bytes, empty
//! files and token soup each give diagnostics or succeed, never a panic or a stack overflow.
//! These run on the test harness's threads (2 MiB stacks), not on a specially grown stack.

use flyte_dsl::diagnostics::FileId;
use flyte_dsl::syntax::{parse, parse_bytes};

fn codes(src: &str) -> Vec<&'static str> {
    parse(src, FileId(0))
        .errors
        .iter()
        .map(|e| e.to_diagnostic().code)
        .collect()
}

const N: usize = 20_000;

#[test]
fn twenty_thousand_nested_parentheses() {
    let src = format!("let x = {}1{}\n", "(".repeat(N), ")".repeat(N));
    assert_eq!(codes(&src), ["E0104"]);
}

#[test]
fn twenty_thousand_nested_brackets() {
    let src = format!("let x = {}1{}\n", "[".repeat(N), "]".repeat(N));
    assert_eq!(codes(&src), ["E0104"]);
}

#[test]
fn twenty_thousand_nested_dicts() {
    let src = format!("let x = {}1{}\n", "{\"a\": ".repeat(N), "}".repeat(N));
    assert_eq!(codes(&src), ["E0104"]);
}

#[test]
fn twenty_thousand_nested_blocks() {
    let src = format!(
        "fn f() {{\n{}\n{}}}\n",
        "if true {\n".repeat(N),
        "}\n".repeat(N)
    );
    assert_eq!(codes(&src), ["E0104"]);
}

#[test]
fn twenty_thousand_unclosed_parentheses() {
    let src = format!("let x = {}\n", "(".repeat(N));
    let c = codes(&src);
    assert!(c.contains(&"E0104") && c.contains(&"E0102"), "{c:?}");
}

#[test]
fn twenty_thousand_closing_brackets() {
    let src = format!("let x = 1{}\n", ")".repeat(N));
    let c = codes(&src);
    assert!(!c.is_empty() && c.iter().all(|c| *c == "E0103"), "{c:?}");
}

#[test]
fn deep_nesting_in_types_and_patterns() {
    let ty = format!("let x: {}int{} = 1\n", "list[".repeat(N), "]".repeat(N));
    assert_eq!(codes(&ty), ["E0104"]);
    let pat = format!("let {}a{} = 1\n", "(".repeat(N), ",)".repeat(N));
    assert_eq!(codes(&pat), ["E0104"]);
}

#[test]
fn long_operator_chains() {
    let sum = format!("let x = {}\n", vec!["1"; 100_000].join(" + "));
    assert_eq!(codes(&sum), ["E0104"]);
    let and = format!("let x = {}\n", vec!["true"; 100_000].join(" and "));
    assert_eq!(codes(&and), ["E0104"]);
    // Any chain of more than 1000 operators is refused, comparisons included.
    let cmp = format!("let x = {}\n", vec!["1"; 100_000].join(" < "));
    assert_eq!(codes(&cmp), ["E0104"]);
}

#[test]
fn long_prefix_chains() {
    for prefix in ["-", "not ", "await "] {
        let src = format!("let x = {}1\n", prefix.repeat(N));
        assert_eq!(codes(&src), ["E0104"], "prefix {prefix:?}");
    }
}

#[test]
fn long_right_recursive_chains() {
    let pow = format!("let x = {}\n", vec!["2"; N].join(" ** "));
    assert_eq!(codes(&pow), ["E0104"]);
    let cond = format!("let x = {}1\n", "1 if true else ".repeat(N));
    assert_eq!(codes(&cond), ["E0104"]);
}

#[test]
fn deep_fstrings() {
    let mut src = String::from("1");
    for _ in 0..2_000 {
        src = format!("f\"{{{src}}}\"");
    }
    assert_eq!(codes(&format!("let x = {src}\n")), ["E0104"]);
}

#[test]
fn long_call_chains_and_postfix() {
    let calls = format!("let x = f{}\n", "()".repeat(N));
    assert_eq!(codes(&calls), ["E0104"]);
    let attrs = format!("let x = a{}\n", ".b".repeat(N));
    assert_eq!(codes(&attrs), ["E0104"]);
}

#[test]
fn just_under_the_limits_is_fine() {
    let src = format!("let x = {}1{}\n", "(".repeat(150), ")".repeat(150));
    assert_eq!(codes(&src), Vec::<&str>::new());
    let chain = format!("let x = {}\n", vec!["1"; 900].join(" + "));
    assert_eq!(codes(&chain), Vec::<&str>::new());
}

#[test]
fn ten_megabyte_file() {
    let chunk = "@base(retries = 2)\nasync task t{i}(x: int, ys: list[int] = [1, 2, 3]) -> int {\n    let total = sum([y * x for y in ys if y > 0])\n    return total + len(f\"value {total}\")\n}\n\n";
    let mut src = String::from("env base = TaskEnvironment(name = \"base\")\n");
    let mut i = 0;
    while src.len() < 10 * 1024 * 1024 {
        src.push_str(&chunk.replace("{i}", &i.to_string()));
        i += 1;
    }
    let parsed = parse(&src, FileId(0));
    assert!(parsed.errors.is_empty());
    assert_eq!(parsed.module.items.len(), i + 1);
}

#[test]
fn ten_megabyte_garbage() {
    let src = "$%^ ".repeat(10 * 1024 * 1024 / 4);
    let parsed = parse(&src, FileId(0));
    assert!(!parsed.errors.is_empty());
    assert!(parsed
        .errors
        .iter()
        .all(|e| e.to_diagnostic().code == "E0108"));
}

#[test]
fn invalid_utf8() {
    let parsed = parse_bytes(
        b"let a = 1\nlet s = \"\xff\xfe\"\nlet b = 2 # \xc3\n",
        FileId(0),
    );
    let codes: Vec<_> = parsed
        .errors
        .iter()
        .map(|e| e.to_diagnostic().code)
        .collect();
    assert_eq!(codes, ["E0101", "E0101"]);
    let first = parsed.errors[0].to_diagnostic().primary_span().unwrap();
    assert_eq!((first.start, first.end), (19, 21));
    // The valid declarations around the bad bytes still parse.
    assert_eq!(parsed.module.items.len(), 3);
}

#[test]
fn nul_bytes() {
    assert_eq!(codes("let a = 1\0\n"), ["E0108"]);
    // A run of them is one error.
    assert_eq!(codes("\0\0\0"), ["E0108"]);
    // Inside a string a NUL is just a character.
    assert_eq!(codes("let a = \"x\0y\"\n"), Vec::<&str>::new());
}

#[test]
fn empty_and_blank_files() {
    for src in ["", "\n", "   ", "# c", "\n\n;;\n", "\r\n"] {
        let parsed = parse(src, FileId(0));
        assert!(parsed.errors.is_empty(), "{src:?}: {:?}", parsed.errors);
        assert!(parsed.module.items.is_empty());
    }
}

/// Token soup from a fixed seed: every input must come back with a result, never a panic.
#[test]
fn token_soup_never_panics() {
    let pieces = [
        "env", "task", "fn", "let", "if", "else", "for", "in", "(", ")", "[", "]", "{", "}", ",",
        ":", "=", "==", "+", "-", "**", "*", "x", "1", "2.5", "10m", "\"s\"", "f\"{x}\"", "\n",
        " ", "@", "async", "await", "return", ".", "not", "?", "|", "->", "\"", "f\"{", "#", "\\",
        "10min", "0x", "struct", "import", "try", "except", "finally", ";",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..3_000 {
        let len = (next() % 40) as usize;
        let src: String = (0..len)
            .map(|_| pieces[(next() % pieces.len() as u64) as usize])
            .collect::<Vec<_>>()
            .join(if next() % 2 == 0 { " " } else { "" });
        let parsed = parse(&src, FileId(0));
        for e in &parsed.errors {
            let d = e.to_diagnostic();
            let span = d.primary_span().unwrap();
            assert!(span.end as usize <= src.len(), "{src:?}: span past the end");
        }
    }
}

/// A token a megabyte long (a string, a comment, a name) lexes without overflowing the stack
/// in any build: the lexer loops by tail calls, which an unoptimized build made real calls
/// (the fuzzer's seed1-case510, a 1 MB environment name, crashed `check` in debug builds).
#[test]
fn megabyte_long_tokens() {
    let big = "x".repeat(1 << 20);
    assert_eq!(
        codes(&format!("env e = TaskEnvironment(name = \"{big}\")\n")),
        Vec::<&str>::new()
    );
    assert_eq!(codes(&format!("# {big}\n")), Vec::<&str>::new());
    assert_eq!(codes(&format!("let {big} = 1\n")), Vec::<&str>::new());
    assert_eq!(
        codes(&format!("let n = {}\n", "1".repeat(1 << 20))),
        vec!["E0107"]
    );
}
