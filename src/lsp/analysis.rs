//! What the language server knows about one document: its check, and the answers read from
//! it (hover, definitions, symbols, completions, fixes). Byte offsets throughout; `mod.rs`
//! converts to and from the protocol's positions.

use crate::check::{self, imports, Checked};
use crate::diagnostics::{Diagnostic, FileId, SourceMap, Span};
use crate::syntax::ast::*;

/// One checked document.
pub struct Analysis {
    pub map: SourceMap,
    /// The document's file in `map` (the first loaded).
    pub file: FileId,
    pub loaded: imports::Loaded,
    pub checked: Checked,
    pub diags: Vec<Diagnostic>,
}

/// Checks `text` as the file `path` (imports read beside it) through the one front end,
/// keeping the expressions' types.
pub fn analyze(path: &str, text: &str, cluster: &crate::sim::Cluster) -> Analysis {
    let mut map = SourceMap::new();
    let root = imports::script_root(std::path::Path::new(path));
    let resolver = imports::relative_files(&[root]);
    let opts = check::Options {
        record_types: true,
        ..Default::default()
    };
    let a = crate::frontend::analyse(
        &mut map,
        crate::frontend::Source::new(path, text),
        &opts,
        &resolver,
        cluster,
    );
    let file = a.loaded.modules.first().map_or(FileId(0), |m| m.file);
    Analysis {
        map,
        file,
        loaded: a.loaded,
        checked: a.checked,
        diags: a.diagnostics,
    }
}

/// The identifier around byte `at` of `text`: its range.
pub fn word_at(text: &str, at: usize) -> Option<(usize, usize)> {
    let b = text.as_bytes();
    let is = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut s = at.min(b.len());
    while s > 0 && is(b[s - 1]) {
        s -= 1;
    }
    let mut e = at.min(b.len());
    while e < b.len() && is(b[e]) {
        e += 1;
    }
    (s < e && !b[s].is_ascii_digit()).then_some((s, e))
}

fn contains(span: Span, file: FileId, at: usize) -> bool {
    span.file == file && span.start as usize <= at && at <= span.end as usize
}

impl Analysis {
    fn text(&self, file: FileId) -> &str {
        &self.map.get(file).text
    }

    fn module(&self, file: FileId) -> Option<(usize, &Module)> {
        self.loaded
            .modules
            .iter()
            .enumerate()
            .find(|(_, m)| m.file == file)
    }

    /// The alias `lib` of `lib.name` when the word at `s` follows `ALIAS.`: the module it names.
    fn qualifier(&self, s: usize) -> Option<usize> {
        let text = self.text(self.file);
        let before = text[..s].trim_end();
        let before = before.strip_suffix('.')?;
        let (qs, qe) = word_at(before, before.len())?;
        let alias = &before[qs..qe];
        let (mi, _) = self.module(self.file)?;
        self.loaded.imports[mi]
            .iter()
            .find(|(a, _)| a.as_deref() == Some(alias))
            .map(|(_, i)| *i)
    }

    /// Where the name at `at` is declared: a local (parameter, `let`, `for`, `except`
    /// binding) before it in the same function, else a top-level declaration, else the file
    /// an `import` at `at` names.
    pub fn definition(&self, at: usize) -> Option<Span> {
        let (_, module) = self.module(self.file)?;
        for item in &module.items {
            if let ItemKind::Import(d) = &item.kind {
                if contains(d.path_span, self.file, at) {
                    let (mi, _) = self.module(self.file)?;
                    let target = self.loaded.imports[mi]
                        .iter()
                        .find(|(a, _)| a == &d.alias.as_ref().map(|a| a.name.clone()))
                        .or_else(|| self.loaded.imports[mi].first())?;
                    let file = self.loaded.modules.get(target.1)?.file;
                    return Some(Span::new(file, 0, 0));
                }
            }
        }
        let text = self.text(self.file);
        let (s, e) = word_at(text, at)?;
        let name = &text[s..e];
        if let Some(mi) = self.qualifier(s) {
            return top_level(&self.loaded.modules[mi], name);
        }
        // A local of the enclosing function or task.
        for item in &module.items {
            let f = match &item.kind {
                ItemKind::Task(t) => &t.func,
                ItemKind::Fn(f) => f,
                _ => continue,
            };
            if !contains(item.span, self.file, at) {
                continue;
            }
            let mut best: Option<Span> = None;
            for p in &f.params {
                if p.name.name == name {
                    best = Some(p.name.span);
                }
            }
            locals(&f.body, name, s, &mut best);
            if best.is_some() {
                return best;
            }
        }
        top_level(module, name)
    }

    /// The text shown on hovering byte `at`.
    pub fn hover(&self, at: usize) -> Option<String> {
        let text = self.text(self.file);
        let (s, e) = word_at(text, at)?;
        let name = &text[s..e];
        if let Some(t) = self.checked.tasks.get(name) {
            if self.qualifier(s).is_none() {
                return Some(self.task_hover(t));
            }
        }
        if let Some(env) = self.checked.envs.get(name) {
            return Some(env_hover(name, &env.settings));
        }
        if let Some(f) = self.checked.fns.get(name) {
            return Some(format!(
                "```flyte\n{}fn {name}({}) -> {}\n```",
                if f.is_async { "async " } else { "" },
                params(&f.params),
                f.ret
            ));
        }
        if let Some(st) = self.checked.structs.get(name) {
            let fields: Vec<String> = st
                .fields
                .iter()
                .map(|(n, t)| format!("    {n}: {t}"))
                .collect();
            return Some(format!(
                "```flyte\nstruct {name} {{\n{}\n}}\n```",
                fields.join("\n")
            ));
        }
        // The type of the smallest expression under the cursor.
        let ty = self
            .checked
            .expr_types
            .iter()
            .filter(|(sp, _)| contains(**sp, self.file, at))
            .min_by_key(|(sp, _)| (sp.end - sp.start, sp.start))
            .map(|(sp, t)| (*sp, t));
        if let Some((sp, t)) = ty {
            let shown = &text[sp.start as usize..sp.end as usize];
            let shown = if shown.len() > 60 { name } else { shown };
            return Some(format!("```flyte\n{shown}: {t}\n```"));
        }
        if let Some(t) = self.checked.consts.get(name) {
            return Some(format!("```flyte\nlet {name}: {t}\n```"));
        }
        if let Some(ty) = crate::diagnostics::ErrorType::from_name(name) {
            return Some(format!("**{ty}**: {}", ty.about()));
        }
        None
    }

    fn task_hover(&self, t: &check::TaskInfo) -> String {
        let mut out = format!(
            "```flyte\n{}task {}({}) -> {}\n```\n\nFQN `{}`",
            if t.is_async { "async " } else { "" },
            t.name,
            params(&t.params),
            t.ret,
            t.fqn
        );
        if let Some(env) = t.env.as_ref().and_then(|e| self.checked.envs.get(e)) {
            let s = &env.settings;
            out.push_str(&format!(
                ", in environment `{}` (`{}`)\n\n",
                t.env.as_deref().unwrap_or_default(),
                s.name
            ));
            let mut lines = settings_lines(s);
            let own = &t.settings;
            if let Some(c) = &own.cache {
                lines.retain(|l| !l.starts_with("cache"));
                lines.push(format!("cache = {}", cache_text(c)));
            }
            if let Some(r) = &own.retries {
                lines.push(format!("retries = {}", r.count));
            }
            if let Some(tm) = &own.timeout {
                lines.push(format!("timeout = {}", timeout_text(tm)));
            }
            if let Some(q) = &own.queue {
                lines.retain(|l| !l.starts_with("queue"));
                lines.push(format!("queue = {q:?}"));
            }
            if let Some(i) = own.interruptible {
                lines.retain(|l| !l.starts_with("interruptible"));
                lines.push(format!("interruptible = {i}"));
            }
            out.push_str("Effective settings:\n\n```flyte\n");
            out.push_str(&lines.join("\n"));
            out.push_str("\n```");
        }
        out
    }

    /// The document's outline: environments, tasks, functions, structs and constants.
    pub fn symbols(&self) -> Vec<(String, &'static str, Span, Span)> {
        let Some((_, module)) = self.module(self.file) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in &module.items {
            let (name, kind, sel) = match &item.kind {
                ItemKind::Env(d) => (d.name.name.to_string(), "env", d.name.span),
                ItemKind::Task(t) => (t.name.name.to_string(), "task", t.name.span),
                ItemKind::Fn(f) => (f.name.name.to_string(), "fn", f.name.span),
                ItemKind::Struct(s) => (s.name.name.to_string(), "struct", s.name.span),
                ItemKind::Let(l) => match &l.pattern {
                    Pattern::Name(id) => (id.name.to_string(), "let", id.span),
                    Pattern::Tuple(_, sp) => (
                        l.pattern
                            .names()
                            .iter()
                            .map(|i| i.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        "let",
                        *sp,
                    ),
                },
                ItemKind::Import(d) => (
                    d.alias
                        .as_ref()
                        .map_or(d.path.clone(), |a| a.name.to_string()),
                    "import",
                    d.path_span,
                ),
                ItemKind::Stmt(_) => continue,
            };
            out.push((name, kind, item.span, sel));
        }
        out
    }

    /// Completions at byte `at`: (label, kind, detail).
    pub fn completions(&self, at: usize) -> Vec<(String, &'static str, String)> {
        let text = self.text(self.file);
        let start = word_at(text, at).map_or(at, |(s, _)| s);
        let before = &text[..start];
        let mut out: Vec<(String, &'static str, String)> = Vec::new();
        let mut add = |label: &str, kind: &'static str, detail: String| {
            if !out.iter().any(|(l, _, _)| l == label) {
                out.push((label.to_string(), kind, detail));
            }
        };
        // After `NAME.`: an import's names, a task's methods, an environment's `clone_with`.
        if let Some(q) = before.strip_suffix('.') {
            if let Some((qs, qe)) = word_at(q, q.len()) {
                let recv = &q[qs..qe];
                if let Some(mi) = self.qualifier(start) {
                    for item in &self.loaded.modules[mi].items {
                        if let Some((n, k)) = item_name(item) {
                            add(&n, k, String::new());
                        }
                    }
                } else if self.checked.tasks.contains_key(recv) {
                    add("aio", "method", "call without blocking: a Future".into());
                    add("override", "method", "call with other settings".into());
                } else if self.checked.envs.contains_key(recv) {
                    add(
                        "clone_with",
                        "method",
                        "a copy with some fields changed".into(),
                    );
                }
            }
            return out;
        }
        // Inside a string after `gpu = "` (or `device = "`): device names.
        let line = before.rsplit('\n').next().unwrap_or_default();
        if line.matches('"').count() % 2 == 1 {
            if line
                .trim_end_matches(|c: char| c != '=')
                .trim_end_matches('=')
                .trim_end()
                .ends_with("partition")
            {
                // `partition = "`: the MIG partitions of the device named before it (any).
                let device = crate::resources::devices::MIG_GPUS
                    .iter()
                    .find(|d| line.contains(&format!("\"{d}\"")));
                for d in device.map_or(crate::resources::devices::MIG_GPUS, std::slice::from_ref) {
                    for p in crate::resources::devices::mig_partitions(d) {
                        add(p, "value", format!("MIG partition of {d}"));
                    }
                }
                return out;
            }
            if line.contains("gpu") || line.contains("device") {
                for d in crate::resources::devices::GPU_TYPES
                    .iter()
                    .chain(crate::resources::devices::TPU_TYPES)
                {
                    add(d, "value", "device".into());
                }
            }
            return out;
        }
        // Inside `Ctor(`: its fields.
        if let Some(ctor) = open_call(before) {
            let fields: &[&str] = match ctor.as_str() {
                "TaskEnvironment" | "clone_with" => check::ENV_FIELDS,
                "Resources" => check::config::resources::FIELDS,
                "GPU" => &["device", "quantity", "partition"],
                "TPU" => &["device", "partition"],
                "ReusePolicy" => &[
                    "replicas",
                    "concurrency",
                    "idle_ttl",
                    "scaledown_ttl",
                    "scope",
                ],
                "Cache" => &[
                    "behavior",
                    "version_override",
                    "serialize",
                    "ignored_inputs",
                    "salt",
                ],
                "RetryStrategy" => &["count", "backoff"],
                "Timeout" => &["max_runtime", "max_queued_time", "deadline"],
                "override" => check::OVERRIDE_SETTINGS,
                c if self.checked.envs.contains_key(c) => check::DECORATOR_SETTINGS,
                _ => &[],
            };
            for f in fields {
                add(f, "field", format!("{ctor}({f} = ...)"));
            }
        }
        for (n, info) in &self.checked.tasks {
            add(n, "task", info.fqn.clone());
        }
        for n in self.checked.envs.keys() {
            add(n, "env", "environment".into());
        }
        for (n, f) in &self.checked.fns {
            add(
                n,
                "function",
                format!("fn({}) -> {}", params(&f.params), f.ret),
            );
        }
        for n in self.checked.structs.keys() {
            add(n, "struct", "struct".into());
        }
        for (n, t) in &self.checked.consts {
            add(n, "constant", t.to_string());
        }
        if let Some((_, module)) = self.module(self.file) {
            for item in &module.items {
                let f = match &item.kind {
                    ItemKind::Task(t) => &t.func,
                    ItemKind::Fn(f) => f,
                    _ => continue,
                };
                if contains(item.span, self.file, at) {
                    for p in &f.params {
                        add(&p.name.name, "variable", "parameter".into());
                    }
                    let mut names = Vec::new();
                    all_locals(&f.body, start, &mut names);
                    for n in names {
                        add(&n, "variable", "local".into());
                    }
                }
            }
        }
        for f in check::builtins::functions() {
            add(f, "function", "builtin".into());
        }
        for c in check::builtins::CONSTRUCTORS {
            add(c, "class", "builtin".into());
        }
        for t in check::builtins::TYPE_NAMES {
            add(t, "type", "type".into());
        }
        for t in crate::diagnostics::ErrorType::all() {
            add(t.name(), "class", "error type".into());
        }
        for k in [
            "env", "task", "fn", "struct", "async", "await", "return", "if", "elif", "else", "for",
            "in", "while", "break", "continue", "let", "try", "except", "finally", "raise", "with",
            "and", "or", "not", "true", "false", "none", "import", "as",
        ] {
            add(k, "keyword", String::new());
        }
        out
    }
}

/// The callee of the innermost unclosed `(` before the cursor: `Resources`, `override`, ...
fn open_call(before: &str) -> Option<String> {
    let b = before.as_bytes();
    let mut depth = 0i32;
    let mut i = b.len();
    while i > 0 {
        i -= 1;
        match b[i] {
            b')' | b']' | b'}' => depth += 1,
            b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
            b'(' => {
                let (s, e) = word_at(before, i)?;
                return Some(before[s..e].to_string());
            }
            b'[' | b'{' => return None,
            _ => {}
        }
    }
    None
}

fn item_name(item: &Item) -> Option<(String, &'static str)> {
    Some(match &item.kind {
        ItemKind::Env(d) => (d.name.name.to_string(), "env"),
        ItemKind::Task(t) => (t.name.name.to_string(), "task"),
        ItemKind::Fn(f) => (f.name.name.to_string(), "function"),
        ItemKind::Struct(s) => (s.name.name.to_string(), "struct"),
        ItemKind::Let(l) => match &l.pattern {
            Pattern::Name(id) => (id.name.to_string(), "constant"),
            Pattern::Tuple(..) => return None,
        },
        _ => return None,
    })
}

fn top_level(module: &Module, name: &str) -> Option<Span> {
    module.items.iter().find_map(|item| match &item.kind {
        ItemKind::Env(d) if d.name.name == name => Some(d.name.span),
        ItemKind::Task(t) if t.name.name == name => Some(t.name.span),
        ItemKind::Fn(f) if f.name.name == name => Some(f.name.span),
        ItemKind::Struct(s) if s.name.name == name => Some(s.name.span),
        ItemKind::Let(l) => l
            .pattern
            .names()
            .into_iter()
            .find(|i| i.name == name)
            .map(|i| i.span),
        _ => None,
    })
}

/// The last binding of `name` in `b` that starts before `before` (blocks that enclose it, and
/// earlier statements).
fn locals(b: &Block, name: &str, before: usize, best: &mut Option<Span>) {
    for s in &b.stmts {
        if s.span.start as usize > before {
            break;
        }
        let mut bind = |p: &Pattern| {
            for i in p.names() {
                if i.name == name && (i.span.start as usize) < before {
                    *best = Some(i.span);
                }
            }
        };
        match &s.kind {
            StmtKind::Let { pattern, .. } => bind(pattern),
            StmtKind::For { pattern, body, .. } if s.span.end as usize >= before => {
                bind(pattern);
                locals(body, name, before, best);
            }
            StmtKind::If {
                branches,
                else_block,
            } => {
                for (_, blk) in branches {
                    if blk.span.start as usize <= before && before <= blk.span.end as usize {
                        locals(blk, name, before, best);
                    }
                }
                if let Some(blk) = else_block {
                    if blk.span.start as usize <= before && before <= blk.span.end as usize {
                        locals(blk, name, before, best);
                    }
                }
            }
            StmtKind::While { body, .. } | StmtKind::With { body, .. }
                if body.span.start as usize <= before && before <= body.span.end as usize =>
            {
                locals(body, name, before, best);
            }
            StmtKind::Try {
                body,
                handlers,
                finally,
            } => {
                for blk in std::iter::once(body)
                    .chain(handlers.iter().map(|h| &h.body))
                    .chain(finally)
                {
                    if blk.span.start as usize <= before && before <= blk.span.end as usize {
                        locals(blk, name, before, best);
                    }
                }
                for h in handlers {
                    if let Some(bnd) = &h.binding {
                        if bnd.name == name
                            && h.body.span.start as usize <= before
                            && before <= h.body.span.end as usize
                        {
                            *best = Some(bnd.span);
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

/// Every name bound in `b` before byte `before`.
fn all_locals(b: &Block, before: usize, out: &mut Vec<String>) {
    for s in &b.stmts {
        if s.span.start as usize > before {
            break;
        }
        match &s.kind {
            StmtKind::Let { pattern, .. } => {
                out.extend(pattern.names().iter().map(|i| i.name.to_string()))
            }
            StmtKind::For { pattern, body, .. } => {
                out.extend(pattern.names().iter().map(|i| i.name.to_string()));
                all_locals(body, before, out);
            }
            StmtKind::If {
                branches,
                else_block,
            } => {
                for (_, blk) in branches {
                    all_locals(blk, before, out);
                }
                if let Some(blk) = else_block {
                    all_locals(blk, before, out);
                }
            }
            StmtKind::While { body, .. } | StmtKind::With { body, .. } => {
                all_locals(body, before, out)
            }
            StmtKind::Try { body, handlers, .. } => {
                all_locals(body, before, out);
                for h in handlers {
                    out.extend(h.binding.iter().map(|b| b.name.to_string()));
                    all_locals(&h.body, before, out);
                }
            }
            _ => {}
        }
    }
}

fn params(ps: &[check::Param]) -> String {
    ps.iter()
        .map(|p| {
            format!(
                "{}: {}{}",
                p.name,
                p.ty,
                if p.has_default { " = ..." } else { "" }
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn env_hover(binding: &str, s: &check::EnvSettings) -> String {
    format!(
        "environment `{binding}` (`{}`)\n\n```flyte\n{}\n```",
        s.name,
        settings_lines(s).join("\n")
    )
}

/// An environment's settings, in the language's own syntax.
fn settings_lines(s: &check::EnvSettings) -> Vec<String> {
    let mut out = vec![format!("name = {:?}", s.name)];
    if !s.image.is_empty() {
        out.push(format!("image = {:?}", s.image));
    }
    if let Some(r) = &s.resources {
        out.push(format!("resources = {}", resources_text(r)));
    }
    if let Some(c) = &s.cache {
        out.push(format!("cache = {}", cache_text(c)));
    }
    if let Some((r, _)) = &s.reusable {
        out.push(format!(
            "reusable = ReusePolicy(replicas = ({}, {}), concurrency = {})",
            r.min_replicas, r.max_replicas, r.concurrency
        ));
    }
    if s.interruptible {
        out.push("interruptible = true".into());
    }
    if let Some(q) = &s.queue {
        out.push(format!("queue = {q:?}"));
    }
    out
}

fn resources_text(r: &crate::resources::ResourceSpec) -> String {
    let mut parts = Vec::new();
    if let Some(c) = &r.cpu_milli {
        parts.push(format!("cpu = {}", milli(c.request)));
    }
    if let Some(m) = &r.memory {
        parts.push(format!("memory = \"{}\"", bytes(m.request)));
    }
    if let Some(a) = &r.accelerator {
        use crate::resources::Accelerator;
        parts.push(match a {
            Accelerator::Gpu {
                device: Some(d),
                quantity,
                partition: Some(p),
                ..
            } => format!("gpu = GPU(device = {d:?}, quantity = {quantity}, partition = {p:?})"),
            Accelerator::Gpu {
                device: Some(d),
                quantity,
                ..
            } => format!("gpu = \"{d}:{quantity}\""),
            Accelerator::Gpu { quantity, .. } => format!("gpu = {quantity}"),
            Accelerator::Tpu { device, slice } => match slice {
                Some(s) => format!("gpu = TPU(device = {device:?}, partition = {s:?})"),
                None => format!("gpu = TPU(device = {device:?})"),
            },
            Accelerator::Other { device, quantity } => format!("gpu = \"{device}:{quantity}\""),
        });
    }
    format!("Resources({})", parts.join(", "))
}

fn milli(m: u64) -> String {
    if m.is_multiple_of(1000) {
        (m / 1000).to_string()
    } else {
        format!("\"{m}m\"")
    }
}

fn bytes(b: u64) -> String {
    for (unit, size) in [
        ("Ti", 1u64 << 40),
        ("Gi", 1 << 30),
        ("Mi", 1 << 20),
        ("Ki", 1 << 10),
    ] {
        if b >= size && b.is_multiple_of(size) {
            return format!("{}{unit}", b / size);
        }
    }
    b.to_string()
}

fn cache_text(c: &check::config::CacheSpec) -> String {
    format!("{:?}", c.behavior)
        .to_lowercase()
        .replace("auto", "\"auto\"")
}

fn timeout_text(t: &check::config::TimeoutSpec) -> String {
    let d = |n: Option<i64>| n.map_or("none".to_string(), crate::runtime::value::format_duration);
    format!(
        "Timeout(max_runtime = {}, max_queued_time = {}, deadline = {})",
        d(t.max_runtime),
        d(t.max_queued_time),
        d(t.deadline)
    )
}
