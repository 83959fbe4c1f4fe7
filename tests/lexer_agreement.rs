//! The logos token stream and the pest grammar cut every example script (and the test scripts
//! that parse cleanly) into the same tokens: every leaf of pest's parse tree (names, keywords,
//! literals) is exactly one logos token, and every logos name, keyword and literal token is
//! exactly one pest leaf.

use flyte_dsl::syntax::brackets::prepass;
use flyte_dsl::syntax::lexer::{tokenize, Token};
use flyte_dsl::syntax::parser::{FlyteParser, Rule};
use pest::Parser;
use std::collections::BTreeSet;
use std::path::Path;

/// Rules whose pairs are tokens (the leaves the builder reads).
fn is_leaf_rule(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        ident | attr_name | int | float | duration | string | fstring
    ) || (rule != kw_arg && format!("{rule:?}").starts_with("kw_"))
}

fn pest_leaves(src: &str) -> BTreeSet<(usize, usize)> {
    let pre = prepass(src, Default::default());
    assert!(pre.errors.is_empty(), "{:?}", pre.errors);
    let pairs = FlyteParser::parse(Rule::program, &pre.pest_input).expect("parses");
    let mut out = BTreeSet::new();
    let mut stack: Vec<_> = pairs.collect();
    while let Some(p) = stack.pop() {
        if is_leaf_rule(p.as_rule()) {
            out.insert((p.as_span().start(), p.as_span().end()));
            // Strings and f-strings are single tokens to logos; do not descend.
            continue;
        }
        stack.extend(p.into_inner());
    }
    out
}

fn logos_leaves(src: &str) -> BTreeSet<(usize, usize)> {
    tokenize(src)
        .map(|(t, r)| (t.expect("lexes"), r))
        .filter(|(t, _)| t.is_leaf())
        .map(|(_, r)| (r.start, r.end))
        .collect()
}

fn check(path: &Path) {
    let src = std::fs::read_to_string(path).unwrap();
    let pest = pest_leaves(&src);
    let logos = logos_leaves(&src);
    let only_pest: Vec<_> = pest.difference(&logos).map(|&(s, e)| &src[s..e]).collect();
    let only_logos: Vec<_> = logos.difference(&pest).map(|&(s, e)| &src[s..e]).collect();
    assert!(
        only_pest.is_empty() && only_logos.is_empty(),
        "{}: tokens only pest cut: {only_pest:?}; only logos cut: {only_logos:?}",
        path.display()
    );
    assert!(
        pest.len() > 20,
        "{}: too few tokens to compare",
        path.display()
    );
}

#[test]
fn every_example_script_agrees() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "flyte") {
            check(&path);
            n += 1;
        }
    }
    assert!(n >= 9, "only {n} example scripts");
}

#[test]
fn the_everything_script_agrees() {
    check(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scripts/ok/everything.flyte"));
}

#[test]
fn a_disagreement_is_detected() {
    // The comparison can fail: a lexer that split durations would be caught.
    let src = "let x = 10m\n";
    let pest = pest_leaves(src);
    let mut logos = logos_leaves(src);
    assert_eq!(pest, logos);
    logos.remove(&(8, 11));
    logos.insert((8, 10));
    assert_ne!(pest, logos);
    assert!(tokenize(src).any(|(t, _)| t == Ok(Token::Duration)));
}
