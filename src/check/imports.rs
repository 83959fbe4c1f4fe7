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

/// The largest file an import reads (16 MiB); a larger one is refused unread.
pub const MAX_IMPORT_BYTES: u64 = 16 << 20;

/// Files relative to the importing file, as the CLI reads them, confined to `roots` (folders;
/// the CLI gives the main script's folder and each `--import-root`): an import whose real
/// path (symbolic links followed) is outside every root is refused, as is anything but a
/// regular file (a FIFO, a device, a folder) and a file larger than [`MAX_IMPORT_BYTES`].
/// The reasons name the path, never the file's content. A root that does not exist allows
/// nothing.
pub fn relative_files(
    roots: &[std::path::PathBuf],
) -> impl Fn(&str, &str) -> Result<(String, Vec<u8>), String> {
    let roots: Vec<std::path::PathBuf> = roots
        .iter()
        .filter_map(|r| std::fs::canonicalize(r).ok())
        .collect();
    move |importer, path| read_confined(&roots, importer, path)
}

/// The folder imports of the script `file` may read: its own.
pub fn script_root(file: &std::path::Path) -> std::path::PathBuf {
    match file.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    }
}

fn read_confined(
    roots: &[std::path::PathBuf],
    importer: &str,
    path: &str,
) -> Result<(String, Vec<u8>), String> {
    use std::io::Read;
    let base = std::path::Path::new(importer)
        .parent()
        .unwrap_or(std::path::Path::new(""));
    let full = base.join(path);
    let shown = full.display();
    let real = std::fs::canonicalize(&full).map_err(|e| format!("{shown}: {e}"))?;
    if !roots.iter().any(|r| real.starts_with(r)) {
        let allowed: Vec<String> = roots.iter().map(|r| r.display().to_string()).collect();
        return Err(format!(
            "{shown} is outside the folders imports may read ({}); `--import-root DIR` allows another",
            if allowed.is_empty() {
                "none".to_string()
            } else {
                allowed.join(", ")
            }
        ));
    }
    let not_regular =
        |m: &std::fs::Metadata| (!m.is_file()).then(|| format!("{shown} is not a regular file"));
    let too_large = |len: u64| {
        (len > MAX_IMPORT_BYTES)
            .then(|| format!("{shown} is larger than the import limit of {MAX_IMPORT_BYTES} bytes"))
    };
    let meta = std::fs::metadata(&real).map_err(|e| format!("{shown}: {e}"))?;
    if let Some(e) = not_regular(&meta).or_else(|| too_large(meta.len())) {
        return Err(e);
    }
    // Opened without blocking (a FIFO swapped in after the check must not hang the read),
    // and checked again through the handle.
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(&real).map_err(|e| format!("{shown}: {e}"))?;
    let meta = file.metadata().map_err(|e| format!("{shown}: {e}"))?;
    if let Some(e) = not_regular(&meta) {
        return Err(e);
    }
    let mut bytes = Vec::new();
    file.take(MAX_IMPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("{shown}: {e}"))?;
    if let Some(e) = too_large(bytes.len() as u64) {
        return Err(e);
    }
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
    /// Functions of Python files that run opaque (`crate::python`).
    pub opaque: Vec<crate::python::Opaque>,
    /// Python functions to make opaque if the checker rejects their bodies.
    pub fallbacks: Vec<(usize, crate::python::Fallback)>,
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
    settle_python(&mut loaded);
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
    let index = loaded.modules.len();
    let parsed = if crate::python::is_python(&name) {
        let py = crate::python::lower(bytes, id);
        loaded.diags.extend(py.diags);
        loaded.opaque.extend(py.opaque);
        loaded
            .fallbacks
            .extend(py.fallbacks.into_iter().map(|f| (index, f)));
        crate::syntax::Parsed {
            module: py.module,
            errors: Vec::new(),
            text: py.text,
        }
    } else {
        crate::syntax::parse_bytes(bytes, id)
    };
    map.add(name.as_str(), parsed.text.as_str());
    loaded
        .diags
        .extend(parsed.errors.iter().map(|e| e.to_diagnostic()));
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

// Python bodies the checker cannot type become opaque: the step of the Python front end
// (`crate::python`) that runs the checker, at the end of [`load`].
//
// Python is dynamically typed; a body that runs fine in Python may still be one the
// language's checker rejects (a name rebound to another type, a method the language lacks).
// Such a rejection is no mistake of the user's, so the function is swapped for its opaque form
// and the program checked again, until no name or type error (`E02xx`) falls inside a
// lowered Python body. The reason, the checker's own message, is kept for the run's list of
// opaque tasks. Errors outside bodies (settings, signatures) are left for the checker to
// report.

/// How many rounds of checking a Python program gets at most (each makes at least one function
/// opaque; what is left after them is reported as it is).
const ROUNDS: usize = 8;

/// Makes opaque every Python function whose body the checker rejects (see above).
fn settle_python(loaded: &mut Loaded) {
    for _ in 0..ROUNDS {
        if loaded.fallbacks.is_empty() {
            return;
        }
        let (_, diags) = super::check_program(loaded, &super::Options::default());
        let mut changed = false;
        for d in &diags {
            if d.severity != crate::diagnostics::Severity::Error || !d.code.starts_with("E02") {
                continue;
            }
            let Some(at) = d.primary_span() else { continue };
            let hit = loaded.fallbacks.iter().position(|(_, f)| {
                f.body.file == at.file && f.body.start <= at.start && at.end <= f.body.end
            });
            let Some(i) = hit else { continue };
            let (m, f) = loaded.fallbacks.swap_remove(i);
            if let Some(item) = loaded.modules[m].items.get_mut(f.item) {
                *item = f.replacement;
            }
            loaded.opaque.push(crate::python::Opaque {
                name: f.name,
                reason: format!(
                    "the checker cannot follow its body ({}: {})",
                    d.code, d.message
                ),
                span: f.span,
            });
            changed = true;
        }
        if !changed {
            return;
        }
    }
}
