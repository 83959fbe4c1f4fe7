//! Loading a program's files: the root and everything it imports, transitively.
//!
//! `import "std/NAME"` reads a module of the shipped stdlib (embedded in the binary);
//! any other path goes through the host's [`Resolver`] (the CLI's reads files relative to the
//! importing file; the library's default reads nothing, so a script reaches no file unless the
//! host allows it). Each file is parsed once; an import that leads back to a file still being
//! loaded is a cycle (`E0205`).

use super::error::CheckError;
use crate::diagnostics::{Diagnostic, FileId, SourceMap, Span};
use crate::syntax::ast::{ItemKind, Module};

/// Resolves `path` imported by the file named `importer`: the imported file's canonical name
/// (used to recognise the same file imported twice) and its bytes, or why it cannot.
pub type Resolver<'r> = dyn Fn(&str, &str) -> Result<(String, Vec<u8>), String> + 'r;

/// A resolver that resolves nothing (the stdlib is still available).
pub fn no_files(_importer: &str, path: &str) -> Result<(String, Vec<u8>), String> {
    Err(format!(
        "no import resolver is set, so \"{path}\" cannot be read"
    ))
}

/// Files relative to the importing file, as the CLI reads them.
pub fn relative_files(importer: &str, path: &str) -> Result<(String, Vec<u8>), String> {
    let base = std::path::Path::new(importer)
        .parent()
        .unwrap_or(std::path::Path::new(""));
    let full = base.join(path);
    let bytes = std::fs::read(&full).map_err(|e| format!("{}: {e}", full.display()))?;
    let canonical = std::fs::canonicalize(&full).unwrap_or(full.clone());
    let _ = canonical;
    Ok((full.display().to_string(), bytes))
}

/// The stdlib's modules, embedded.
pub const STDLIB: &[(&str, &str)] = &[
    ("std/math", include_str!("../../stdlib/std/math.flyte")),
    (
        "std/resources",
        include_str!("../../stdlib/std/resources.flyte"),
    ),
];

/// Every module of a program; `modules[0]` is the root.
#[derive(Debug, Default)]
pub struct Loaded {
    pub modules: Vec<Module>,
    /// For each module, its imports: (alias, index of the imported module), in order.
    pub imports: Vec<Vec<(Option<crate::syntax::ast::Name>, usize)>>,
    /// Syntax errors of every file, and import errors.
    pub diags: Vec<Diagnostic>,
    /// Each module's source text (for cache versions).
    pub texts: Vec<std::sync::Arc<str>>,
}

/// Parses the root file and, transitively, what it imports.
pub fn load(map: &mut SourceMap, name: &str, bytes: &[u8], resolver: &Resolver<'_>) -> Loaded {
    let mut loaded = Loaded::default();
    let mut names: Vec<String> = Vec::new();
    let mut stack: Vec<String> = Vec::new();
    load_file(
        map,
        name.to_string(),
        bytes,
        resolver,
        &mut loaded,
        &mut names,
        &mut stack,
    );
    loaded
}

fn load_file(
    map: &mut SourceMap,
    name: String,
    bytes: &[u8],
    resolver: &Resolver<'_>,
    loaded: &mut Loaded,
    names: &mut Vec<String>,
    stack: &mut Vec<String>,
) -> usize {
    let id = FileId(map.len() as u32);
    let parsed = crate::syntax::parse_bytes(bytes, id);
    map.add(name.as_str(), parsed.text.as_str());
    loaded
        .diags
        .extend(parsed.errors.iter().map(|e| e.to_diagnostic()));
    let index = loaded.modules.len();
    let imports: Vec<(String, Span, Option<crate::syntax::ast::Name>)> = parsed
        .module
        .items
        .iter()
        .filter_map(|i| match &i.kind {
            ItemKind::Import(d) => Some((
                d.path.clone(),
                d.path_span,
                d.alias.as_ref().map(|a| a.name.clone()),
            )),
            _ => None,
        })
        .collect();
    loaded.modules.push(parsed.module);
    loaded
        .texts
        .push(std::sync::Arc::from(parsed.text.as_str()));
    loaded.imports.push(Vec::new());
    names.push(name.clone());
    stack.push(name.clone());
    for (path, span, alias) in imports {
        let resolved = match STDLIB.iter().find(|(n, _)| *n == path) {
            Some((n, src)) => Ok((n.to_string(), src.as_bytes().to_vec())),
            None if path.starts_with("std/") => Err(format!(
                "the stdlib has no module `{}`; it has: {}",
                &path[4..],
                STDLIB
                    .iter()
                    .map(|(n, _)| *n)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            None => resolver(&name, &path),
        };
        let (target_name, target_bytes) = match resolved {
            Ok(r) => r,
            Err(reason) => {
                loaded.diags.push(
                    CheckError::ImportFailed {
                        at: span,
                        path,
                        reason,
                    }
                    .to_diagnostic(),
                );
                continue;
            }
        };
        if let Some(pos) = stack.iter().position(|s| *s == target_name) {
            let mut chain: Vec<String> = stack[pos..].to_vec();
            chain.push(target_name);
            loaded
                .diags
                .push(CheckError::ImportCycle { at: span, chain }.to_diagnostic());
            continue;
        }
        let target = match names.iter().position(|n| *n == target_name) {
            Some(i) => i,
            None => load_file(
                map,
                target_name,
                &target_bytes,
                resolver,
                loaded,
                names,
                stack,
            ),
        };
        loaded.imports[index].push((alias, target));
    }
    stack.pop();
    index
}
