//! The REPL's state and evaluation, apart from any terminal.
//!
//! The session keeps the *text* of every declaration entered (environments, tasks, functions,
//! structs, imports), by name: a later one with the same name replaces it. Variables persist as
//! typed declarations `let x: T = LITERAL`, their values written back in the language's own
//! literal syntax after each input.
//!
//! An input that is not a declaration runs as the body of a generated `async task` (so `await`
//! works at the prompt) in a generated environment, as the root of a run whose root takes no
//! capacity. Its body first binds every session variable, then runs the input, then returns the
//! variables' new values (and the expression's value, for an expression) as a tuple, whose
//! type the checker infers. Diagnostics in the input are shown against the input alone.

use flyte_dsl::check::{self, imports, types::Type};
use flyte_dsl::diagnostics::{self, Diagnostic, SourceMap, Span};
use flyte_dsl::report::Record;
use flyte_dsl::runtime::{self, value::Value, Limits, Program};
use flyte_dsl::sim::Cluster;
use flyte_dsl::syntax::{self, ast::*};
use indexmap::IndexMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

const REPL_ENV: &str = "__repl_env";
const REPL_TASK: &str = "__repl_input";

/// What evaluating one input printed.
pub struct Outcome {
    pub text: String,
    pub is_error: bool,
}

pub struct Session {
    pub cluster: Cluster,
    /// Declarations by name, in order: their source text.
    decls: IndexMap<String, String>,
    /// Variables: name -> (type, value in literal syntax).
    vars: IndexMap<String, (Type, String)>,
    pub last: Option<(Record, serde_json::Value)>,
    pub cancel: Arc<AtomicBool>,
    pub colour: bool,
    /// The folders imports may read: the current one and those granted by `--import-root`.
    pub import_roots: Vec<std::path::PathBuf>,
    seed: u64,
    runs: u64,
    /// Replicas of `scope = "global"` environments still running after the last run.
    warm: Vec<(String, u32)>,
}

fn ok(text: impl Into<String>) -> Outcome {
    Outcome {
        text: text.into(),
        is_error: false,
    }
}

fn err(text: impl Into<String>) -> Outcome {
    Outcome {
        text: text.into(),
        is_error: true,
    }
}

impl Session {
    pub fn new(cluster: Cluster, colour: bool) -> Session {
        Session {
            cluster,
            decls: IndexMap::new(),
            vars: IndexMap::new(),
            last: None,
            cancel: Arc::new(AtomicBool::new(false)),
            colour,
            import_roots: vec![std::path::PathBuf::from(".")],
            seed: 0,
            runs: 0,
            warm: Vec::new(),
        }
    }

    pub fn reset(&mut self) {
        self.decls.clear();
        self.vars.clear();
        self.last = None;
        self.warm.clear();
    }

    /// Names in scope, for completion.
    pub fn names(&self) -> Vec<String> {
        self.decls.keys().chain(self.vars.keys()).cloned().collect()
    }

    /// The program text of the session's declarations and variables.
    fn prelude(&self) -> String {
        let mut s = String::new();
        for text in self.decls.values() {
            s.push_str(text);
            s.push('\n');
        }
        s.push_str(&format!(
            "env {REPL_ENV} = TaskEnvironment(name = \"repl\")\n"
        ));
        for (name, (ty, value)) in &self.vars {
            match type_text(ty) {
                Some(t) => s.push_str(&format!("let {name}: {t} = {value}\n")),
                None => s.push_str(&format!("let {name} = {value}\n")),
            }
        }
        s
    }
}

/// Where an input sits in the session's source map: at `base` in file 0 (the session's
/// declarations and the wrapped input), `len` bytes long, and on its own as `file`.
struct Place {
    map: SourceMap,
    base: usize,
    len: usize,
    file: FileId,
}

impl Session {
    /// Checks `prelude + middle`; diagnostics within `middle` are re-based onto it alone. The
    /// program comes with its source map and the offset of `input` in it, for rendering the
    /// errors of its run the same way.
    #[allow(clippy::type_complexity)]
    fn check(
        &self,
        middle: &str,
        input: &str,
        input_offset: usize,
        infer: bool,
    ) -> (
        Option<(imports::Loaded, check::Checked, Place)>,
        String,
        bool,
    ) {
        let prelude = self.prelude();
        let source = format!("{prelude}{middle}");
        let base = prelude.len() + input_offset;
        let mut map = SourceMap::new();
        let loaded = imports::load(
            &mut map,
            "<repl>",
            source.as_bytes(),
            &imports::relative_files(&self.import_roots),
        );
        let opts = check::Options {
            infer_return_of: infer.then(|| Name::new(REPL_TASK)),
            ..Default::default()
        };
        let (checked, more) = check::check_program(&loaded, &opts);
        let mut diags: Vec<Diagnostic> = loaded.diags.iter().cloned().chain(more).collect();
        diags.extend(check::feasible::check(&checked, &self.cluster));
        diagnostics::sort(&mut diags);
        let errors = diags.iter().any(Diagnostic::is_error);
        let file = map.add("input", input);
        let place = Place {
            map,
            base,
            len: input.len(),
            file,
        };
        let mut text = String::new();
        for d in &diags {
            if d.is_error() || d.code != "W0501" {
                text.push_str(&self.render(d, &place));
            }
        }
        let checked = if errors {
            None
        } else {
            Some((loaded, checked, place))
        };
        (checked, text, errors)
    }

    /// Renders a diagnostic of the session's source: its places in the input are re-based
    /// onto the input alone (clipped to it), so they show what the user typed; others stay
    /// in the session's declarations.
    fn render(&self, d: &Diagnostic, place: &Place) -> String {
        let (lo, hi) = (place.base, place.base + place.len);
        let mut d = d.clone();
        for l in &mut d.labels {
            let (start, end) = (l.span.start as usize, l.span.end as usize);
            if l.span.file.0 == 0 && start < hi.max(lo + 1) && end >= lo {
                let (s, e) = (start.clamp(lo, hi), end.clamp(lo, hi));
                l.span = Span::new(place.file, s - lo, e - lo);
            }
        }
        diagnostics::render(&d, &place.map, self.colour)
    }

    /// Evaluates one complete input.
    pub fn eval(&mut self, input: &str) -> Outcome {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return ok("");
        }
        let parsed = syntax::parse(input, FileId(0));
        if !parsed.errors.is_empty() {
            let mut map = SourceMap::new();
            map.add("input", input);
            let diags: Vec<Diagnostic> = parsed.errors.iter().map(|e| e.to_diagnostic()).collect();
            return err(diagnostics::render_all(&diags, &map, self.colour));
        }
        let items = parsed.module.items;
        let is_decl = |i: &Item| {
            matches!(
                i.kind,
                ItemKind::Env(_)
                    | ItemKind::Task(_)
                    | ItemKind::Fn(_)
                    | ItemKind::Struct(_)
                    | ItemKind::Import(_)
            )
        };
        if items.iter().all(is_decl) {
            return self.declare(input, &items);
        }
        if items.iter().any(is_decl) {
            return err("error: enter declarations and statements separately\n");
        }
        self.run_statements(input, &items)
    }

    fn declare(&mut self, input: &str, items: &[Item]) -> Outcome {
        // Check the session with the new declarations replacing old ones of the same name.
        let mut next = self.decls.clone();
        let mut notes = String::new();
        for item in items {
            let name = match &item.kind {
                ItemKind::Env(e) => e.name.name.to_string(),
                ItemKind::Task(t) => t.name.name.to_string(),
                ItemKind::Fn(f) => f.name.name.to_string(),
                ItemKind::Struct(s) => s.name.name.to_string(),
                ItemKind::Import(i) => format!("import {}", i.path),
                _ => continue,
            };
            let text = input[item.span.range()].to_string();
            if next.contains_key(&name) && !name.starts_with("import ") {
                notes.push_str(&format!("note: `{name}` redefined\n"));
            }
            if self.vars.shift_remove(&name).is_some() {
                notes.push_str(&format!("note: the variable `{name}` is replaced\n"));
            }
            next.insert(name, text);
        }
        let saved = std::mem::replace(&mut self.decls, next);
        // Environments may have changed: no replica is kept warm across a redefinition.
        self.warm.clear();
        // Check the whole session: the new text is part of the prelude now.
        let (checked, text, errors) = self.check("", "", 0, false);
        if errors {
            self.decls = saved;
            return err(text);
        }
        drop(checked);
        let names: Vec<String> = items
            .iter()
            .filter_map(|i| match &i.kind {
                ItemKind::Env(e) => Some(format!("env {}", e.name.name)),
                ItemKind::Task(t) => Some(format!("task {}", t.name.name)),
                ItemKind::Fn(f) => Some(format!("fn {}", f.name.name)),
                ItemKind::Struct(s) => Some(format!("struct {}", s.name.name)),
                ItemKind::Import(i) => Some(format!("import \"{}\"", i.path)),
                _ => None,
            })
            .collect();
        ok(format!("{text}{notes}defined {}\n", names.join(", ")))
    }

    fn run_statements(&mut self, input: &str, items: &[Item]) -> Outcome {
        // New variables: the names the input's top-level `let`s bind.
        let mut names: Vec<String> = self.vars.keys().cloned().collect();
        for item in items {
            let pattern = match &item.kind {
                ItemKind::Let(l) => Some(&l.pattern),
                ItemKind::Stmt(Stmt {
                    kind: StmtKind::Let { pattern, .. },
                    ..
                }) => Some(pattern),
                _ => None,
            };
            if let Some(p) = pattern {
                for id in p.names() {
                    if !names.contains(&id.name.to_string()) {
                        names.push(id.name.to_string());
                    }
                }
            }
        }
        // A lone expression is shown; statements are run.
        let value_expr = match items {
            [Item {
                kind:
                    ItemKind::Stmt(Stmt {
                        kind: StmtKind::Expr(_),
                        ..
                    }),
                span,
            }] => Some(input[span.range()].to_string()),
            _ => None,
        };
        let mut body = String::new();
        for n in self.vars.keys() {
            body.push_str(&format!("    let {n} = {n}\n"));
        }
        let head = format!("@{REPL_ENV}\nasync task {REPL_TASK}() {{\n{body}");
        let (middle_input, tail) = match &value_expr {
            Some(e) => (
                format!("    let __value = ({e})\n"),
                format!(
                    "    return ({}__value,)\n}}\n",
                    names.iter().map(|n| format!("{n}, ")).collect::<String>()
                ),
            ),
            None => (
                format!("{input}\n"),
                format!(
                    "    return ({}none,)\n}}\n",
                    names.iter().map(|n| format!("{n}, ")).collect::<String>()
                ),
            ),
        };
        let input_offset = head.len()
            + if value_expr.is_some() {
                "    let __value = (".len()
            } else {
                0
            };
        let shown_input = value_expr.clone().unwrap_or_else(|| input.to_string());
        let middle = format!("{head}{middle_input}{tail}");
        let (checked, text, _) = self.check(&middle, &shown_input, input_offset, true);
        let Some((loaded, checked, place)) = checked else {
            return err(text);
        };
        let Some(Type::Tuple(types)) = checked.inferred_return.clone() else {
            return err(format!("{text}error: could not type this input\n"));
        };
        let program = Program::new(loaded, checked);
        self.cancel
            .store(false, std::sync::atomic::Ordering::Relaxed);
        self.runs += 1;
        let limits = Limits {
            free_root: true,
            warm_replicas: self.warm.clone(),
            ..Limits::default()
        };
        let opts = runtime::RunOptions {
            seed: self.seed + self.runs,
            limits,
            cancel: Some(self.cancel.clone()),
            ..Default::default()
        };
        let outcome = runtime::run(&program, REPL_TASK, vec![], &self.cluster, opts);
        let mut out = text;
        for l in &outcome.logs {
            let who = &outcome.actions[l.action].fqn;
            if who.starts_with("repl.") {
                out.push_str(&format!("{}\n", l.text));
            } else {
                out.push_str(&format!(
                    "[{} {who}] {}\n",
                    flyte_dsl::human::human_duration(l.at),
                    l.text
                ));
            }
        }
        let summary = flyte_dsl::report::summary_json(&outcome);
        let tasks_ran = outcome.actions.len() > 1;
        let line = if tasks_ran {
            format!(
                "  (makespan {}, {} actions, {} cold starts, {} cache hits)\n",
                flyte_dsl::human::human_duration(outcome.summary.makespan),
                outcome.actions.len() - 1,
                outcome.summary.cold_starts,
                summary["actions"]["cached"]
            )
        } else {
            String::new()
        };
        self.last = Some((Record::of(&outcome), summary));
        self.warm = outcome.warm_after.clone();
        match outcome.result {
            Ok(Value::Tuple(values)) => {
                // Keep the variables: their types and values as literals.
                for (i, n) in names.iter().enumerate() {
                    let (Some(v), Some(t)) = (values.get(i), types.get(i)) else {
                        continue;
                    };
                    if matches!(v, Value::Future(_) | Value::Callable(_) | Value::Group(_)) {
                        out.push_str(&format!(
                            "note: `{n}` holds a {} and cannot be kept between inputs\n",
                            v.type_name()
                        ));
                        self.vars.shift_remove(n);
                        continue;
                    }
                    self.vars.insert(n.clone(), (t.clone(), v.repr()));
                }
                if value_expr.is_some() {
                    let v = values.get(names.len()).cloned().unwrap_or(Value::None);
                    let t = types.get(names.len()).cloned().unwrap_or(Type::Any);
                    // As in Python, a `none` result (a call for its effect) is not shown.
                    if v != Value::None {
                        out.push_str(&format!("{}: {t}\n", v.repr()));
                    }
                }
                out.push_str(&line);
                ok(out)
            }
            Ok(_) => ok(out),
            Err(e) => {
                // The input's own action is "this input".
                let mut e = e.clone();
                let input_fqn = format!("repl.{REPL_TASK}");
                if e.task.as_deref() == Some(input_fqn.as_str()) {
                    e.task = None;
                }
                let mut d = e.to_diagnostic();
                for l in &mut d.labels {
                    l.message = l.message.replace(&input_fqn, "this input");
                }
                out.push_str(&self.render(&d, &place));
                out.push_str(&line);
                err(out)
            }
        }
    }

    /// `:type EXPR`
    pub fn type_of(&self, expr: &str) -> Outcome {
        let mut body = String::new();
        for n in self.vars.keys() {
            body.push_str(&format!("    let {n} = {n}\n"));
        }
        let head = format!("@{REPL_ENV}\nasync task {REPL_TASK}() {{\n{body}    return (");
        let middle = format!("{head}{expr})\n}}\n");
        let (checked, text, _) = self.check(&middle, expr, head.len(), true);
        match checked.and_then(|(_, c, ..)| c.inferred_return) {
            Some(t) => ok(format!("{text}{t}\n")),
            None => err(text),
        }
    }

    /// `:env NAME`: each resolved setting with the level it came from.
    pub fn env(&self, name: &str) -> Outcome {
        let (checked, text, _) = self.check("", "", 0, false);
        let Some((_, checked, ..)) = checked else {
            return err(text);
        };
        let Some(env) = checked
            .envs
            .values()
            .find(|e| e.binding == name || e.settings.name == name)
        else {
            let known: Vec<&str> = checked
                .envs
                .keys()
                .map(|k| k.as_str())
                .filter(|k| *k != REPL_ENV)
                .collect();
            return err(format!(
                "error: no environment `{name}`; the environments are: {}\n",
                known.join(", ")
            ));
        };
        let s = &env.settings;
        let origin = |field: &str| -> String {
            match s.origins.iter().find(|(f, _)| *f == field).map(|(_, o)| o) {
                Some(check::Origin::Environment) => "environment".into(),
                Some(check::Origin::Parent(p)) => format!("parent environment `{p}` (clone_with)"),
                _ => "default".into(),
            }
        };
        let mut out = format!("env {} (name \"{}\")\n", env.binding, s.name);
        let fields: Vec<(&str, String)> = vec![
            ("image", format!("{:?}", s.image)),
            (
                "resources",
                s.resources
                    .as_ref()
                    .map_or("none (cluster default)".into(), resources_text),
            ),
            ("env_vars", format!("{:?}", s.env_vars)),
            ("secrets", format!("{:?}", s.secrets)),
            (
                "cache",
                s.cache
                    .as_ref()
                    .map_or("\"disable\"".into(), |c| format!("{:?}", c.behavior)),
            ),
            (
                "reusable",
                s.reusable
                    .as_ref()
                    .map_or("none".into(), |(p, _)| format!("{p:?}")),
            ),
            ("depends_on", format!("{:?}", s.depends_on)),
            ("description", format!("{:?}", s.description)),
            ("interruptible", s.interruptible.to_string()),
            ("queue", format!("{:?}", s.queue)),
        ];
        for (f, v) in fields {
            out.push_str(&format!("  {f:<13} = {v:<40} [{}]\n", origin(f)));
        }
        for t in checked
            .tasks
            .values()
            .filter(|t| t.env.as_ref() == Some(&env.binding))
        {
            let d = &t.settings;
            let mut set = Vec::new();
            if let Some(r) = &d.retries {
                set.push(format!("retries = {}", r.count));
            }
            if let Some(tm) = &d.timeout {
                set.push(format!("timeout = {tm:?}"));
            }
            if let Some(c) = &d.cache {
                set.push(format!("cache = {:?}", c.behavior));
            }
            if let Some(q) = &d.queue {
                set.push(format!("queue = {q:?}"));
            }
            if let Some(i) = d.interruptible {
                set.push(format!("interruptible = {i}"));
            }
            if !set.is_empty() {
                out.push_str(&format!(
                    "  task {}: {} [decorator]\n",
                    t.fqn,
                    set.join(", ")
                ));
            }
        }
        ok(out)
    }

    /// `:tasks`
    pub fn tasks(&self) -> Outcome {
        let (checked, text, _) = self.check("", "", 0, false);
        let Some((_, checked, ..)) = checked else {
            return err(text);
        };
        let mut out = String::new();
        for t in checked.tasks.values().filter(|t| t.name != REPL_TASK) {
            let params: Vec<String> = t
                .params
                .iter()
                .map(|p| format!("{}: {}", p.name, p.ty))
                .collect();
            out.push_str(&format!(
                "{}{} {}({}) -> {}\n",
                if t.is_async { "async " } else { "" },
                t.fqn,
                t.name,
                params.join(", "),
                t.ret
            ));
        }
        if out.is_empty() {
            out.push_str("no tasks yet\n");
        }
        ok(out)
    }

    /// `:export python [TASK]`: the flyte-sdk module of the declarations so far (its run
    /// command naming TASK).
    pub fn export(&self, arg: &str) -> Outcome {
        let mut words = arg.split_whitespace();
        if words.next() != Some("python") {
            return err("usage: :export python [TASK]\n");
        }
        let task = words.next();
        let source: String = self.decls.values().map(|t| format!("{t}\n")).collect();
        let mut map = flyte_dsl::diagnostics::SourceMap::new();
        let prepared = match flyte_dsl::export::prepare(
            &mut map,
            "<repl>",
            source.as_bytes(),
            &flyte_dsl::check::imports::relative_files(&self.import_roots),
            &self.cluster,
        ) {
            Ok(p) => p,
            Err(diags) => {
                return err(flyte_dsl::diagnostics::render_all(
                    &diags,
                    &map,
                    self.colour,
                ))
            }
        };
        if let Some(t) = task {
            if !prepared.checked.tasks.contains_key(t) {
                return err(format!("error: no task `{t}` has been defined\n"));
            }
        }
        ok(flyte_dsl::export::python::export(
            &prepared,
            "the flyte-dsl REPL",
            task,
        ))
    }

    /// `:load FILE`: its declarations join the session.
    pub fn load(&mut self, path: &str) -> Outcome {
        match std::fs::read_to_string(path) {
            Ok(text) => self.eval(&text),
            Err(e) => err(format!("error: cannot read {path}: {e}\n")),
        }
    }
}

/// `cpu 1 (limit 2), memory 4Gi, gpu A100:1`
fn resources_text(r: &flyte_dsl::resources::ResourceSpec) -> String {
    use flyte_dsl::resources::{quantity, Accelerator};
    let mut parts = Vec::new();
    let pair = |name: &str, req: String, lim: String| {
        if req == lim {
            format!("{name} {req}")
        } else {
            format!("{name} {req} (limit {lim})")
        }
    };
    if let Some(c) = r.cpu_milli {
        parts.push(pair(
            "cpu",
            quantity::format_cpu(c.request),
            quantity::format_cpu(c.limit),
        ));
    }
    if let Some(m) = r.memory {
        parts.push(pair(
            "memory",
            quantity::format_bytes(m.request),
            quantity::format_bytes(m.limit),
        ));
    }
    if let Some(d) = r.disk {
        parts.push(format!("disk {}", quantity::format_bytes(d)));
    }
    match &r.accelerator {
        Some(Accelerator::Gpu {
            device,
            quantity,
            partition,
            ..
        }) => {
            let d = device.as_deref().unwrap_or("GPU");
            parts.push(match partition {
                Some(p) => format!("gpu {d} {p}"),
                None => format!("gpu {d}:{quantity}"),
            });
        }
        Some(Accelerator::Tpu { device, slice }) => {
            parts.push(format!("tpu {device} {}", slice.as_deref().unwrap_or("")))
        }
        Some(Accelerator::Other { device, quantity }) => parts.push(format!("{device}:{quantity}")),
        None => {}
    }
    parts.join(", ")
}

/// A type as the language writes it (for `let x: T = ...`), if it can be written.
fn type_text(t: &Type) -> Option<String> {
    let s = t.to_string();
    (!s.contains("any") && !s.contains("task ") && !s.contains("fn ") && !s.contains("builtin "))
        .then_some(s)
}
