//! Pages for the checker's codes: names and types (`E02xx`) and its warnings.

use super::CodeInfo;

pub const CHECKER: &[CodeInfo] = &[];
