//! The host stays out of a script's reach: imports read regular files of bounded size under
//! the script's folder (or a folder granted with `--import-root`), never block, and their
//! diagnostics never echo what a refused file holds.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const ENV_OK: &str =
    "env e = TaskEnvironment(name = \"e\")\n@e\ntask main() -> int {\n    return 1\n}\n";

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("flyte-dsl-host-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs the binary with `args` (and `stdin`), killing it and failing after 30 s: a blocked
/// read or a runaway allocation is a failure, not a hung test suite.
fn run_in(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_flyte-dsl"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .env("FLYTE_DSL_TEST_SECRET", "s3cr3t-marker-in-the-environment")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut input = child.stdin.take().unwrap();
        input.write_all(stdin.as_bytes()).unwrap();
    }
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("flyte-dsl {args:?} did not finish in 30 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn check(dir: &Path, script: &str, extra: &[&str]) -> (i32, String) {
    std::fs::write(dir.join("main.flyte"), script).unwrap();
    let mut args = vec!["check", "main.flyte"];
    args.extend_from_slice(extra);
    let out = run_in(dir, &args, "");
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn import(path: &str) -> String {
    format!("import \"{path}\"\n{ENV_OK}")
}

#[test]
fn dev_zero_is_outside_the_root_and_not_a_regular_file_when_granted() {
    let dir = tmpdir("zero");
    let (code, err) = check(&dir, &import("/dev/zero"), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("E0204") && err.contains("/dev/zero is outside the folders imports may read"),
        "{err}"
    );
    // Granting /dev still reads no device: only regular files are imported.
    let (code, err) = check(&dir, &import("/dev/zero"), &["--import-root", "/dev"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("E0204") && err.contains("/dev/zero is not a regular file"),
        "{err}"
    );
}

#[test]
fn a_fifo_inside_the_root_is_refused_without_blocking() {
    let dir = tmpdir("fifo");
    let fifo = dir.join("pipe.flyte");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let (code, err) = check(&dir, &import("pipe.flyte"), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("pipe.flyte is not a regular file"), "{err}");
}

#[test]
fn proc_self_environ_is_refused_and_never_echoed() {
    let dir = tmpdir("environ");
    let (code, err) = check(&dir, &import("/proc/self/environ"), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E0204") && err.contains("outside"), "{err}");
    assert!(!err.contains("s3cr3t-marker"), "{err}");
    // The REPL (whose root is the current folder) refuses it too.
    let out = run_in(&dir, &["repl"], "import \"/proc/self/environ\"\n");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("E0204") && text.contains("outside"), "{text}");
    assert!(!text.contains("s3cr3t-marker"), "{text}");
}

#[test]
fn parent_escapes_and_symlinks_out_of_the_root_are_refused_unless_granted() {
    let dir = tmpdir("escape");
    let inner = dir.join("inner");
    std::fs::create_dir_all(inner.join("lib")).unwrap();
    std::fs::write(dir.join("secret.flyte"), "TOP-SECRET-LINE and more\n").unwrap();
    let (code, err) = check(&inner, &import("../secret.flyte"), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("E0204") && err.contains("outside"), "{err}");
    assert!(!err.contains("TOP-SECRET-LINE"), "{err}");
    // A long climb to the password file.
    let (code, err) = check(&inner, &import("../../../../../../../../etc/passwd"), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("outside") && !err.contains("root:"), "{err}");
    // A link inside the root to a file outside it.
    std::os::unix::fs::symlink(dir.join("secret.flyte"), inner.join("lib/link.flyte")).unwrap();
    let (code, err) = check(&inner, &import("lib/link.flyte"), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("outside") && !err.contains("TOP-SECRET-LINE"),
        "{err}"
    );
    // Files below the script's folder are read; a granted folder opens the parent.
    std::fs::write(inner.join("lib/ok.flyte"), "let answer = 42\n").unwrap();
    std::fs::write(dir.join("shared.flyte"), "let shared = 1\n").unwrap();
    let (code, err) = check(&inner, &import("lib/ok.flyte"), &[]);
    assert_eq!((code, err.as_str()), (0, ""));
    let root = dir.to_str().unwrap();
    let (code, err) = check(&inner, &import("../shared.flyte"), &["--import-root", root]);
    assert_eq!((code, err.as_str()), (0, ""));
    // run and export python confine the same way.
    for cmd in [
        &["run", "main.flyte"][..],
        &["export", "python", "main.flyte"],
    ] {
        std::fs::write(inner.join("main.flyte"), import("../shared.flyte")).unwrap();
        let out = run_in(&inner, cmd, "");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{cmd:?}: {err}");
        assert!(err.contains("outside"), "{cmd:?}: {err}");
        let mut granted = cmd.to_vec();
        granted.extend(["--import-root", root]);
        let out = run_in(&inner, &granted, "");
        assert_eq!(out.status.code(), Some(0), "{granted:?}");
    }
    // A grant that is not a folder is a usage error.
    let (code, err) = check(&inner, ENV_OK, &["--import-root", "no/such/dir"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--import-root no/such/dir is not a folder"),
        "{err}"
    );
}

#[test]
fn a_file_over_the_size_limit_is_refused_unread() {
    let dir = tmpdir("large");
    let big = std::fs::File::create(dir.join("big.flyte")).unwrap();
    big.set_len((16 << 20) + 1).unwrap();
    let (code, err) = check(&dir, &import("big.flyte"), &[]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("big.flyte is larger than the import limit of 16777216 bytes"),
        "{err}"
    );
    // At the limit exactly, it is read.
    let mut text = "let x = 1\n".to_string();
    text.push_str(&" ".repeat((16 << 20) - text.len()));
    std::fs::write(dir.join("edge.flyte"), text).unwrap();
    let (code, err) = check(&dir, &import("edge.flyte"), &[]);
    assert_eq!((code, err.as_str()), (0, ""));
}
