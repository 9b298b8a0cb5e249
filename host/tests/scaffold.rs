//! `bothost new` makes projects that build and pass their own scripted
//! test with `./test.sh`: Rust always, Python and JS when their toolchains
//! built the examples (skipped locally without them, failed in CI).

use std::path::{Path, PathBuf};
use std::process::Command;

use bothost_guests::{COMPILE_CACHE, JS_ECHO, JS_MISSING, PY_ECHO, PYTHON_MISSING, foreign};

/// Scratch space under the target directory, kept between runs so the
/// Rust template's dependencies stay compiled.
fn scratch() -> PathBuf {
    Path::new(COMPILE_CACHE)
        .parent()
        .expect("the cache sits in the guests directory")
        .join("scaffold")
}

/// `bothost new test-bot --lang <lang>` in a fresh directory.
fn new_project(lang: &str) -> PathBuf {
    let dir = scratch().join(lang);
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_bothost"))
        .args(["new", "test-bot", "--lang", lang, "--dir"])
        .arg(&dir)
        .output()
        .expect("run bothost new");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("./test.sh"), "says what to run: {stdout}");
    dir
}

/// Runs the project's `./test.sh` with this build's `bothost`.
fn passes_its_test(dir: &Path, env: &[(&str, &Path)]) {
    let mut cmd = Command::new(dir.join("test.sh"));
    cmd.env("BOTHOST", env!("CARGO_BIN_EXE_bothost"));
    for (key, value) in env {
        cmd.env(key, value);
    }
    let out = cmd.output().expect("run test.sh");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("test.script: ok"),
        "{}: test.sh failed\n{stdout}\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_rust_template_builds_and_passes_its_script() {
    let dir = new_project("rust");
    passes_its_test(
        &dir,
        &[("CARGO_TARGET_DIR", &scratch().join("rust-target"))],
    );
}

#[test]
fn the_python_template_builds_and_passes_its_script() {
    if foreign(PY_ECHO, PYTHON_MISSING).is_none() {
        return;
    }
    passes_its_test(&new_project("python"), &[]);
}

#[test]
fn the_js_template_builds_and_passes_its_script() {
    if foreign(JS_ECHO, JS_MISSING).is_none() {
        return;
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let qjs = workspace.join("tools/js/node_modules/.bin/componentize-qjs");
    passes_its_test(&new_project("js"), &[("COMPONENTIZE_QJS", &qjs)]);
}

#[test]
fn a_bad_name_or_a_used_directory_is_refused() {
    let bad = Command::new(env!("CARGO_BIN_EXE_bothost"))
        .args(["new", "Bad_Name"])
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a bot name"));
    let used = Command::new(env!("CARGO_BIN_EXE_bothost"))
        .args(["new", "fine", "--dir", env!("CARGO_MANIFEST_DIR")])
        .output()
        .expect("run");
    assert!(String::from_utf8_lossy(&used.stderr).contains("already exists"));
}
