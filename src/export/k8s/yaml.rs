//! A small deterministic YAML writer for the pod documents: block maps with sorted keys, block
//! lists in kubectl's style (`- ` at the key's indentation), and scalars that are plain only
//! where no YAML reader could take them for anything but a string.

use std::collections::BTreeMap;

/// A YAML value. Maps are [`BTreeMap`]s, so keys come out sorted, as `kubectl get -o yaml`
/// writes them.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Str(String),
    Int(i64),
    Bool(bool),
    Map(BTreeMap<String, Node>),
    List(Vec<Node>),
}

impl Node {
    pub fn str(s: impl Into<String>) -> Node {
        Node::Str(s.into())
    }

    /// A map from `(key, value)` pairs.
    pub fn map<K: Into<String>>(pairs: impl IntoIterator<Item = (K, Node)>) -> Node {
        Node::Map(pairs.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A map of strings to strings (labels, annotations, resource lists).
    pub fn str_map<'a>(pairs: impl IntoIterator<Item = (&'a String, &'a String)>) -> Node {
        Node::Map(
            pairs
                .into_iter()
                .map(|(k, v)| (k.clone(), Node::Str(v.clone())))
                .collect(),
        )
    }
}

/// One YAML document for `node` (a map), ending in a newline.
pub fn document(node: &Node) -> String {
    let mut out = String::new();
    match node {
        Node::Map(m) if !m.is_empty() => write_map(&mut out, m, 0),
        Node::List(l) if !l.is_empty() => write_list(&mut out, l, 0),
        other => {
            write_inline(&mut out, other);
            out.push('\n');
        }
    }
    out
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// Scalars and empty collections, written on the line they belong to.
fn write_inline(out: &mut String, node: &Node) {
    match node {
        Node::Str(s) => out.push_str(&scalar(s)),
        Node::Int(n) => out.push_str(&n.to_string()),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Map(_) => out.push_str("{}"),
        Node::List(_) => out.push_str("[]"),
    }
}

fn is_block(node: &Node) -> bool {
    match node {
        Node::Map(m) => !m.is_empty(),
        Node::List(l) => !l.is_empty(),
        _ => false,
    }
}

fn write_map(out: &mut String, m: &BTreeMap<String, Node>, indent: usize) {
    for (k, v) in m {
        pad(out, indent);
        out.push_str(&scalar(k));
        out.push(':');
        match v {
            Node::Map(inner) if !inner.is_empty() => {
                out.push('\n');
                write_map(out, inner, indent + 2);
            }
            Node::List(items) if !items.is_empty() => {
                out.push('\n');
                write_list(out, items, indent);
            }
            _ => {
                out.push(' ');
                write_inline(out, v);
                out.push('\n');
            }
        }
    }
}

fn write_list(out: &mut String, items: &[Node], indent: usize) {
    for item in items {
        if is_block(item) {
            // The item at indent + 2, its first line's indentation turned into "- ".
            let mut inner = String::new();
            match item {
                Node::Map(m) => write_map(&mut inner, m, indent + 2),
                Node::List(l) => write_list(&mut inner, l, indent + 2),
                _ => unreachable!(),
            }
            pad(out, indent);
            out.push_str("- ");
            out.push_str(&inner[indent + 2..]);
        } else {
            pad(out, indent);
            out.push_str("- ");
            write_inline(out, item);
            out.push('\n');
        }
    }
}

/// `s` plain when it starts with a letter, `_` or `/`, holds only letters, digits and
/// `. _ / - :` and inner spaces (never `: ` nor a final `:`), and is no YAML 1.1 or 1.2
/// keyword; double-quoted (JSON escapes, which YAML shares) otherwise.
pub fn scalar(s: &str) -> String {
    const KEYWORDS: &[&str] = &["true", "false", "yes", "no", "on", "off", "y", "n", "null"];
    let plain = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '/')
        && !s.ends_with(' ')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '/' | '-' | ' ' | ':'))
        && !s.ends_with(':')
        && !s.contains(": ")
        && !KEYWORDS.contains(&s.to_ascii_lowercase().as_str());
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("a string serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars() {
        assert_eq!(scalar("nvidia.com/gpu"), "nvidia.com/gpu");
        assert_eq!(scalar("T4 shared"), "T4 shared");
        assert_eq!(scalar("2Gi"), "\"2Gi\"");
        assert_eq!(scalar("1"), "\"1\"");
        assert_eq!(scalar("true"), "\"true\"");
        assert_eq!(scalar("No"), "\"No\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("a:"), "\"a:\"");
        assert_eq!(scalar("ghcr.io/x/y:1.0"), "ghcr.io/x/y:1.0");
        assert_eq!(scalar("x\ny"), "\"x\\ny\"");
    }

    #[test]
    fn blocks() {
        let n = Node::map([
            (
                "b",
                Node::List(vec![Node::map([
                    ("x", Node::Int(1)),
                    ("z", Node::str("a")),
                ])]),
            ),
            ("a", Node::map([("k", Node::Bool(false))])),
            ("c", Node::List(vec![Node::str("v")])),
            ("d", Node::Map(BTreeMap::new())),
        ]);
        assert_eq!(
            document(&n),
            "a:\n  k: false\nb:\n- x: 1\n  z: a\nc:\n- v\nd: {}\n"
        );
    }
}
