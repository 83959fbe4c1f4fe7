//! The catalogue of diagnostic codes and the pages `flyte-dsl explain CODE` prints.
//!
//! Every code a phase can emit has an entry here with a minimal wrong program and its
//! corrected form; `tests/explain.rs` checks that each wrong example really produces its code
//! and each right example does not.

/// One code's page.
#[derive(Debug)]
pub struct CodeInfo {
    /// The code, `E0102`.
    pub code: &'static str,
    /// A few words naming the problem.
    pub title: &'static str,
    /// What the problem is and how to fix it.
    pub explanation: &'static str,
    /// A minimal program that has this problem.
    pub wrong: &'static str,
    /// The same program, corrected.
    pub right: &'static str,
}

mod checker;
mod config;
mod runtime;
mod syntax;

/// Every code, grouped by phase: syntax (`E01xx`), names and types (`E02xx`), configuration
/// values (`E03xx`-`E05xx` and their warnings), run time (`E06xx` scheduling, `E07xx` limits).
pub static CODES: std::sync::LazyLock<Vec<&'static CodeInfo>> = std::sync::LazyLock::new(|| {
    let mut all: Vec<&'static CodeInfo> = syntax::SYNTAX
        .iter()
        .chain(checker::CHECKER)
        .chain(config::CONFIG)
        .chain(runtime::RUNTIME)
        .collect();
    all.sort_by_key(|c| (c.code.starts_with('W'), c.code));
    all
});

/// The entry for a code, if it exists.
pub fn lookup(code: &str) -> Option<&'static CodeInfo> {
    let code = code.trim().to_ascii_uppercase();
    CODES.iter().find(|c| c.code == code).copied()
}

/// The page `flyte-dsl explain CODE` prints.
pub fn explain(code: &str) -> Option<String> {
    let info = lookup(code)?;
    Some(format!(
        "{code}: {title}\n\n{explanation}\n\nWrong:\n\n{wrong}\nRight:\n\n{right}",
        code = info.code,
        title = info.title,
        explanation = textwrap(info.explanation),
        wrong = indent(info.wrong),
        right = indent(info.right),
    ))
}

fn indent(src: &str) -> String {
    src.lines().map(|l| format!("    {l}\n")).collect()
}

fn textwrap(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > 88 {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    out
}
