//! The idioms the VM runs as one instruction each, checked against python3 itself: short
//! f-strings built in a register, remainders by a constant without a division, counting's
//! `d[k] = d.get(k, c) + n` with one lookup, and `for k, v in d.items()` without a tuple per
//! item. Each script runs on both, and gives the same strings.

mod support;

use flyte_dsl::runtime::value::Value;
use std::process::Command;

/// What `main` (the body given, returning `list[str]`) returns, or its error's text.
fn ours(body: &str) -> Result<Vec<String>, String> {
    let strs = |v: &Value| match v {
        Value::Str(s) => s.to_string(),
        v => panic!("not a str: {v:?}"),
    };
    match support::run_main("list[str]", body)? {
        Value::List(l) => Ok(l.borrow().iter().map(strs).collect()),
        v => panic!("not a list: {v:?}"),
    }
}

/// The lines python3 prints for `script`, or `None` (with a printed reason) when python3 is
/// missing.
fn python(script: &str) -> Option<Vec<String>> {
    match Command::new("python3").arg("-c").arg(script).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "python3 failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(
                String::from_utf8(out.stdout)
                    .unwrap()
                    .lines()
                    .map(str::to_string)
                    .collect(),
            )
        }
        Err(e) => {
            eprintln!("SKIPPED: the comparison with Python needs python3: {e}");
            None
        }
    }
}

/// Runs `body` here and `py` (which prints one line per string) in Python; they must agree.
fn agree(body: &str, py: &str) -> Vec<String> {
    let got = ours(body).expect("the run succeeds");
    if let Some(want) = python(py) {
        assert_eq!(got, want);
    }
    got
}

/// Ints at the edges of what the fast paths take: digit counts around the 15 bytes a short
/// f-string holds, 32-bit bounds for the remainder, the ends of `int`.
const INTS: &str = "[0, 1, 7, -7, 42, -100, 96, 97, 98, 999, 1000, 65535, 65536, 4294967295, 4294967296, -4294967296, 99999999999999, 123456789012345, 1234567890123456, -12345678901234, -123456789012345, 9223372036854775807, -9223372036854775807 - 1]";

#[test]
fn short_f_strings_match_python() {
    let body = format!(
        "    let out: list[str] = []\n    let xs: list[int] = {INTS}\n    let ss = [\"\", \"a\", \"héllo\", \"fourteen bytes\", \"fifteen bytes!!\", \"sixteen bytes!!!\"]\n    for x in xs {{\n        out.append(f\"{{x}}\")\n        out.append(f\"k{{x}}\")\n        out.append(f\"{{x}}é{{x}}\")\n        out.append(f\"ab{{x}}cd\")\n        out.append(f\"k{{x % 97}}\")\n    }}\n    for s in ss {{\n        out.append(f\"{{s}}\")\n        out.append(f\"<{{s}}>\")\n        out.append(f\"{{s}}{{s}}\")\n        let t = f\"{{s}}1\"\n        t = f\"{{t}}{{t}}\"\n        out.append(t)\n    }}\n    return out"
    );
    let py = format!(
        "xs = {INTS}\nss = ['', 'a', 'héllo', 'fourteen bytes', 'fifteen bytes!!', 'sixteen bytes!!!']\nfor x in xs:\n    print(f'{{x}}'); print(f'k{{x}}'); print(f'{{x}}é{{x}}'); print(f'ab{{x}}cd'); print(f'k{{x % 97}}')\nfor s in ss:\n    print(f'{{s}}'); print(f'<{{s}}>'); print(f'{{s}}{{s}}')\n    t = f'{{s}}1'\n    t = f'{{t}}{{t}}'\n    print(t)\n"
    );
    let got = agree(&body, &py);
    assert_eq!(got.len(), 23 * 5 + 6 * 4);
}

#[test]
fn remainders_by_constants_match_python() {
    let ks = [2, 3, 7, 97, 1000, 65535, 65536, 1, -7];
    let mut body = format!("    let out: list[str] = []\n    for x in {INTS} {{\n");
    let mut py = format!("for x in {INTS}:\n");
    for k in ks {
        body.push_str(&format!("        out.append(str(x % {k}))\n"));
        py.push_str(&format!("    print(x % {k})\n"));
    }
    body.push_str("    }\n    return out");
    let got = agree(&body, &py);
    assert_eq!(got.len(), 23 * ks.len());
}

#[test]
fn counting_matches_python() {
    let body = "    let out: list[str] = []\n    let d: dict[str, int] = {}\n    for w in [\"a\", \"b\", \"a\", \"c\", \"a\", \"b\", \"héllo\"] {\n        d[w] = d.get(w, 0) + 1\n    }\n    let e: dict[int, int] = {3: 10}\n    for n in [3, 4, 3, 5, 4] {\n        e[n] = e.get(n, 100) + -2\n    }\n    let g: dict[str, float] = {\"x\": 1.5}\n    for k in [\"x\", \"y\", \"x\"] {\n        g[k] = g.get(k, 0) + 2\n    }\n    for k, v in d.items() { out.append(f\"{k}={v}\") }\n    for k, v in e.items() { out.append(f\"{k}={v}\") }\n    for k, v in g.items() { out.append(f\"{k}={v}\") }\n    return out";
    let py = "d = {}\nfor w in ['a', 'b', 'a', 'c', 'a', 'b', 'héllo']:\n    d[w] = d.get(w, 0) + 1\ne = {3: 10}\nfor n in [3, 4, 3, 5, 4]:\n    e[n] = e.get(n, 100) + -2\ng = {'x': 1.5}\nfor k in ['x', 'y', 'x']:\n    g[k] = g.get(k, 0) + 2\nfor m in (d, e, g):\n    for k, v in m.items():\n        print(f'{k}={v}')\n";
    let got = agree(body, py);
    assert_eq!(got[..4], ["a=3", "b=2", "c=1", "héllo=1"]);
}

#[test]
fn counting_past_the_largest_int_raises_overflow_error() {
    let got = ours("    let out: list[str] = []\n    let d: dict[str, int] = {\"k\": 9223372036854775806}\n    let k = \"k\"\n    d[k] = d.get(k, 0) + 1\n    out.append(str(d[k]))\n    try {\n        d[k] = d.get(k, 0) + 1\n    } except OverflowError as err {\n        out.append(err.message)\n    }\n    out.append(str(d[k]))\n    return out")
    .expect("the run succeeds");
    assert_eq!(
        got,
        [
            "9223372036854775807",
            "integer overflow",
            "9223372036854775807"
        ]
    );
}

#[test]
fn items_loops_match_python() {
    // The items are those of the dict when the loop begins (the language's `d.items()` is a
    // list): Python's `list(d.items())`.
    let body = "    let out: list[str] = []\n    let d: dict[str, int] = {\"a\": 1, \"b\": 2, \"c\": 3}\n    for k, v in d.items() {\n        d[\"z\" + k] = v * 10\n        d[\"b\"] = 99\n        out.append(f\"{k}={v}\")\n    }\n    let ps: dict[int, tuple[int, str]] = {1: (2, \"x\"), 3: (4, \"y\")}\n    for k, (m, s) in ps.items() {\n        out.append(f\"{k}/{m}/{s}\")\n    }\n    let empty: dict[str, int] = {}\n    for k, v in empty.items() { out.append(\"never\") }\n    let n = 0\n    for k, v in d.items() {\n        if k == \"b\" { continue }\n        if k == \"zb\" { break }\n        n += v\n    }\n    out.append(str(n))\n    let last = \"\"\n    for k, v in d.items() { last = k }\n    out.append(last)\n    out.append(str(len(d)))\n    return out";
    let py = "d = {'a': 1, 'b': 2, 'c': 3}\nfor k, v in list(d.items()):\n    d['z' + k] = v * 10\n    d['b'] = 99\n    print(f'{k}={v}')\nps = {1: (2, 'x'), 3: (4, 'y')}\nfor k, (m, s) in ps.items():\n    print(f'{k}/{m}/{s}')\nn = 0\nfor k, v in d.items():\n    if k == 'b': continue\n    if k == 'zb': break\n    n += v\nprint(n)\nlast = ''\nfor k, v in d.items(): last = k\nprint(last)\nprint(len(d))\n";
    let got = agree(body, py);
    assert_eq!(got[..3], ["a=1", "b=2", "c=3"]);
}
