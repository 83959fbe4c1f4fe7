//! What the lowering gives the VM's fast paths (their results are compared with the walker's
//! in tests/engine_agreement.rs).

use crate::check::{self, imports};
use crate::diagnostics::SourceMap;
use crate::ir::{FnCode, Op};
use crate::runtime::Executable;

fn program(src: &str) -> Executable {
    let mut map = SourceMap::new();
    let loaded = imports::load(
        &mut map,
        "t.flyte",
        src.as_bytes(),
        &imports::relative_files(&[]),
    );
    let (checked, diags) = check::check_program(&loaded, &check::Options::default());
    assert!(
        !loaded.diags.iter().chain(&diags).any(|d| d.is_error()),
        "{diags:?}"
    );
    Executable::new(loaded, checked)
}

fn body<'a>(p: &'a Executable, name: &str) -> &'a FnCode {
    let index = p.checked.locations.get_index_of(name).expect("declared");
    p.vm_body(index as u32).expect("lowered")
}

const ENV: &str = "env e = TaskEnvironment(name = \"e\")\n";

#[test]
fn a_loop_over_the_builtin_range_is_counted() {
    let p = program(&format!(
        "{ENV}fn f(n: int) -> int {{\n    let t = 0\n    for i in range(1, n, 2) {{ t += i }}\n    return t + len([x for x in range(n)])\n}}\n"
    ));
    let code = &body(&p, "f").code;
    // Each loop's head, and its back edge going on at the body.
    let counted: Vec<_> = code
        .iter()
        .enumerate()
        .filter_map(|(at, op)| match op {
            Op::ForRange { to, back, .. } => Some((at, *to as usize, *back)),
            _ => None,
        })
        .collect();
    assert_eq!(counted.len(), 4, "{code:?}");
    for (at, to, back) in counted {
        assert_eq!(to < at, back, "{code:?}");
    }
    // No list is built for either loop: the one call left is `len`'s.
    assert!(
        !code
            .iter()
            .any(|op| matches!(op, Op::ForNext { .. } | Op::Iter { .. })),
        "{code:?}"
    );
    let calls = code
        .iter()
        .filter(|op| matches!(op, Op::Call { .. }))
        .count();
    assert_eq!(calls, 1, "{code:?}");
}

#[test]
fn a_range_of_the_programs_own_or_over_a_pattern_is_iterated() {
    let p = program(&format!(
        "{ENV}fn range(n: int) -> list[int] {{\n    return [n]\n}}\nfn f() -> int {{\n    let t = 0\n    for i in range(3) {{ t += i }}\n    return t\n}}\nfn g() -> int {{\n    let t = 0\n    for (a, b) in [(1, 2)] {{ t += a + b }}\n    return t\n}}\n"
    ));
    for f in ["f", "g"] {
        let code = &body(&p, f).code;
        assert!(
            !code.iter().any(|op| matches!(op, Op::ForRange { .. })),
            "{f}: {code:?}"
        );
        assert!(
            code.iter().any(|op| matches!(op, Op::ForNext { .. })),
            "{f}: {code:?}"
        );
    }
}

#[test]
fn get_reads_its_key_and_default_in_place() {
    let p = program(&format!(
        "{ENV}fn f(d: dict[str, int], k: str) -> int? {{\n    d[k] = d.get(k, 0) - 1\n    return d.get(k)\n}}\n"
    ));
    let code = &body(&p, "f").code;
    let gets: Vec<_> = code
        .iter()
        .filter_map(|op| match op {
            Op::Get {
                recv, key, dflt, ..
            } => Some((*recv, *key, *dflt)),
            _ => None,
        })
        .collect();
    // `d` and `k` are the first two locals.
    assert_eq!(gets.len(), 2, "{code:?}");
    assert_eq!((gets[0].0, gets[0].1), (0, 1));
    assert_eq!(gets[1], (0, 1, crate::ir::NO_ARG));
    assert!(
        !code
            .iter()
            .any(|op| matches!(op, Op::CallMethod { .. } | Op::Move { .. })),
        "{code:?}"
    );
}

#[test]
fn return_of_an_operation_is_one_instruction_outside_finally() {
    let p = program(&format!(
        "{ENV}fn f(a: int, b: int) -> int {{\n    return a + b\n}}\nfn g(a: int) -> int {{\n    try {{\n        return a * 2\n    }} finally {{\n        let z = 0\n    }}\n}}\n"
    ));
    let f = &body(&p, "f").code;
    assert!(
        matches!(
            f[0],
            Op::RetBinary {
                a: 0,
                b: 1,
                step: true,
                ..
            }
        ),
        "{f:?}"
    );
    // A `return` inside `try` with `finally` goes through the block.
    let g = &body(&p, "g").code;
    assert!(
        !g.iter().any(|op| matches!(op, Op::RetBinary { .. })),
        "{g:?}"
    );
}

#[test]
fn a_statement_that_begins_with_an_int_counts_its_step_there() {
    let p = program(&format!(
        "{ENV}fn f(a: int) -> int {{\n    let t = 5\n    t = a\n    return t\n}}\n"
    ));
    let code = &body(&p, "f").code;
    assert!(
        matches!(
            code[0],
            Op::Int {
                v: 5,
                step: true,
                ..
            }
        ),
        "{code:?}"
    );
    assert!(matches!(code[1], Op::Step), "{code:?}");
}

#[test]
fn a_call_of_an_operation_on_a_local_is_one_instruction_unless_a_jump_lands_between() {
    let p = program(&format!(
        "{ENV}fn fib(n: int) -> int {{\n    if n < 2 {{ return n }}\n    return fib(n - 1) + fib(n - 2)\n}}\nfn g(n: int, c: bool) -> int {{\n    return fib(n if c else n - 1)\n}}\n"
    ));
    let fib = &body(&p, "fib").code;
    let fused = fib
        .iter()
        .filter(|op| {
            matches!(
                op,
                Op::CallFnK {
                    k: 1 | 2,
                    op: crate::syntax::ast::BinOp::Sub,
                    ..
                }
            )
        })
        .count();
    assert_eq!(fused, 2, "{fib:?}");
    assert!(
        !fib.iter().any(|op| matches!(op, Op::CallFn { .. })),
        "{fib:?}"
    );
    // The `else` branch's `n - 1` is where the `if` branch's jump lands after it: not fused.
    let g = &body(&p, "g").code;
    assert!(
        !g.iter().any(|op| matches!(op, Op::CallFnK { .. })),
        "{g:?}"
    );
    assert!(g.iter().any(|op| matches!(op, Op::CallFn { .. })), "{g:?}");
}

#[test]
fn a_body_of_scalars_only_is_known_as_such() {
    let p = program(&format!(
        "{ENV}fn fib(n: int) -> int {{\n    if n < 2 {{ return n }}\n    return fib(n - 1) + fib(n - 2)\n}}\n\
         fn half(x: float, b: bool) -> float {{\n    let y = x / 2.0\n    if b {{ return -y }}\n    return y\n}}\n\
         fn s(n: int) -> int {{\n    let t = \"a\"\n    return n\n}}\n\
         fn repeat(t: str) -> str {{\n    return t * 3\n}}\n\
         fn xs(n: int) -> list[int] {{\n    return [n]\n}}\n\
         fn uses(n: int) -> int {{\n    let v = xs(n)\n    return n\n}}\n\
         fn caught(n: int) -> int {{\n    try {{ return n }} except Error {{ return 0 }}\n}}\n"
    ));
    for (name, scalar) in [
        ("fib", true),
        ("half", true),
        ("s", false),
        ("repeat", false),
        ("xs", false),
        ("uses", false),
        ("caught", false),
    ] {
        assert_eq!(
            body(&p, name).scalar_only,
            scalar,
            "{name}: {:?}",
            body(&p, name)
        );
    }
}

#[test]
fn int_comparisons_match_rusts() {
    use crate::syntax::ast::CmpOp;
    type Cmp = fn(&i64, &i64) -> bool;
    let ops: [(CmpOp, Cmp); 6] = [
        (CmpOp::Eq, i64::eq),
        (CmpOp::Ne, i64::ne),
        (CmpOp::Lt, i64::lt),
        (CmpOp::Le, i64::le),
        (CmpOp::Gt, i64::gt),
        (CmpOp::Ge, i64::ge),
    ];
    for (op, want) in ops {
        for a in [i64::MIN, -2, 0, 1, 7, i64::MAX] {
            for b in [i64::MIN, -2, 0, 1, 7, i64::MAX] {
                assert_eq!(
                    super::fast::int_cmp(op, a, b),
                    Some(want(&a, &b)),
                    "{a} {op:?} {b}"
                );
            }
        }
    }
    assert_eq!(super::fast::int_cmp(CmpOp::In, 1, 1), None);
    assert_eq!(super::fast::int_cmp(CmpOp::NotIn, 1, 1), None);
}

#[test]
fn every_body_of_the_shipped_scripts_is_lowered_and_verified() {
    // A body the verifier refused would not be lowered (and fail when called).
    let mut files = Vec::new();
    for dir in ["examples", "tests/scripts/ok", "benches/compare", "stdlib"] {
        for e in std::fs::read_dir(dir)
            .expect("a folder of scripts")
            .flatten()
        {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "flyte") {
                files.push(p);
            }
        }
    }
    assert!(files.len() >= 15, "{files:?}");
    let mut bodies = 0;
    for p in files {
        let mut map = SourceMap::new();
        let name = p.to_string_lossy().into_owned();
        let src = std::fs::read(&p).expect("readable");
        let root = imports::script_root(&p);
        let loaded = imports::load(&mut map, &name, &src, &imports::relative_files(&[root]));
        let (checked, diags) = check::check_program(&loaded, &check::Options::default());
        if loaded.diags.iter().chain(&diags).any(|d| d.is_error()) {
            continue;
        }
        let p = Executable::new(loaded, checked);
        for (index, name) in p.checked.locations.keys().enumerate() {
            let declared = p.checked.fns.contains_key(name) || p.checked.tasks.contains_key(name);
            if declared {
                assert!(
                    p.vm_body(index as u32).is_some(),
                    "{name} in {p:?}",
                    p = p.checked.locations
                );
                bodies += 1;
            }
        }
    }
    assert!(bodies >= 50, "{bodies}");
}

#[test]
fn counting_is_one_instruction_only_for_the_same_dict_and_key() {
    let p = program(&format!(
        "{ENV}fn f(d: dict[str, int], e: dict[str, int], k: str, j: str) -> int {{\n    d[k] = d.get(k, 0) + 1\n    d[k] = e.get(k, 0) + 1\n    d[k] = d.get(j, 0) + 1\n    d[k] = d.get(k, 0) - 1\n    d[k] = d.get(k, 5) + -3\n    return len(d)\n}}\n"
    ));
    let code = &body(&p, "f").code;
    let fused: Vec<_> = code
        .iter()
        .filter_map(|op| match op {
            Op::DictGetAdd {
                dict,
                key,
                dflt,
                add,
                step,
            } => Some((*dict, *key, *dflt, *add, *step)),
            _ => None,
        })
        .collect();
    // `d`, `e`, `k`, `j` are the first four locals; each statement's step is fused in.
    assert_eq!(fused, [(0, 2, 0, 1, true), (0, 2, 5, -3, true)], "{code:?}");
    let gets = code
        .iter()
        .filter(|op| matches!(op, Op::Get { .. }))
        .count();
    assert_eq!(gets, 3, "{code:?}");
}

#[test]
fn a_loop_over_items_builds_no_tuple_per_item() {
    let p = program(&format!(
        "{ENV}fn f(d: dict[str, int], p: dict[int, tuple[int, str]]) -> int {{\n    let t = 0\n    for k, v in d.items() {{ t += v }}\n    for k, (a, b) in p.items() {{ t += a }}\n    return t\n}}\n"
    ));
    let code = &body(&p, "f").code;
    let heads = code
        .iter()
        .filter(|op| matches!(op, Op::Items { .. }))
        .count();
    let pairs: Vec<_> = code
        .iter()
        .enumerate()
        .filter_map(|(at, op)| match op {
            Op::ForPair { to, back, .. } => Some((at, *to as usize, *back)),
            _ => None,
        })
        .collect();
    assert_eq!(heads, 2, "{code:?}");
    assert_eq!(pairs.len(), 4, "{code:?}");
    for (at, to, back) in pairs {
        assert_eq!(to < at, back, "{code:?}");
    }
    // No `items()` call, no list to iterate; only the nested pattern unpacks.
    assert!(
        !code.iter().any(|op| matches!(
            op,
            Op::CallMethod { .. } | Op::Iter { .. } | Op::ForNext { .. }
        )),
        "{code:?}"
    );
    let unpacks = code
        .iter()
        .filter(|op| matches!(op, Op::Unpack { .. }))
        .count();
    assert_eq!(unpacks, 1, "{code:?}");
}

#[test]
fn a_remainder_by_a_small_constant_multiplies() {
    let p = program(&format!(
        "{ENV}fn f(x: int) -> int {{\n    return x % 97 + x % 2 + x % 1 + x % -7 + x % 65536 + x % 65535 + x % 97\n}}\n"
    ));
    let f = body(&p, "f");
    let ms: Vec<_> = f
        .code
        .iter()
        .filter_map(|op| match op {
            Op::ModK { m, .. } => Some(f.mods[*m as usize]),
            _ => None,
        })
        .collect();
    let others: Vec<_> = f
        .code
        .iter()
        .filter_map(|op| match op {
            Op::ArithK {
                op: crate::syntax::ast::BinOp::Mod,
                k,
                ..
            } => Some(*k),
            _ => None,
        })
        .collect();
    let magic = crate::ir::mod_magic;
    let want = [(97, magic(97)), (2, magic(2)), (65535, magic(65535))];
    assert_eq!(ms, [want[0], want[1], want[2], want[0]], "{:?}", f.code);
    // One entry per divisor.
    assert_eq!(f.mods, want);
    assert_eq!(others, [1, -7, 65536], "{:?}", f.code);
}

#[test]
fn the_remainder_by_multiplication_is_exact() {
    // Every divisor the lowering takes, at the edges of the 32-bit range and around multiples.
    for k in 2..=u16::MAX {
        let magic = crate::ir::mod_magic(k);
        let k64 = k as i64;
        let xs = [
            0,
            1,
            k64 - 1,
            k64,
            k64 + 1,
            7 * k64 + 3,
            u32::MAX as i64 - 1,
            u32::MAX as i64,
        ];
        for x in xs {
            assert_eq!(super::fast::rem_k(x, k, magic), x % k64, "{x} % {k}");
        }
    }
    // Past 32 bits and below zero, the remainder Python's `%` gives.
    for x in [1i64 << 32, -1, -98, i64::MIN, i64::MAX] {
        let got = super::fast::rem_k(x, 97, crate::ir::mod_magic(97));
        assert_eq!(got, x.rem_euclid(97));
    }
}
