//! Diagnostics for review tools: SARIF 2.1.0 (code scanning) and GitHub Actions workflow
//! annotations. Both read the same [`Diagnostic`]s `check` renders for people.

use super::codes;
use super::{Diagnostic, Severity, SourceMap, Span};

/// The SARIF level of a severity.
fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// A SARIF region: 1-based lines and columns, columns in Unicode code points (the run says
/// so with `columnKind`).
fn region(map: &SourceMap, span: Span) -> serde_json::Value {
    let file = map.get(span.file);
    let (start_line, start_column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    serde_json::json!({
        "startLine": start_line,
        "startColumn": start_column,
        "endLine": end_line,
        "endColumn": end_column,
    })
}

fn location(map: &SourceMap, span: Span, message: Option<&str>) -> serde_json::Value {
    let mut loc = serde_json::json!({
        "physicalLocation": {
            "artifactLocation": {"uri": uri(&map.get(span.file).name)},
            "region": region(map, span),
        }
    });
    if let Some(m) = message {
        loc["message"] = serde_json::json!({ "text": m });
    }
    loc
}

/// A file name as a SARIF URI reference: relative paths stay relative (to the folder `check`
/// ran in), with `/` separators and the characters a URI reserves percent-encoded.
fn uri(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The SARIF 2.1.0 log of one `check`: one run of the `flyte-dsl` tool, a rule per code that
/// occurs (with its title and `explain` text), a result per diagnostic with its primary
/// location and its other labels as related locations.
pub fn to_sarif(diags: &[Diagnostic], map: &SourceMap) -> serde_json::Value {
    let mut rule_ids: Vec<&'static str> = Vec::new();
    for d in diags {
        if !rule_ids.contains(&d.code) {
            rule_ids.push(d.code);
        }
    }
    let rules: Vec<serde_json::Value> = rule_ids
        .iter()
        .map(|id| {
            let mut rule = serde_json::json!({ "id": id });
            if let Some(info) = codes::lookup(id) {
                rule["shortDescription"] = serde_json::json!({ "text": info.title });
                rule["fullDescription"] = serde_json::json!({ "text": info.explanation });
                if let Some(page) = codes::explain(id) {
                    rule["help"] = serde_json::json!({ "text": page });
                }
            }
            rule
        })
        .collect();
    let results: Vec<serde_json::Value> = diags
        .iter()
        .map(|d| {
            let mut text = d.message.clone();
            if let Some(help) = &d.help {
                text.push_str(&format!("\nhelp: {help}"));
            }
            let mut r = serde_json::json!({
                "ruleId": d.code,
                "ruleIndex": rule_ids.iter().position(|id| *id == d.code).unwrap_or(0),
                "level": level(d.severity),
                "message": { "text": text },
            });
            let primary = d
                .labels
                .iter()
                .position(|l| l.primary)
                .or((!d.labels.is_empty()).then_some(0));
            if let Some(p) = primary {
                let label = &d.labels[p];
                r["locations"] =
                    serde_json::json!([location(map, label.span, Some(&label.message))]);
                let related: Vec<serde_json::Value> = d
                    .labels
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != p)
                    .enumerate()
                    .map(|(id, (_, l))| {
                        let mut loc = location(map, l.span, Some(&l.message));
                        loc["id"] = id.into();
                        loc
                    })
                    .collect();
                if !related.is_empty() {
                    r["relatedLocations"] = related.into();
                }
            }
            r
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "flyte-dsl",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// GitHub Actions workflow commands, one line per diagnostic:
/// `::error file=F,line=L,col=C,endLine=L,endColumn=C,title=CODE::message`. GitHub shows each
/// as an annotation on the pull request's diff.
pub fn to_github(diags: &[Diagnostic], map: &SourceMap) -> String {
    let mut out = String::new();
    for d in diags {
        let mut props = Vec::new();
        if let Some(span) = d.primary_span() {
            let file = map.get(span.file);
            let (line, col) = file.line_col(span.start);
            let (end_line, end_col) = file.line_col(span.end);
            props.push(format!("file={}", property(&file.name)));
            props.push(format!("line={line}"));
            props.push(format!("col={col}"));
            props.push(format!("endLine={end_line}"));
            props.push(format!("endColumn={end_col}"));
        }
        props.push(format!("title={}", property(d.code)));
        let mut text = d.message.clone();
        if let Some(label) = d.labels.iter().find(|l| l.primary) {
            if !label.message.is_empty() {
                text.push_str(&format!(": {}", label.message));
            }
        }
        if let Some(help) = &d.help {
            text.push_str(&format!("\nhelp: {help}"));
        }
        out.push_str(&format!(
            "::{} {}::{}\n",
            level(d.severity),
            props.join(","),
            data(&text)
        ));
    }
    out
}

/// A workflow command's message, escaped as the runner reads it back.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A workflow command's property value, escaped as the runner reads it back.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}
