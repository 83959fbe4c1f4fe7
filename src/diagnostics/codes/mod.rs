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

/// The page `flyte-dsl explain CODE` prints; `CODE` may also name an error type
/// (`ValueError`), as run-time errors' headers do.
pub fn explain(code: &str) -> Option<String> {
    let Some(info) = lookup(code) else {
        return error_type_page(code);
    };
    Some(format!(
        "{code}: {title}\n\n{explanation}\n\nWrong:\n\n{wrong}\nRight:\n\n{right}",
        code = info.code,
        title = info.title,
        explanation = textwrap(info.explanation),
        wrong = indent(info.wrong),
        right = indent(info.right),
    ))
}

/// The page about an error type: its place in the hierarchy, what it means and what catches it.
fn error_type_page(name: &str) -> Option<String> {
    use super::ErrorType;
    let name = name.trim();
    let ty = ErrorType::from_name(name)
        .or_else(|| ErrorType::all().find(|t| t.name().eq_ignore_ascii_case(name)))?;
    let mut ancestors = Vec::new();
    let mut cur = ty.parent();
    while let Some(p) = cur {
        ancestors.push(p.name());
        cur = p.parent();
    }
    let children: Vec<&str> = ErrorType::all()
        .filter(|t| t.parent() == Some(ty))
        .map(|t| t.name())
        .collect();
    let mut page = format!("{ty}: an error type\n\n{}\n", textwrap(ty.about()));
    if !ancestors.is_empty() {
        page.push_str(&format!("\nDerives from: {}\n", ancestors.join(" -> ")));
    }
    if !children.is_empty() {
        page.push_str(&format!("Its subtypes: {}\n", children.join(", ")));
    }
    let catchers: Vec<String> = std::iter::once(ty.name())
        .chain(ancestors.iter().copied())
        .map(|n| format!("`except {n}`"))
        .collect();
    page.push_str(&format!(
        "\nCaught by {}{}.\n",
        catchers.join(", "),
        if matches!(
            ty.name(),
            "LimitExceededError" | "CancelledError" | "DeadlockError"
        ) {
            " (but a run stopped by a limit, a deadlock or its host ends, whatever the script catches)"
        } else {
            ""
        }
    ));
    let codes: Vec<&str> = CODES
        .iter()
        .filter(|c| c.explanation.contains(&format!("`{ty}`")))
        .map(|c| c.code)
        .collect();
    if !codes.is_empty() {
        page.push_str(&format!(
            "Pages that mention it: {} (flyte-dsl explain CODE).\n",
            codes.join(", ")
        ));
    }
    Some(page)
}

/// What `flyte-dsl explain` with no argument prints: every code with its title, then every
/// error type.
pub fn index() -> String {
    let mut out = String::from("Diagnostic codes (flyte-dsl explain CODE):\n\n");
    for c in CODES.iter() {
        out.push_str(&format!("  {}  {}\n", c.code, c.title));
    }
    out.push_str("\nError types (flyte-dsl explain TYPE):\n\n");
    let width = super::ErrorType::all()
        .map(|t| t.name().len())
        .max()
        .unwrap_or(0);
    for t in super::ErrorType::all() {
        let first = t.about().split(". ").next().unwrap_or_default();
        let first = first.trim_end_matches('.');
        out.push_str(&format!("  {:width$}  {first}\n", t.name()));
    }
    out
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
