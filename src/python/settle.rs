//! Bodies the checker cannot type become opaque: the one step of the Python front end that
//! runs after the checker (from [`crate::check::imports::load`]).
//!
//! Python is dynamically typed; a body that runs fine in Python may still be one the
//! language's checker rejects (a name rebound to another type, a method the language lacks).
//! Such a rejection is no mistake of the user's, so the function is swapped for its opaque form
//! and the program checked again, until no name or type error (`E02xx`) falls inside a
//! lowered Python body. The reason, the checker's own message, is kept for the run's list of
//! opaque tasks. Errors outside bodies (settings, signatures) are left for the checker to
//! report.

use super::Opaque;
use crate::check::imports::Loaded;

/// How many rounds of checking a program gets at most (each makes at least one function
/// opaque; what is left after them is reported as it is).
const ROUNDS: usize = 8;

/// Makes opaque every Python function whose body the checker rejects (see the module docs).
pub fn settle(loaded: &mut Loaded) {
    for _ in 0..ROUNDS {
        if loaded.fallbacks.is_empty() {
            return;
        }
        let (_, diags) = crate::check::check_program(loaded, &crate::check::Options::default());
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
            loaded.opaque.push(Opaque {
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
