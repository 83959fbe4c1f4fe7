//! Bodies of plain functions and tasks that every engine must run alike (tests/run.rs and
//! tests/engine_agreement.rs), each with its return type; the helpers they call (`add`,
//! `fact`, `boom`, `noisy`, `nothing`, struct `P`) are the tests' own.

pub const BODIES: &[(&str, &str)] = &[
    // Arithmetic, with every operand shape (local, constant, expression).
    ("list[int]", "let a = 7\nlet b = 3\nreturn [a + b, a - 1, 10 - a, a * b, a // b, a % b, -a // 2, -a % 3, a + b * 2, 2 * (a + b), a - b - 1]"),
    ("list[float]", "let a = 7\nreturn [a / 2, a * 1.5, 1.5 + a, 2.0 ** 3.0, a - 0.5]"),
    ("int", "let big = 9223372036854775807\nreturn big + 1"),
    ("int", "let z = 0\nreturn 5 // z"),
    ("list[bool]", "let a = 2\nlet s = \"ab\"\nreturn [a < 3, 3 < a, a == 2, a != 2, 1 < a < 3, 1 < a > 3, \"a\" in s, \"c\" not in s, a >= 2.0, not (a == 3), not (a > 5)]"),
    ("str", "let s = \"x\"\nreturn s + \"y\" + s * 2"),
    // Short-circuits keep their side effects in order.
    ("list[str]", "let log: list[str] = []\nlet r = noisy(log, \"a\", false) and noisy(log, \"b\", true)\nlet q = noisy(log, \"c\", true) or noisy(log, \"d\", true)\nif noisy(log, \"e\", false) or not noisy(log, \"f\", false) { log.append(f\"{r}{q}\") }\nreturn log"),
    // Control flow.
    ("list[int]", "let out: list[int] = []\nlet i = 0\nwhile true {\n    i += 1\n    if i > 8 { break } elif i % 2 == 0 { continue } else { out.append(i) }\n}\nfor x in [1, 2, 3, 4] {\n    if x == 3 { continue }\n    if x == 4 { break }\n    out.append(x * 100)\n}\nreturn out"),
    ("list[str]", "let out: list[str] = []\nfor (k, v) in {\"a\": 1, \"b\": 2}.items() { out.append(f\"{k}={v}\") }\nfor c in \"hi\" { out.append(c) }\nfor (a, (b, c)) in [(1, (2, 3))] { out.append(str(a + b + c)) }\nreturn out"),
    ("int", "let (a, b) = (1, 2)\nlet t = 0\nfor i in range(3) {\n    let a = i * 10\n    t += a + b\n}\nreturn t + a"),
    // Comprehensions, nested and filtered.
    ("list[int]", "let xs = [x * y for x in range(4) if x > 0 for y in range(x) if (x + y) % 2 == 1]\nreturn xs"),
    ("dict[str, int]", "let d = {f\"k{i}\": i * i for i in range(5) if i != 2}\nd[\"k1\"] += 10\nd[\"new\"] = 1\nreturn d"),
    // Strings, f-strings, indexing, slicing, methods.
    ("list[str]", "let x = 3.14159\nlet n = 42\nlet w = \"abc\"\nreturn [f\"{x:.2f}|{n:5d}|{w}|{n}{w}\", w[1], w[-1], w[0:2], \",\".join([w, w.upper()]), \"a,b\".split(\",\")[1], w.replace(\"b\", \"B\")]"),
    ("list[int]", "let xs = [5, 3, 9]\nxs[0] = 1\nxs[1] += 4\nxs.append(len(xs))\nlet ys = sorted(xs)\nreturn ys + xs[1:] + [xs.index(9)]"),
    ("int", "let xs = [1, 2]\nreturn xs[5]"),
    ("int", "let d: dict[str, int] = {}\nreturn d[\"missing\"]"),
    ("int", "let d = {\"a\": 1}\nreturn d.get(\"a\", 0) + d.get(\"b\", 5) + len(d.keys())"),
    ("list[int]", "let d = {1: 10, 2: 20}\nd[1] = 11\nd[3] = 30\nd[2] += 2\nlet k = \"x\"\nlet e = {k: 1}\ne[k] += 1\ne[\"y\"] = e.get(k, 0) * 10\nreturn [d[1], d[2], d[3], len(d), e[k], e[\"y\"]]"),
    // Calls: defaults, keywords, nesting, recursion, spread, None results.
    ("list[int]", "let xs = [1, 2]\nnothing(xs)\nreturn [add(1), add(1, 2), add(b = 3, a = 4), add(add(1, 2), add(3)), fact(10), max(*xs), len(xs)]"),
    ("list[int]", "let r = nothing([])\nreturn [1] if r == none else [2]"),
    // Structs, errors, try/except and raise inside.
    ("list[int]", "let p = P(x = 1, y = 2)\np.x = 5\np.y += p.x\nreturn [p.x, p.y]"),
    ("list[str]", "let out: list[str] = []\ntry {\n    let z = 0\n    out.append(str(1 // z))\n} except ZeroDivisionError as e {\n    out.append(f\"caught {e}\")\n} finally {\n    out.append(\"done\")\n}\nreturn out"),
    ("int", "let x = 3\nif x > 2 { raise ValueError(f\"too big: {x}\") }\nreturn x"),
    ("list[str]", "let out: list[str] = []\nfor i in range(3) {\n    try {\n        out.append(str(boom(i) + add(boom(i - 1))))\n    } except ValueError as e {\n        out.append(str(e))\n        if i == 2 { break }\n    }\n}\nreturn out"),
    ("int", "return add(1, boom(5))"),
    // A value being returned survives calls made by `finally`; a `return` there wins.
    ("list[int]", "let out: list[int] = []\ntry {\n    return [add(1, 2)]\n} finally {\n    out.append(fact(3) + add(4))\n}\nreturn out"),
    ("int", "try {\n    return 1\n} finally {\n    return fact(3)\n}"),
    ("int", "let xs: list[int] = []\nreturn xs.pop()"),
];
