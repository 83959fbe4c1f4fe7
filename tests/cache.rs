//! The result cache: flyte-sdk's cache model, and a SQLite store that survives concurrent
//! writers and damaged files.

use flyte_dsl::Engine;
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("flyte-dsl-cache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn script(cache: &str, body: &str) -> String {
    format!(
        "env e = TaskEnvironment(name = \"e\", resources = Resources(cpu = 1))\n\
         @e(cache = {cache})\n\
         async task work(x: int, noise: str = \"\") -> int {{\n    sleep(1m)\n    {body}\n}}\n\
         @e\n\
         async task main(noise: str = \"a\") -> tuple[int, int, int] {{\n    return await gather(work(1, noise), work(2, noise), work(1, noise))\n}}\n"
    )
}

async fn cached(engine: &Engine, src: &str, args: serde_json::Value) -> (i64, serde_json::Value) {
    let run = engine
        .compile("c.flyte", src)
        .unwrap()
        .run("main", args)
        .await
        .unwrap();
    (
        run.json()["actions"]["cached"].as_i64().unwrap(),
        run.json()["result"].clone(),
    )
}

#[tokio::test]
async fn auto_versions_follow_the_source_text() {
    let engine = Engine::builder().build();
    let src = script("\"auto\"", "return x * 10");
    assert_eq!(
        cached(&engine, &src, json!({})).await,
        (0, json!([10, 20, 10]))
    );
    // A second run hits for every cacheable action.
    assert_eq!(
        cached(&engine, &src, json!({})).await,
        (3, json!([10, 20, 10]))
    );
    // Editing the body invalidates.
    let edited = script("\"auto\"", "return x * 100");
    assert_eq!(
        cached(&engine, &edited, json!({})).await,
        (0, json!([100, 200, 100]))
    );
}

#[tokio::test]
async fn explicit_versions_ignored_inputs_salt_and_disable() {
    let engine = Engine::builder().build();
    let v2 = script(
        "Cache(behavior = \"override\", version_override = \"v2\", ignored_inputs = [\"noise\"])",
        "return x",
    );
    assert_eq!(cached(&engine, &v2, json!({"noise": "a"})).await.0, 0);
    // The explicit version survives an edit of the body; the ignored input does not matter.
    let v2_edited = script(
        "Cache(behavior = \"override\", version_override = \"v2\", ignored_inputs = [\"noise\"])",
        "return x + 0",
    );
    assert_eq!(
        cached(&engine, &v2_edited, json!({"noise": "b"})).await,
        (3, json!([1, 2, 1]))
    );
    // Another version, or a salt, misses.
    let v3 = script(
        "Cache(behavior = \"override\", version_override = \"v3\", ignored_inputs = [\"noise\"])",
        "return x",
    );
    assert_eq!(cached(&engine, &v3, json!({})).await.0, 0);
    let salted = script("Cache(behavior = \"override\", version_override = \"v2\", ignored_inputs = [\"noise\"], salt = \"s\")", "return x");
    assert_eq!(cached(&engine, &salted, json!({})).await.0, 0);
    // Inputs not ignored are part of the key.
    let plain = script("\"auto\"", "return x");
    assert_eq!(cached(&engine, &plain, json!({"noise": "a"})).await.0, 0);
    assert_eq!(cached(&engine, &plain, json!({"noise": "b"})).await.0, 0);
    assert_eq!(cached(&engine, &plain, json!({"noise": "b"})).await.0, 3);
    // "disable" (and its aliases) never read nor write.
    for off in ["\"disable\"", "\"off\""] {
        let src = script(off, "return x");
        assert_eq!(cached(&engine, &src, json!({})).await.0, 0);
        assert_eq!(cached(&engine, &src, json!({})).await.0, 0);
    }
}

#[tokio::test]
async fn serialize_runs_identical_concurrent_calls_once() {
    let engine = Engine::builder().build();
    let src = script("Cache(behavior = \"auto\", serialize = true)", "return x");
    let run = engine
        .compile("s.flyte", &src)
        .unwrap()
        .run("main", json!({}))
        .await
        .unwrap();
    // work(1) twice and work(2) once: two run, the duplicate waits and counts as a hit.
    assert_eq!(run.json()["actions"]["cached"], 1);
    assert_eq!(run.json()["actions"]["succeeded"], 3);
    assert_eq!(run.json()["result"], json!([1, 2, 1]));
    // The root starts after the image pull and its start (35 s), the children after their own
    // start (5 s, the image is on the node), and sleep a minute: the duplicate adds no time.
    assert_eq!(run.makespan_s(), 35.0 + 5.0 + 60.0, "{}", run.json());
}

#[tokio::test]
async fn the_most_specific_level_wins() {
    let engine = Engine::builder().build();
    let src = "env e = TaskEnvironment(name = \"e\", cache = \"auto\")\n@e\nasync task a(x: int) -> int {\n    return x\n}\n@e(cache = \"disable\")\nasync task b(x: int) -> int {\n    return x\n}\n@e\nasync task main() -> int {\n    let p = await a(1)\n    let q = await b(1)\n    let r = await a.override(cache = \"disable\")(2)\n    return p + q + r\n}\n";
    assert_eq!(cached(&engine, src, json!({})).await.0, 0);
    // Only `a(1)` was stored: b disables at the decorator, a(2) in the override.
    assert_eq!(cached(&engine, src, json!({})).await.0, 1);
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
}

#[test]
fn the_store_persists_survives_concurrent_writers_and_damage() {
    let dir = tmpdir("store");
    let file = dir.join("w.flyte");
    std::fs::write(&file, script("\"auto\"", "return x * 3")).unwrap();
    let run = |extra: &[&str]| {
        let mut c = bin();
        c.arg("run").arg(&file).arg("--json").args(extra);
        c
    };
    // Two processes writing the same file at once both succeed.
    let a = run(&[]).spawn().unwrap();
    let b = run(&[]).spawn().unwrap();
    assert!(a.wait_with_output().unwrap().status.success());
    assert!(b.wait_with_output().unwrap().status.success());
    let db = dir.join(".flyte/cache.db");
    assert!(db.exists());
    let out = run(&[]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["actions"]["cached"], 3, "{v}");
    // cache list shows the entries; clear --task removes them.
    let list = bin()
        .args(["cache", "list", "--cache-dir"])
        .arg(dir.join(".flyte"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert_eq!(
        text.lines().filter(|l| l.starts_with("e.work")).count(),
        2,
        "{text}"
    );
    let cleared = bin()
        .args(["cache", "clear", "--task", "e.work", "--cache-dir"])
        .arg(dir.join(".flyte"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&cleared.stderr).contains("removed 2 entries"));
    // A garbage file: a warning, a fresh cache, the right answer.
    std::fs::write(&db, b"this is not a database at all, it is garbage").unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let out = run(&[]).output().unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("could not be read"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["result"], json!([3, 6, 3]));
    assert_eq!(v["actions"]["cached"], 0);
    // A truncated file too.
    let bytes = std::fs::read(&db).unwrap();
    std::fs::write(&db, &bytes[..bytes.len().min(100)]).unwrap();
    let out = run(&[]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["result"], json!([3, 6, 3]));
    // --no-cache-store reads and writes no file.
    let out = run(&["--no-cache-store"]).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Memory only, and without `serialize` the two identical calls run at the same time: no hit.
    assert_eq!(v["actions"]["cached"], 0, "{v}");
    assert_eq!(v["actions"]["succeeded"], 4);
}

/// Issue 19, item 11: `cache list` and `cache clear` find a script's cache where `run` keeps
/// it (beside the script, given as an argument), say which file they read, and create
/// nothing where there is none (the current folder by default).
#[test]
fn cache_commands_find_the_scripts_cache_and_create_nothing() {
    let dir = tmpdir("beside");
    let file = dir.join("w.flyte");
    std::fs::write(&file, script("\"auto\"", "return x * 3")).unwrap();
    let elsewhere = tmpdir("elsewhere");
    let ran = bin()
        .current_dir(&elsewhere)
        .arg("run")
        .arg(&file)
        .output()
        .unwrap();
    assert!(ran.status.success());
    let db = dir.join(".flyte/cache.db");
    assert!(db.exists());
    // From another folder, with nothing named: the current folder's cache, which is not
    // there; it says where it looked and creates nothing.
    for cmd in ["list", "clear"] {
        let out = bin()
            .current_dir(&elsewhere)
            .args(["cache", cmd])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no cache at .flyte/cache.db"), "{err}");
        assert!(err.contains("cache list SCRIPT"), "{err}");
        assert!(!elsewhere.join(".flyte").exists(), "cache {cmd} created it");
    }
    // With the script (or its folder): the cache beside it.
    for target in [&file, &dir] {
        let out = bin()
            .current_dir(&elsewhere)
            .args(["cache", "list"])
            .arg(target)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(text.lines().filter(|l| l.starts_with("e.work")).count(), 2);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("2 entries in {}", db.display())),
            "{err}"
        );
    }
    let out = bin()
        .current_dir(&elsewhere)
        .args(["cache", "clear"])
        .arg(&file)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("removed 2 entries from {}", db.display())),
        "{err}"
    );
    // A script and --cache-dir together are a usage error.
    let both = bin()
        .args(["cache", "list"])
        .arg(&file)
        .arg("--cache-dir")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
}
