//! `flyte-dsl export python|k8s FILE [-o OUT]`: check, then write the export.
//!
//! A script with errors prints its diagnostics and writes nothing (exit 1). The output goes to
//! stdout without `-o`; with it, to a temporary file beside OUT that is renamed over OUT once
//! complete, so no half-written file is ever left (an unwritable OUT is exit 2).

use flyte_dsl::check::imports;
use flyte_dsl::diagnostics::{self, SourceMap};
use flyte_dsl::export;
use std::io::Write;
use std::path::Path;

/// What to export.
#[derive(Clone, Copy)]
pub enum Target {
    Python,
    K8s,
}

pub fn export(
    target: Target,
    file: &Path,
    out: Option<&Path>,
    cluster: Option<&Path>,
    granted: &[std::path::PathBuf],
) -> i32 {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("error: cannot read {}: {e}", file.display());
            return 2;
        }
    };
    let cluster = match super::run::load_cluster(cluster) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let mut map = SourceMap::new();
    let name = file.display().to_string();
    let colour = super::use_colour();
    let resolver = imports::relative_files(&super::import_roots(file, granted));
    let prepared = match export::prepare(&mut map, &name, &bytes, &resolver, &cluster) {
        Ok(p) => p,
        Err(diags) => {
            eprint!("{}", diagnostics::render_all(&diags, &map, colour));
            return 1;
        }
    };
    eprint!(
        "{}",
        diagnostics::render_all(&prepared.warnings, &map, colour)
    );
    let text = match target {
        Target::Python => export::python::export(&prepared, &source_label(file), None),
        Target::K8s => export::k8s::export(&prepared),
    };
    match out {
        None => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(text.as_bytes())
                .and_then(|_| stdout.flush())
                .is_err()
            {
                return 2;
            }
            0
        }
        Some(path) => match write_atomically(path, text.as_bytes()) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                2
            }
        },
    }
}

/// The script's name as the header gives it: its file name.
fn source_label(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string())
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over `path`: a reader
/// sees the old file or the whole new one, never part of it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?;
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        file_name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
