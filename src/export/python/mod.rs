//! `export python`: a flyte-sdk 2.x module with the script's environments, tasks and bodies.
//!
//! The module is written as a person would write it for flyte-sdk: `import flyte`, each `env`
//! as `flyte.TaskEnvironment(...)` or `.clone_with(...)` with its fields as written, structs as
//! `@dataclass`es, each task as `@env.task(...)` over a `def` or `async def`, and bodies
//! translated statement by statement. Where Python means something else than the language
//! (`str()` of a bool, a `gather` of two futures giving a list, block-scoped `let`s), the
//! translation keeps the language's meaning: a small helper of the module's own, a `tuple(...)`,
//! a renamed local. The checker's types (kept by [`crate::check::Options::record_types`])
//! decide where that is needed, so ordinary code reads as ordinary Python.
//!
//! Imported files are flattened into the one module, in the checker's own namespace: a name
//! of a file imported `as lib` is written `lib_NAME`. One file is what `flyte run --local
//! OUT.py main` and `flyte deploy OUT.py` take as they are, with no package to lay out.

mod expr;
mod layout;
mod literals;
mod names;
mod prelude;
mod stmt;

use super::Prepared;
use crate::check::types::Type;
use crate::syntax::ast::*;
use std::collections::{BTreeSet, HashMap, HashSet};

/// The module's text; `source` names the script in its header, whose run command names
/// `root` (default: `main`, else the first task).
pub fn export(p: &Prepared, source: &str, root: Option<&str>) -> String {
    let tasks = &p.checked.tasks;
    let root = root
        .map(str::to_string)
        .or_else(|| tasks.contains_key("main").then(|| "main".to_string()))
        .or_else(|| {
            tasks
                .keys()
                .find(|k| !k.contains('.'))
                .map(|k| names::py_name(k))
        })
        .unwrap_or_else(|| "TASK".into());
    Exporter::new(p).module(source, &root)
}

/// What a module needs imported or defined, found while writing it.
#[derive(Default)]
struct Needs {
    asyncio: bool,
    time: bool,
    random: bool,
    os: bool,
    dataclass: bool,
    dataclasses: bool,
    types: names::TypeNeeds,
    helpers: BTreeSet<&'static str>,
}

/// One item to write: where it is declared and the name prefix of its module (`lib.` for a
/// module imported `as lib`).
#[derive(Clone, Copy)]
struct Place<'p> {
    module: usize,
    prefix: Option<&'p Name>,
}

struct Exporter<'p> {
    p: &'p Prepared,
    needs: Needs,
    /// Every top-level key (`name` or `alias.name`) and its Python name.
    globals: HashMap<Name, String>,
    /// The Python names of `globals`, for a local's clash test.
    global_py: HashSet<String>,
    aliases: HashSet<Name>,
    /// The alias of the module being written.
    prefix: Option<Name>,
    // Per function.
    scopes: Vec<HashMap<Name, String>>,
    used: HashSet<String>,
    in_async: bool,
    ret: Option<Type>,
}

impl<'p> Exporter<'p> {
    fn new(p: &'p Prepared) -> Self {
        let c = &p.checked;
        // A name of a module imported `as lib` keeps its own name where no other top-level
        // name has it (a task's FQN comes from its function's name), else becomes `lib_NAME`.
        let keys: Vec<&Name> = c
            .envs
            .keys()
            .chain(c.tasks.keys())
            .chain(c.fns.keys())
            .chain(c.structs.keys())
            .chain(c.consts.keys())
            .collect();
        let bare = |k: &str| names::py_name(k.rsplit('.').next().unwrap_or(k));
        let mut count: HashMap<String, usize> = HashMap::new();
        for k in &keys {
            *count.entry(bare(k)).or_default() += 1;
        }
        let mut globals = HashMap::new();
        for k in keys {
            let py = if k.contains('.') && count[&bare(k)] > 1 {
                names::py_name(k)
            } else {
                bare(k)
            };
            globals.insert(k.clone(), py);
        }
        let aliases = p
            .loaded
            .imports
            .iter()
            .flatten()
            .filter_map(|(a, _)| a.clone())
            .collect();
        let global_py = globals.values().cloned().collect();
        Exporter {
            p,
            needs: Needs::default(),
            global_py,
            globals,
            aliases,
            prefix: None,
            scopes: Vec::new(),
            used: HashSet::new(),
            in_async: false,
            ret: None,
        }
    }

    /// The modules in the checker's order, each with the prefix its names are declared under.
    fn places(&self) -> Vec<Place<'p>> {
        let loaded = &self.p.loaded;
        if loaded.modules.is_empty() {
            return Vec::new();
        }
        let mut out = vec![Place {
            module: 0,
            prefix: None,
        }];
        let mut done: Vec<(usize, Option<&Name>)> = Vec::new();
        let mut todo = vec![0usize];
        while let Some(m) = todo.pop() {
            for (alias, target) in &loaded.imports[m] {
                if done.contains(&(*target, alias.as_ref())) {
                    continue;
                }
                done.push((*target, alias.as_ref()));
                out.push(Place {
                    module: *target,
                    prefix: alias.as_ref(),
                });
                todo.push(*target);
            }
        }
        out
    }

    fn key(prefix: Option<&Name>, name: &Name) -> Name {
        match prefix {
            Some(p) => Name::new(format!("{p}.{name}")),
            None => name.clone(),
        }
    }

    /// The Python name of a global key.
    fn global(&self, key: &str) -> String {
        self.globals
            .get(key)
            .cloned()
            .unwrap_or_else(|| names::py_name(key))
    }

    /// The key a top-level name written in the current module stands for, if it is one.
    fn resolve_global(&self, name: &str) -> Option<Name> {
        if let Some(p) = &self.prefix {
            let q = Name::new(format!("{p}.{name}"));
            if self.globals.contains_key(&q) {
                return Some(q);
            }
        }
        let n = Name::new(name);
        self.globals.contains_key(&n).then_some(n)
    }

    fn module(mut self, source: &str, root: &str) -> String {
        let places = self.places();
        let mut structs = Vec::new();
        let mut consts = Vec::new();
        let mut funcs = Vec::new();
        for place in &places {
            let module = &self.p.loaded.modules[place.module];
            for item in &module.items {
                match &item.kind {
                    ItemKind::Struct(s) => structs.push((*place, s)),
                    ItemKind::Env(_) | ItemKind::Let(_) => consts.push((*place, item)),
                    ItemKind::Task(_) | ItemKind::Fn(_) => funcs.push((*place, item)),
                    ItemKind::Import(_) | ItemKind::Stmt(_) => {}
                }
            }
        }
        let mut body = String::new();
        for (place, s) in self.order_structs(structs) {
            self.prefix = place.prefix.cloned();
            body.push_str("\n\n");
            body.push_str(&self.struct_decl(place, s));
        }
        let mut first_const = true;
        for (place, item) in self.order_consts(consts) {
            self.prefix = place.prefix.cloned();
            // Two blank lines after a definition; one after the imports (black's and ruff's
            // layouts agree on these).
            if first_const {
                body.push_str(if body.is_empty() { "\n" } else { "\n\n" });
            }
            first_const = false;
            body.push_str(&self.const_decl(place, item));
        }
        for (place, item) in funcs {
            self.prefix = place.prefix.cloned();
            body.push_str("\n\n");
            match &item.kind {
                ItemKind::Task(t) => body.push_str(&self.task_decl(place, t)),
                ItemKind::Fn(f) => body.push_str(&self.fn_decl(place, f)),
                _ => {}
            }
        }
        let prelude = self.prelude();
        let mut out = self.header(source, root);
        out.push_str(&prelude);
        if !prelude.is_empty() && body.starts_with("\n") && !body.starts_with("\n\n") {
            out.push('\n');
        }
        out.push_str(&layout::layout(&body));
        out
    }

    fn header(&self, source: &str, root: &str) -> String {
        let n = &self.needs;
        let mut out = format!(
            "# Exported by flyte-dsl {} from {source}: a flyte-sdk 2.x module.\n\
             # Run it with `flyte run --local THIS_FILE.py {root}`; deploy it with `flyte deploy`.\n",
            env!("CARGO_PKG_VERSION")
        );
        let mut std_imports: Vec<&str> = Vec::new();
        if n.asyncio {
            std_imports.push("import asyncio");
        }
        if n.dataclasses {
            std_imports.push("import dataclasses");
        }
        if n.os {
            std_imports.push("import os");
        }
        if n.random {
            std_imports.push("import random");
        }
        if n.time {
            std_imports.push("import time");
        }
        let mut from_imports: Vec<String> = Vec::new();
        if n.dataclass {
            from_imports.push("from dataclasses import dataclass".into());
        }
        if n.types.timedelta {
            from_imports.push("from datetime import timedelta".into());
        }
        let mut typing = Vec::new();
        if n.types.awaitable {
            typing.push("Awaitable");
        }
        if n.types.optional {
            typing.push("Optional");
        }
        if n.types.union {
            typing.push("Union");
        }
        if !typing.is_empty() {
            from_imports.push(format!("from typing import {}", typing.join(", ")));
        }
        if !std_imports.is_empty() || !from_imports.is_empty() {
            out.push('\n');
        }
        for i in std_imports {
            out.push_str(i);
            out.push('\n');
        }
        for i in from_imports {
            out.push_str(&i);
            out.push('\n');
        }
        out.push_str("\nimport flyte\nimport flyte.errors\n");
        out
    }

    fn prelude(&mut self) -> String {
        // Helpers ask for others; settle the closure first.
        let mut todo: Vec<&'static str> = self.needs.helpers.iter().copied().collect();
        while let Some(h) = todo.pop() {
            for d in prelude::depends(h) {
                if self.needs.helpers.insert(d) {
                    todo.push(d);
                }
            }
        }
        let used: Vec<&'static str> = self.needs.helpers.iter().copied().collect();
        for h in used {
            self.helper(h);
        }
        let mut out = String::new();
        for (name, text) in prelude::PRELUDE {
            if self.needs.helpers.contains(name) {
                // One blank line between the imports and a statement, two around definitions.
                let definition = text.starts_with("def ")
                    || text.starts_with("async def ")
                    || text.starts_with("class ");
                out.push_str(if out.is_empty() && !definition {
                    "\n"
                } else {
                    "\n\n"
                });
                out.push_str(text);
            }
        }
        out
    }

    /// Marks a prelude helper as used (and what it imports).
    fn helper(&mut self, name: &'static str) -> &'static str {
        self.needs.helpers.insert(name);
        match name {
            "STARTED" | "now" => {
                self.needs.time = true;
                self.needs.types.timedelta = true;
            }
            "compute" | "gpu_compute" => self.needs.types.timedelta = true,
            "show" => {
                self.needs.types.timedelta = true;
                self.needs.dataclasses = true;
            }
            "error_task" => self.needs.types.optional = true,
            _ => {}
        }
        if name == "now" {
            self.needs.helpers.insert("STARTED");
        }
        name
    }

    fn annotation(&mut self, t: &Type) -> String {
        let globals = &self.globals;
        names::annotation(t, &mut self.needs.types, &|n: &str| {
            globals.get(n).cloned().unwrap_or_else(|| names::py_name(n))
        })
    }

    // -------------------------------------------------------------------------------------
    // Declarations
    // -------------------------------------------------------------------------------------

    /// Structs in an order where each field's struct comes first (a cycle keeps source order
    /// and its annotations are quoted).
    fn order_structs(
        &self,
        structs: Vec<(Place<'p>, &'p StructDecl)>,
    ) -> Vec<(Place<'p>, &'p StructDecl)> {
        let keys: Vec<Name> = structs
            .iter()
            .map(|(pl, s)| Self::key(pl.prefix, &s.name.name))
            .collect();
        let deps: Vec<Vec<usize>> = structs
            .iter()
            .map(|(pl, s)| {
                let key = Self::key(pl.prefix, &s.name.name);
                let mut d = Vec::new();
                if let Some(info) = self.p.checked.structs.get(&key) {
                    for (_, t) in &info.fields {
                        struct_refs(t, &mut |n| {
                            if let Some(i) = keys.iter().position(|k| k == n) {
                                d.push(i);
                            }
                        });
                    }
                }
                d
            })
            .collect();
        topo(&deps).into_iter().map(|i| structs[i]).collect()
    }

    fn struct_decl(&mut self, place: Place<'p>, s: &StructDecl) -> String {
        self.needs.dataclass = true;
        let key = Self::key(place.prefix, &s.name.name);
        let name = self.global(&key);
        let mut out = format!("@dataclass\nclass {name}:\n");
        let fields = self
            .p
            .checked
            .structs
            .get(&key)
            .map(|i| i.fields.clone())
            .unwrap_or_default();
        if fields.is_empty() {
            out.push_str("    pass\n");
        }
        for (f, t) in &fields {
            let mut ann = self.annotation(t);
            if mentions_struct(t, &key) {
                ann = format!("\"{ann}\"");
            }
            out.push_str(&format!("    {}: {ann}\n", names::py_name(f)));
        }
        out
    }

    /// `let` and `env` constants in an order where each comes after what it uses.
    fn order_consts(&self, items: Vec<(Place<'p>, &'p Item)>) -> Vec<(Place<'p>, &'p Item)> {
        let mut keys: Vec<Vec<Name>> = Vec::new();
        for (pl, item) in &items {
            keys.push(match &item.kind {
                ItemKind::Env(e) => vec![Self::key(pl.prefix, &e.name.name)],
                ItemKind::Let(l) => l
                    .pattern
                    .names()
                    .into_iter()
                    .map(|id| Self::key(pl.prefix, &id.name))
                    .collect(),
                _ => Vec::new(),
            });
        }
        let deps: Vec<Vec<usize>> = items
            .iter()
            .map(|(pl, item)| {
                let value = match &item.kind {
                    ItemKind::Env(e) => &e.value,
                    ItemKind::Let(l) => &l.value,
                    _ => return Vec::new(),
                };
                let mut d = Vec::new();
                let mut stack = vec![value];
                while let Some(e) = stack.pop() {
                    let referenced = match &e.kind {
                        ExprKind::Name(n) => {
                            let q = pl.prefix.map(|p| Name::new(format!("{p}.{n}")));
                            vec![q, Some(n.clone())]
                        }
                        ExprKind::Attr { obj, name } => match &obj.kind {
                            ExprKind::Name(a) => {
                                vec![Some(Name::new(format!("{a}.{}", name.name)))]
                            }
                            _ => Vec::new(),
                        },
                        _ => Vec::new(),
                    };
                    for r in referenced.into_iter().flatten() {
                        if let Some(i) = keys.iter().position(|ks| ks.contains(&r)) {
                            d.push(i);
                            break;
                        }
                    }
                    e.for_each_child(|c| stack.push(c));
                }
                d
            })
            .collect();
        topo(&deps).into_iter().map(|i| items[i]).collect()
    }

    fn const_decl(&mut self, place: Place<'p>, item: &Item) -> String {
        self.begin_scope(false, None);
        let text = match &item.kind {
            ItemKind::Env(e) => {
                let key = Self::key(place.prefix, &e.name.name);
                format!("{} = {}\n", self.global(&key), self.config_expr(&e.value))
            }
            ItemKind::Let(l) => {
                let target = self.global_pattern(place, &l.pattern);
                let value = self.expr(&l.value);
                match (&l.pattern, &l.ty) {
                    (Pattern::Name(id), Some(_)) => {
                        let key = Self::key(place.prefix, &id.name);
                        let t = self.p.checked.consts.get(&key).cloned();
                        match t {
                            Some(t) if !has_future(&t) => {
                                let ann = self.annotation(&t);
                                format!("{target}: {ann} = {value}\n")
                            }
                            _ => format!("{target} = {value}\n"),
                        }
                    }
                    _ => format!("{target} = {value}\n"),
                }
            }
            _ => String::new(),
        };
        self.end_scope();
        text
    }

    fn global_pattern(&self, place: Place<'p>, p: &Pattern) -> String {
        match p {
            Pattern::Name(id) => self.global(&Self::key(place.prefix, &id.name)),
            Pattern::Tuple(items, _) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|i| match i {
                        Pattern::Name(_) => self.global_pattern(place, i),
                        Pattern::Tuple(..) => format!("({})", self.global_pattern(place, i)),
                    })
                    .collect();
                if parts.len() == 1 {
                    format!("{},", parts[0])
                } else {
                    parts.join(", ")
                }
            }
        }
    }

    fn task_decl(&mut self, place: Place<'p>, t: &TaskDecl) -> String {
        let key = Self::key(place.prefix, &t.name.name);
        let mut out = String::new();
        let env = self
            .p
            .checked
            .tasks
            .get(&key)
            .and_then(|i| i.env.clone())
            .map(|e| self.global(&e))
            .unwrap_or_else(|| "env".into());
        match t.decorator.as_ref().and_then(|d| d.args.as_ref()) {
            Some(args) if !args.is_empty() => {
                self.begin_scope(false, None);
                let args = self.decorator_args(args);
                self.end_scope();
                out.push_str(&format!("@{env}.task({args})\n"));
            }
            _ => out.push_str(&format!("@{env}.task\n")),
        }
        let info = self
            .p
            .checked
            .tasks
            .get(&key)
            .map(|i| (i.params.clone(), i.ret.clone()));
        let (params, ret) = info.unwrap_or((Vec::new(), Type::Any));
        out.push_str(&self.function(&key, &t.func, &params, &ret));
        out
    }

    fn fn_decl(&mut self, place: Place<'p>, f: &FnDecl) -> String {
        let key = Self::key(place.prefix, &f.name.name);
        let info = self
            .p
            .checked
            .fns
            .get(&key)
            .map(|i| (i.params.clone(), i.ret.clone()));
        let (params, ret) = info.unwrap_or((Vec::new(), Type::Any));
        self.function(&key, f, &params, &ret)
    }

    /// `def NAME(PARAMS) -> RET:` and the body.
    fn function(
        &mut self,
        key: &str,
        f: &FnDecl,
        params: &[crate::check::Param],
        ret: &Type,
    ) -> String {
        let name = self.global(key);
        self.begin_scope(f.is_async, Some(ret.clone()));
        let mut ps = Vec::new();
        for (i, p) in f.params.iter().enumerate() {
            let py = self.bind_param(&p.name.name);
            let ty = params.get(i).map(|p| p.ty.clone()).unwrap_or(Type::Any);
            let ann = self.annotation(&ty);
            match &p.default {
                Some(d) => {
                    let d = self.expr(d);
                    ps.push(format!("{py}: {ann} = {d}"));
                }
                None => ps.push(format!("{py}: {ann}")),
            }
        }
        let ret_ann = self.annotation(ret);
        let head = format!(
            "{}def {name}({}) -> {ret_ann}:\n",
            if f.is_async { "async " } else { "" },
            ps.join(", ")
        );
        let mut out = head;
        self.block(&f.body, 1, &mut out);
        self.end_scope();
        out
    }

    // -------------------------------------------------------------------------------------
    // Scopes of a function body
    // -------------------------------------------------------------------------------------

    fn begin_scope(&mut self, is_async: bool, ret: Option<Type>) {
        self.scopes = vec![HashMap::new()];
        self.used.clear();
        self.in_async = is_async;
        self.ret = ret;
    }

    fn end_scope(&mut self) {
        self.scopes.clear();
        self.used.clear();
    }

    fn bind_param(&mut self, name: &Name) -> String {
        let py = names::py_name(name);
        self.used.insert(py.clone());
        if let Some(s) = self.scopes.last_mut() {
            s.insert(name.clone(), py.clone());
        }
        py
    }

    /// A new local binding: its Python name is the script's, unless that would reach another
    /// binding still in sight (an enclosing one it shadows), a top-level name, or a builtin
    /// it hides: then a numbered one.
    fn bind_local(&mut self, name: &Name) -> String {
        let base = names::py_name(name);
        let taken = |s: &Self, py: &str| {
            s.scopes.iter().any(|sc| sc.values().any(|v| v == py)) || s.global_py.contains(py)
        };
        let hides_builtin = base == name.as_str() && crate::check::is_builtin_name(name);
        let mut py = base.clone();
        if hides_builtin || taken(self, &py) {
            let mut i = 2;
            loop {
                py = format!("{base}_{i}");
                if !taken(self, &py) {
                    break;
                }
                i += 1;
            }
        }
        self.used.insert(py.clone());
        if let Some(s) = self.scopes.last_mut() {
            s.insert(name.clone(), py.clone());
        }
        py
    }

    /// A comprehension's binding: Python gives comprehensions their own scope, so the name
    /// stays as it is (unless Python reserves it).
    fn bind_comp(&mut self, name: &Name) -> String {
        let py = names::py_name(name);
        if let Some(s) = self.scopes.last_mut() {
            s.insert(name.clone(), py.clone());
        }
        py
    }

    fn lookup_local(&self, name: &str) -> Option<&String> {
        self.scopes.iter().rev().find_map(|s| s.get(name))
    }

    fn type_of(&self, e: &Expr) -> Option<&'p Type> {
        self.p.checked.expr_types.get(&e.span)
    }
}

/// Calls `f` on each struct named inside `t`.
fn struct_refs(t: &Type, f: &mut dyn FnMut(&Name)) {
    match t {
        Type::Struct(n) => f(n),
        Type::List(e) | Type::Optional(e) | Type::Future(e) => struct_refs(e, f),
        Type::Dict(k, v) => {
            struct_refs(k, f);
            struct_refs(v, f);
        }
        Type::Tuple(ts) | Type::Union(ts) => ts.iter().for_each(|t| struct_refs(t, f)),
        _ => {}
    }
}

fn mentions_struct(t: &Type, key: &str) -> bool {
    let mut found = false;
    struct_refs(t, &mut |n| found |= n.as_str() == key);
    found
}

fn has_future(t: &Type) -> bool {
    match t {
        Type::Future(_) => true,
        Type::List(e) | Type::Optional(e) => has_future(e),
        Type::Dict(k, v) => has_future(k) || has_future(v),
        Type::Tuple(ts) | Type::Union(ts) => ts.iter().any(has_future),
        _ => false,
    }
}

/// A topological order of `0..deps.len()` (each after its dependencies), keeping the given
/// order where nothing constrains it; a cycle (which the checker rejects) keeps source order.
fn topo(deps: &[Vec<usize>]) -> Vec<usize> {
    let n = deps.len();
    let mut state = vec![0u8; n];
    let mut out = Vec::with_capacity(n);
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        // Iterative DFS: (node, next dependency index).
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some((node, i)) = stack.pop() {
            if let Some(&d) = deps[node].get(i) {
                stack.push((node, i + 1));
                if state[d] == 0 {
                    state[d] = 1;
                    stack.push((d, 0));
                }
            } else {
                state[node] = 2;
                out.push(node);
            }
        }
    }
    out
}
