//! Pages for the syntax codes, `E01xx`.

use super::CodeInfo;

pub const SYNTAX: &[CodeInfo] = &[
    CodeInfo {
        code: "E0100",
        title: "unexpected token",
        explanation: "The parser met a token that cannot stand where it is. The message names \
            what was found and what could have come instead; the label points at the token \
            where parsing stopped (at the end of the file when the input ends too early).",
        wrong: "env base = TaskEnvironment(name = \"base\")\n\n@base\ntask double(x: int) -> int {\n    return x * * 2\n}\n",
        right: "env base = TaskEnvironment(name = \"base\")\n\n@base\ntask double(x: int) -> int {\n    return x * 2\n}\n",
    },
    CodeInfo {
        code: "E0101",
        title: "invalid UTF-8",
        explanation: "Source files are UTF-8. A byte sequence that is not valid UTF-8 is \
            reported at its offset; the rest of the file is still parsed, with those bytes \
            read as spaces.",
        wrong: "let greeting = \"caf\u{FFFD}\"   # written in Latin-1, the \u{e9} is byte 0xE9\n",
        right: "let greeting = \"caf\u{e9}\"\n",
    },
    CodeInfo {
        code: "E0102",
        title: "unclosed bracket",
        explanation: "A `(`, `[` or `{` is never closed. The primary label points where \
            parsing stopped: the end of the file, a closing bracket of another kind, or the \
            next line that starts a declaration at column 0. A second label points at the \
            bracket that was left open.",
        wrong: "let sizes = [1, 2, 3\n\nlet total = 6\n",
        right: "let sizes = [1, 2, 3]\n\nlet total = 6\n",
    },
    CodeInfo {
        code: "E0103",
        title: "unexpected closing bracket",
        explanation: "A `)`, `]` or `}` closes nothing: no bracket of its kind is open.",
        wrong: "let x = (1 + 2))\n",
        right: "let x = (1 + 2)\n",
    },
    CodeInfo {
        code: "E0104",
        title: "nesting too deep",
        explanation: "Brackets may nest 200 deep, and an expression tree may be 1000 levels \
            deep (each operator of a chain such as `a + b + c` counts as a level); at most 200 \
            `**` or `x if c else y` may chain in one statement without brackets. The limits keep \
            every phase's recursion bounded, so no input can overflow the stack. Split the \
            expression with `let` bindings or helper functions.",
        wrong: "let x = (((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))\n",
        right: "let x = ((1))\n",
    },
    CodeInfo {
        code: "E0105",
        title: "unknown escape in a string",
        explanation: "Strings know the escapes `\\n`, `\\t`, `\\r`, `\\\\`, `\\\"`, `\\0` and \
            `\\u{...}` (one to six hex digits). Any other backslash sequence is an error; write \
            `\\\\` for a literal backslash.",
        wrong: "let path = \"C:\\data\"\n",
        right: "let path = \"C:\\\\data\"\n",
    },
    CodeInfo {
        code: "E0106",
        title: "unterminated string",
        explanation: "A string literal must close on the line it starts. Use `\\n` for a line \
            break inside a string.",
        wrong: "let greeting = \"hello\n",
        right: "let greeting = \"hello\"\n",
    },
    CodeInfo {
        code: "E0107",
        title: "literal out of range",
        explanation: "Integers are 64-bit signed; durations are held in nanoseconds up to about \
            292 years; a `\\u{...}` escape names a Unicode scalar value (at most 10FFFF, not a \
            surrogate); floats must be finite. A literal outside its range is an error, never a \
            silent wrap.",
        wrong: "let big = 99999999999999999999\n",
        right: "let big = 9999999999999999\n",
    },
    CodeInfo {
        code: "E0108",
        title: "invalid character",
        explanation: "A character that starts no token of the language, such as `$`, a \
            backtick, or a control character like NUL, outside a string or comment.",
        wrong: "let price = $5\n",
        right: "let price = 5\n",
    },
    CodeInfo {
        code: "E0109",
        title: "invalid number literal",
        explanation: "A number runs straight into letters. Durations take exactly one unit \
            (`ms`, `s`, `m`, `h`, `d`): `10m` is ten minutes, `10min` is an error.",
        wrong: "let wait = 10min\n",
        right: "let wait = 10m\n",
    },
    CodeInfo {
        code: "E0110",
        title: "invalid assignment target",
        explanation: "The left side of `=`, `+=`, `-=`, `*=` or `/=` must be a name, a list \
            item `xs[i]`, a dict entry `d[k]`, a struct field `p.x`, or (for `=`) a tuple of \
            these. Calls, slices and literals cannot be assigned to.",
        wrong: "fn f() {\n    let xs = [1, 2]\n    len(xs) = 3\n}\n",
        right: "fn f() {\n    let xs = [1, 2]\n    xs[0] = 3\n}\n",
    },
    CodeInfo {
        code: "E0111",
        title: "invalid f-string",
        explanation: "In an f-string, `{expr}` inserts a value and `{{` / `}}` stand for literal \
            braces. A single `}` or an empty `{}` is an error.",
        wrong: "let x = 1\nlet s = f\"x} = {x}\"\n",
        right: "let x = 1\nlet s = f\"x}} = {x}\"\n",
    },
    CodeInfo {
        code: "E0112",
        title: "Python syntax error",
        explanation: "A `.py` file is read as a flyte-sdk module, with Python's own grammar. A file \
            Python cannot parse gets this one diagnostic, at the place the grammar stops, and is \
            not checked further: fix it (the message is the parser's) and check again.",
        wrong: "import flyte\n\nenv = flyte.TaskEnvironment(name=\"e\"\n\n@env.task\ndef f() -> int:\n    return 1\n",
        right: "import flyte\n\nenv = flyte.TaskEnvironment(name=\"e\")\n\n@env.task\ndef f() -> int:\n    return 1\n",
    },
    CodeInfo {
        code: "E0113",
        title: "Python nested too deeply",
        explanation: "A `.py` file with brackets nested more than 200 deep or blocks indented more \
            than 100 levels (Python's own limits), or more than 3,000 operators on one logical line \
            (a tree too deep to walk safely), is refused before it is parsed. Split the \
            expression or the block.",
        wrong: "import flyte\n\nX = (((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((1)))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))))\n",
        right: "import flyte\n\nX = 200\n",
    },
];
