//! The abstract syntax tree: immutable, with a [`Span`] on every node.
//!
//! Names are [`Name`]s (`SmolStr`: inline up to 23 bytes, cheap to clone, `Send + Sync`).
//! The checker reads this tree as it is, and so does the lowering to the VM's program
//! (`ir`), which resolves names in tables of its own: nothing is written into the tree once it
//! is built. No pest type appears here.

pub use crate::diagnostics::{FileId, Span};
pub use smol_str::SmolStr as Name;

/// A name with the place it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: Name,
    pub span: Span,
}

impl Ident {
    pub fn new(name: impl Into<Name>, span: Span) -> Ident {
        Ident {
            name: name.into(),
            span,
        }
    }
}

/// One parsed file.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Module {
    pub file: FileId,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: ItemKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ItemKind {
    Env(EnvDecl),
    Task(TaskDecl),
    Fn(FnDecl),
    Struct(StructDecl),
    /// A module-level `let` constant.
    Let(LetDecl),
    Import(ImportDecl),
    /// A top-level statement (the REPL runs these; `check` rejects them in files).
    Stmt(Stmt),
}

/// `env NAME = EXPR`
#[derive(Clone, Debug, PartialEq)]
pub struct EnvDecl {
    pub name: Ident,
    pub value: Expr,
}

/// `@ENV(args)` before a task.
#[derive(Clone, Debug, PartialEq)]
pub struct Decorator {
    /// `base` or `lib.base`.
    pub path: Vec<Ident>,
    /// `None` for `@base`, `Some` (possibly empty) for `@base(...)`.
    pub args: Option<Vec<Arg>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
    pub default: Option<Expr>,
    pub span: Span,
}

/// `[@ENV] [async] task NAME(PARAMS) [-> TYPE] { BODY }`: a function with a decorator. It
/// derefs to its [`FnDecl`], so `task.name` and `task.params` read as for a function.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskDecl {
    pub decorator: Option<Decorator>,
    pub func: FnDecl,
}

impl std::ops::Deref for TaskDecl {
    type Target = FnDecl;

    fn deref(&self) -> &FnDecl {
        &self.func
    }
}

/// `[async] fn NAME(PARAMS) [-> TYPE] { BODY }`
#[derive(Clone, Debug, PartialEq)]
pub struct FnDecl {
    pub is_async: bool,
    pub name: Ident,
    pub params: Vec<Param>,
    pub ret: Option<TypeExpr>,
    pub body: Block,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StructField {
    pub name: Ident,
    pub ty: TypeExpr,
}

/// `struct NAME { FIELD: TYPE, ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct StructDecl {
    pub name: Ident,
    pub fields: Vec<StructField>,
}

/// Module-level `let PATTERN [: TYPE] = EXPR`.
#[derive(Clone, Debug, PartialEq)]
pub struct LetDecl {
    pub pattern: Pattern,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
}

/// `import "PATH" [as ALIAS]`
#[derive(Clone, Debug, PartialEq)]
pub struct ImportDecl {
    pub path: String,
    pub path_span: Span,
    pub alias: Option<Ident>,
}

// ---------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeExprKind {
    /// `int`, `lib.Point`, `list[int]`, `dict[str, int]`, `Future[T]`.
    Named {
        path: Vec<Ident>,
        args: Vec<TypeExpr>,
    },
    /// `none`
    None,
    /// `T?`
    Optional(Box<TypeExpr>),
    /// `A | B | C`
    Union(Vec<TypeExpr>),
}

// ---------------------------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------------------------

/// `{ stmt; stmt }`
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Block {
    pub stmts: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AssignOp {
    Set,
    Add,
    Sub,
    Mul,
    Div,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExceptClause {
    /// Empty: catches every error.
    pub types: Vec<Vec<Ident>>,
    pub binding: Option<Ident>,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    Let {
        pattern: Pattern,
        ty: Option<TypeExpr>,
        value: Expr,
    },
    /// `target op= value`; the target is a name, an index, an attribute or a tuple of names.
    Assign {
        target: Expr,
        op: AssignOp,
        value: Expr,
    },
    Expr(Expr),
    If {
        /// `if` and each `elif`: (condition, block).
        branches: Vec<(Expr, Block)>,
        else_block: Option<Block>,
    },
    For {
        pattern: Pattern,
        iter: Expr,
        body: Block,
    },
    While {
        cond: Expr,
        body: Block,
    },
    Break,
    Continue,
    Return(Option<Expr>),
    Raise(Option<Expr>),
    Try {
        body: Block,
        handlers: Vec<ExceptClause>,
        finally: Option<Block>,
    },
    With {
        context: Expr,
        body: Block,
    },
}

/// A binding pattern: `x` or `(a, (b, c))`.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    Name(Ident),
    Tuple(Vec<Pattern>, Span),
}

impl Pattern {
    pub fn span(&self) -> Span {
        match self {
            Pattern::Name(id) => id.span,
            Pattern::Tuple(_, span) => *span,
        }
    }

    /// Every name the pattern binds, left to right.
    pub fn names(&self) -> Vec<&Ident> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(p) = stack.pop() {
            match p {
                Pattern::Name(id) => out.push(id),
                Pattern::Tuple(items, _) => stack.extend(items.iter().rev()),
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    And,
    Or,
}

impl BinOp {
    /// The operator as written in source (`+`, `//`, `and`, ...).
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::And => "and",
            BinOp::Or => "or",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CmpOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    In,
    NotIn,
}

impl CmpOp {
    /// The operator as written in source (`==`, `not in`, ...).
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ArgKind {
    Positional,
    Keyword(Ident),
    /// `*xs`
    Spread,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub kind: ArgKind,
    pub value: Expr,
    pub span: Span,
}

/// One `for PATTERN in ITER if COND...` clause of a comprehension.
#[derive(Clone, Debug, PartialEq)]
pub struct CompClause {
    pub pattern: Pattern,
    pub iter: Expr,
    pub conds: Vec<Expr>,
}

/// A piece of an f-string.
#[derive(Clone, Debug, PartialEq)]
pub enum FStringPart {
    Text(String),
    Field { expr: Expr, spec: Option<String> },
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    /// In nanoseconds.
    Duration(i64),
    Str(String),
    FString(Vec<FStringPart>),
    Bool(bool),
    None,
    /// A name, read.
    Name(Name),
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Dict(Vec<(Expr, Expr)>),
    ListComp {
        elt: Box<Expr>,
        clauses: Vec<CompClause>,
    },
    DictComp {
        key: Box<Expr>,
        value: Box<Expr>,
        clauses: Vec<CompClause>,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `a < b <= c` (chained as in Python: each operand evaluated once).
    Compare {
        first: Box<Expr>,
        rest: Vec<(CmpOp, Expr)>,
    },
    /// `then if cond else otherwise`
    IfElse {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Box<Expr>,
    },
    Await(Box<Expr>),
    Call {
        func: Box<Expr>,
        args: Vec<Arg>,
    },
    Attr {
        obj: Box<Expr>,
        name: Ident,
    },
    Index {
        obj: Box<Expr>,
        index: Box<Expr>,
    },
    Slice {
        obj: Box<Expr>,
        start: Option<Box<Expr>>,
        stop: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
    },
}

impl Expr {
    /// Calls `f` on each direct child expression, left to right.
    pub fn for_each_child<'a>(&'a self, mut f: impl FnMut(&'a Expr)) {
        match &self.kind {
            ExprKind::Int(_)
            | ExprKind::Float(_)
            | ExprKind::Duration(_)
            | ExprKind::Str(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Name(_) => {}
            ExprKind::FString(parts) => {
                for part in parts {
                    if let FStringPart::Field { expr, .. } = part {
                        f(expr);
                    }
                }
            }
            ExprKind::List(items) | ExprKind::Tuple(items) => {
                for item in items {
                    f(item);
                }
            }
            ExprKind::Dict(entries) => {
                for (k, v) in entries {
                    f(k);
                    f(v);
                }
            }
            ExprKind::ListComp { elt, clauses } => {
                for c in clauses {
                    f(&c.iter);
                    for cond in &c.conds {
                        f(cond);
                    }
                }
                f(elt);
            }
            ExprKind::DictComp {
                key,
                value,
                clauses,
            } => {
                for c in clauses {
                    f(&c.iter);
                    for cond in &c.conds {
                        f(cond);
                    }
                }
                f(key);
                f(value);
            }
            ExprKind::Unary { operand, .. } => f(operand),
            ExprKind::Await(e) => f(e),
            ExprKind::Binary { lhs, rhs, .. } => {
                f(lhs);
                f(rhs);
            }
            ExprKind::Compare { first, rest } => {
                f(first);
                for (_, e) in rest {
                    f(e);
                }
            }
            ExprKind::IfElse {
                cond,
                then,
                otherwise,
            } => {
                f(then);
                f(cond);
                f(otherwise);
            }
            ExprKind::Call { func, args } => {
                f(func);
                for a in args {
                    f(&a.value);
                }
            }
            ExprKind::Attr { obj, .. } => f(obj),
            ExprKind::Index { obj, index } => {
                f(obj);
                f(index);
            }
            ExprKind::Slice {
                obj,
                start,
                stop,
                step,
            } => {
                f(obj);
                for e in [start, stop, step].into_iter().flatten() {
                    f(e);
                }
            }
        }
    }

    /// The span of a node deeper than `limit` in this tree, found without recursion.
    pub fn deeper_than(&self, limit: usize) -> Option<Span> {
        let mut stack = vec![(self, 1usize)];
        while let Some((e, d)) = stack.pop() {
            if d > limit {
                return Some(e.span);
            }
            e.for_each_child(|c| stack.push((c, d + 1)));
        }
        None
    }
}

impl Item {
    /// The span of an expression node deeper than `limit`, in any expression of the item.
    pub fn deepest_expr(&self, limit: usize) -> Option<Span> {
        let mut found = None;
        self.for_each_expr(&mut |e: &Expr| {
            if found.is_none() {
                found = e.deeper_than(limit);
            }
        });
        found
    }

    /// Calls `f` on every top-level expression of the item (bodies included).
    pub fn for_each_expr(&self, mut check: &mut dyn FnMut(&Expr)) {
        match &self.kind {
            ItemKind::Env(d) => check(&d.value),
            ItemKind::Let(d) => check(&d.value),
            ItemKind::Task(t) => {
                if let Some(dec) = &t.decorator {
                    dec.args.iter().flatten().for_each(|a| check(&a.value));
                }
                t.params
                    .iter()
                    .filter_map(|p| p.default.as_ref())
                    .for_each(&mut check);
                t.body.for_each_expr(&mut check);
            }
            ItemKind::Fn(f) => {
                f.params
                    .iter()
                    .filter_map(|p| p.default.as_ref())
                    .for_each(&mut check);
                f.body.for_each_expr(&mut check);
            }
            ItemKind::Stmt(s) => s.for_each_expr(check),
            ItemKind::Struct(_) | ItemKind::Import(_) => {}
        }
    }
}

impl Block {
    /// Calls `f` on every top-level expression of every statement, nested blocks included.
    pub fn for_each_expr(&self, f: &mut dyn FnMut(&Expr)) {
        for s in &self.stmts {
            s.for_each_expr(f);
        }
    }
}

impl Stmt {
    /// Calls `f` on the statement's own expressions and those of its nested blocks.
    pub fn for_each_expr(&self, f: &mut dyn FnMut(&Expr)) {
        match &self.kind {
            StmtKind::Let { value, .. } => f(value),
            StmtKind::Assign { target, value, .. } => {
                f(target);
                f(value);
            }
            StmtKind::Expr(e) => f(e),
            StmtKind::If {
                branches,
                else_block,
            } => {
                for (c, b) in branches {
                    f(c);
                    b.for_each_expr(f);
                }
                if let Some(b) = else_block {
                    b.for_each_expr(f);
                }
            }
            StmtKind::For { iter, body, .. } => {
                f(iter);
                body.for_each_expr(f);
            }
            StmtKind::While { cond, body } => {
                f(cond);
                body.for_each_expr(f);
            }
            StmtKind::Return(e) | StmtKind::Raise(e) => {
                if let Some(e) = e {
                    f(e)
                }
            }
            StmtKind::Break | StmtKind::Continue => {}
            StmtKind::Try {
                body,
                handlers,
                finally,
            } => {
                body.for_each_expr(f);
                for h in handlers {
                    h.body.for_each_expr(f);
                }
                if let Some(b) = finally {
                    b.for_each_expr(f);
                }
            }
            StmtKind::With { context, body } => {
                f(context);
                body.for_each_expr(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hot_types_stay_small() {
        assert_eq!(std::mem::size_of::<Span>(), 12);
        assert!(
            std::mem::size_of::<Expr>() <= 72,
            "{}",
            std::mem::size_of::<Expr>()
        );
    }
}
