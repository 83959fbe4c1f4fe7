//! `flyte-dsl lsp` at the protocol level: a client speaking JSON-RPC over the server's
//! standard input and output, as editors do.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

struct Client {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: i64,
    /// Notifications received while waiting for responses.
    notes: Vec<Value>,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
            .arg("lsp")
            .env(
                "XDG_CACHE_HOME",
                std::env::temp_dir().join("flyte-dsl-lsp-test-cache"),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut c = Client {
            child,
            stdin,
            stdout,
            next_id: 0,
            notes: Vec::new(),
        };
        let r = c.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        assert_eq!(r["result"]["serverInfo"]["name"], "flyte-dsl");
        assert_eq!(r["result"]["capabilities"]["hoverProvider"], true);
        c.notify("initialized", json!({}));
        c
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn recv(&mut self) -> Value {
        let mut len = 0;
        loop {
            let mut line = String::new();
            assert!(
                self.stdout.read_line(&mut line).unwrap() > 0,
                "the server closed"
            );
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(n) = line.strip_prefix("Content-Length: ") {
                len = n.parse().unwrap();
            }
        }
        let mut body = vec![0; len];
        self.stdout.read_exact(&mut body).unwrap();
        serde_json::from_slice(&body).unwrap()
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.recv();
            if m["id"] == id {
                return m;
            }
            self.notes.push(m);
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            if let Some(i) = self.notes.iter().position(|n| {
                n["method"] == "textDocument/publishDiagnostics" && n["params"]["uri"] == uri
            }) {
                let n = self.notes.remove(i);
                return n["params"]["diagnostics"].as_array().unwrap().clone();
            }
            let m = self.recv();
            self.notes.push(m);
        }
    }

    fn open(&mut self, uri: &str, text: &str) -> Vec<Value> {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "flyte", "version": 1, "text": text}}),
        );
        self.diagnostics(uri)
    }

    fn at(&mut self, method: &str, uri: &str, line: u32, character: u32) -> Value {
        self.request(
            method,
            json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}),
        )["result"]
            .clone()
    }

    /// The quick fixes offered for diagnostic `d`: each one's single edit.
    fn fixes(&mut self, uri: &str, d: &Value) -> Vec<Value> {
        let actions = self.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": uri}, "range": d["range"], "context": {"diagnostics": [d]}}),
        )["result"]
            .clone();
        actions
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["edit"]["changes"][uri][0].clone())
            .collect()
    }

    /// The labels of the completions at a place.
    fn labels(&mut self, uri: &str, line: u32, character: u32) -> Vec<String> {
        let items = self.at("textDocument/completion", uri, line, character);
        items
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    }

    fn stop(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success());
    }
}

fn has(labels: &[String], label: &str) -> bool {
    labels.iter().any(|l| l == label)
}

const SRC: &str = r#"env base = TaskEnvironment(name = "base", resources = Resources(cpu = 2, memory = "4Gi"), cache = "auto")
env gpu = base.clone_with(name = "gpu", resources = Resources(cpu = 4, memory = "16Gi", gpu = "T4:1"))

fn double(x: int) -> int {
    let twice = x * 2
    return twice
}

@gpu(retries = 2)
async task train(n: int) -> int {
    let total = double(n)
    return total
}

@base
async task main() -> int {
    let r = await train.aio(3)
    return r + double(1)
}
"#;

#[test]
fn diagnostics_hover_definition_symbols_completion_formatting() {
    let mut c = Client::start();
    let uri = "file:///tmp/lsp-test/main.flyte";
    let diags = c.open(uri, SRC);
    assert_eq!(diags, Vec::<Value>::new(), "a clean file");

    // Hover: a task's FQN and effective settings (env inheritance, clone_with, decorator).
    let h = c.at("textDocument/hover", uri, 16, 19); // `train` in `train.aio(3)`
    let md = h["contents"]["value"].as_str().unwrap();
    assert!(md.contains("async task train(n: int) -> int"), "{md}");
    assert!(md.contains("FQN `gpu.train`"), "{md}");
    assert!(
        md.contains("resources = Resources(cpu = 4, memory = \"16Gi\""),
        "{md}"
    );
    assert!(md.contains("cache = \"auto\""), "inherited from base: {md}");
    assert!(md.contains("retries = 2"), "{md}");
    // Hover: a local's type.
    let h = c.at("textDocument/hover", uri, 11, 12); // `total` in `return total`
    assert!(
        h["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("total: int"),
        "{h}"
    );

    // Definition: a function, a local, an environment.
    let d = c.at("textDocument/definition", uri, 17, 16); // `double` in main
    assert_eq!(d["range"]["start"], json!({"line": 3, "character": 3}));
    assert_eq!(d["uri"], uri);
    let d = c.at("textDocument/definition", uri, 5, 12); // `twice` in `return twice`
    assert_eq!(d["range"]["start"], json!({"line": 4, "character": 8}));
    let d = c.at("textDocument/definition", uri, 8, 2); // `@gpu`
    assert_eq!(d["range"]["start"], json!({"line": 1, "character": 4}));

    // Symbols.
    let s = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let names: Vec<&str> = s["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["base", "gpu", "double", "train", "main"]);

    // Completion: Resources' fields inside `Resources(`, names in scope elsewhere.
    let text = "env e = TaskEnvironment(name = \"e\", resources = Resources(c))\n";
    let uri2 = "file:///tmp/lsp-test/complete.flyte";
    c.open(uri2, text);
    let labels = c.labels(uri2, 0, 58);
    assert!(
        has(&labels, "cpu") && has(&labels, "memory") && has(&labels, "gpu"),
        "{labels:?}"
    );
    let labels = c.labels(uri, 16, 18);
    assert!(
        has(&labels, "train") && has(&labels, "double") && has(&labels, "gather"),
        "{labels:?}"
    );
    let labels = c.labels(uri, 16, 24); // after `train.`
    assert_eq!(labels, ["aio", "override"]);

    // Device names in a `gpu = "` string; MIG partitions of the device in `partition = "`.
    let text = "env e = TaskEnvironment(name = \"e\", resources = Resources(gpu = \"\"))\nlet r = Resources(gpu = GPU(device = \"A100\", quantity = 1, partition = \"\"))\n";
    let uri4 = "file:///tmp/lsp-test/devices.flyte";
    c.open(uri4, text);
    let labels = c.labels(uri4, 0, 65);
    assert!(has(&labels, "A100") && has(&labels, "T4"), "{labels:?}");
    let labels = c.labels(uri4, 1, 72);
    assert!(has(&labels, "1g.5gb") && !has(&labels, "T4"), "{labels:?}");

    // Formatting: fmt's layout as one edit.
    let messy = "fn f(x:int)->int{return x*2}\n";
    let uri3 = "file:///tmp/lsp-test/messy.flyte";
    c.open(uri3, messy);
    let r = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri3}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(
        r["result"][0]["newText"],
        "fn f(x: int) -> int {\n    return x * 2\n}\n"
    );
    c.stop();
}

#[test]
fn diagnostics_on_change_with_code_link_and_quick_fixes() {
    let mut c = Client::start();
    let uri = "file:///tmp/lsp-test/fix.flyte";
    let diags = c.open(uri, SRC);
    assert!(diags.is_empty());
    // An edit brings a typo in a device name and a missing `await`.
    let broken = SRC
        .replace("gpu = \"T4:1\"", "gpu = \"T5:1\"")
        .replace("let r = await train.aio(3)", "let r: int = train.aio(3)");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": broken}]}),
    );
    let diags = c.diagnostics(uri);
    let codes: Vec<&str> = diags.iter().map(|d| d["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"E0304"), "{diags:?}");
    assert!(codes.contains(&"E0207"), "{diags:?}");
    for d in &diags {
        assert_eq!(d["source"], "flyte-dsl");
        let href = d["codeDescription"]["href"].as_str().unwrap();
        assert!(
            href.starts_with("file://")
                && href.ends_with(&format!("{}.md", d["code"].as_str().unwrap())),
            "{href}"
        );
        let page = std::fs::read_to_string(href.strip_prefix("file://").unwrap()).unwrap();
        assert!(page.contains(d["code"].as_str().unwrap()));
    }
    // The device: line 1, at the string.
    let dev = diags.iter().find(|d| d["code"] == "E0304").unwrap();
    assert_eq!(dev["range"]["start"]["line"], 1);
    // Quick fixes: each rewrites the text at the diagnostic.
    let edit = &c.fixes(uri, dev)[0];
    assert_eq!(edit["newText"], "\"T4:1\"", "{edit}");
    let aw = diags.iter().find(|d| d["code"] == "E0207").unwrap();
    let edit = &c.fixes(uri, aw)[0];
    assert_eq!(edit["newText"], "await ");
    assert_eq!(edit["range"]["start"], aw["range"]["start"]);
    c.stop();
}

/// Go to definition into an imported file, and the starvation warning's fix.
#[test]
fn definition_in_imports_and_the_reuse_fix() {
    let dir = std::env::temp_dir().join(format!("flyte-dsl-lsp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("lib.flyte"),
        "env shared = TaskEnvironment(name = \"shared\")\n\n@shared\nasync task leaf() -> int {\n    return 1\n}\n",
    )
    .unwrap();
    let main = dir.join("main.flyte");
    let src = "import \"lib.flyte\" as lib\nenv solo = TaskEnvironment(name = \"solo\", reusable = ReusePolicy(replicas = 1))\n@solo\nasync task child() -> int {\n    return 1\n}\n@solo\nasync task main() -> int {\n    let a = await lib.leaf()\n    return a + await child()\n}\n";
    std::fs::write(&main, src).unwrap();
    let uri = format!("file://{}", main.display());
    let mut c = Client::start();
    let diags = c.open(&uri, src);
    let w = diags
        .iter()
        .find(|d| d["code"] == "W0401")
        .expect("the starvation warning")
        .clone();
    // `lib.leaf` goes to the task in lib.flyte; the import's path to the file.
    let d = c.at("textDocument/definition", &uri, 8, 23);
    assert!(d["uri"].as_str().unwrap().ends_with("/lib.flyte"), "{d}");
    assert_eq!(d["range"]["start"], json!({"line": 3, "character": 11}));
    let d = c.at("textDocument/definition", &uri, 0, 10);
    assert!(d["uri"].as_str().unwrap().ends_with("/lib.flyte"), "{d}");
    // The fix: `child.override(reusable = "off")()`.
    let edit = &c.fixes(&uri, &w)[0];
    assert_eq!(edit["newText"], ".override(reusable = \"off\")", "{edit}");
    assert_eq!(edit["range"]["start"], json!({"line": 9, "character": 26}));
    c.stop();
    std::fs::remove_dir_all(&dir).unwrap();
}
