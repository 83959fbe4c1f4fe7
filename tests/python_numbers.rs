//! Printing numbers as Python prints them, checked against python3 itself: `repr` of floats
//! (thousands of seeded bit patterns) and the format-spec mini-language (`format(v, spec)`
//! over a seeded matrix of values and specs, errors included).

mod support;

use flyte_dsl::runtime::builtins::format_spec;
use flyte_dsl::runtime::value::{format_float, Value};
use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `python3 -c script` with `input` on stdin; `None` (with a printed reason) when python3
/// is missing.
fn python(script: &str, input: &str) -> Option<String> {
    let child = Command::new("python3")
        .arg("-c")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!("SKIPPED: the comparison with Python needs python3: {e}");
            return None;
        }
    };
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python3 failed");
    Some(String::from_utf8(out.stdout).unwrap())
}

/// splitmix64: a seeded stream, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// Floats of every kind: random bit patterns, decimal-looking values, powers of ten and their
/// neighbours around the switches to exponent form, subnormals, zeros, infinities, NaN.
fn floats() -> Vec<f64> {
    let mut rng = Rng(17);
    let mut xs = vec![
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        0.1 + 0.2,
        25.198794831981843,
        1e16,
        0.00001234,
        f64::MAX,
        f64::MIN_POSITIVE,
        5e-324,
        -5e-324,
        9007199254740993.0,
    ];
    for _ in 0..1500 {
        xs.push(f64::from_bits(rng.next()));
    }
    for _ in 0..1000 {
        let digits = rng.next() % 10u64.pow(1 + rng.below(12) as u32);
        let scale = rng.below(40) as i32 - 20;
        let x = digits as f64 * 10f64.powi(scale);
        xs.push(if rng.below(2) == 0 { x } else { -x });
    }
    for e in -30..=30 {
        let p = 10f64.powi(e);
        for x in [
            p,
            -p,
            p * 1.5,
            p * 9.999999,
            f64::from_bits(p.to_bits() - 1),
        ] {
            xs.push(x);
            xs.push(f64::from_bits(x.to_bits() + 1));
        }
    }
    for _ in 0..300 {
        xs.push(f64::from_bits(rng.next() % (1 << 52)));
    }
    xs
}

#[test]
fn floats_print_as_python_repr() {
    let xs = floats();
    let input: String = xs.iter().map(|x| format!("{}\n", x.to_bits())).collect();
    let script = "import sys, struct\nfor line in sys.stdin:\n    print(repr(struct.unpack('<d', struct.pack('<Q', int(line)))[0]))";
    let Some(out) = python(script, &input) else {
        return;
    };
    let expected: Vec<&str> = out.lines().collect();
    assert_eq!(expected.len(), xs.len());
    let mut bad = Vec::new();
    for (x, want) in xs.iter().zip(&expected) {
        let got = format_float(*x);
        if got != *want {
            bad.push(format!(
                "{:#018x}: python {want}, flyte-dsl {got}",
                x.to_bits()
            ));
        }
        // str(x), print and f-strings go through the value's display.
        assert_eq!(Value::Float(*x).display(), got);
    }
    assert!(
        bad.is_empty(),
        "{} of {} differ:\n{}",
        bad.len(),
        xs.len(),
        bad[..bad.len().min(30)].join("\n")
    );
}

/// A value both sides can rebuild: (kind, text for Python, the flyte-dsl value).
fn values() -> Vec<(&'static str, String, Value)> {
    let mut vs: Vec<(&'static str, String, Value)> = Vec::new();
    for i in [
        0,
        1,
        -1,
        7,
        42,
        -42,
        65,
        255,
        1234567,
        -9876543210,
        0x10FFFF,
        0x110000,
        i64::MAX,
        i64::MIN,
    ] {
        vs.push(("i", i.to_string(), Value::Int(i)));
    }
    for f in [
        0.0,
        -0.0,
        0.5,
        1.5,
        2.5,
        -2.25,
        0.125,
        0.1,
        1.0,
        100.0,
        123456.789,
        -0.000123456,
        999999.5,
        1e16,
        1.234e-5,
        9.9999e-5,
        1e22,
        2.5e300,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
    ] {
        vs.push(("f", f.to_bits().to_string(), Value::Float(f)));
    }
    for s in ["", "abc", "héllo wörld"] {
        vs.push(("s", s.to_string(), Value::str(s)));
    }
    vs
}

/// Seeded specs from the grammar `[[fill]align][sign][z][#][0][width][grouping][.precision][type]`.
fn spec(rng: &mut Rng) -> String {
    let align = rng.pick(&[
        "", "", "", "<", ">", "^", "=", "*<", "*>", "*^", "0=", "x=", "0>", " ^", "é<",
    ]);
    let sign = rng.pick(&["", "", "+", "-", " "]);
    let z = rng.pick(&["", "", "", "", "z"]);
    let alt = rng.pick(&["", "", "#"]);
    let zero = rng.pick(&["", "", "", "0"]);
    let width = rng.pick(&["", "", "1", "8", "12", "25"]);
    let grouping = rng.pick(&["", "", "", ",", "_"]);
    let precision = rng.pick(&["", "", "", ".0", ".1", ".3", ".12", ".20"]);
    let ty = rng.pick(&[
        "", "", "", "b", "c", "d", "o", "x", "X", "n", "e", "E", "f", "F", "g", "G", "%", "s",
    ]);
    format!("{align}{sign}{z}{alt}{zero}{width}{grouping}{precision}{ty}")
}

#[test]
fn format_specs_agree_with_python() {
    let mut rng = Rng(2024);
    let vs = values();
    let mut cases: Vec<(usize, String)> = Vec::new();
    for _ in 0..4000 {
        cases.push((rng.below(vs.len()), spec(&mut rng)));
    }
    // The flags the issue named, on every value.
    for (k, _) in vs.iter().enumerate() {
        for sp in [
            " d", " ", "#x", "#o", "#b", "#X", "#", "#.3g", " .2f", "=+8", "08,", "_x",
        ] {
            cases.push((k, sp.to_string()));
        }
    }
    let input: String = cases
        .iter()
        .map(|(k, sp)| format!("{}\t{}\t{}\n", vs[*k].0, vs[*k].1, sp))
        .collect();
    let script = r#"
import sys, struct
for line in sys.stdin.read().split('\n')[:-1]:
    kind, text, spec = line.split('\t')
    v = int(text) if kind == 'i' else struct.unpack('<d', struct.pack('<Q', int(text)))[0] if kind == 'f' else text
    try:
        print('ok\t' + format(v, spec).encode('unicode_escape').decode())
    except Exception as e:
        print('err\t' + type(e).__name__)
"#;
    let Some(out) = python(script, &input) else {
        return;
    };
    let expected: Vec<&str> = out.lines().collect();
    assert_eq!(expected.len(), cases.len());
    let mut bad = Vec::new();
    for ((k, sp), want) in cases.iter().zip(&expected) {
        let got: Result<String, String> = match format_spec(&vs[*k].2, sp) {
            Ok(s) => Ok(s),
            Err(Value::Error(e)) => Err(e.kind.to_string()),
            Err(other) => panic!("not an error value: {}", other.repr()),
        };
        let want: Result<String, String> = match want.split_once('\t') {
            Some(("ok", s)) => Ok(unescape(s)),
            Some(("err", kind)) => Err(kind.to_string()),
            _ => panic!("unexpected line from python3: {want}"),
        };
        if got != want {
            bad.push(format!(
                "format({}, {sp:?}): python {want:?}, flyte-dsl {got:?}",
                vs[*k].2.repr()
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} of {} differ:\n{}",
        bad.len(),
        cases.len(),
        bad[..bad.len().min(400)].join("\n")
    );
}

/// Undoes Python's `unicode_escape` for the characters these outputs hold.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('\\') => out.push('\\'),
            Some('x') => {
                let h: String = it.by_ref().take(2).collect();
                out.push(char::from_u32(u32::from_str_radix(&h, 16).unwrap()).unwrap());
            }
            Some('u') => {
                let h: String = it.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&h, 16).unwrap()).unwrap());
            }
            Some('U') => {
                let h: String = it.by_ref().take(8).collect();
                out.push(char::from_u32(u32::from_str_radix(&h, 16).unwrap()).unwrap());
            }
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => panic!("unexpected escape \\{other}"),
            None => out.push('\\'),
        }
    }
    out
}

/// Expressions valid in both languages, run in a task body (f-strings parsed by the grammar,
/// `str`, floats in lists) and compared with python3's `str` of the same expressions.
#[test]
fn fstrings_and_str_in_a_task_agree_with_python() {
    use flyte_dsl::runtime::{self, RunOptions};
    use flyte_dsl::sim::Cluster;
    let exprs = [
        r#"f"{42: d}""#,
        r#"f"{v:#x}""#,
        r#"f"{v:#X}|{v:#o}|{v:#b}|{-v:#x}""#,
        r#"f"{v: }|{-v: }|{3.5: .2f}|{v:#}""#,
        r#"f"{v:#>10x}|{v:=+#012_x}""#,
        r#"f"{1.0:#.0f}|{1e16:#}|{0.5:#.0%}""#,
        r#"f"{0.1 + 0.2}""#,
        r#"str(25.198794831981843)"#,
        r#"str(1e16)"#,
        r#"str(0.00001234)"#,
        r#"str(-0.0)"#,
        r#"str([1e22, 1e-7, 123456789012345.6])"#,
        r#"f"{x}|{x:g}|{x:.3}|{x: e}""#,
        r#"str(2.0 ** 60)"#,
    ];
    let list = exprs.join(",\n        ");
    let src = format!(
        "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1, memory = \"1Gi\"))\n@e\ntask main() -> list[str] {{\n    let v = 255\n    let x = 0.000123456789\n    return [\n        {list}\n    ]\n}}\n"
    );
    let py =
        format!("import json\nv = 255\nx = 0.000123456789\nprint(json.dumps([\n    {list}\n]))");
    let Some(out) = python(&py, "") else {
        return;
    };
    let want: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    let cluster = Cluster::from_toml_str(
        "cold_start = 0\nimage_pull = 0\n[[pool]]\nname = \"cpu\"\ncount = 1\ncpu = 3\nmemory = \"64Gi\"\ncost_per_hour = 3.6\n",
        "c.toml",
    )
    .unwrap();
    let prog = support::program(&src);
    let outcome = runtime::run(&prog, "main", vec![], &cluster, RunOptions::default());
    let got = flyte_dsl::report::summary_json(&outcome);
    assert_eq!(got["result"], want, "{got}");
}
