// Highlights every .flyte file that parses with the TextMate grammar of editors/vscode, in
// VS Code's own engine, and checks:
// - no character of a valid file gets an `invalid` scope;
// - every keyword of grammar/flyte.pest (the one source of truth for the syntax), outside
//   strings and comments, gets a keyword, storage or constant scope;
// - comments, strings, f-strings (with their fields highlighted as code) and number and
//   duration literals get their scopes;
// - wrong input (`$`, `10min`, an unknown escape) does get `invalid` scopes.
const fs = require("fs");
const path = require("path");
const vsctm = require("vscode-textmate");
const oniguruma = require("vscode-oniguruma");

const root = process.argv[2];
const wasm = fs.readFileSync(path.join(path.dirname(require.resolve("vscode-oniguruma")), "onig.wasm")).buffer;

const keywords = [...fs.readFileSync(path.join(root, "grammar/flyte.pest"), "utf8")
    .matchAll(/^kw_\w+\s*=\s*@\{\s*"(\w+)"/gm)].map((m) => m[1]);
if (keywords.length < 25) throw new Error(`read ${keywords.length} keywords from the grammar`);

function files(dir, out) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            if (!e.name.startsWith(".") && e.name !== "target" && e.name !== "node_modules") files(p, out);
        } else if (e.name.endsWith(".flyte")) out.push(p);
    }
    return out;
}

async function main() {
    await oniguruma.loadWASM(wasm);
    const registry = new vsctm.Registry({
        onigLib: Promise.resolve({
            createOnigScanner: (s) => new oniguruma.OnigScanner(s),
            createOnigString: (s) => new oniguruma.OnigString(s),
        }),
        loadGrammar: async (scope) => scope === "source.flyte"
            ? vsctm.parseRawGrammar(fs.readFileSync(path.join(root, "editors/vscode/syntaxes/flyte.tmLanguage.json"), "utf8"), "flyte.tmLanguage.json")
            : null,
    });
    const grammar = await registry.loadGrammar("source.flyte");

    // Each line's tokens: [{start, end, text, scopes}].
    function highlight(text) {
        let state = vsctm.INITIAL;
        const lines = [];
        for (const line of text.split("\n")) {
            const r = grammar.tokenizeLine(line, state);
            state = r.ruleStack;
            lines.push(r.tokens.map((t) => ({
                start: t.startIndex, end: t.endIndex, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes.join(" "),
            })));
        }
        return lines;
    }
    const scopeAt = (toks, col) => (toks.find((t) => t.start <= col && col < t.end) || { scopes: "" }).scopes;

    const failures = [];
    let checked = 0, words = 0;
    const kinds = { comment: 0, string: 0, interpolation: 0, duration: 0, number: 0 };
    for (const file of files(root, [])) {
        const rel = path.relative(root, file);
        // Scripts written to be wrong (syntax tests, fuzz inputs) may hold anything.
        if (/tests\/(scripts\/syntax|fuzz)/.test(rel)) continue;
        const text = fs.readFileSync(file, "utf8");
        const lines = highlight(text);
        checked++;
        lines.forEach((toks, i) => {
            for (const t of toks) {
                if (/\binvalid\b/.test(t.scopes)) failures.push(`${rel}:${i + 1}:${t.start + 1}: ${JSON.stringify(t.text)} is ${t.scopes}`);
                if (/comment\.line/.test(t.scopes)) kinds.comment++;
                if (/string\.quoted/.test(t.scopes)) kinds.string++;
                if (/meta\.interpolation/.test(t.scopes) && /variable|support|entity|constant/.test(t.scopes)) kinds.interpolation++;
                if (/constant\.numeric\.duration/.test(t.scopes)) kinds.duration++;
                if (/constant\.numeric\.(integer|float|hex)/.test(t.scopes)) kinds.number++;
            }
            const line = text.split("\n")[i];
            for (const m of line.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) {
                if (!keywords.includes(m[0])) continue;
                const s = scopeAt(toks, m.index);
                if (/comment|string\.(quoted|interpolated)(?!.*meta\.interpolation)/.test(s)) continue;
                // After a `.` a keyword is a field name (`err.task`).
                if (m.index > 0 && line.slice(0, m.index).trimEnd().endsWith(".")) continue;
                words++;
                if (!/keyword|storage|constant\.language/.test(s)) failures.push(`${rel}:${i + 1}:${m.index + 1}: keyword ${m[0]} is ${s}`);
            }
        });
    }
    for (const [k, n] of Object.entries(kinds)) if (n === 0) failures.push(`no ${k} was highlighted in any file`);

    // Wrong input is marked.
    for (const [src, what] of [["let x = $", "$"], ["let d = 10min", "10min"], ['let s = "a\\qb"', "\\q"]]) {
        const toks = highlight(src)[0];
        const t = toks.find((t) => t.text.includes(what) || what.includes(t.text) && t.text.length > 0 && /invalid/.test(t.scopes));
        if (!t || !/invalid/.test(t.scopes)) failures.push(`${JSON.stringify(src)}: ${JSON.stringify(what)} is not marked invalid: ${JSON.stringify(toks)}`);
    }
    if (failures.length) {
        console.error(failures.slice(0, 50).join("\n"));
        console.error(`highlight: ${failures.length} problems`);
        process.exit(1);
    }
    console.log(`highlight: ${checked} files, ${words} keywords, ${JSON.stringify(kinds)}: ok`);
}
main().catch((e) => { console.error(e); process.exit(1); });
