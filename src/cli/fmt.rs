//! `flyte-dsl fmt FILE... [--check]`: the canonical layout, in place.

use flyte_dsl::diagnostics::{self, SourceMap};
use flyte_dsl::syntax::fmt::format_source;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Formats each file in place (`-`: standard input to standard output); with `check`, writes
/// nothing and exits 1 when a file would change. A file with syntax errors is reported and
/// left as it is.
pub fn fmt(files: &[PathBuf], check: bool) -> i32 {
    let mut failed = false;
    let mut changed = Vec::new();
    let mut unchanged = 0;
    for path in files {
        let stdin = path.as_os_str() == "-";
        let bytes = if stdin {
            let mut b = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut b) {
                eprintln!("error: cannot read standard input: {e}");
                return 2;
            }
            b
        } else {
            match std::fs::read(path) {
                Ok(b) => b,
                Err(e) => {
                    eprintln!("error: cannot read {}: {e}", path.display());
                    return 2;
                }
            }
        };
        let name = if stdin {
            "<stdin>".to_string()
        } else {
            path.display().to_string()
        };
        let Some(out) = formatted(&name, &bytes) else {
            failed = true;
            continue;
        };
        if stdin {
            if !check {
                let _ = std::io::stdout().write_all(out.as_bytes());
            }
            if out.as_bytes() != bytes {
                changed.push(name);
            } else {
                unchanged += 1;
            }
            continue;
        }
        if out.as_bytes() == bytes {
            unchanged += 1;
            continue;
        }
        if !check {
            if let Err(e) = write_atomically(path, out.as_bytes()) {
                eprintln!("error: cannot write {}: {e}", path.display());
                return 2;
            }
        }
        changed.push(name);
    }
    if check {
        for name in &changed {
            eprintln!("would reformat {name}");
        }
    }
    let n = changed.len();
    let files = |n: usize| if n == 1 { "file" } else { "files" };
    eprintln!(
        "{n} {} {}, {unchanged} {} already formatted",
        files(n),
        if check {
            "would be reformatted"
        } else {
            "reformatted"
        },
        files(unchanged)
    );
    if failed || (check && n > 0) {
        1
    } else {
        0
    }
}

/// The file formatted, or `None` after printing its syntax errors.
fn formatted(name: &str, bytes: &[u8]) -> Option<String> {
    let mut map = SourceMap::new();
    let file = map.add(name, String::from_utf8_lossy(bytes).as_ref());
    let Ok(text) = std::str::from_utf8(bytes) else {
        let parsed = flyte_dsl::syntax::parse_bytes(bytes, file);
        let diags: Vec<_> = parsed.errors.iter().map(|e| e.to_diagnostic()).collect();
        eprint!(
            "{}",
            diagnostics::render_all(&diags, &map, super::use_colour())
        );
        return None;
    };
    match format_source(text) {
        Ok(out) => Some(out),
        Err(errors) => {
            let parsed = flyte_dsl::syntax::parse(text, file);
            let diags: Vec<_> = parsed.errors.iter().map(|e| e.to_diagnostic()).collect();
            debug_assert_eq!(diags.len(), errors.len());
            eprint!(
                "{}",
                diagnostics::render_all(&diags, &map, super::use_colour())
            );
            eprintln!("error: {name} not formatted: it has syntax errors");
            None
        }
    }
}

/// Writes beside the file, then renames over it: a failure leaves the old file whole.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .join(format!(".{name}.fmt-{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
