//! The REPL's state and evaluation, apart from any terminal.
//!
//! The session keeps the *text* of every declaration entered (environments, tasks, functions,
//! structs, imports), by name, with the file it came from (`<repl>` for what was typed, the
//! path for `:load`): a later one with the same name replaces it, and a diagnostic in it is
//! shown in that file, at its line and column there. Variables are kept as *values* with
//! their types, never as printed text: futures, errors, infinities, task overrides and
//! anything else survive from one input to the next ([`flyte_dsl::runtime::carry`]).
//!
//! An input that is not a declaration runs as the body of a generated `async task` (so `await`
//! works at the prompt, and so does calling a sync task, as at a notebook's top level) in a
//! generated environment, as the root of a run whose root takes no capacity. The session's
//! variables are its parameters, typed by the checker from the session (their types need no
//! written form) and passed in as values; it returns the variables' new values (and the
//! expression's value, for an expression) as a tuple, whose type the checker infers. Plain
//! data variables are also module-level constants, so declarations can read them. Every run
//! shares the session's result cache.

use flyte_dsl::cache::Cache;
use flyte_dsl::check::{self, imports, types::Type};
use flyte_dsl::diagnostics::{self, Diagnostic, FileId, SourceMap, Span};
use flyte_dsl::frontend;
use flyte_dsl::report::Record;
use flyte_dsl::runtime::{self, carry::Carried, value::Value, Executable, Limits};
use flyte_dsl::sim::Cluster;
use flyte_dsl::syntax::{self, ast::*};
use indexmap::IndexMap;
use std::cell::RefCell;
use std::ops::Range;
use std::rc::Rc;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

const REPL_ENV: &str = "__repl_env";
pub(super) const REPL_TASK: &str = "__repl_input";
/// Past this many bytes of literal text a variable is not also a module-level constant.
const MAX_CONST_TEXT: usize = 1 << 16;

/// What evaluating one input printed.
pub struct Outcome {
    pub text: String,
    pub is_error: bool,
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

/// A file declarations or input came from: `<repl>` for one typed input, or a loaded file.
struct Origin {
    name: String,
    text: Arc<str>,
}

/// A declaration: its text, at `offset` in `origin`.
struct Decl {
    text: String,
    origin: Rc<Origin>,
    offset: usize,
}

/// A part of the generated source that came from an origin: `len` bytes at `at`, which are
/// the bytes at `offset` in `origin`.
struct Segment {
    at: usize,
    len: usize,
    origin: Rc<Origin>,
    offset: usize,
}

/// The input as the body of the generated task.
struct Input<'a> {
    origin: &'a Rc<Origin>,
    /// What runs, in `origin`.
    range: Range<usize>,
    /// A lone expression, whose value is returned last.
    expr: bool,
    /// The variables returned, in order.
    returns: &'a [String],
}

/// The session's source compiled: the program (when it has no errors), the diagnostics as
/// the user sees them, and the map their places are in.
struct Unit {
    program: Option<Executable>,
    text: String,
    map: SourceMap,
    segments: Vec<(Segment, FileId)>,
    colour: bool,
}

impl Unit {
    /// Renders a diagnostic of the generated source at the places its spans came from.
    fn render(&self, d: &Diagnostic) -> String {
        let mut d = d.clone();
        for l in &mut d.labels {
            if l.span.file != FileId(0) {
                continue;
            }
            let (start, end) = (l.span.start as usize, l.span.end as usize);
            // The segment it starts in, or else one it overlaps (clipped to it).
            let found = self
                .segments
                .iter()
                .find(|(s, _)| s.at <= start && start <= s.at + s.len)
                .or_else(|| {
                    self.segments
                        .iter()
                        .find(|(s, _)| start < s.at + s.len && end > s.at)
                });
            if let Some((s, file)) = found {
                let start = start.clamp(s.at, s.at + s.len);
                let end = end.clamp(start, s.at + s.len);
                l.span = Span::new(*file, s.offset + start - s.at, s.offset + end - s.at);
            }
        }
        diagnostics::render(&d, &self.map, self.colour)
    }
}

pub struct Session {
    pub cluster: Cluster,
    /// Declarations by name, in order.
    decls: IndexMap<String, Decl>,
    /// Variables: their types and values.
    vars: IndexMap<String, (Type, Value)>,
    /// The futures and overrides that variables refer to.
    carried: RefCell<Carried>,
    /// Results of `cache`d tasks, shared by every run of the session.
    cache: Cache,
    pub last: Option<(Record, serde_json::Value)>,
    pub cancel: Arc<AtomicBool>,
    pub colour: bool,
    /// The folders imports may read: the current one and those granted by `--import-root`.
    pub import_roots: Vec<std::path::PathBuf>,
    seed: u64,
    runs: u64,
    /// Inputs typed so far (each is a file of its own in diagnostics).
    inputs: u64,
    /// Replicas of `scope = "global"` environments still running after the last run.
    warm: Vec<(String, u32)>,
}

impl Session {
    pub fn new(cluster: Cluster, colour: bool) -> Session {
        Session {
            cluster,
            decls: IndexMap::new(),
            vars: IndexMap::new(),
            carried: RefCell::default(),
            cache: Cache::memory(),
            last: None,
            cancel: Arc::new(AtomicBool::new(false)),
            colour,
            import_roots: vec![std::path::PathBuf::from(".")],
            seed: 0,
            runs: 0,
            inputs: 0,
            warm: Vec::new(),
        }
    }

    pub fn reset(&mut self) {
        self.decls.clear();
        self.vars.clear();
        self.carried = RefCell::default();
        self.cache = Cache::memory();
        self.last = None;
        self.warm.clear();
    }

    /// Names in scope, for completion.
    pub fn names(&self) -> Vec<String> {
        self.decls.keys().chain(self.vars.keys()).cloned().collect()
    }

    /// The generated source: the declarations, the plain-data variables as constants (with
    /// `consts`), the REPL's environment and, for an input, its task.
    fn source(&self, consts: bool, input: Option<&Input<'_>>) -> (String, Vec<Segment>) {
        let mut s = String::new();
        let mut segments = Vec::new();
        for d in self.decls.values() {
            segments.push(Segment {
                at: s.len(),
                len: d.text.len(),
                origin: d.origin.clone(),
                offset: d.offset,
            });
            s.push_str(&d.text);
            s.push('\n');
        }
        if consts {
            for (name, (ty, value)) in &self.vars {
                if let Some(text) = const_text(ty, value).filter(|_| !self.decls.contains_key(name))
                {
                    s.push_str(&format!(
                        "let {name}: {} = {text}\n",
                        type_text(ty).unwrap()
                    ));
                }
            }
        }
        s.push_str(&format!(
            "env {REPL_ENV} = TaskEnvironment(name = \"repl\")\n"
        ));
        let Some(input) = input else {
            return (s, segments);
        };
        let params: Vec<String> = self.vars.keys().map(|n| format!("{n}: none")).collect();
        s.push_str(&format!(
            "@{REPL_ENV}\nasync task {REPL_TASK}({}) {{\n",
            params.join(", ")
        ));
        let text = &input.origin.text[input.range.clone()];
        if input.expr {
            s.push_str("    let __value = ");
        }
        segments.push(Segment {
            at: s.len(),
            len: text.len(),
            origin: input.origin.clone(),
            offset: input.range.start,
        });
        s.push_str(text);
        let mut returned: Vec<&str> = input.returns.iter().map(String::as_str).collect();
        returned.push(if input.expr { "__value" } else { "none" });
        s.push_str(&format!("\n    return ({},)\n}}\n", returned.join(", ")));
        (s, segments)
    }

    /// Compiles the session (with `input` as its task's body): the plain-data variables are
    /// constants unless that fails, when they are left out (no value may break an input).
    fn compile(&self, input: Option<&Input<'_>>) -> Unit {
        let first = self.compile_with(true, input);
        if first.program.is_some()
            || !self
                .vars
                .iter()
                .any(|(_, (t, v))| const_text(t, v).is_some())
        {
            return first;
        }
        let second = self.compile_with(false, input);
        if second.program.is_some() {
            second
        } else {
            first
        }
    }

    fn compile_with(&self, consts: bool, input: Option<&Input<'_>>) -> Unit {
        let (source, segments) = self.source(consts, input);
        let mut map = SourceMap::new();
        let opts = frontend::Options {
            check: check::Options {
                infer_return_of: input.map(|_| Name::new(REPL_TASK)),
                prompt: input.map(|_| {
                    self.vars
                        .iter()
                        .map(|(n, (t, _))| (Name::new(n), t.clone()))
                        .collect()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let compiled = frontend::compile(
            &mut map,
            frontend::Source::new("<repl>", &source),
            &opts,
            &imports::relative_files(&self.import_roots),
            &self.cluster,
        );
        // Each origin once, in the map the diagnostics are rendered with.
        let mut files: Vec<(*const Origin, FileId)> = Vec::new();
        let segments = segments
            .into_iter()
            .map(|s| {
                let ptr = Rc::as_ptr(&s.origin);
                let id = match files.iter().find(|(p, _)| *p == ptr) {
                    Some((_, id)) => *id,
                    None => {
                        let id = map.add(s.origin.name.clone(), s.origin.text.clone());
                        files.push((ptr, id));
                        id
                    }
                };
                (s, id)
            })
            .collect();
        let mut unit = Unit {
            program: compiled.program,
            text: String::new(),
            map,
            segments,
            colour: self.colour,
        };
        for d in &compiled.diagnostics {
            if d.is_error() || d.code != "W0501" {
                let t = unit.render(d);
                unit.text.push_str(&t);
            }
        }
        unit
    }

    /// Evaluates one complete input typed at the prompt.
    pub fn eval(&mut self, input: &str) -> Outcome {
        let origin = self.typed(input);
        self.eval_from(origin)
    }

    /// Typed input as a file of its own, `<input N>` (the Nth input), so that diagnostics
    /// in what was typed earlier name the input it came from.
    fn typed(&mut self, text: &str) -> Rc<Origin> {
        self.inputs += 1;
        Rc::new(Origin {
            name: format!("<input {}>", self.inputs),
            text: Arc::from(text),
        })
    }

    /// Evaluates the whole text of `origin`.
    fn eval_from(&mut self, origin: Rc<Origin>) -> Outcome {
        let input: &str = &origin.text;
        if input.trim().is_empty() {
            return ok("");
        }
        let items = match self.parse(&origin) {
            Ok(items) => items,
            Err(text) => return err(text),
        };
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
            return self.declare(&origin, &items);
        }
        if items.iter().any(is_decl) {
            return err("error: enter declarations and statements separately\n");
        }
        self.run_statements(&origin, &items)
    }

    /// The items of `origin`, or its syntax errors rendered in it.
    fn parse(&self, origin: &Rc<Origin>) -> Result<Vec<Item>, String> {
        let parsed = syntax::parse(&origin.text, FileId(0));
        if parsed.errors.is_empty() {
            return Ok(parsed.module.items);
        }
        let mut map = SourceMap::new();
        map.add(origin.name.clone(), origin.text.clone());
        let diags: Vec<Diagnostic> = parsed.errors.iter().map(|e| e.to_diagnostic()).collect();
        Err(diagnostics::render_all(&diags, &map, self.colour))
    }

    fn declare(&mut self, origin: &Rc<Origin>, items: &[Item]) -> Outcome {
        // Check the session with the new declarations replacing old ones of the same name.
        let mut next: IndexMap<String, Decl> = self
            .decls
            .iter()
            .map(|(k, d)| {
                (
                    k.clone(),
                    Decl {
                        text: d.text.clone(),
                        origin: d.origin.clone(),
                        offset: d.offset,
                    },
                )
            })
            .collect();
        let mut notes = String::new();
        let mut dropped: Vec<String> = Vec::new();
        for item in items {
            let (name, is_struct) = match &item.kind {
                ItemKind::Env(e) => (e.name.name.to_string(), false),
                ItemKind::Task(t) => (t.name.name.to_string(), false),
                ItemKind::Fn(f) => (f.name.name.to_string(), false),
                ItemKind::Struct(s) => (s.name.name.to_string(), true),
                ItemKind::Import(i) => (format!("import {}", i.path), false),
                _ => continue,
            };
            if next.contains_key(&name) && !name.starts_with("import ") {
                notes.push_str(&format!("note: `{name}` redefined\n"));
                if is_struct {
                    // Values of the old struct do not fit the new one.
                    for (v, (t, _)) in &self.vars {
                        if mentions(t, &name) {
                            dropped.push(v.clone());
                        }
                    }
                }
            }
            if self.vars.contains_key(&name) {
                dropped.push(name.clone());
            }
            next.insert(
                name,
                Decl {
                    text: origin.text[item.span.range()].to_string(),
                    origin: origin.clone(),
                    offset: item.span.start as usize,
                },
            );
        }
        let saved_decls = std::mem::replace(&mut self.decls, next);
        let saved_vars = self.vars.clone();
        for v in &dropped {
            self.vars.shift_remove(v);
        }
        // Check the whole session: the new text is part of it now.
        let unit = self.compile(None);
        if unit.program.is_none() {
            self.decls = saved_decls;
            self.vars = saved_vars;
            return err(unit.text);
        }
        for v in &dropped {
            notes.push_str(&format!("note: the variable `{v}` is replaced\n"));
        }
        // Environments may have changed: no replica is kept warm across a redefinition.
        self.warm.clear();
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
        ok(format!(
            "{}{notes}defined {}\n",
            unit.text,
            names.join(", ")
        ))
    }

    fn run_statements(&mut self, origin: &Rc<Origin>, items: &[Item]) -> Outcome {
        // The variables after this input: those kept, then those its top-level `let`s bind.
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
            for id in pattern.map(|p| p.names()).unwrap_or_default() {
                if !names.contains(&id.name.to_string()) {
                    names.push(id.name.to_string());
                }
            }
        }
        // A lone expression is shown; statements are run.
        let (range, expr) = match items {
            [Item {
                kind:
                    ItemKind::Stmt(Stmt {
                        kind: StmtKind::Expr(_),
                        ..
                    }),
                span,
            }] => (span.range(), true),
            _ => (0..origin.text.len(), false),
        };
        let input = Input {
            origin,
            range,
            expr,
            returns: &names,
        };
        let unit = self.compile(Some(&input));
        let Some(program) = &unit.program else {
            return err(unit.text);
        };
        let Some(Type::Tuple(types)) = program.checked.inferred_return.clone() else {
            return err(format!("{}error: could not type this input\n", unit.text));
        };
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
            cache: Some(&self.cache),
            carry: Some(&self.carried),
            ..Default::default()
        };
        let args: Vec<(Name, Value)> = self
            .vars
            .iter()
            .map(|(n, (_, v))| (Name::new(n), v.clone()))
            .collect();
        let outcome = runtime::run(program, REPL_TASK, args, &self.cluster, opts);
        let mut out = unit.text.clone();
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
        let line = if outcome.actions.len() > 1 {
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
            Ok(Value::Tuple(values)) if values.len() == names.len() + 1 => {
                for ((n, v), t) in names.iter().zip(values.iter()).zip(&types) {
                    self.vars.insert(n.clone(), (t.clone(), v.clone()));
                }
                if expr {
                    let v = &values[names.len()];
                    let t = types.get(names.len()).cloned().unwrap_or(Type::Any);
                    // As in Python, a `none` result (a call for its effect) is not shown.
                    if *v != Value::None {
                        out.push_str(&format!("{}: {t}\n", v.repr()));
                    }
                }
                out.push_str(&line);
                ok(out)
            }
            other => {
                // The variables keep their values (as the run left them, renumbered).
                let kept = std::mem::take(&mut self.carried.borrow_mut().args);
                for ((_, (_, v)), new) in self.vars.iter_mut().zip(kept) {
                    *v = new;
                }
                let Err(e) = other else {
                    return err(format!("{out}error: this input gave no value\n"));
                };
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
                out.push_str(&unit.render(&d));
                out.push_str(&line);
                err(out)
            }
        }
    }

    /// `:type EXPR`
    pub fn type_of(&mut self, expr: &str) -> Outcome {
        const USAGE: &str = "usage: :type EXPR (the type of one expression)\n";
        if expr.trim().is_empty() {
            return err(USAGE);
        }
        let origin = self.typed(expr);
        let items = match self.parse(&origin) {
            Ok(items) => items,
            Err(text) => return err(text),
        };
        let [Item {
            kind:
                ItemKind::Stmt(Stmt {
                    kind: StmtKind::Expr(_),
                    ..
                }),
            span,
        }] = items.as_slice()
        else {
            return err(USAGE);
        };
        let input = Input {
            origin: &origin,
            range: span.range(),
            expr: true,
            returns: &[],
        };
        let unit = self.compile(Some(&input));
        match unit
            .program
            .as_ref()
            .and_then(|p| p.checked.inferred_return.clone())
        {
            Some(Type::Tuple(mut t)) if t.len() == 1 => {
                ok(format!("{}{}\n", unit.text, t.remove(0)))
            }
            _ => err(unit.text),
        }
    }

    /// `:env NAME`: each resolved setting with the level it came from.
    pub fn env(&self, name: &str) -> Outcome {
        if name.is_empty() {
            return err("usage: :env NAME (an environment's binding or name)\n");
        }
        let unit = self.compile(None);
        let Some(program) = &unit.program else {
            return err(unit.text);
        };
        let checked = &program.checked;
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
        ok(super::show::env(env, checked))
    }

    /// `:tasks`
    pub fn tasks(&self) -> Outcome {
        let unit = self.compile(None);
        match &unit.program {
            Some(program) => ok(super::show::tasks(program, REPL_TASK)),
            None => err(unit.text),
        }
    }

    /// `:export python [TASK]`: the flyte-sdk module of the declarations so far (its run
    /// command naming TASK).
    pub fn export(&self, arg: &str) -> Outcome {
        let mut words = arg.split_whitespace();
        if words.next() != Some("python") {
            return err("usage: :export python [TASK]\n");
        }
        let task = words.next();
        let source: String = self
            .decls
            .values()
            .map(|d| format!("{}\n", d.text))
            .collect();
        let mut map = SourceMap::new();
        let prepared = match flyte_dsl::export::prepare(
            &mut map,
            "<repl>",
            source.as_bytes(),
            &imports::relative_files(&self.import_roots),
            &self.cluster,
        ) {
            Ok(p) => p,
            Err(diags) => return err(diagnostics::render_all(&diags, &map, self.colour)),
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

    /// `:load FILE`: its declarations join the session; diagnostics name the file.
    pub fn load(&mut self, path: &str) -> Outcome {
        if path.is_empty() {
            return err("usage: :load FILE\n");
        }
        // A flyte-sdk Python module joins as an import (read by the Python front end).
        if flyte_dsl::python::is_python(path) {
            return self.eval(&format!("import {path:?}\n"));
        }
        match std::fs::read_to_string(path) {
            Ok(text) => self.eval_from(Rc::new(Origin {
                name: path.to_string(),
                text: Arc::from(text),
            })),
            Err(e) => err(format!("error: cannot read {path}: {e}\n")),
        }
    }
}

/// A type as the language writes it (for `let x: T = ...`), if it can be written.
fn type_text(t: &Type) -> Option<String> {
    let s = t.to_string();
    (!s.contains("any")
        && !s.contains("task ")
        && !s.contains("fn ")
        && !s.contains("builtin ")
        && !s.contains("Future"))
    .then_some(s)
}

/// Whether `t` names the struct `name`.
fn mentions(t: &Type, name: &str) -> bool {
    t.to_string()
        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.'))
        .any(|w| w == name)
}

/// The literal text of a plain-data value (scalars, finite floats, strings, durations and
/// containers of them) of a writable type, which reads back as the same value; `None` for
/// anything else, which is then only a variable of the inputs, not a constant.
fn const_text(t: &Type, v: &Value) -> Option<String> {
    fn plain(v: &Value, depth: usize) -> bool {
        if depth > 64 {
            return false;
        }
        match v {
            Value::None | Value::Bool(_) | Value::Int(_) | Value::Str(_) | Value::Duration(_) => {
                true
            }
            Value::Float(f) => f.is_finite(),
            Value::List(l) => l.borrow().iter().all(|v| plain(v, depth + 1)),
            Value::Tuple(t) => t.iter().all(|v| plain(v, depth + 1)),
            Value::Dict(d) => d.borrow().values().all(|v| plain(v, depth + 1)),
            _ => false,
        }
    }
    type_text(t)?;
    if !plain(v, 0) {
        return None;
    }
    let text = v.repr();
    (text.len() <= MAX_CONST_TEXT).then_some(text)
}
