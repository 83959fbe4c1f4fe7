//! `flyte-dsl lsp`: a Language Server over standard input and output (lsp-server with
//! lsp-types). Each open document is checked on open and on every change, as `check` checks
//! it, and its diagnostics published with their code and a link to the code's `explain` page;
//! hover shows types and, for a task, its FQN and effective settings; go to definition,
//! document symbols, completion, formatting (`fmt`) and quick fixes (the checker's
//! did-you-mean, a missing `await`, `reusable = "off"`) answer from the same check.

mod analysis;

use analysis::{analyze, Analysis};
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types as lt;
use std::collections::HashMap;

/// Runs the server until the client says `exit`; the process's exit status.
pub fn serve() -> i32 {
    let (conn, io) = Connection::stdio();
    let caps = serde_json::json!({
        "positionEncoding": "utf-16",
        "textDocumentSync": {"openClose": true, "change": 1},
        "hoverProvider": true,
        "definitionProvider": true,
        "documentSymbolProvider": true,
        "documentFormattingProvider": true,
        "completionProvider": {"triggerCharacters": [".", "(", "\""]},
        "codeActionProvider": {"codeActionKinds": ["quickfix"]},
    });
    let init = serde_json::json!({
        "capabilities": caps,
        "serverInfo": {"name": "flyte-dsl", "version": env!("CARGO_PKG_VERSION")},
    });
    let Ok((id, _params)) = conn.initialize_start() else {
        return 1;
    };
    if conn.initialize_finish(id, init).is_err() {
        return 1;
    }
    let mut server = Server {
        docs: HashMap::new(),
        cluster: crate::sim::Cluster::default_cluster(),
    };
    for msg in &conn.receiver {
        match msg {
            Message::Request(req) => {
                if conn.handle_shutdown(&req).unwrap_or(true) {
                    break;
                }
                let resp = server.request(req);
                let _ = conn.sender.send(Message::Response(resp));
            }
            Message::Notification(n) => {
                for out in server.notification(n) {
                    let _ = conn.sender.send(Message::Notification(out));
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(conn);
    let _ = io.join();
    0
}

struct Doc {
    text: String,
    analysis: Analysis,
}

struct Server {
    docs: HashMap<String, Doc>,
    cluster: crate::sim::Cluster,
}

/// A `file://` URI's path (percent-decoded); other URIs as they are.
fn uri_path(uri: &str) -> String {
    let Some(rest) = uri.strip_prefix("file://") else {
        return uri.to_string();
    };
    let b = rest.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&rest[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A path as a `file://` URI.
fn path_uri(path: &str) -> String {
    let abs = std::path::Path::new(path);
    let abs = if abs.is_absolute() {
        abs.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(abs)
    };
    let mut out = String::from("file://");
    for b in abs.to_string_lossy().bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The byte offset of an LSP position (UTF-16 columns) in `text`.
fn offset(text: &str, pos: lt::Position) -> usize {
    let mut line_start = 0;
    for _ in 0..pos.line {
        match text[line_start..].find('\n') {
            Some(i) => line_start += i + 1,
            None => return text.len(),
        }
    }
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let mut units = 0u32;
    for (i, c) in text[line_start..line_end].char_indices() {
        if units >= pos.character {
            return line_start + i;
        }
        units += c.len_utf16() as u32;
    }
    line_end
}

/// The LSP position (UTF-16 columns) of byte `at` of `text`.
fn position(text: &str, at: usize) -> lt::Position {
    let mut at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    let before = &text[..at];
    let line = before.matches('\n').count() as u32;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let character = text[start..at].chars().map(|c| c.len_utf16() as u32).sum();
    lt::Position { line, character }
}

fn range(text: &str, start: usize, end: usize) -> lt::Range {
    lt::Range {
        start: position(text, start),
        end: position(text, end),
    }
}

/// The `explain` page of a code, written once under the cache folder, as a link target.
fn explain_link(code: &str) -> Option<String> {
    let page = crate::diagnostics::codes::explain(code)?;
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(std::path::PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join("flyte-dsl").join("explain");
    let file = dir.join(format!("{code}.md"));
    if !file.exists() {
        std::fs::create_dir_all(&dir).ok()?;
        std::fs::write(&file, format!("# {page}")).ok()?;
    }
    Some(path_uri(&file.to_string_lossy()))
}

impl Server {
    fn notification(&mut self, n: Notification) -> Vec<Notification> {
        match n.method.as_str() {
            "textDocument/didOpen" => {
                let Ok(p) = serde_json::from_value::<lt::DidOpenTextDocumentParams>(n.params)
                else {
                    return Vec::new();
                };
                self.update(p.text_document.uri.as_str(), p.text_document.text)
            }
            "textDocument/didChange" => {
                let Ok(p) = serde_json::from_value::<lt::DidChangeTextDocumentParams>(n.params)
                else {
                    return Vec::new();
                };
                // Full sync: the last change holds the whole text.
                match p.content_changes.into_iter().last() {
                    Some(c) => self.update(p.text_document.uri.as_str(), c.text),
                    None => Vec::new(),
                }
            }
            "textDocument/didClose" => {
                let Ok(p) = serde_json::from_value::<lt::DidCloseTextDocumentParams>(n.params)
                else {
                    return Vec::new();
                };
                let uri = p.text_document.uri.as_str().to_string();
                self.docs.remove(&uri);
                vec![publish(&uri, Vec::new())]
            }
            _ => Vec::new(),
        }
    }

    /// Checks the document again and publishes its diagnostics.
    fn update(&mut self, uri: &str, text: String) -> Vec<Notification> {
        let analysis = analyze(&uri_path(uri), &text, &self.cluster);
        let diags: Vec<lt::Diagnostic> = analysis
            .diags
            .iter()
            .filter(|d| d.primary_span().is_none_or(|s| s.file == analysis.file))
            .map(|d| to_lsp(d, &analysis, uri))
            .collect();
        self.docs.insert(uri.to_string(), Doc { text, analysis });
        vec![publish(uri, diags)]
    }

    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let result = self.answer(req);
        match result {
            Ok(v) => Response::new_ok(id, v),
            Err(m) => Response::new_err(id, lsp_server::ErrorCode::InvalidParams as i32, m),
        }
    }

    fn answer(&mut self, req: Request) -> Result<serde_json::Value, String> {
        let params = req.params;
        let doc_of = |uri: &str| {
            self.docs
                .get(uri)
                .ok_or("the document is not open".to_string())
        };
        let at = |p: &lt::TextDocumentPositionParams| -> Result<(&Doc, usize), String> {
            let d = doc_of(p.text_document.uri.as_str())?;
            Ok((d, offset(&d.text, p.position)))
        };
        let null = serde_json::Value::Null;
        match req.method.as_str() {
            "textDocument/hover" => {
                let p: lt::HoverParams =
                    serde_json::from_value(params).map_err(|e| e.to_string())?;
                let (d, off) = at(&p.text_document_position_params)?;
                Ok(match d.analysis.hover(off) {
                    Some(md) => serde_json::json!({"contents": {"kind": "markdown", "value": md}}),
                    None => null,
                })
            }
            "textDocument/definition" => {
                let p: lt::GotoDefinitionParams =
                    serde_json::from_value(params).map_err(|e| e.to_string())?;
                let (d, off) = at(&p.text_document_position_params)?;
                Ok(match d.analysis.definition(off) {
                    Some(span) => {
                        let file = d.analysis.map.get(span.file);
                        let uri = if span.file == d.analysis.file {
                            p.text_document_position_params
                                .text_document
                                .uri
                                .as_str()
                                .to_string()
                        } else {
                            path_uri(&file.name)
                        };
                        serde_json::json!({
                            "uri": uri,
                            "range": range(&file.text, span.start as usize, span.end as usize),
                        })
                    }
                    None => null,
                })
            }
            "textDocument/documentSymbol" => {
                let p: lt::DocumentSymbolParams =
                    serde_json::from_value(params).map_err(|e| e.to_string())?;
                let d = doc_of(p.text_document.uri.as_str())?;
                let syms: Vec<serde_json::Value> = d
                    .analysis
                    .symbols()
                    .into_iter()
                    .map(|(name, kind, span, sel)| {
                        let k = match kind {
                            "task" | "fn" => 12, // Function
                            "struct" => 23,      // Struct
                            "env" => 19,         // Object
                            "import" => 2,       // Module
                            _ => 14,             // Constant
                        };
                        serde_json::json!({
                            "name": name,
                            "detail": kind,
                            "kind": k,
                            "range": range(&d.text, span.start as usize, span.end as usize),
                            "selectionRange": range(&d.text, sel.start as usize, sel.end as usize),
                        })
                    })
                    .collect();
                Ok(syms.into())
            }
            "textDocument/formatting" => {
                let p: lt::DocumentFormattingParams =
                    serde_json::from_value(params).map_err(|e| e.to_string())?;
                let d = doc_of(p.text_document.uri.as_str())?;
                Ok(match crate::syntax::fmt::format_source(&d.text) {
                    Ok(out) if out != d.text => serde_json::json!([{
                        "range": range(&d.text, 0, d.text.len()),
                        "newText": out,
                    }]),
                    Ok(_) => serde_json::json!([]),
                    // Syntax errors: nothing to format; the diagnostics say why.
                    Err(_) => null,
                })
            }
            "textDocument/completion" => {
                let p: lt::CompletionParams =
                    serde_json::from_value(params).map_err(|e| e.to_string())?;
                let (d, off) = at(&p.text_document_position)?;
                let items: Vec<serde_json::Value> = d
                    .analysis
                    .completions(off)
                    .into_iter()
                    .map(|(label, kind, detail)| {
                        let k = match kind {
                            "method" => 2,
                            "function" | "task" => 3,
                            "field" => 5,
                            "variable" => 6,
                            "class" => 7,
                            "env" => 9,
                            "value" => 12,
                            "keyword" => 14,
                            "struct" => 22,
                            "type" => 25,
                            _ => 21,
                        };
                        serde_json::json!({"label": label, "kind": k, "detail": detail})
                    })
                    .collect();
                Ok(items.into())
            }
            "textDocument/codeAction" => {
                let p: lt::CodeActionParams =
                    serde_json::from_value(params).map_err(|e| e.to_string())?;
                let uri = p.text_document.uri.as_str().to_string();
                let d = doc_of(&uri)?;
                let from = offset(&d.text, p.range.start);
                let to = offset(&d.text, p.range.end);
                let mut actions = Vec::new();
                for diag in &d.analysis.diags {
                    let Some(span) = diag.primary_span() else {
                        continue;
                    };
                    if span.file != d.analysis.file
                        || (span.end as usize) < from
                        || span.start as usize > to
                    {
                        continue;
                    }
                    if let Some((title, s, e, new)) = fix(diag, &d.text) {
                        actions.push(serde_json::json!({
                            "title": title,
                            "kind": "quickfix",
                            "diagnostics": [to_lsp(diag, &d.analysis, &uri)],
                            "edit": {"changes": {uri.clone(): [{
                                "range": range(&d.text, s, e),
                                "newText": new,
                            }]}},
                        }));
                    }
                }
                Ok(actions.into())
            }
            _ => Err(format!("unsupported request {}", req.method)),
        }
    }
}

fn publish(uri: &str, diags: Vec<lt::Diagnostic>) -> Notification {
    Notification::new(
        "textDocument/publishDiagnostics".into(),
        serde_json::json!({"uri": uri, "diagnostics": diags}),
    )
}

fn to_lsp(d: &crate::diagnostics::Diagnostic, a: &Analysis, uri: &str) -> lt::Diagnostic {
    let text = &a.map.get(a.file).text;
    let r = d.primary_span().map_or(range(text, 0, 0), |s| {
        range(text, s.start as usize, s.end as usize)
    });
    let mut message = d.message.clone();
    if let Some(l) = d.labels.iter().find(|l| l.primary) {
        if !l.message.is_empty() {
            message.push_str(&format!(": {}", l.message));
        }
    }
    for n in &d.notes {
        message.push_str(&format!("\n{n}"));
    }
    if let Some(h) = &d.help {
        message.push_str(&format!("\nhelp: {h}"));
    }
    let related: Vec<serde_json::Value> = d
        .labels
        .iter()
        .filter(|l| !l.primary)
        .map(|l| {
            let f = a.map.get(l.span.file);
            let u = if l.span.file == a.file {
                uri.to_string()
            } else {
                path_uri(&f.name)
            };
            serde_json::json!({
                "location": {"uri": u, "range": range(&f.text, l.span.start as usize, l.span.end as usize)},
                "message": l.message,
            })
        })
        .collect();
    let mut v = serde_json::json!({
        "range": r,
        "severity": if d.is_error() { 1 } else { 2 },
        "code": d.code,
        "source": "flyte-dsl",
        "message": message,
    });
    if !related.is_empty() {
        v["relatedInformation"] = related.into();
    }
    if let Some(href) = explain_link(d.code) {
        v["codeDescription"] = serde_json::json!({ "href": href });
    }
    serde_json::from_value(v).expect("a well-formed diagnostic")
}

/// The checker's own fix for a diagnostic: (title, start, end, replacement).
fn fix(d: &crate::diagnostics::Diagnostic, text: &str) -> Option<(String, usize, usize, String)> {
    let span = d.primary_span()?;
    let (s, e) = (span.start as usize, span.end as usize);
    let hints = d.help.iter().chain(d.labels.iter().map(|l| &l.message));
    for h in hints {
        // `did you mean `x`?` or `did you mean "x"?`
        if let Some(rest) = h.split("did you mean ").nth(1) {
            let quote = rest.chars().next()?;
            let inner = rest[1..].split(quote).next()?;
            if quote == '`' || quote == '"' {
                let old = &text[s..e];
                // In a string, only the word the suggestion corrects (`"T5:1"` -> `"T4:1"`).
                let new = if old.starts_with('"') && old.len() >= 2 {
                    let body = &old[1..old.len() - 1];
                    let words = body
                        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                        .filter(|w| !w.is_empty());
                    let worst =
                        words.min_by_key(|w| crate::diagnostics::suggest::edit_distance(w, inner));
                    match worst {
                        Some(w) if !body.contains(inner) => {
                            format!("\"{}\"", body.replacen(w, inner, 1))
                        }
                        _ => format!("\"{inner}\""),
                    }
                } else {
                    inner.to_string()
                };
                return Some((format!("replace with {new}"), s, e, new));
            }
        }
    }
    match d.code {
        "E0207" => Some(("add `await`".into(), s, s, "await ".into())),
        "E0503" => Some((
            "run this call in its own pod: `reusable = \"off\"`".into(),
            s,
            s,
            "reusable = \"off\", ".into(),
        )),
        "W0401" => {
            // `child(...)` -> `child.override(reusable = "off")(...)`
            let call = &text[s..e];
            let name_end = call
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(call.len());
            Some((
                "call it with `.override(reusable = \"off\")`".into(),
                s + name_end,
                s + name_end,
                ".override(reusable = \"off\")".into(),
            ))
        }
        _ => None,
    }
}
