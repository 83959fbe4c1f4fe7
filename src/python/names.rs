//! What the module's names stand for: imports (`import flyte as fl`, `from flyte import
//! Resources as R`, `from datetime import timedelta`) and the module's own declarations.
//!
//! Every name bound by an import has a canonical dotted path (`fl` -> `flyte`, `R` ->
//! `flyte.Resources`), so an expression such as `fl.errors.OOMError` canonicalizes to
//! `flyte.errors.OOMError` however it was imported. [`dsl_name`] maps the canonical paths the
//! language knows to its own names.

use rustpython_parser::ast;
use std::collections::{HashMap, HashSet};

/// A dataclass field: its name, annotation and default (`= v`, `field(default=v)` or
/// `field(default_factory=f)`).
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub annotation: ast::Expr,
    pub default: Option<ast::Expr>,
}

/// The module's names.
#[derive(Default, Debug)]
pub struct Names {
    /// Local name -> canonical dotted path, for every imported name.
    pub imported: HashMap<String, String>,
    /// Environments declared at module level.
    pub envs: HashSet<String>,
    /// Tasks (`@env.task` functions).
    pub tasks: HashSet<String>,
    /// Other functions.
    pub fns: HashSet<String>,
    /// Dataclasses and their fields (name, annotation, default).
    pub structs: HashMap<String, Vec<Field>>,
    /// Module-level constants the language can hold.
    pub consts: HashSet<String>,
    /// Module-level names bound to something the language cannot hold (a class, a client).
    pub others: HashSet<String>,
    /// Module-level loggers (`logger = logging.getLogger(...)`): their calls are left out.
    pub loggers: HashSet<String>,
}

impl Names {
    /// Records an `import` or `from ... import`.
    pub fn import(&mut self, stmt: &ast::Stmt) {
        match stmt {
            ast::Stmt::Import(i) => {
                for a in &i.names {
                    let full = a.name.as_str();
                    match &a.asname {
                        Some(alias) => {
                            self.imported.insert(alias.to_string(), full.to_string());
                        }
                        None => {
                            // `import flyte.errors` binds `flyte`.
                            let head = full.split('.').next().unwrap_or(full);
                            self.imported.insert(head.to_string(), head.to_string());
                        }
                    }
                }
            }
            ast::Stmt::ImportFrom(i) => {
                let module = i.module.as_ref().map(|m| m.as_str()).unwrap_or("");
                let relative = i.level.map(|l| l.to_u32()).unwrap_or(0) > 0;
                for a in &i.names {
                    let local = a.asname.as_ref().unwrap_or(&a.name).to_string();
                    let path = if relative {
                        format!(".{module}.{}", a.name)
                    } else {
                        format!("{module}.{}", a.name)
                    };
                    self.imported.insert(local, path);
                }
            }
            _ => {}
        }
    }

    /// The canonical dotted path of a name or attribute chain rooted at an import.
    pub fn canon(&self, e: &ast::Expr) -> Option<String> {
        match e {
            ast::Expr::Name(n) => self.imported.get(n.id.as_str()).cloned().or_else(|| {
                // Python's own builtins.
                matches!(n.id.as_str(), "Exception" | "BaseException")
                    .then(|| format!("builtins.{}", n.id))
            }),
            ast::Expr::Attribute(a) => {
                let base = self.canon(&a.value)?;
                Some(format!("{base}.{}", a.attr))
            }
            _ => None,
        }
    }

    /// Whether a module-level name is declared by the module itself.
    pub fn is_own(&self, n: &str) -> bool {
        self.envs.contains(n)
            || self.tasks.contains(n)
            || self.fns.contains(n)
            || self.structs.contains_key(n)
            || self.consts.contains(n)
    }
}

/// The configuration constructors of flyte-sdk that the language has.
pub use crate::syntax::CONSTRUCTORS;

/// The language's name for a canonical path, where it has one.
pub fn dsl_name(canon: &str) -> Option<&str> {
    if let Some(rest) = canon.strip_prefix("flyte.errors.") {
        return Some(rest);
    }
    if let Some(rest) = canon.strip_prefix("flyte.") {
        if CONSTRUCTORS.contains(&rest) || matches!(rest, "group" | "map") {
            return Some(rest);
        }
        return None;
    }
    Some(match canon {
        "asyncio.gather" => "gather",
        "builtins.Exception" | "builtins.BaseException" => "Error",
        "random.random" => "random",
        _ => return None,
    })
}

/// The first part of a canonical path: the module a name came from.
pub fn module_of(canon: &str) -> &str {
    canon.split('.').next().unwrap_or(canon)
}
