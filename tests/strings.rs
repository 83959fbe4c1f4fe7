//! The run-time string: short text inline (no allocation), long text shared; dict keys found
//! by text whichever way the key was made.

mod support;

use flyte_dsl::runtime::builtins;
use flyte_dsl::runtime::memory::{self, CountingAlloc};
use flyte_dsl::runtime::value::{DictMap, Key, KeyRef, Value};
use std::hash::BuildHasher;

/// Counts the bytes this thread holds, as the `flyte-dsl` binary does.
#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

/// The value `main` returns.
fn run(body: &str) -> Value {
    support::run_main("list[str]", body).expect("the run succeeds")
}

/// The texts of a list of strings, each with whether it lives on the heap.
fn texts(v: &Value) -> Vec<(String, bool)> {
    let Value::List(l) = v else {
        panic!("not a list: {v:?}")
    };
    l.borrow()
        .iter()
        .map(|x| match x {
            Value::Str(s) => (s.to_string(), s.is_heap_allocated()),
            x => panic!("not a str: {x:?}"),
        })
        .collect()
}

#[test]
fn short_strings_hold_no_memory_and_long_ones_are_shared() {
    assert!(memory::counting());
    let mut kept = Vec::with_capacity(1_000);
    let before = memory::live();
    for i in 0..1_000 {
        kept.push(Value::str(&format!("key{i}")));
    }
    // Each `format!` buffer is freed; the 1,000 values hold nothing outside `kept`.
    assert_eq!(memory::live() - before, 0);
    kept.clear();

    let long = Value::str(&"x".repeat(100));
    let before = memory::live();
    let copies: Vec<Value> = std::iter::repeat_n(long.clone(), 100).collect();
    // The copies share the text: only the list's own 100 slots are new.
    assert_eq!(memory::live() - before, 100 * 24);
    let (Value::Str(a), Value::Str(b)) = (&long, &copies[99]) else {
        unreachable!()
    };
    assert_eq!(a.as_ptr(), b.as_ptr());
}

#[test]
fn f_strings_and_methods_build_short_text_inline() {
    let v = run("    let n = 42\n    let words = [\"k\", \"v\"]\n    return [f\"k{n % 97}\", f\"{n}\", \"ab\".upper(), \"-\".join(words), f\"{n} and a text past twenty-three bytes\", \"straße\".upper()]");
    assert_eq!(
        texts(&v),
        [
            ("k42".to_string(), false),
            ("42".to_string(), false),
            ("AB".to_string(), false),
            ("k-v".to_string(), false),
            ("42 and a text past twenty-three bytes".to_string(), true),
            ("STRASSE".to_string(), false),
        ]
    );
}

/// `sep.join(items)` called as the run calls it.
fn join(sep: &str, items: Value) -> Result<Value, Value> {
    builtins::method(&Value::str(sep), "join", &[items]).expect("a method")
}

#[test]
fn join_reads_lists_tuples_dicts_and_strings_alike() {
    let v =
        run("    let xs: list[str] = []\n    return [\", \".join([\"p\", \"q\"]), \"-\".join(xs)]");
    let got: Vec<String> = texts(&v).into_iter().map(|(s, _)| s).collect();
    assert_eq!(got, ["p, q", ""]);
    let strs = |xs: &[&str]| xs.iter().map(|x| Value::str(x)).collect::<Vec<_>>();
    let d: DictMap = [("a", 1), ("b", 2)]
        .into_iter()
        .map(|(k, v)| (Key::Str(k.into()), Value::Int(v)))
        .collect();
    for (items, want) in [
        (Value::tuple(strs(&["x", "y", "z"])), "x+y+z"),
        (Value::dict(d), "a+b"),
        (Value::str("abc"), "a+b+c"),
    ] {
        assert_eq!(join("+", items), Ok(Value::str(want)));
    }
    // The first item that is not a str is named, by its index.
    let Err(Value::Error(e)) = join(",", Value::list(vec![Value::str("a"), Value::Int(1)])) else {
        panic!("no error")
    };
    assert_eq!(
        e.message,
        "sequence item 1: expected str instance, int found"
    );
}

#[test]
fn a_key_is_found_by_its_text_inline_or_shared() {
    let hasher = std::hash::BuildHasherDefault::<ahash::AHasher>::default();
    for text in ["k", "k42", "a key longer than twenty-three bytes"] {
        let made = Value::str(text);
        let Value::Str(s) = &made else { unreachable!() };
        // A key built apart from the value that looks it up: equal text, not a shared copy.
        let key = Key::Str(text.into());
        assert_eq!(hasher.hash_one(&key), hasher.hash_one(KeyRef::Str(s)));
        let mut d = DictMap::default();
        d.insert(key, Value::Int(1));
        assert_eq!(d.get(&KeyRef::Str(s)), Some(&Value::Int(1)));
        let other = Value::str(&format!("{text}!"));
        let Value::Str(o) = &other else {
            unreachable!()
        };
        assert_eq!(d.get(&KeyRef::Str(o)), None);
    }
}
