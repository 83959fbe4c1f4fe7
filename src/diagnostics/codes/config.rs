//! Pages for the configuration codes: resources (`E03xx`), reuse (`E04xx`), overrides and
//! task settings (`E05xx`), and their warnings (`W03xx`-`W05xx`).

use super::CodeInfo;

pub const CONFIG: &[CodeInfo] = &[];
