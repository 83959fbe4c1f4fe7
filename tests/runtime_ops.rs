//! Operators, builtins, methods and format specs of the run-time values
//! (`runtime::ops`, `runtime::builtins`), against Python's behaviour.

use flyte_dsl::check::builtins::{method_names, pure_functions, Builtin};
use flyte_dsl::check::types::Type;
use flyte_dsl::runtime::builtins;
use flyte_dsl::runtime::ops;
use flyte_dsl::runtime::value::{Callable, CtorKind, DictMap, Key, Value};
use flyte_dsl::syntax::ast::{BinOp, CmpOp, Name};
use std::rc::Rc;

const SEC: i64 = 1_000_000_000;

fn i(n: i64) -> Value {
    Value::Int(n)
}
fn f(x: f64) -> Value {
    Value::Float(x)
}
fn s(x: &str) -> Value {
    Value::str(x)
}
fn l(items: Vec<Value>) -> Value {
    Value::list(items)
}
fn t(items: Vec<Value>) -> Value {
    Value::tuple(items)
}
fn ints(xs: &[i64]) -> Value {
    l(xs.iter().map(|x| i(*x)).collect())
}
fn d(entries: Vec<(&str, Value)>) -> Value {
    let m: DictMap = entries
        .into_iter()
        .map(|(k, v)| (Key::Str(k.into()), v))
        .collect();
    Value::dict(m)
}
fn ty(name: &str) -> Value {
    Value::Callable(Rc::new(match Builtin::of(name) {
        Some(b) => Callable::Builtin(b),
        None => Callable::Ctor(Name::new(name), CtorKind::Type),
    }))
}

/// The repr of a success; panics with the error otherwise.
fn ok(r: Result<Value, Value>) -> String {
    match r {
        Ok(v) => v.repr(),
        Err(e) => panic!("unexpected error {}", e.repr()),
    }
}

/// The error's type name and message; panics on success.
fn err(r: Result<Value, Value>) -> (String, String) {
    match r {
        Ok(v) => panic!("expected an error, got {}", v.repr()),
        Err(Value::Error(e)) => (e.kind.to_string(), e.message.clone()),
        Err(other) => panic!("error is not an error value: {}", other.repr()),
    }
}

fn kind(r: Result<Value, Value>) -> String {
    err(r).0
}

/// A sample of each type with methods, and the methods the checker gives it.
fn method_tables() -> Vec<(Value, &'static [&'static str])> {
    vec![
        (s("a"), method_names(&Type::Str)),
        (ints(&[1]), method_names(&Type::list(Type::Any))),
        (
            d(vec![("a", i(1))]),
            method_names(&Type::Dict(Box::new(Type::Str), Box::new(Type::Any))),
        ),
    ]
}

fn all_methods() -> Vec<&'static str> {
    let mut out: Vec<&str> = method_tables()
        .iter()
        .flat_map(|(_, m)| m.iter().copied())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Every builtin and method the checker accepts has a run-time implementation.
#[test]
fn every_checked_builtin_and_method_runs() {
    for name in pure_functions() {
        let b = Builtin::of(name).expect("in the table");
        assert!(builtins::call(b, &[], &[]).is_some(), "builtin {name}");
    }
    for (recv, names) in method_tables() {
        for name in names {
            assert!(
                builtins::method(&recv.deep_copy(), name, &[]).is_some(),
                "{}.{name}",
                recv.type_name()
            );
        }
    }
}

fn bin(op: BinOp, a: Value, b: Value) -> Result<Value, Value> {
    ops::binary(op, &a, &b)
}

fn call(name: &str, args: Vec<Value>) -> Result<Value, Value> {
    call_kw(name, args, Vec::new())
}

fn call_kw(name: &str, args: Vec<Value>, kw: Vec<(&str, Value)>) -> Result<Value, Value> {
    let b = Builtin::of(name).expect("a builtin");
    builtins::call(b, &args, &kw).expect("a pure builtin")
}

fn meth(recv: &Value, name: &str, args: Vec<Value>) -> Result<Value, Value> {
    builtins::method(recv, name, &args).expect("a method")
}

fn cmp(op: CmpOp, a: Value, b: Value) -> bool {
    ops::compare(op, &a, &b).unwrap_or_else(|e| panic!("{}", e.repr()))
}

#[test]
fn int_arithmetic_and_overflow() {
    assert_eq!(ok(bin(BinOp::Add, i(2), i(3))), "5");
    assert_eq!(ok(bin(BinOp::Sub, i(2), i(3))), "-1");
    assert_eq!(ok(bin(BinOp::Mul, i(4), i(-3))), "-12");
    assert_eq!(ok(bin(BinOp::Div, i(7), i(2))), "3.5");
    assert_eq!(ok(bin(BinOp::Div, i(6), i(2))), "3.0");
    assert_eq!(ok(bin(BinOp::Pow, i(2), i(10))), "1024");
    assert_eq!(ok(bin(BinOp::Pow, i(0), i(0))), "1");
    assert_eq!(ok(bin(BinOp::Pow, i(-1), i(i64::MAX))), "-1");
    assert_eq!(
        err(bin(BinOp::Add, i(i64::MAX), i(1))),
        ("OverflowError".into(), "integer overflow".into())
    );
    assert_eq!(kind(bin(BinOp::Sub, i(i64::MIN), i(1))), "OverflowError");
    assert_eq!(kind(bin(BinOp::Mul, i(i64::MAX), i(2))), "OverflowError");
    assert_eq!(kind(bin(BinOp::Pow, i(2), i(63))), "OverflowError");
    assert_eq!(kind(bin(BinOp::Pow, i(3), i(i64::MAX))), "OverflowError");
    assert_eq!(
        kind(bin(BinOp::FloorDiv, i(i64::MIN), i(-1))),
        "OverflowError"
    );
    assert_eq!(ok(bin(BinOp::Mod, i(i64::MIN), i(-1))), "0");
    assert_eq!(kind(bin(BinOp::Pow, i(2), i(-1))), "ValueError");
    assert_eq!(ok(bin(BinOp::Pow, f(2.0), i(-1))), "0.5");
    assert_eq!(kind(ops::negate(&i(i64::MIN))), "OverflowError");
    assert_eq!(ok(ops::negate(&i(5))), "-5");
    assert_eq!(ok(ops::negate(&f(1.5))), "-1.5");
    assert_eq!(ok(ops::negate(&Value::Duration(SEC))), "-1s");
    assert_eq!(kind(ops::negate(&s("x"))), "TypeError");
}

#[test]
fn floor_division_and_modulo_follow_python() {
    assert_eq!(ok(bin(BinOp::FloorDiv, i(-7), i(2))), "-4");
    assert_eq!(ok(bin(BinOp::FloorDiv, i(7), i(-2))), "-4");
    assert_eq!(ok(bin(BinOp::FloorDiv, i(7), i(2))), "3");
    assert_eq!(ok(bin(BinOp::Mod, i(-7), i(2))), "1");
    assert_eq!(ok(bin(BinOp::Mod, i(7), i(-2))), "-1");
    assert_eq!(ok(bin(BinOp::Mod, i(-7), i(3))), "2");
    assert_eq!(ok(bin(BinOp::Mod, i(-6), i(3))), "0");
    assert_eq!(ok(bin(BinOp::FloorDiv, f(-7.5), i(2))), "-4.0");
    assert_eq!(ok(bin(BinOp::Mod, f(-7.5), i(2))), "0.5");
    assert_eq!(ok(bin(BinOp::Mod, f(7.5), i(-2))), "-0.5");
    assert_eq!(ok(bin(BinOp::FloorDiv, f(5.0), f(-0.5))), "-10.0");
    for op in [BinOp::Div, BinOp::FloorDiv, BinOp::Mod] {
        assert_eq!(kind(bin(op, i(1), i(0))), "ZeroDivisionError");
        assert_eq!(kind(bin(op, f(1.0), f(0.0))), "ZeroDivisionError");
        assert_eq!(kind(bin(op, i(1), f(0.0))), "ZeroDivisionError");
    }
    assert_eq!(
        err(bin(BinOp::Div, i(1), i(0))),
        ("ZeroDivisionError".into(), "division by zero".into())
    );
}

#[test]
fn float_arithmetic_and_mixing() {
    assert_eq!(ok(bin(BinOp::Add, i(1), f(0.5))), "1.5");
    assert_eq!(ok(bin(BinOp::Mul, f(0.5), i(4))), "2.0");
    assert_eq!(ok(bin(BinOp::Pow, i(4), f(0.5))), "2.0");
    assert_eq!(ok(bin(BinOp::Pow, f(2.0), f(3.0))), "8.0");
    assert_eq!(kind(bin(BinOp::Pow, f(0.0), i(-1))), "ZeroDivisionError");
    assert_eq!(kind(bin(BinOp::Pow, f(-8.0), f(0.5))), "ValueError");
    assert_eq!(kind(bin(BinOp::Pow, f(10.0), f(400.0))), "OverflowError");
    assert_eq!(ok(bin(BinOp::Pow, f(-2.0), i(3))), "-8.0");
}

#[test]
fn sequences_concatenate_and_repeat() {
    assert_eq!(ok(bin(BinOp::Add, s("ab"), s("cd"))), "\"abcd\"");
    assert_eq!(ok(bin(BinOp::Mul, s("ab"), i(3))), "\"ababab\"");
    assert_eq!(ok(bin(BinOp::Mul, i(2), s("x"))), "\"xx\"");
    assert_eq!(ok(bin(BinOp::Mul, s("ab"), i(-1))), "\"\"");
    assert_eq!(ok(bin(BinOp::Add, ints(&[1]), ints(&[2, 3]))), "[1, 2, 3]");
    assert_eq!(ok(bin(BinOp::Mul, ints(&[1, 2]), i(2))), "[1, 2, 1, 2]");
    assert_eq!(ok(bin(BinOp::Mul, i(0), ints(&[1, 2]))), "[]");
    assert_eq!(
        ok(bin(BinOp::Add, t(vec![i(1)]), t(vec![s("x")]))),
        "(1, \"x\")"
    );
    assert_eq!(ok(bin(BinOp::Mul, t(vec![i(1)]), i(2))), "(1, 1)");
    // list + list is a new list
    let a = ints(&[1]);
    let c = bin(BinOp::Add, a.clone(), ints(&[])).unwrap();
    meth(&c, "append", vec![i(2)]).unwrap();
    assert_eq!(a.repr(), "[1]");
    // absurd sizes are refused before allocating
    assert_eq!(kind(bin(BinOp::Mul, s("ab"), i(i64::MAX))), "OverflowError");
    assert_eq!(
        kind(bin(BinOp::Mul, ints(&[1]), i(1 << 40))),
        "OverflowError"
    );
    assert_eq!(
        err(bin(BinOp::Add, i(1), s("a"))),
        (
            "TypeError".into(),
            "unsupported operand types for +: 'int' and 'str'".into()
        )
    );
    assert_eq!(kind(bin(BinOp::Add, ints(&[1]), t(vec![]))), "TypeError");
    assert_eq!(kind(bin(BinOp::Sub, s("a"), s("a"))), "TypeError");
    assert_eq!(kind(bin(BinOp::Mul, s("a"), f(2.0))), "TypeError");
    assert_eq!(kind(bin(BinOp::Add, Value::Bool(true), i(1))), "TypeError");
    assert_eq!(kind(bin(BinOp::And, i(1), i(1))), "TypeError");
}

#[test]
fn duration_arithmetic() {
    let m = Value::Duration(60 * SEC);
    assert_eq!(
        ok(bin(BinOp::Add, m.clone(), Value::Duration(30 * SEC))),
        "90s"
    );
    assert_eq!(
        ok(bin(BinOp::Sub, m.clone(), Value::Duration(30 * SEC))),
        "30s"
    );
    assert_eq!(ok(bin(BinOp::Mul, m.clone(), i(3))), "3m");
    assert_eq!(ok(bin(BinOp::Mul, i(3), m.clone())), "3m");
    assert_eq!(ok(bin(BinOp::Mul, m.clone(), f(1.5))), "90s");
    assert_eq!(ok(bin(BinOp::Mul, f(0.5), m.clone())), "30s");
    assert_eq!(ok(bin(BinOp::Div, m.clone(), i(4))), "15s");
    assert_eq!(ok(bin(BinOp::Div, m.clone(), f(0.5))), "2m");
    assert_eq!(
        ok(bin(BinOp::Div, m.clone(), Value::Duration(40 * SEC))),
        "1.5"
    );
    assert_eq!(
        ok(bin(BinOp::FloorDiv, m.clone(), Value::Duration(40 * SEC))),
        "1"
    );
    assert_eq!(
        ok(bin(BinOp::Mod, m.clone(), Value::Duration(40 * SEC))),
        "20s"
    );
    assert_eq!(
        ok(bin(BinOp::FloorDiv, m.clone(), i(7))),
        ok(Ok(Value::Duration(8_571_428_571)))
    );
    // rounding to the nanosecond, half to even
    assert_eq!(
        ok(bin(BinOp::Div, Value::Duration(3), i(2))),
        ok(Ok(Value::Duration(2)))
    );
    assert_eq!(
        ok(bin(BinOp::Div, Value::Duration(5), i(2))),
        ok(Ok(Value::Duration(2)))
    );
    assert_eq!(
        ok(bin(BinOp::Mul, Value::Duration(3), f(0.5))),
        ok(Ok(Value::Duration(2)))
    );
    assert_eq!(
        kind(bin(BinOp::Mul, Value::Duration(i64::MAX), i(2))),
        "OverflowError"
    );
    assert_eq!(
        kind(bin(BinOp::Mul, Value::Duration(SEC), f(1e300))),
        "OverflowError"
    );
    assert_eq!(
        kind(bin(BinOp::Mul, Value::Duration(SEC), f(f64::INFINITY))),
        "OverflowError"
    );
    assert_eq!(
        kind(bin(BinOp::Mul, Value::Duration(SEC), f(f64::NAN))),
        "ValueError"
    );
    assert_eq!(
        kind(bin(
            BinOp::Add,
            Value::Duration(i64::MAX),
            Value::Duration(1)
        )),
        "OverflowError"
    );
    assert_eq!(kind(bin(BinOp::Div, m.clone(), i(0))), "ZeroDivisionError");
    assert_eq!(
        kind(bin(BinOp::Div, m.clone(), Value::Duration(0))),
        "ZeroDivisionError"
    );
    assert_eq!(kind(bin(BinOp::Add, m.clone(), i(1))), "TypeError");
    assert_eq!(kind(bin(BinOp::Div, i(1), m.clone())), "TypeError");
    assert_eq!(kind(bin(BinOp::Mul, m.clone(), m)), "TypeError");
}

#[test]
fn comparisons() {
    use CmpOp::*;
    assert!(cmp(Eq, i(1), f(1.0)));
    assert!(cmp(Ne, i(1), s("1")));
    assert!(!cmp(Eq, i(1), Value::Bool(true)));
    assert!(cmp(Eq, ints(&[1, 2]), l(vec![i(1), f(2.0)])));
    assert!(!cmp(Eq, ints(&[1, 2]), t(vec![i(1), i(2)])));
    assert!(cmp(
        Eq,
        d(vec![("a", i(1)), ("b", i(2))]),
        d(vec![("b", i(2)), ("a", i(1))])
    ));
    assert!(cmp(Eq, Value::None, Value::None));
    assert!(!cmp(Eq, f(f64::NAN), f(f64::NAN)));
    assert!(cmp(Lt, i(1), f(1.5)));
    assert!(cmp(Ge, f(2.0), i(2)));
    assert!(cmp(
        Lt,
        i(9_007_199_254_740_993),
        f(9_007_199_254_740_994.0)
    ));
    assert!(!cmp(
        Eq,
        i(9_007_199_254_740_993),
        f(9_007_199_254_740_992.0)
    ));
    assert!(cmp(Lt, s("B"), s("a")));
    assert!(cmp(Lt, s("é"), s("€")));
    assert!(cmp(Gt, Value::Duration(2), Value::Duration(1)));
    assert!(cmp(Lt, ints(&[1, 2]), ints(&[1, 3])));
    assert!(cmp(Lt, ints(&[1, 2]), ints(&[1, 2, 0])));
    assert!(cmp(Le, t(vec![i(1), s("a")]), t(vec![i(1), s("a")])));
    assert!(!cmp(Lt, f(f64::NAN), f(1.0)));
    assert!(!cmp(Ge, f(f64::NAN), f(1.0)));
    let e = ops::compare(Lt, &i(1), &s("a")).unwrap_err();
    assert_eq!(kind(Err(e)), "TypeError");
    assert_eq!(
        kind(ops::compare(Lt, &ints(&[1]), &t(vec![i(1)])).map(Value::Bool)),
        "TypeError"
    );
    assert_eq!(
        kind(ops::compare(Lt, &d(vec![]), &d(vec![])).map(Value::Bool)),
        "TypeError"
    );
    assert_eq!(
        kind(ops::compare(Gt, &Value::None, &i(0)).map(Value::Bool)),
        "TypeError"
    );
    // membership
    assert!(cmp(In, i(2), ints(&[1, 2])));
    assert!(cmp(In, f(2.0), ints(&[1, 2])));
    assert!(cmp(NotIn, i(3), t(vec![i(1)])));
    assert!(cmp(In, s("a"), d(vec![("a", i(1))])));
    assert!(!cmp(In, i(1), d(vec![("a", i(1))])));
    assert!(cmp(In, s("ell"), s("hello")));
    assert!(cmp(In, s(""), s("hello")));
    assert!(cmp(NotIn, s("x"), s("hello")));
    assert_eq!(
        kind(ops::compare(In, &i(1), &s("1")).map(Value::Bool)),
        "TypeError"
    );
    assert_eq!(
        kind(ops::compare(In, &i(1), &i(1)).map(Value::Bool)),
        "TypeError"
    );
    assert_eq!(
        kind(ops::compare(In, &ints(&[]), &d(vec![])).map(Value::Bool)),
        "TypeError"
    );
}

#[test]
fn self_containing_lists_do_not_overflow_the_stack() {
    let a = ints(&[1]);
    let b = ints(&[1]);
    meth(&a, "append", vec![a.clone()]).unwrap();
    meth(&b, "append", vec![b.clone()]).unwrap();
    assert!(ops::compare(CmpOp::Eq, &a, &a).unwrap());
    assert!(ops::compare(CmpOp::Eq, &a, &b).is_err());
    assert!(ops::compare(CmpOp::Lt, &a, &b).is_err());
    assert!(ops::compare(CmpOp::In, &a, &b).is_err());
    meth(&a, "sort", vec![]).unwrap_err();
    // deep but finite nesting works
    let mut x = ints(&[]);
    let mut y = ints(&[]);
    for _ in 0..1500 {
        x = l(vec![x]);
        y = l(vec![y]);
    }
    assert!(ops::compare(CmpOp::Eq, &x, &y).unwrap());
    // break the cycles so the test does not leak
    meth(&a, "clear", vec![]).unwrap();
    meth(&b, "clear", vec![]).unwrap();
}

#[test]
fn truthiness() {
    for v in [
        Value::None,
        Value::Bool(false),
        i(0),
        f(0.0),
        s(""),
        ints(&[]),
        t(vec![]),
        d(vec![]),
        Value::Duration(0),
    ] {
        assert!(!ops::truthy(&v), "{}", v.repr());
        assert_eq!(ok(call("bool", vec![v])), "false");
    }
    for v in [
        Value::Bool(true),
        i(-1),
        f(0.1),
        f(f64::NAN),
        s("0"),
        ints(&[0]),
        t(vec![Value::None]),
        d(vec![("a", i(0))]),
        Value::Duration(1),
    ] {
        assert!(ops::truthy(&v), "{}", v.repr());
    }
}

#[test]
fn indexing() {
    let xs = ints(&[10, 20, 30]);
    assert_eq!(ok(ops::index(&xs, &i(0))), "10");
    assert_eq!(ok(ops::index(&xs, &i(-1))), "30");
    assert_eq!(ok(ops::index(&xs, &i(-3))), "10");
    assert_eq!(
        err(ops::index(&xs, &i(3))),
        ("IndexError".into(), "list index out of range".into())
    );
    assert_eq!(kind(ops::index(&xs, &i(-4))), "IndexError");
    assert_eq!(kind(ops::index(&xs, &i(i64::MIN))), "IndexError");
    assert_eq!(kind(ops::index(&xs, &i(i64::MAX))), "IndexError");
    assert_eq!(kind(ops::index(&xs, &s("0"))), "TypeError");
    assert_eq!(kind(ops::index(&xs, &f(0.0))), "TypeError");
    assert_eq!(ok(ops::index(&t(vec![i(1), s("x")]), &i(-1))), "\"x\"");
    assert_eq!(kind(ops::index(&t(vec![]), &i(0))), "IndexError");
    assert_eq!(ok(ops::index(&s("héllo"), &i(1))), "\"é\"");
    assert_eq!(ok(ops::index(&s("héllo"), &i(-1))), "\"o\"");
    assert_eq!(kind(ops::index(&s(""), &i(0))), "IndexError");
    let m = d(vec![("a", i(1))]);
    assert_eq!(ok(ops::index(&m, &s("a"))), "1");
    assert_eq!(
        err(ops::index(&m, &s("b"))),
        ("KeyError".into(), "\"b\"".into())
    );
    assert_eq!(err(ops::index(&m, &i(3))), ("KeyError".into(), "3".into()));
    assert_eq!(kind(ops::index(&m, &ints(&[]))), "TypeError");
    assert_eq!(kind(ops::index(&i(1), &i(0))), "TypeError");
    assert_eq!(kind(ops::index(&Value::None, &i(0))), "TypeError");
}

#[test]
fn item_assignment() {
    let xs = ints(&[1, 2, 3]);
    ops::set_index(&xs, &i(-1), s("z")).unwrap();
    ops::set_index(&xs, &i(0), i(0)).unwrap();
    assert_eq!(xs.repr(), "[0, 2, \"z\"]");
    assert_eq!(
        kind(ops::set_index(&xs, &i(3), i(0)).map(|_| Value::None)),
        "IndexError"
    );
    assert_eq!(
        kind(ops::set_index(&xs, &s("a"), i(0)).map(|_| Value::None)),
        "TypeError"
    );
    let m = d(vec![]);
    ops::set_index(&m, &s("k"), i(1)).unwrap();
    ops::set_index(&m, &i(2), i(2)).unwrap();
    ops::set_index(&m, &s("k"), i(3)).unwrap();
    assert_eq!(m.repr(), "{\"k\": 3, 2: 2}");
    assert_eq!(
        kind(ops::set_index(&m, &f(1.5), i(0)).map(|_| Value::None)),
        "TypeError"
    );
    assert_eq!(
        kind(ops::set_index(&t(vec![i(1)]), &i(0), i(0)).map(|_| Value::None)),
        "TypeError"
    );
    assert_eq!(
        kind(ops::set_index(&s("ab"), &i(0), s("x")).map(|_| Value::None)),
        "TypeError"
    );
    // a list may hold itself
    ops::set_index(&xs, &i(1), xs.clone()).unwrap();
    ops::set_index(&xs, &i(1), i(0)).unwrap();
}

/// (start, stop, step, Python's result on a list, on a str)
type SliceCase = (
    Option<i64>,
    Option<i64>,
    Option<i64>,
    &'static str,
    &'static str,
);

#[test]
fn slicing_matches_python() {
    // (start, stop, step) -> Python's result on [0..6] and on "héllo"
    let cases: &[SliceCase] = &[
        (None, None, None, "[0, 1, 2, 3, 4, 5]", "héllo"),
        (Some(1), Some(4), None, "[1, 2, 3]", "éll"),
        (Some(-2), None, None, "[4, 5]", "lo"),
        (None, Some(-2), None, "[0, 1, 2, 3]", "hél"),
        (None, None, Some(-1), "[5, 4, 3, 2, 1, 0]", "olléh"),
        (None, None, Some(2), "[0, 2, 4]", "hlo"),
        (None, None, Some(-2), "[5, 3, 1]", "olh"),
        (Some(4), Some(1), Some(-1), "[4, 3, 2]", "oll"),
        (Some(-1), Some(-5), Some(-2), "[5, 3]", "ol"),
        (Some(10), None, Some(-1), "[5, 4, 3, 2, 1, 0]", "olléh"),
        (Some(-10), None, None, "[0, 1, 2, 3, 4, 5]", "héllo"),
        (None, Some(10), None, "[0, 1, 2, 3, 4, 5]", "héllo"),
        (Some(3), Some(3), None, "[]", ""),
        (Some(5), Some(0), Some(-2), "[5, 3, 1]", "ol"),
        (Some(1), Some(-1), Some(3), "[1, 4]", "é"),
        (Some(-100), Some(100), Some(4), "[0, 4]", "ho"),
        (Some(100), Some(-100), Some(-3), "[5, 2]", "oé"),
        (Some(0), None, Some(-1), "[0]", "h"),
        (None, Some(0), Some(-1), "[5, 4, 3, 2, 1]", "ollé"),
        (Some(2), None, Some(-10), "[2]", "l"),
        (Some(i64::MIN), Some(i64::MAX), Some(i64::MAX), "[0]", "h"),
        (Some(i64::MAX), Some(i64::MIN), Some(i64::MIN), "[5]", "o"),
    ];
    let xs = ints(&[0, 1, 2, 3, 4, 5]);
    for (a, b, c, list, text) in cases {
        assert_eq!(ok(ops::slice(&xs, *a, *b, *c)), *list, "{a:?}:{b:?}:{c:?}");
        assert_eq!(ok(ops::slice(&s("héllo"), *a, *b, *c)), s(text).repr());
    }
    assert_eq!(
        ok(ops::slice(&t(vec![i(1), i(2), i(3)]), None, None, Some(-1))),
        "(3, 2, 1)"
    );
    assert_eq!(
        err(ops::slice(&xs, None, None, Some(0))),
        ("ValueError".into(), "slice step cannot be zero".into())
    );
    assert_eq!(kind(ops::slice(&d(vec![]), None, None, None)), "TypeError");
    assert_eq!(kind(ops::slice(&i(3), Some(0), None, None)), "TypeError");
    // a slice is a copy
    let c = ops::slice(&xs, None, None, None).unwrap();
    ops::set_index(&c, &i(0), i(9)).unwrap();
    assert_eq!(ok(ops::index(&xs, &i(0))), "0");
}

#[test]
fn iteration() {
    assert_eq!(l(ops::iterate(&ints(&[1, 2])).unwrap()).repr(), "[1, 2]");
    assert_eq!(l(ops::iterate(&t(vec![s("a")])).unwrap()).repr(), "[\"a\"]");
    assert_eq!(
        l(ops::iterate(&d(vec![("b", i(1)), ("a", i(2))])).unwrap()).repr(),
        "[\"b\", \"a\"]"
    );
    assert_eq!(l(ops::iterate(&s("hé")).unwrap()).repr(), "[\"h\", \"é\"]");
    assert_eq!(kind(ops::iterate(&i(3)).map(l)), "TypeError");
    assert_eq!(kind(ops::iterate(&Value::None).map(l)), "TypeError");
}

#[test]
fn builtin_len_range_enumerate_zip() {
    assert_eq!(ok(call("len", vec![ints(&[1, 2])])), "2");
    assert_eq!(ok(call("len", vec![s("héllo")])), "5");
    assert_eq!(ok(call("len", vec![d(vec![("a", i(1))])])), "1");
    assert_eq!(ok(call("len", vec![t(vec![])])), "0");
    assert_eq!(kind(call("len", vec![i(1)])), "TypeError");
    assert_eq!(kind(call("len", vec![])), "TypeError");
    assert_eq!(kind(call("len", vec![s("a"), s("b")])), "TypeError");
    assert_eq!(ok(call("range", vec![i(4)])), "[0, 1, 2, 3]");
    assert_eq!(ok(call("range", vec![i(2), i(5)])), "[2, 3, 4]");
    assert_eq!(ok(call("range", vec![i(10), i(0), i(-3)])), "[10, 7, 4, 1]");
    assert_eq!(ok(call("range", vec![i(-3)])), "[]");
    assert_eq!(ok(call("range", vec![i(0), i(10), i(i64::MAX)])), "[0]");
    assert_eq!(
        ok(call("range", vec![i(i64::MAX - 1), i(i64::MAX)])),
        format!("[{}]", i64::MAX - 1)
    );
    assert_eq!(kind(call("range", vec![i(0), i(5), i(0)])), "ValueError");
    assert_eq!(kind(call("range", vec![i(i64::MAX)])), "OverflowError");
    assert_eq!(
        kind(call("range", vec![i(i64::MIN), i(i64::MAX)])),
        "OverflowError"
    );
    assert_eq!(kind(call("range", vec![f(3.0)])), "TypeError");
    assert_eq!(kind(call("range", vec![])), "TypeError");
    assert_eq!(
        kind(call("range", vec![i(1), i(2), i(3), i(4)])),
        "TypeError"
    );
    assert_eq!(
        ok(call("enumerate", vec![ints(&[7, 8])])),
        "[(0, 7), (1, 8)]"
    );
    assert_eq!(
        ok(call("enumerate", vec![s("ab"), i(1)])),
        "[(1, \"a\"), (2, \"b\")]"
    );
    assert_eq!(
        kind(call("enumerate", vec![ints(&[1, 2]), i(i64::MAX)])),
        "OverflowError"
    );
    assert_eq!(
        ok(call("zip", vec![ints(&[1, 2, 3]), s("ab")])),
        "[(1, \"a\"), (2, \"b\")]"
    );
    assert_eq!(ok(call("zip", vec![])), "[]");
    assert_eq!(kind(call("zip", vec![ints(&[1]), i(1)])), "TypeError");
}

#[test]
fn builtin_sum_min_max_abs() {
    assert_eq!(ok(call("sum", vec![ints(&[1, 2, 3])])), "6");
    assert_eq!(ok(call("sum", vec![ints(&[])])), "0");
    assert_eq!(ok(call("sum", vec![ints(&[1, 2]), i(10)])), "13");
    assert_eq!(ok(call("sum", vec![l(vec![i(1), f(0.5)])])), "1.5");
    assert_eq!(ok(call("sum", vec![l(vec![f(0.1); 10])])), "1.0");
    assert_eq!(
        ok(call("sum", vec![l(vec![f(1e100), f(1.0), f(-1e100)])])),
        "1.0"
    );
    assert_eq!(
        ok(call(
            "sum",
            vec![l(vec![Value::Duration(SEC), Value::Duration(2 * SEC)])]
        )),
        "3s"
    );
    assert_eq!(
        kind(call("sum", vec![ints(&[i64::MAX, 1])])),
        "OverflowError"
    );
    assert_eq!(kind(call("sum", vec![l(vec![s("a")])])), "TypeError");
    assert_eq!(kind(call("sum", vec![l(vec![s("a")]), s("")])), "TypeError");
    assert_eq!(kind(call("sum", vec![i(1)])), "TypeError");
    assert_eq!(ok(call("min", vec![ints(&[3, 1, 2])])), "1");
    assert_eq!(ok(call("max", vec![ints(&[3, 1, 2])])), "3");
    assert_eq!(ok(call("min", vec![i(3), f(1.5), i(2)])), "1.5");
    assert_eq!(ok(call("max", vec![s("b"), s("a")])), "\"b\"");
    assert_eq!(
        ok(call(
            "max",
            vec![l(vec![t(vec![i(1), s("b")]), t(vec![i(1), s("c")])])]
        )),
        "(1, \"c\")"
    );
    // ties keep the first, as Python
    assert_eq!(ok(call("max", vec![i(1), f(1.0)])), "1");
    assert_eq!(ok(call("min", vec![f(1.0), i(1)])), "1.0");
    assert_eq!(
        err(call("min", vec![ints(&[])])),
        ("ValueError".into(), "min() arg is an empty sequence".into())
    );
    assert_eq!(kind(call("max", vec![ints(&[])])), "ValueError");
    assert_eq!(
        ok(call_kw("max", vec![ints(&[])], vec![("default", i(0))])),
        "0"
    );
    assert_eq!(kind(call("min", vec![])), "TypeError");
    assert_eq!(kind(call("min", vec![i(1), s("a")])), "TypeError");
    assert_eq!(kind(call("max", vec![i(1)])), "TypeError");
    assert_eq!(ok(call("abs", vec![i(-3)])), "3");
    assert_eq!(ok(call("abs", vec![f(-2.5)])), "2.5");
    assert_eq!(ok(call("abs", vec![Value::Duration(-SEC)])), "1s");
    assert_eq!(kind(call("abs", vec![i(i64::MIN)])), "OverflowError");
    assert_eq!(kind(call("abs", vec![s("x")])), "TypeError");
}

#[test]
fn builtin_round() {
    assert_eq!(ok(call("round", vec![f(2.5)])), "2");
    assert_eq!(ok(call("round", vec![f(3.5)])), "4");
    assert_eq!(ok(call("round", vec![f(-2.5)])), "-2");
    assert_eq!(ok(call("round", vec![f(2.6)])), "3");
    assert_eq!(ok(call("round", vec![i(7)])), "7");
    assert_eq!(ok(call("round", vec![f(2.675), i(2)])), "2.67");
    assert_eq!(ok(call("round", vec![f(0.125), i(2)])), "0.12");
    assert_eq!(ok(call("round", vec![f(1234.5), i(-2)])), "1200.0");
    assert_eq!(ok(call("round", vec![f(1250.0), i(-2)])), "1200.0");
    assert_eq!(ok(call("round", vec![f(1350.0), i(-2)])), "1400.0");
    assert_eq!(ok(call("round", vec![f(1250.5), i(-2)])), "1300.0");
    assert_eq!(ok(call("round", vec![f(-0.5), i(0)])), "-0.0");
    assert_eq!(ok(call("round", vec![i(1350), i(-2)])), "1400.0");
    assert_eq!(ok(call("round", vec![i(25), i(-1)])), "20.0");
    assert_eq!(ok(call("round", vec![i(5), i(2)])), "5.0");
    assert_eq!(ok(call("round", vec![f(999.9), i(-3)])), "1000.0");
    assert_eq!(ok(call("round", vec![f(1e300), i(-400)])), "0.0");
    assert_eq!(ok(call("round", vec![f(0.1), i(1000)])), "0.1");
    assert_eq!(kind(call("round", vec![f(f64::NAN)])), "ValueError");
    assert_eq!(kind(call("round", vec![f(f64::INFINITY)])), "OverflowError");
    assert_eq!(kind(call("round", vec![f(1e19)])), "OverflowError");
    assert_eq!(kind(call("round", vec![s("1")])), "TypeError");
    assert_eq!(kind(call("round", vec![f(1.0), f(1.0)])), "TypeError");
}

#[test]
fn builtin_sorted_reversed_any_all() {
    assert_eq!(ok(call("sorted", vec![ints(&[3, 1, 2])])), "[1, 2, 3]");
    assert_eq!(
        ok(call_kw(
            "sorted",
            vec![ints(&[3, 1, 2])],
            vec![("reverse", Value::Bool(true))]
        )),
        "[3, 2, 1]"
    );
    assert_eq!(
        ok(call("sorted", vec![l(vec![s("b"), s("a"), s("C")])])),
        "[\"C\", \"a\", \"b\"]"
    );
    assert_eq!(ok(call("sorted", vec![s("cab")])), "[\"a\", \"b\", \"c\"]");
    assert_eq!(
        ok(call(
            "sorted",
            vec![l(vec![Value::Duration(2 * SEC), Value::Duration(SEC)])]
        )),
        "[1s, 2s]"
    );
    // stability: equal keys keep their input order, reversed or not
    let mixed = l(vec![i(1), f(1.0), i(0), f(0.0), i(1)]);
    assert_eq!(
        ok(call("sorted", vec![mixed.clone()])),
        "[0, 0.0, 1, 1.0, 1]"
    );
    assert_eq!(
        ok(call_kw(
            "sorted",
            vec![mixed.clone()],
            vec![("reverse", Value::Bool(true))]
        )),
        "[1, 1.0, 1, 0, 0.0]"
    );
    let big: Vec<Value> = (0..200)
        .map(|k| t(vec![i((k * 7919) % 13), i(k)]))
        .collect();
    let sorted = call("sorted", vec![l(big)]).unwrap();
    let flat = ops::iterate(&sorted).unwrap();
    for w in flat.windows(2) {
        assert!(ops::compare(CmpOp::Le, &w[0], &w[1]).unwrap());
    }
    assert_eq!(
        kind(call("sorted", vec![l(vec![i(1), s("a")])])),
        "TypeError"
    );
    assert_eq!(
        kind(call_kw("sorted", vec![ints(&[])], vec![("reverse", i(1))])),
        "TypeError"
    );
    assert_eq!(
        kind(call_kw("sorted", vec![ints(&[])], vec![("key", i(1))])),
        "TypeError"
    );
    // NaN makes no total order; sorting still terminates without panicking
    assert!(call(
        "sorted",
        vec![l(vec![f(f64::NAN), f(1.0), f(0.0), f(f64::NAN), f(-1.0)])]
    )
    .is_ok());
    assert_eq!(ok(call("reversed", vec![ints(&[1, 2, 3])])), "[3, 2, 1]");
    assert_eq!(ok(call("reversed", vec![s("ab")])), "[\"b\", \"a\"]");
    assert_eq!(
        ok(call(
            "any",
            vec![l(vec![Value::Bool(false), Value::Bool(true)])]
        )),
        "true"
    );
    assert_eq!(ok(call("any", vec![ints(&[])])), "false");
    assert_eq!(ok(call("all", vec![ints(&[])])), "true");
    assert_eq!(ok(call("all", vec![ints(&[1, 0])])), "false");
    assert_eq!(kind(call("all", vec![i(1)])), "TypeError");
}

#[test]
fn builtin_conversions() {
    assert_eq!(ok(call("str", vec![ints(&[1])])), "\"[1]\"");
    assert_eq!(ok(call("str", vec![s("x")])), "\"x\"");
    assert_eq!(ok(call("str", vec![])), "\"\"");
    assert_eq!(ok(call("str", vec![Value::None])), "\"none\"");
    assert_eq!(ok(call("int", vec![f(-2.9)])), "-2");
    assert_eq!(ok(call("int", vec![Value::Bool(true)])), "1");
    assert_eq!(ok(call("int", vec![s(" 42 ")])), "42");
    assert_eq!(ok(call("int", vec![s("-1_000")])), "-1000");
    assert_eq!(ok(call("int", vec![s("+7")])), "7");
    assert_eq!(ok(call("int", vec![s("ff"), i(16)])), "255");
    assert_eq!(ok(call("int", vec![s("0x1f"), i(0)])), "31");
    assert_eq!(ok(call("int", vec![s("0x1f"), i(16)])), "31");
    assert_eq!(
        ok(call("int", vec![s("-9223372036854775808")])),
        i64::MIN.to_string()
    );
    assert_eq!(
        err(call("int", vec![s("abc")])),
        (
            "ValueError".into(),
            "invalid literal for int() with base 10: \"abc\"".into()
        )
    );
    for bad in [
        "", " ", "1.5", "1__0", "_1", "1_", "0x1f", "--1", "1 2", "0_x1",
    ] {
        assert_eq!(kind(call("int", vec![s(bad)])), "ValueError", "{bad:?}");
    }
    assert_eq!(
        kind(call("int", vec![s("9223372036854775808")])),
        "OverflowError"
    );
    assert_eq!(
        kind(call(
            "int",
            vec![s("99999999999999999999999999999999999999999")]
        )),
        "OverflowError"
    );
    assert_eq!(kind(call("int", vec![f(f64::NAN)])), "ValueError");
    assert_eq!(kind(call("int", vec![f(f64::INFINITY)])), "OverflowError");
    assert_eq!(kind(call("int", vec![f(1e19)])), "OverflowError");
    assert_eq!(kind(call("int", vec![s("1"), i(1)])), "ValueError");
    assert_eq!(kind(call("int", vec![s("1"), i(99)])), "ValueError");
    assert_eq!(kind(call("int", vec![i(1), i(10)])), "TypeError");
    assert_eq!(kind(call("int", vec![ints(&[])])), "TypeError");
    assert_eq!(ok(call("float", vec![i(3)])), "3.0");
    assert_eq!(ok(call("float", vec![s(" 1_0.5 ")])), "10.5");
    assert_eq!(ok(call("float", vec![s("1e3")])), "1000.0");
    assert_eq!(ok(call("float", vec![s("-inf")])), "-inf");
    assert_eq!(ok(call("float", vec![s("nan")])), "nan");
    for bad in ["", "abc", "1_", "_1", "1e", "--1", "infx", "0x10"] {
        assert_eq!(kind(call("float", vec![s(bad)])), "ValueError", "{bad:?}");
    }
    assert_eq!(kind(call("float", vec![Value::Duration(1)])), "TypeError");
    assert_eq!(ok(call("bool", vec![ints(&[0])])), "true");
    assert_eq!(ok(call("bool", vec![])), "false");
}

#[test]
fn builtin_isinstance() {
    let yes = |v: Value, tname: &str| {
        assert_eq!(
            ok(call("isinstance", vec![v, ty(tname)])),
            "true",
            "{tname}"
        )
    };
    let no = |v: Value, tname: &str| {
        assert_eq!(
            ok(call("isinstance", vec![v, ty(tname)])),
            "false",
            "{tname}"
        )
    };
    yes(i(1), "int");
    no(Value::Bool(true), "int");
    no(i(1), "float");
    yes(f(1.0), "float");
    yes(Value::Bool(false), "bool");
    yes(s(""), "str");
    yes(Value::Duration(1), "duration");
    yes(ints(&[]), "list");
    yes(d(vec![]), "dict");
    yes(t(vec![]), "tuple");
    no(t(vec![]), "list");
    yes(
        Value::error(flyte_dsl::diagnostics::ErrorType::OOMError, "x"),
        "OOMError",
    );
    yes(
        Value::error(flyte_dsl::diagnostics::ErrorType::OOMError, "x"),
        "RuntimeUserError",
    );
    yes(
        Value::error(flyte_dsl::diagnostics::ErrorType::OOMError, "x"),
        "Error",
    );
    no(
        Value::error(flyte_dsl::diagnostics::ErrorType::OOMError, "x"),
        "RuntimeSystemError",
    );
    no(
        Value::error(flyte_dsl::diagnostics::ErrorType::ValueError, "x"),
        "KeyError",
    );
    no(i(1), "ValueError");
    let point = Value::Struct(Rc::new(std::cell::RefCell::new(
        flyte_dsl::runtime::value::StructValue {
            name: Name::new("Point"),
            fields: vec![],
        },
    )));
    yes(point.clone(), "Point");
    no(point, "Other");
    assert_eq!(
        ok(call("isinstance", vec![Value::None, Value::None])),
        "true"
    );
    assert_eq!(ok(call("isinstance", vec![i(1), Value::None])), "false");
    assert_eq!(
        ok(call(
            "isinstance",
            vec![f(1.0), t(vec![ty("int"), ty("float")])]
        )),
        "true"
    );
    assert_eq!(kind(call("isinstance", vec![i(1), i(1)])), "TypeError");
    assert_eq!(kind(call("isinstance", vec![i(1), ty("len")])), "TypeError");
    assert_eq!(kind(call("isinstance", vec![i(1)])), "TypeError");
}

#[test]
fn builtins_reject_unknown_names_and_keywords() {
    for name in ["print", "getenv", "sleep", "gather", "map"] {
        let b = Builtin::of(name).expect("a builtin");
        assert!(builtins::call(b, &[], &[]).is_none(), "{name}");
    }
    for name in ["nope", ""] {
        assert_eq!(Builtin::of(name), None, "{name}");
    }
    assert_eq!(
        kind(call_kw("len", vec![s("a")], vec![("x", i(1))])),
        "TypeError"
    );
    assert_eq!(
        kind(call_kw("range", vec![i(1)], vec![("step", i(1))])),
        "TypeError"
    );
    assert_eq!(
        kind(call_kw(
            "sorted",
            vec![ints(&[])],
            vec![
                ("reverse", Value::Bool(true)),
                ("reverse", Value::Bool(true))
            ]
        )),
        "TypeError"
    );
}

#[test]
fn str_methods() {
    let m = |recv: &str, name: &str, args: Vec<Value>| ok(meth(&s(recv), name, args));
    assert_eq!(m(", ", "join", vec![l(vec![s("a"), s("b")])]), "\"a, b\"");
    assert_eq!(m("-", "join", vec![s("abc")]), "\"a-b-c\"");
    assert_eq!(kind(meth(&s(","), "join", vec![ints(&[1])])), "TypeError");
    assert_eq!(m("a b  c ", "split", vec![]), "[\"a\", \"b\", \"c\"]");
    assert_eq!(
        m(" a b c ", "split", vec![Value::None, i(1)]),
        "[\"a\", \"b c \"]"
    );
    assert_eq!(
        m("a,b,,c", "split", vec![s(",")]),
        "[\"a\", \"b\", \"\", \"c\"]"
    );
    assert_eq!(m("a,b,c", "split", vec![s(","), i(1)]), "[\"a\", \"b,c\"]");
    assert_eq!(m("", "split", vec![]), "[]");
    assert_eq!(kind(meth(&s("a"), "split", vec![s("")])), "ValueError");
    assert_eq!(m("  x \n", "strip", vec![]), "\"x\"");
    assert_eq!(m("  x ", "lstrip", vec![]), "\"x \"");
    assert_eq!(m("  x ", "rstrip", vec![]), "\"  x\"");
    assert_eq!(m("xxaxx", "strip", vec![s("x")]), "\"a\"");
    assert_eq!(m("abcba", "rstrip", vec![s("ab")]), "\"abc\"");
    assert_eq!(m("aaa", "replace", vec![s("a"), s("b")]), "\"bbb\"");
    assert_eq!(m("aaa", "replace", vec![s("a"), s("b"), i(2)]), "\"bba\"");
    assert_eq!(m("ab", "replace", vec![s(""), s("-")]), "\"-a-b-\"");
    assert_eq!(m("hello", "startswith", vec![s("he")]), "true");
    assert_eq!(
        m("hello", "startswith", vec![t(vec![s("x"), s("h")])]),
        "true"
    );
    assert_eq!(m("hello", "endswith", vec![s("he")]), "false");
    assert_eq!(kind(meth(&s("a"), "startswith", vec![i(1)])), "TypeError");
    assert_eq!(m("Straße", "upper", vec![]), "\"STRASSE\"");
    assert_eq!(m("ABC", "lower", vec![]), "\"abc\"");
    assert_eq!(m("they're bill's", "title", vec![]), "\"They'Re Bill'S\"");
    assert_eq!(m("hELLO wORLD", "capitalize", vec![]), "\"Hello world\"");
    assert_eq!(m("abcabc", "find", vec![s("c")]), "2");
    assert_eq!(m("abcabc", "find", vec![s("c"), i(3)]), "5");
    assert_eq!(m("abcabc", "find", vec![s("c"), i(-2)]), "5");
    assert_eq!(m("héllo", "find", vec![s("l")]), "2");
    assert_eq!(m("abc", "find", vec![s("z")]), "-1");
    assert_eq!(m("abc", "find", vec![s(""), i(3)]), "3");
    assert_eq!(m("abc", "find", vec![s(""), i(4)]), "-1");
    assert_eq!(m("abc", "index", vec![s("c")]), "2");
    assert_eq!(kind(meth(&s("abc"), "index", vec![s("z")])), "ValueError");
    assert_eq!(m("aaa", "count", vec![s("")]), "4");
    assert_eq!(m("aaaa", "count", vec![s("aa")]), "2");
    assert_eq!(m("abc", "count", vec![s(""), i(1)]), "3");
    assert_eq!(m("123", "isdigit", vec![]), "true");
    assert_eq!(m("", "isdigit", vec![]), "false");
    assert_eq!(m("12a", "isdigit", vec![]), "false");
    assert_eq!(m("abé", "isalpha", vec![]), "true");
    assert_eq!(m(" \t", "isspace", vec![]), "true");
    assert!(builtins::method(&s("a"), "nope", &[]).is_none());
    assert_eq!(kind(meth(&s("a"), "upper", vec![i(1)])), "TypeError");
    assert_eq!(kind(meth(&s("a"), "replace", vec![s("a")])), "TypeError");
    assert_eq!(
        kind(meth(&s("a"), "replace", vec![s("a"), i(1)])),
        "TypeError"
    );
    let big = bin(BinOp::Mul, s("a"), i(1 << 20)).unwrap();
    assert_eq!(
        kind(meth(&big, "replace", vec![s(""), s(&"x".repeat(32))])),
        "OverflowError"
    );
}

#[test]
fn list_methods_mutate_in_place() {
    let xs = ints(&[3, 1]);
    let alias = xs.clone();
    assert_eq!(ok(meth(&xs, "append", vec![i(2)])), "none");
    assert_eq!(alias.repr(), "[3, 1, 2]");
    meth(&xs, "extend", vec![ints(&[5, 4])]).unwrap();
    meth(&xs, "extend", vec![xs.clone()]).unwrap();
    assert_eq!(xs.repr(), "[3, 1, 2, 5, 4, 3, 1, 2, 5, 4]");
    meth(&xs, "clear", vec![]).unwrap();
    meth(&xs, "extend", vec![ints(&[3, 1, 2])]).unwrap();
    meth(&xs, "insert", vec![i(0), i(9)]).unwrap();
    meth(&xs, "insert", vec![i(-1), i(8)]).unwrap();
    meth(&xs, "insert", vec![i(100), i(7)]).unwrap();
    meth(&xs, "insert", vec![i(i64::MIN), i(6)]).unwrap();
    assert_eq!(xs.repr(), "[6, 9, 3, 1, 8, 2, 7]");
    assert_eq!(ok(meth(&xs, "pop", vec![])), "7");
    assert_eq!(ok(meth(&xs, "pop", vec![i(0)])), "6");
    assert_eq!(ok(meth(&xs, "pop", vec![i(-2)])), "8");
    assert_eq!(kind(meth(&xs, "pop", vec![i(10)])), "IndexError");
    assert_eq!(ok(meth(&xs, "index", vec![i(1)])), "2");
    assert_eq!(ok(meth(&xs, "index", vec![f(3.0)])), "1");
    assert_eq!(
        err(meth(&xs, "index", vec![i(42)])),
        ("ValueError".into(), "42 is not in list".into())
    );
    assert_eq!(kind(meth(&xs, "index", vec![i(9), i(1)])), "ValueError");
    meth(&xs, "append", vec![i(1)]).unwrap();
    assert_eq!(ok(meth(&xs, "count", vec![i(1)])), "2");
    meth(&xs, "remove", vec![i(1)]).unwrap();
    assert_eq!(xs.repr(), "[9, 3, 2, 1]");
    assert_eq!(kind(meth(&xs, "remove", vec![i(42)])), "ValueError");
    meth(&xs, "sort", vec![]).unwrap();
    assert_eq!(xs.repr(), "[1, 2, 3, 9]");
    builtins::method_kw(&xs, "sort", &[], &[("reverse", Value::Bool(true))])
        .unwrap()
        .unwrap();
    assert_eq!(xs.repr(), "[9, 3, 2, 1]");
    meth(&xs, "reverse", vec![]).unwrap();
    assert_eq!(alias.repr(), "[1, 2, 3, 9]");
    let c = meth(&xs, "copy", vec![]).unwrap();
    meth(&c, "clear", vec![]).unwrap();
    assert_eq!(xs.repr(), "[1, 2, 3, 9]");
    meth(&xs, "clear", vec![]).unwrap();
    assert_eq!(
        err(meth(&xs, "pop", vec![])),
        ("IndexError".into(), "pop from empty list".into())
    );
    let mixed = l(vec![i(1), s("a")]);
    assert_eq!(kind(meth(&mixed, "sort", vec![])), "TypeError");
    assert_eq!(mixed.repr(), "[1, \"a\"]");
    assert_eq!(
        kind(meth(&mixed, "insert", vec![s("0"), i(1)])),
        "TypeError"
    );
    assert_eq!(kind(meth(&mixed, "append", vec![])), "TypeError");
    assert_eq!(kind(meth(&mixed, "extend", vec![i(1)])), "TypeError");
    assert!(builtins::method(&mixed, "push", &[]).is_none());
}

#[test]
fn dict_methods() {
    let m = d(vec![("a", i(1)), ("b", i(2))]);
    assert_eq!(ok(meth(&m, "get", vec![s("a")])), "1");
    assert_eq!(ok(meth(&m, "get", vec![s("z")])), "none");
    assert_eq!(ok(meth(&m, "get", vec![s("z"), i(0)])), "0");
    assert_eq!(ok(meth(&m, "get", vec![i(1), i(0)])), "0");
    assert_eq!(kind(meth(&m, "get", vec![ints(&[])])), "TypeError");
    assert_eq!(ok(meth(&m, "items", vec![])), "[(\"a\", 1), (\"b\", 2)]");
    assert_eq!(ok(meth(&m, "keys", vec![])), "[\"a\", \"b\"]");
    assert_eq!(ok(meth(&m, "values", vec![])), "[1, 2]");
    meth(&m, "update", vec![d(vec![("c", i(3)), ("a", i(0))])]).unwrap();
    assert_eq!(m.repr(), "{\"a\": 0, \"b\": 2, \"c\": 3}");
    meth(&m, "update", vec![l(vec![t(vec![s("d"), i(4)])])]).unwrap();
    meth(&m, "update", vec![m.clone()]).unwrap();
    assert_eq!(kind(meth(&m, "update", vec![ints(&[1])])), "TypeError");
    assert_eq!(kind(meth(&m, "update", vec![i(1)])), "TypeError");
    assert_eq!(ok(meth(&m, "pop", vec![s("a")])), "0");
    assert_eq!(m.repr(), "{\"b\": 2, \"c\": 3, \"d\": 4}");
    assert_eq!(ok(meth(&m, "pop", vec![s("a"), i(-1)])), "-1");
    assert_eq!(
        err(meth(&m, "pop", vec![s("a")])),
        ("KeyError".into(), "\"a\"".into())
    );
    assert_eq!(ok(meth(&m, "setdefault", vec![s("b"), i(9)])), "2");
    assert_eq!(ok(meth(&m, "setdefault", vec![s("e"), i(5)])), "5");
    assert_eq!(kind(meth(&m, "setdefault", vec![f(1.5)])), "TypeError");
    let c = meth(&m, "copy", vec![]).unwrap();
    meth(&c, "clear", vec![]).unwrap();
    assert_eq!(ok(call("len", vec![m.clone()])), "4");
    assert_eq!(ok(call("len", vec![c])), "0");
    assert!(builtins::method(&m, "popitem", &[]).is_none());
    assert!(builtins::method(&i(1), "get", &[]).is_none());
    assert_eq!(kind(meth(&m, "keys", vec![i(1)])), "TypeError");
}

#[test]
fn format_specs_match_python() {
    let cases: Vec<(Value, &str, &str)> = vec![
        (f(1.23456), ".2f", "1.23"),
        (i(5), ">5", "    5"),
        (i(1234567), ",", "1,234,567"),
        (f(1234567.891), ",.2f", "1,234,567.89"),
        (s("ab"), ">5", "   ab"),
        (s("ab"), "<5", "ab   "),
        (s("ab"), "^6", "  ab  "),
        (s("ab"), "*^7", "**ab***"),
        (i(42), "08d", "00000042"),
        (i(-42), "08d", "-0000042"),
        (i(-42), "=+8", "-     42"),
        (i(255), "x", "ff"),
        (i(255), "#x", "0xff"),
        (i(255), "#X", "0XFF"),
        (i(255), "08b", "11111111"),
        (f(0.5), "%", "50.000000%"),
        (f(0.256), ".1%", "25.6%"),
        (f(12345.678), "e", "1.234568e+04"),
        (f(12345.678), ".2E", "1.23E+04"),
        (i(1234), "010,", "00,001,234"),
        (i(1234), "09,", "0,001,234"),
        (f(0.0001234), "g", "0.0001234"),
        (f(123456789.0), "g", "1.23457e+08"),
        (f(1.0), ".3", "1.0"),
        (f(12.0), ".2", "1.2e+01"),
        (f(123.0), ".2", "1.2e+02"),
        (f(1e20), ".3", "1e+20"),
        (f(-0.0), ".1f", "-0.0"),
        (f(-0.0), "z.1f", "0.0"),
        (f(1.5), ">8", "     1.5"),
        (f(1234567.0), ",", "1,234,567.0"),
        (f(2.5), ".0f", "2"),
        (f(0.125), ".2f", "0.12"),
        (f(1.0), "#.0f", "1."),
        (i(3), ".2f", "3.00"),
        (i(-3), "+", "-3"),
        (i(3), "+", "+3"),
        (i(3), " ", " 3"),
        (i(7), "_b", "111"),
        (i(123456789), "_", "123_456_789"),
        (i(123456789), "_x", "75b_cd15"),
        (f(0.0), "g", "0"),
        (f(100.0), "g", "100"),
        (f(1e-5), ".3g", "1e-05"),
        (f(f64::INFINITY), "f", "inf"),
        (f(f64::NAN), "F", "NAN"),
        (f(-1.5), "^10.2f", "  -1.50   "),
        (s("hello"), ".3", "hel"),
        (s("hello"), "10.3", "hel       "),
        (i(65), "c", "A"),
        (f(1e16), ".1f", "10000000000000000.0"),
        (f(2.675), ".2f", "2.67"),
        (f(1234.5), "_.1f", "1_234.5"),
        (f(99.99), ".1f", "100.0"),
        (i(5), "<05", "50000"),
        (s("x"), "05", "x0000"),
        (i(-7), "x", "-7"),
        (f(3.0), "n", "3"),
        (i(42), "n", "42"),
        (f(0.000012345), ".2e", "1.23e-05"),
        (f(1e100), "g", "1e+100"),
        (f(123.456), "10.4g", "     123.5"),
        (f(123.456), "#.4g", "123.5"),
        (f(1000000.0), ".6", "1e+06"),
        (f(i64::MIN as f64), ".0f", "-9223372036854775808"),
        (i(i64::MIN), ",", "-9,223,372,036,854,775,808"),
    ];
    for (v, spec, want) in cases {
        let got =
            builtins::format_spec(&v, spec).unwrap_or_else(|e| panic!("{spec}: {}", e.repr()));
        assert_eq!(got, want, "format({}, {spec:?})", v.repr());
    }
    // values that are not numbers or strings format their printed form
    assert_eq!(builtins::format_spec(&ints(&[1]), ">5").unwrap(), "  [1]");
    assert_eq!(
        builtins::format_spec(&Value::Bool(true), "").unwrap(),
        "true"
    );
    assert_eq!(
        builtins::format_spec(&Value::Bool(true), ">5").unwrap(),
        " true"
    );
    assert_eq!(builtins::format_spec(&Value::Bool(true), "d").unwrap(), "1");
    assert_eq!(
        builtins::format_spec(&Value::Duration(90 * SEC), "<5").unwrap(),
        "90s  "
    );
    assert_eq!(builtins::format_spec(&s("x"), "").unwrap(), "x");
    for (v, spec) in [
        (s("x"), "d"),
        (s("x"), "+"),
        (s("x"), ","),
        (s("x"), "=5"),
        (i(1), "s"),
        (i(1), ".2"),
        (i(1), ",x"),
        (f(1.0), "d"),
        (f(1.0), "x"),
        (i(1), "5.f"),
        (i(1), "q"),
        (i(1), ">>>"),
        (i(1), "99999999999999999999"),
        (i(1), ".99999999999"),
        (i(1), "zd"),
    ] {
        assert_eq!(
            kind(builtins::format_spec(&v, spec).map(|x| s(&x))),
            "ValueError",
            "{spec:?}"
        );
    }
    assert_eq!(
        kind(builtins::format_spec(&i(-1), "c").map(|x| s(&x))),
        "OverflowError"
    );
}

/// Every operator and builtin, on every pair of sample values: nothing panics, and whatever
/// fails fails with an error value of a known type.
#[test]
fn nothing_panics_on_wrong_types() {
    let samples = || {
        vec![
            Value::None,
            Value::Bool(true),
            i(0),
            i(-1),
            i(i64::MIN),
            i(i64::MAX),
            f(0.0),
            f(-2.5),
            f(f64::NAN),
            f(f64::INFINITY),
            Value::Duration(0),
            Value::Duration(i64::MIN + 1), // value.rs format_duration: i64::MIN panics in abs()
            Value::Duration(i64::MAX),
            s(""),
            s("héllo"),
            ints(&[]),
            l(vec![i(1), s("a")]),
            t(vec![]),
            t(vec![f(1.0)]),
            d(vec![]),
            d(vec![("a", i(1))]),
            Value::error(flyte_dsl::diagnostics::ErrorType::OOMError, "boom"),
            ty("int"),
            Value::Future(0),
            Value::Group(Rc::from("g")),
        ]
    };
    let known = [
        "ValueError",
        "TypeError",
        "KeyError",
        "IndexError",
        "ZeroDivisionError",
        "OverflowError",
    ];
    let check = |r: Result<Value, Value>| {
        if let Err(e) = r {
            match e {
                Value::Error(e) => assert!(known.contains(&e.kind.as_str()), "{}", e.kind),
                other => panic!("not an error value: {}", other.repr()),
            }
        }
    };
    let ops_list = [
        BinOp::Add,
        BinOp::Sub,
        BinOp::Mul,
        BinOp::Div,
        BinOp::FloorDiv,
        BinOp::Mod,
        BinOp::Pow,
    ];
    let cmps = [
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
        CmpOp::In,
        CmpOp::NotIn,
    ];
    let names: &[&str] = &pure_functions().collect::<Vec<_>>();
    let methods = all_methods();
    let specs = [
        "", ".2f", ">5", ",", "x", "%", "e", "g", "s", "d", "=+08,.3f", "c", "#b", "^", "z",
    ];
    for a in samples() {
        check(ops::negate(&a));
        let _ = ops::truthy(&a);
        check(ops::iterate(&a).map(l));
        for spec in specs {
            check(builtins::format_spec(&a, spec).map(|x| s(&x)));
        }
        for (x, y, z) in [
            (None, None, Some(-1)),
            (Some(i64::MIN), Some(i64::MAX), Some(0)),
        ] {
            check(ops::slice(&a, x, y, z));
        }
        for &name in names {
            check(call(name, vec![a.clone()]));
            check(call(name, vec![]));
        }
        for &name in &methods {
            if let Some(r) = builtins::method(&a, name, &[]) {
                check(r);
            }
        }
        for b in samples() {
            for op in ops_list {
                check(bin(op, a.clone(), b.clone()));
            }
            for op in cmps {
                check(ops::compare(op, &a, &b).map(Value::Bool));
            }
            check(ops::index(&a, &b));
            check(ops::set_index(&a.clone(), &b, i(0)).map(|_| Value::None));
            for &name in names {
                check(call(name, vec![a.clone(), b.clone()]));
                check(call(name, vec![a.clone(), b.clone(), b.clone()]));
            }
            for &name in &methods {
                if let Some(r) = builtins::method(&a, name, std::slice::from_ref(&b)) {
                    check(r);
                }
                if let Some(r) = builtins::method(&a, name, &[b.clone(), b.clone()]) {
                    check(r);
                }
            }
        }
    }
}
