//! The fuzzing harness (tests/fuzz/README.md): seeded, grammar-aware mutation of the project's
//! scripts and cluster files, run through the real binary under memory and time limits.
//! Prints a line a failure and ends with `fuzz: N passed, M failed`; exits 1 on any failure.
//!
//! `cargo test --test fuzz -- [--cases N] [--seed S] [--seconds T]`

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use flyte_dsl::syntax::lexer::tokenize;

/// What one process may use.
const MEMORY: u64 = 1 << 30;
const TIME: Duration = Duration::from_secs(20);
const OUTPUT: usize = 4 << 20;

/// SplitMix64: small, seeded, the same everywhere.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files_under(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// A script as tokens: (text, is it a number, a string, a duration).
fn tokens(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut last = 0;
    for (_, r) in tokenize(src) {
        // Whitespace and newlines between tokens are kept as their own pieces.
        if r.start > last {
            out.push(src[last..r.start].to_string());
        }
        out.push(src[r.clone()].to_string());
        last = r.end;
    }
    if last < src.len() {
        out.push(src[last..].to_string());
    }
    out
}

const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "9223372036854775807",
    "-9223372036854775808",
    "1e308",
    "1e-320",
    "0.0",
    "-0.0",
    "4294967295",
    "100000d",
    "0s",
    "-5s",
    "60000d",
    "1ms",
    "0x7fffffffffffffff",
];
const STRINGS: &[&str] = &[
    "\"\"",
    "\"A100:1\"",
    "\"4Gi\"",
    "\"1m\"",
    "\"auto\"",
    "\"off\"",
    "\"\\u{1b}[31m\"",
    "\"../../../../etc/passwd\"",
    "\"/dev/zero\"",
    "\"0Gi\"",
    "\"99999999999Ti\"",
    "\"1g.5gb\"",
    "\"{}\"",
    "\"\\n\\t\"",
];

/// One mutation of a script (`other` is another script of the corpus, for splicing).
fn mutate(rng: &mut Rng, src: &str, other: &str, vocab: &[String]) -> String {
    let mut t = tokens(src);
    if t.is_empty() {
        return other.to_string();
    }
    let rounds = 1 + rng.below(4);
    for _ in 0..rounds {
        let i = rng.below(t.len());
        match rng.below(10) {
            0 => {
                let n = 1 + rng.below(4);
                t.drain(i..(i + n).min(t.len()));
            }
            1 => {
                let n = 1 + rng.below(6);
                let run: Vec<String> = t[i..(i + n).min(t.len())].to_vec();
                for (k, x) in run.into_iter().enumerate() {
                    t.insert(i + k, x);
                }
            }
            2 => {
                let j = rng.below(t.len());
                t.swap(i, j);
            }
            3 => t.insert(i, format!(" {} ", rng.pick(vocab))),
            4 | 5 => {
                // A number or a string for a boundary value.
                let k = (i..t.len()).find(|&k| {
                    t[k].starts_with(|c: char| c.is_ascii_digit()) || t[k].starts_with('"')
                });
                if let Some(k) = k {
                    t[k] = if t[k].starts_with('"') {
                        if rng.chance(20) {
                            format!("\"{}\"", "x".repeat(1 << (10 + rng.below(11))))
                        } else {
                            rng.pick(STRINGS).to_string()
                        }
                    } else {
                        rng.pick(NUMBERS).to_string()
                    };
                }
            }
            6 => {
                // Deep nesting around a name or number where an expression starts.
                let starts = |k: usize| {
                    t[k].starts_with(|c: char| c.is_ascii_alphanumeric())
                        && t[..k]
                            .iter()
                            .rev()
                            .find(|x| !x.trim().is_empty())
                            .is_some_and(|p| {
                                matches!(
                                    p.as_str(),
                                    "return"
                                        | "="
                                        | "("
                                        | "["
                                        | ","
                                        | "+"
                                        | "and"
                                        | "or"
                                        | "if"
                                        | "not"
                                )
                            })
                };
                let k = (i..t.len()).chain(0..i).find(|&k| starts(k));
                if let Some(k) = k {
                    let depth = 1 << rng.below(13);
                    let (open, close) =
                        *rng.pick(&[("[", "]"), ("(", ")"), ("not ", ""), ("-", "")]);
                    t[k] = format!("{}{}{}", open.repeat(depth), t[k], close.repeat(depth));
                }
            }
            7 => {
                // Splice: this script's head, the other's tail.
                let o = tokens(other);
                let j = rng.below(o.len().max(1));
                t.truncate(i);
                t.extend(o.into_iter().skip(j));
            }
            8 => {
                // A long line of one token.
                t.insert(i, rng.pick(vocab).repeat(1 + rng.below(2000)));
            }
            _ => {
                let j = rng.below(t.len());
                let x = t[j].clone();
                t[i] = x;
            }
        }
        if t.is_empty() {
            break;
        }
    }
    t.concat()
}

fn mutate_cluster(rng: &mut Rng, src: &str) -> String {
    let mut lines: Vec<String> = src.lines().map(str::to_string).collect();
    for _ in 0..1 + rng.below(3) {
        let i = rng.below(lines.len());
        let line = lines[i].clone();
        let Some((k, _)) = line.split_once(" = ") else {
            continue;
        };
        match rng.below(4) {
            0 => {
                lines.remove(i);
            }
            1 => {
                let v = *rng.pick(&[
                    "0",
                    "-1",
                    "4294967295",
                    "1e308",
                    "-1e308",
                    "nan",
                    "\"\"",
                    "\"0s\"",
                    "\"100000d\"",
                    "\"999999Ti\"",
                    "true",
                    "[]",
                ]);
                lines[i] = format!("{k} = {v}");
            }
            2 => lines[i] = format!("{k} = {}", "9".repeat(1 + rng.below(40))),
            _ => lines.insert(i, line.clone()),
        }
    }
    lines.join("\n") + "\n"
}

/// How one process ended, if it ended badly.
fn run_case(args: &[&str], dir: &Path) -> Option<String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: only async-signal-safe setrlimit runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: MEMORY,
                rlim_max: MEMORY,
            };
            libc::setrlimit(libc::RLIMIT_AS, &lim);
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("spawn flyte-dsl");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut a = Vec::new();
        let mut b = Vec::new();
        let _ = (&mut out).take(OUTPUT as u64 + 1).read_to_end(&mut a);
        let _ = (&mut err).take(OUTPUT as u64 + 1).read_to_end(&mut b);
        (a, b)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break Some(s);
        }
        if start.elapsed() > TIME {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let (stdout, stderr) = reader.join().unwrap_or_default();
    let text = String::from_utf8_lossy(&stderr);
    match status {
        None => Some(format!("timed out after {}s", TIME.as_secs())),
        Some(s) if s.signal().is_some() => {
            Some(format!("killed by signal {}", s.signal().unwrap()))
        }
        Some(s) if !matches!(s.code(), Some(0..=2)) => {
            Some(format!("exit status {:?}: {}", s.code(), tail(&text)))
        }
        _ if text.contains("panicked") => Some(format!("panic: {}", tail(&text))),
        _ if stdout.len() > OUTPUT || stderr.len() > OUTPUT => Some("output past 4 MB".into()),
        _ => None,
    }
}

fn tail(s: &str) -> String {
    let lines: Vec<&str> = s.lines().rev().take(3).collect();
    lines.into_iter().rev().collect::<Vec<_>>().join(" | ")
}

struct Args {
    cases: usize,
    seed: u64,
    seconds: Option<u64>,
}

fn args() -> Args {
    let mut a = Args {
        cases: 100,
        seed: 17,
        seconds: None,
    };
    let v: Vec<String> = std::env::args().collect();
    let mut i = 1;
    while i < v.len() {
        let next = v.get(i + 1).and_then(|x| x.parse::<u64>().ok());
        match (v[i].as_str(), next) {
            ("--cases", Some(n)) => a.cases = n as usize,
            ("--seed", Some(n)) => a.seed = n,
            ("--seconds", Some(n)) => {
                a.seconds = Some(n);
                a.cases = usize::MAX;
            }
            _ => {
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    a
}

fn main() {
    let a = args();
    let root = repo();
    let mut scripts = Vec::new();
    for d in [
        "examples",
        "tests/scripts",
        "tests/export",
        "tests/fuzz/corpus",
    ] {
        files_under(&root.join(d), "flyte", &mut scripts);
    }
    let texts: Vec<String> = scripts
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect();
    let mut vocab: Vec<String> = texts
        .iter()
        .flat_map(|t| tokens(t))
        .filter(|t| !t.trim().is_empty() && t.len() < 40)
        .collect();
    vocab.sort();
    vocab.dedup();
    let cluster = std::fs::read_to_string(root.join("stdlib/default-cluster.toml")).unwrap();
    let dir = std::env::temp_dir().join(format!("flyte-dsl-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let failures_dir = root.join("tests/fuzz/failures");
    let (mut passed, mut failed) = (0usize, 0usize);
    let mut report = |name: &str, input: &str, why: Option<String>, keep: bool| match why {
        None => passed += 1,
        Some(why) => {
            failed += 1;
            println!("FAIL {name}: {why}");
            if keep {
                let _ = std::fs::create_dir_all(&failures_dir);
                let path = failures_dir.join(name);
                let _ = std::fs::write(&path, input);
                println!("     kept as {}", path.display());
            }
        }
    };
    // 1. Inputs that once failed.
    let mut kept = Vec::new();
    files_under(&failures_dir, "flyte", &mut kept);
    files_under(&failures_dir, "toml", &mut kept);
    for p in &kept {
        let input = String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
        let why = if p.extension().is_some_and(|x| x == "toml") {
            std::fs::write(dir.join("c.toml"), &input).unwrap();
            run_case(&["cluster", "show", "--cluster", "c.toml"], &dir).or_else(|| {
                std::fs::write(dir.join("s.flyte"), &texts[0]).unwrap();
                run_case(
                    &["run", "s.flyte", "--cluster", "c.toml", "--no-cache-store"],
                    &dir,
                )
            })
        } else {
            script_case(&dir, &input)
        };
        report(
            &p.file_name().unwrap().to_string_lossy(),
            &input,
            why,
            false,
        );
    }
    // 2. New cases.
    let mut rng = Rng(a.seed);
    let start = Instant::now();
    let mut n = 0;
    while n < a.cases && a.seconds.is_none_or(|s| start.elapsed().as_secs() < s) {
        n += 1;
        if rng.chance(10) {
            let input = mutate_cluster(&mut rng, &cluster);
            std::fs::write(dir.join("c.toml"), &input).unwrap();
            std::fs::write(dir.join("s.flyte"), rng.pick(&texts)).unwrap();
            let why = run_case(
                &["run", "s.flyte", "--cluster", "c.toml", "--no-cache-store"],
                &dir,
            );
            report(&format!("seed{}-case{n}.toml", a.seed), &input, why, true);
            continue;
        }
        let src = rng.pick(&texts).clone();
        let other = rng.pick(&texts).clone();
        let input = mutate(&mut rng, &src, &other, &vocab);
        let why = script_case(&dir, &input);
        report(&format!("seed{}-case{n}.flyte", a.seed), &input, why, true);
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "fuzz: {passed} passed, {failed} failed ({n} new cases, {} kept, seed {}, {:.0}s)",
        kept.len(),
        a.seed,
        start.elapsed().as_secs_f64()
    );
    // The plain closing line CI reads.
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}

/// A script through check, then (when it checks) run and export.
fn script_case(dir: &Path, input: &str) -> Option<String> {
    std::fs::write(dir.join("s.flyte"), input).unwrap();
    if let Some(why) = run_case(&["check", "s.flyte", "--json"], dir) {
        return Some(format!("check: {why}"));
    }
    let checks = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
        .args(["check", "s.flyte"])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !checks {
        return None;
    }
    if let Some(why) = run_case(&["run", "s.flyte", "--no-cache-store", "--json"], dir) {
        return Some(format!("run: {why}"));
    }
    run_case(&["export", "python", "s.flyte", "-o", "out.py"], dir).map(|w| format!("export: {w}"))
}
