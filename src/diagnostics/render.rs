//! The one place diagnostics are rendered for people, with ariadne.

use super::excerpt::{clean, renumber, Excerpt};
use super::{Diagnostic, Severity, SourceMap};
use ariadne::{Color, Config, FnCache, IndexType, Label, Report, ReportKind, Source};
use std::collections::HashMap;

/// Renders one diagnostic as text, with or without ANSI colour.
pub fn render(diag: &Diagnostic, map: &SourceMap, colour: bool) -> String {
    let kind = match diag.severity {
        Severity::Error => ReportKind::Error,
        Severity::Warning => ReportKind::Warning,
    };
    let Some(primary) = diag.primary_span() else {
        // A diagnostic without a place: ariadne's header, then the notes and the help.
        let mut out = format!(
            "[{}] {}: {}\n",
            diag.code,
            match diag.severity {
                Severity::Error => "Error",
                Severity::Warning => "Warning",
            },
            diag.message
        );
        for note in &diag.notes {
            out.push_str(&format!(
                "  Note: {}\n",
                lines(note).replace('\n', "\n        ")
            ));
        }
        if let Some(help) = &diag.help {
            out.push_str(&format!("  Help: {}\n", clean(help)));
        }
        return out;
    };
    // The shown part of each file with a label, and each label's place in it.
    let mut files: Vec<(super::FileId, Excerpt)> = Vec::new();
    for label in &diag.labels {
        if files.iter().all(|(f, _)| *f != label.span.file) {
            let points: Vec<usize> = diag
                .labels
                .iter()
                .filter(|l| l.span.file == label.span.file)
                .flat_map(|l| [l.span.start as usize, l.span.end as usize])
                .collect();
            let excerpt = Excerpt::new(map.get(label.span.file), &points);
            files.push((label.span.file, excerpt));
        }
    }
    let place = |span: super::Span| {
        let file = map.get(span.file);
        let (_, e) = files.iter().find(|(f, _)| *f == span.file).unwrap();
        let start = e.char_offset(file, span.start as usize);
        let end = e.char_offset(file, span.end as usize).max(start);
        (file.name.clone(), start..end)
    };
    let message = clean(&diag.message);
    let mut report = Report::build(kind, place(primary))
        .with_code(diag.code)
        .with_message(&message)
        .with_config(
            Config::default()
                .with_color(colour)
                .with_index_type(IndexType::Char),
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
        let mut l = Label::new(place(label.span))
            .with_message(clean(&label.message))
            .with_order(if label.primary { 0 } else { 1 });
        if colour {
            l = l.with_color(colour_of);
        }
        report = report.with_label(l);
    }
    for note in &diag.notes {
        report = report.with_note(lines(note));
    }
    if let Some(help) = &diag.help {
        report = report.with_help(clean(help));
    }
    let sources: HashMap<String, Source<String>> = files
        .iter()
        .map(|(f, e)| (map.get(*f).name.clone(), Source::from(e.text.clone())))
        .collect();
    let cache = FnCache::new(
        (|id: &String| Err(format!("no source {id}"))) as fn(&String) -> Result<String, String>,
    )
    .with_sources(sources);
    let mut buf = Vec::new();
    report
        .finish()
        .write(cache, &mut buf)
        .expect("writing to a Vec cannot fail");
    let named: Vec<(&str, &Excerpt)> = files
        .iter()
        .map(|(f, e)| (map.get(*f).name.as_str(), e))
        .collect();
    let out = renumber(&String::from_utf8_lossy(&buf), &named);
    // The header counts lines and columns in the excerpt: give the file's.
    let file = map.get(primary.file);
    let (_, e) = files.iter().find(|(f, _)| *f == primary.file).unwrap();
    let head = format!("─[ {}:", file.name);
    if let Some(at) = out.find(&head).map(|i| i + head.len()) {
        let end = out[at..].find(' ').map_or(out.len(), |i| at + i);
        if let Some((l, c)) = out[at..end].split_once(':') {
            if let (Ok(l), Ok(c)) = (l.parse(), c.parse()) {
                let (l, c) = e.unclip(file, l, c);
                return format!("{}{l}:{c}{}", &out[..at], &out[end..]);
            }
        }
    }
    out
}

/// A note's lines, each with its control characters made visible.
fn lines(note: &str) -> String {
    note.lines().map(clean).collect::<Vec<_>>().join("\n")
}

/// Renders several diagnostics, one after another.
pub fn render_all(diags: &[Diagnostic], map: &SourceMap, colour: bool) -> String {
    diags.iter().map(|d| render(d, map, colour)).collect()
}
