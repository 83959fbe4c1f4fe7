//! The one place diagnostics are rendered for people, with ariadne.

use super::{Diagnostic, Severity, SourceMap};
use ariadne::{Color, Config, IndexType, Label, Report, ReportKind};

/// Renders one diagnostic as text, with or without ANSI colour.
pub fn render(diag: &Diagnostic, map: &SourceMap, colour: bool) -> String {
    let kind = match diag.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let Some(primary) = diag.primary_span() else {
        // A diagnostic without a place: one line.
        let mut out = format!(
            "{}[{}]: {}\n",
            match diag.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            },
            diag.code,
            diag.message
        );
        if let Some(help) = &diag.help {
            out.push_str(&format!("  help: {help}\n"));
        }
        return out;
    };
    let name = |id| map.get(id).name.clone();
    let mut report = Report::build(kind, (name(primary.file), primary.range()))
        .with_code(diag.code)
        .with_message(&diag.message)
        .with_config(
            Config::default()
                .with_color(colour)
                .with_index_type(IndexType::Byte),
        );
    for label in &diag.labels {
        let colour_of = if label.primary {
            match diag.severity {
                Severity::Error => Color::Red,
                Severity::Warning => Color::Yellow,
            }
        } else {
            Color::Cyan
        };
        let mut l = Label::new((name(label.span.file), label.span.range()))
            .with_message(&label.message)
            .with_order(if label.primary { 0 } else { 1 });
        if colour {
            l = l.with_color(colour_of);
        }
        report = report.with_label(l);
    }
    if let Some(help) = &diag.help {
        report = report.with_help(help);
    }
    let sources = ariadne::sources(
        map.files()
            .map(|(_, f)| (f.name.clone(), f.text.to_string()))
            .collect::<Vec<_>>(),
    );
    let mut buf = Vec::new();
    report
        .finish()
        .write(sources, &mut buf)
        .expect("writing to a Vec cannot fail");
    String::from_utf8_lossy(&buf).into_owned()
}

/// Renders several diagnostics, one after another.
pub fn render_all(diags: &[Diagnostic], map: &SourceMap, colour: bool) -> String {
    diags.iter().map(|d| render(d, map, colour)).collect()
}
